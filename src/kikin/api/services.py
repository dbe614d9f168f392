"""Writes of API tokens: made by their user (the token shown once), revoked by their user."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kikin.audit.services import record

from .models import ApiToken

TOKEN_PREFIX = "kikin_"
MAX_ACTIVE_TOKENS = 20


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def create_token(*, actor, name: str) -> tuple[ApiToken, str]:
    """A new token for `actor`: (the row, the token itself, which is never stored and is shown
    only now). Side effect: audit record."""
    if not actor.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    name = (name or "").strip()
    if not name or len(name) > 100 or "\x00" in name:
        raise ValidationError({"name": _("Name the token (at most 100 characters).")})
    if ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            {"name": _("At most %(n)s active tokens: revoke one first.") % {"n": MAX_ACTIVE_TOKENS}}
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=actor, name=name, prefix=token[: len(TOKEN_PREFIX) + 6], digest=digest(token)
    )
    record(actor=actor, action="api.token_create", obj=row, after={"name": name})
    return row, token


@transaction.atomic
def revoke_token(*, actor, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk:
        raise PermissionDenied(_("Only its owner may revoke a token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="api.token_revoke", obj=token, after={"name": token.name})
    return token


def user_for_token(token: str):
    """The active user a token belongs to, or None. Notes the use at most once a minute."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = (
        ApiToken.objects.select_related("user__organisation")
        .filter(digest=digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
