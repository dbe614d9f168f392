"""A second factor for the staff (the ministry and the agency, and anyone with the admin):
a TOTP authenticator app (django-otp), enrolled once from a QR code or its secret, asked for at
every sign-in. Until verified, staff pages answer with the enrolment or verification page.

Demo accounts marked `second_factor_exempt` (by `load_demo`) skip it only where the settings
allow demo accounts (KIKIN_DEMO_ACCOUNTS: the demo, never production).
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kikin.audit.services import record
from kikin.core.idempotency import form_key_exempt

#: Paths a signed-in person reaches before the second factor: the factor's own pages, signing
#: out, the language, static files, the password pages and the e-mail verification.
OPEN_PREFIXES = (
    "/accounts/second-factor/",
    "/accounts/logout/",
    "/accounts/password/",
    "/accounts/verify-email/",
    "/i18n/",
    "/static/",
    "/health",
)


def is_verified(request) -> bool:
    user = request.user
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified())


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: staff who have not given their second factor in this
    session are sent to give it (or to enrol one) before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.needs_second_factor
            and not is_verified(request)
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            target = "accounts:second_factor" if _device(user) else "accounts:second_factor_enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id").first()


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return "/"
    return target


def _token(request) -> str:
    return "".join(ch for ch in request.POST.get("token", "") if ch.isdigit())[:8]


@login_required
@form_key_exempt  # a wrong code is counted on the device (throttling) even though it is refused
def enrol(request):
    """Enrol an authenticator app: scan the QR code (or type the secret), then give a code."""
    user = request.user
    if _device(user) is not None:
        return redirect("accounts:second_factor")
    device = _device(user, confirmed=False) or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=False
    )
    error = ""
    if request.method == "POST":
        if device.verify_token(_token(request)):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record(actor=user, action="account.second_factor_enrol", obj=user)
            return redirect(_next(request))
        error = _("The code is not right. Check the time of your phone and try again.")
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("QR code"))
    return render(
        request,
        "registration/second_factor_enrol.html",
        {"qr": qr, "secret": secret, "error": error, "next": _next(request)},
        status=400 if error else 200,
    )


@login_required
@form_key_exempt  # a wrong code is counted on the device (throttling) even though it is refused
def verify(request):
    """Give the code of the enrolled authenticator app."""
    user = request.user
    device = _device(user)
    if device is None:
        if not user.needs_second_factor:
            raise Http404
        return redirect("accounts:second_factor_enrol")
    error = ""
    if request.method == "POST":
        allowed, _why = device.verify_is_allowed()
        if allowed and device.verify_token(_token(request)):
            otp_login(request, device)
            return redirect(_next(request))
        error = (
            _("The code is not right.")
            if allowed
            else _("Too many wrong codes: wait a little before trying again.")
        )
    return render(
        request,
        "registration/second_factor.html",
        {"error": error, "next": _next(request)},
        status=400 if error else 200,
    )
