"""Every sign-in and every failed sign-in, recorded from Django's auth signals.

A plain record beside whatever limits attempts (it neither counts nor locks), so that the two
can live together; the address is the client's as the proxy in front reports it when
KIKIN_PROXY_SSL_HEADER says there is one (the last X-Forwarded-For hop), else REMOTE_ADDR."""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from kikin.ops.logs import request_id

from .models import SignInRecord

log = logging.getLogger("kikin.signin")


def client_ip(request) -> str | None:
    if request is None:
        return None
    candidates = []
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            candidates.append(forwarded.split(",")[-1].strip())
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for value in candidates:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            continue
    return None


def _record(*, request, user, username: str, succeeded: bool) -> None:
    agent = request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""
    rid = getattr(request, "id", "") or (request_id.get() if request_id.get() != "-" else "")
    SignInRecord.objects.create(
        user=user,
        username=(username or "")[:150],
        succeeded=succeeded,
        ip=client_ip(request),
        user_agent=agent,
        request_id=rid,
    )
    log.info(
        "sign-in %s", "ok" if succeeded else "refused", extra={"username": (username or "")[:150]}
    )


@receiver(user_logged_in, dispatch_uid="kikin.audit.sign_in")
def signed_in(sender, request, user, **kwargs):
    _record(request=request, user=user, username=user.get_username(), succeeded=True)


@receiver(user_login_failed, dispatch_uid="kikin.audit.sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    model = get_user_model()
    username = str(credentials.get(model.USERNAME_FIELD, "") or credentials.get("username", ""))
    user = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
    _record(request=request, user=user, username=username, succeeded=False)
