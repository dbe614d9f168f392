"""Self-registered accounts verify their e-mail address before they apply.

The link sent is signed (Django's signing with the site's secret key and a salt of its own),
names the user and the address, and lasts a week; following it marks the address verified.
An unverified person signs in and looks around, but may not start or submit a proposal
(`User.may_apply`, checked in kikin.calls.services).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kikin.audit.services import record

from .models import User

SALT = "kikin.accounts.email-verification"
MAX_AGE_SECONDS = 7 * 24 * 3600


def make_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=SALT, compress=True)


def read_token(token: str) -> User | None:
    """The user a valid, unexpired token names, if the address it names is still theirs."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u")).first()
    if user is None or user.email != data.get("e"):
        return None
    return user


def send_verification(request, user: User) -> None:
    """Mail the link (after the transaction that made the account commits)."""
    if not user.email:
        return
    link = request.build_absolute_uri(reverse("accounts:verify_email", args=[make_token(user)]))
    context = {"user": user, "link": link, "days": MAX_AGE_SECONDS // 86400}
    subject = render_to_string("registration/verify_email_subject.txt", context).strip()
    body = render_to_string("registration/verify_email_email.txt", context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    )


@transaction.atomic
def mark_verified(user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        record(actor=user, action="account.verify_email", obj=user, after={"email": user.email})


def verify(request, token: str):
    """The link in the mail: the address is verified (for whoever follows it, signed in or not)."""
    user = read_token(token)
    if user is None:
        return render(request, "registration/verify_email_failed.html", status=400)
    mark_verified(user)
    messages.success(request, _("Your e-mail address is verified. You may now apply."))
    return redirect("accounts:organisation" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
def resend(request):
    user = request.user
    if user.email_verified_at is None:
        send_verification(request, user)
        messages.success(
            request, _("A new link has been sent to %(email)s.") % {"email": user.email}
        )
    return redirect("accounts:organisation")
