"""Who may read what: a notification only its reader; an inbox only a signed-in person, of
their own role. Each answers an `Answer`
(kikin.core.permissions): (allowed, reason)."""

from django.utils.translation import gettext as _

from kikin.core.permissions import Answer, allow, deny, predicate


@predicate
def can_read_notification(user, notification) -> Answer:
    if not getattr(user, "is_authenticated", False):
        return deny(_("Log in first."))
    if notification.recipient_id != user.pk:
        return deny(_("This notification is addressed to someone else."))
    return allow()


@predicate
def can_see_inbox(user) -> Answer:
    if not getattr(user, "is_authenticated", False):
        return deny(_("Log in first."))
    if not user.is_active:
        return deny(_("This account is not active."))
    return allow()
