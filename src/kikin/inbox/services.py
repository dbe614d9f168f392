"""Writing notifications: `notify` (one row per recipient, in their language, and one mail job
each), `mark_read`, `mark_all_read`, `remember_language`, and `mail_notification`, which the
background worker runs (`kikin.inbox.jobs`) — mail is never sent inside a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kikin.jobs.services import enqueue_job

from .models import Notification, Preference
from .permissions import can_read_notification

MAIL_JOB = "inbox.mail"
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


class Both:
    """A name the object has in both languages (title_ja, title_en): read in the one active."""

    def __init__(self, ja: str, en: str = ""):
        self.ja, self.en = ja or "", en or ""

    def __str__(self):
        if (translation.get_language() or "").startswith("en") and self.en:
            return self.en
        return self.ja or self.en


class Yen:
    """An amount of yen as the active language writes it (12,000円 / ¥12,000)."""

    def __init__(self, value: int):
        self.value = int(value)

    def __str__(self):
        if (translation.get_language() or "").startswith("en"):
            return f"¥{self.value:,}"
        return f"{self.value:,}円"


def _language(value: str) -> str:
    value = (value or "").split("-")[0].lower()
    return value if value in LANGUAGE_CODES else ""


def languages_of(users: Iterable) -> dict[int, str]:
    """Each user's language: their account's own (where it says one), else the one they last
    chose here, else the site's (Japanese). One query for all."""
    users = list(users)
    chosen = dict(
        Preference.objects.filter(user__in=[u.pk for u in users]).values_list("user_id", "language")
    )
    return {
        u.pk: _language(getattr(u, "language", ""))
        or _language(chosen.get(u.pk, ""))
        or settings.LANGUAGE_CODE
        for u in users
    }


def remember_language(*, user, language: str) -> None:
    """Remember the language `user` chose, for what is written to them later."""
    language = _language(language)
    if not language or not getattr(user, "pk", None):
        return
    Preference.objects.update_or_create(user=user, defaults={"language": language})


def _render(text, params: Mapping) -> str:
    """`text` (a lazy translation) in the active language, with `params` (lazy strings, `Both`
    names, `Yen`, callables such as `obj.get_state_display`, or plain values) read in it too."""
    values = {k: str(v() if callable(v) else v) for k, v in params.items()}
    return str(text) % values if values else str(text)


def mail_address(user) -> str:
    """Where the person's mail goes: their address; in the demo, whose accounts have none, a
    name at KIKIN_MAIL_FALLBACK_DOMAIN so that the demo's mail can be read (README)."""
    if user.email:
        return user.email
    domain = getattr(settings, "KIKIN_MAIL_FALLBACK_DOMAIN", "")
    return f"{user.get_username()}@{domain}" if domain else ""


def notify(
    *,
    recipients: Iterable,
    kind: str,
    obj: models.Model | None,
    subject,
    body="",
    params: Mapping | None = None,
    url: str = "",
    key: str = "",
) -> list[Notification]:
    """Tell each of `recipients` (users; duplicates and inactive accounts left out) about `obj`:
    one notification each, its `subject` and `body` (lazy translations with %(name)s `params`)
    written in that person's language, linked to `url`. With a `key`, a person already told
    under it is not told again.

    Side effects: the rows, and one background mail job per row whose reader has an address
    (sent by the worker once the transaction commits; at once where jobs run eagerly)."""
    params = params or {}
    people = {u.pk: u for u in recipients if getattr(u, "pk", None) and u.is_active}
    if not people:
        return []
    made = []
    with transaction.atomic():
        if key:
            told = set(
                Notification.objects.filter(recipient_id__in=people, key=key).values_list(
                    "recipient_id", flat=True
                )
            )
            people = {pk: u for pk, u in people.items() if pk not in told}
        languages = languages_of(people.values())
        for pk, user in people.items():
            with translation.override(languages[pk]):
                n = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    object_type=obj._meta.label_lower if obj is not None else "",
                    object_id=str(obj.pk) if obj is not None else "",
                    url=url[:300],
                    language=languages[pk],
                    subject=_render(subject, params)[:300],
                    body=_render(body, params) if body else "",
                    key=key[:200],
                )
            made.append(n)
        for n in made:
            if mail_address(people[n.recipient_id]):
                enqueue_job(
                    kind=MAIL_JOB,
                    params={"notification": n.pk},
                    requested_by=None,
                    key=f"{MAIL_JOB}:{n.pk}",
                    label=f"mail {n.kind} #{n.pk}",
                )
    return made


def mail_notification(notification_id: int) -> dict:
    """Mail one notification to its reader, once (the worker's side of `notify`)."""
    n = (
        Notification.objects.select_for_update()
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if n is None:
        return {"sent": False, "why": "gone"}
    if n.mailed_at is not None:
        return {"sent": False, "why": "mailed already"}
    address = mail_address(n.recipient)
    if not address:
        return {"sent": False, "why": "no address"}
    site = getattr(settings, "KIKIN_SITE_URL", "").rstrip("/")
    with translation.override(n.language):
        parts = [n.body] if n.body else []
        if n.url:
            parts.append(f"{site}{n.url}")
        parts.append(_("Your notifications: %(link)s") % {"link": site + _notifications_path()})
        subject = f"[kikin] {n.subject}"
    EmailMessage(
        subject=subject.replace("\n", " "),
        body="\n\n".join(parts) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    ).send()
    Notification.objects.filter(pk=n.pk).update(mailed_at=timezone.now())
    return {"sent": True, "to": address}


def _notifications_path() -> str:
    from django.urls import reverse

    return reverse("inbox:notifications")


def mark_read(*, user, notification: Notification) -> Notification:
    """Mark `notification` read by its reader (nobody else may)."""
    ok, reason = can_read_notification(user, notification)
    if not ok:
        raise PermissionDenied(reason)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_unread(*, user, notification: Notification) -> Notification:
    ok, reason = can_read_notification(user, notification)
    if not ok:
        raise PermissionDenied(reason)
    Notification.objects.filter(pk=notification.pk).update(read_at=None)
    notification.read_at = None
    return notification


def mark_all_read(*, user) -> int:
    """Mark every unread notification of `user` read; how many."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Log in first."))
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
