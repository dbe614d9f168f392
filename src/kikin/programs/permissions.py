"""Who may do what with programs. Each predicate answers an `Answer` (kikin.core.permissions):
(allowed, reason)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.permissions import is_staff_member
from kikin.core.permissions import Answer, allow, deny, predicate


@predicate
def can_follow_areas(user, program) -> Answer:
    """The agency, the ministry and the program directors of the program's areas see the areas'
    policy and progress pages."""
    if not getattr(user, "is_authenticated", False):
        return deny(_("Log in first."))
    if is_staff_member(user):
        return allow()
    if user.directed_areas.filter(item__program=program, ended_on__isnull=True).exists():
        return allow()
    return deny(
        _("Only the staff and the program directors of its areas follow a program's areas.")
    )
