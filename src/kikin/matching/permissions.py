"""Who may see and do what on the matching board and the events: the ministry and the agency see
everything, developers of themes with compute support the open offers and their own wanted
notices; only the agency writes. Each predicate answers an `Answer` (kikin.core.permissions)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.permissions import is_agency, is_staff_member
from kikin.core.permissions import Answer, allow, deny, predicate


@predicate
def is_staff(user) -> Answer:
    if is_staff_member(user):
        return allow()
    return deny(_("Only the ministry and the agency see the whole compute support."))


@predicate
def can_view_board(user) -> Answer:
    """The matching board and the community events: the staff, and the developers of themes
    with compute support (an applicant of an organisation with such an award)."""
    from .selectors import developer_awards_for

    if is_staff_member(user) or developer_awards_for(user).exists():
        return allow()
    return deny(
        _("Only the staff and the developers of themes with compute support see the board.")
    )


@predicate
def can_manage(user) -> Answer:
    if is_agency(user):
        return allow()
    return deny(_("Only the agency's program officers manage the compute support."))
