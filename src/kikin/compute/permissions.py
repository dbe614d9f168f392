"""Who may see and do what in the compute support. Developers (applicants) see only their own
organisation's awards; the ministry and the agency see everything; only the agency writes
pools, allocations, imports, the matching board and events. Each predicate answers an `Answer`
(kikin.core.permissions)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.permissions import is_agency, is_staff_member
from kikin.awards.permissions import is_implementer
from kikin.core.permissions import Answer, allow, deny, predicate


@predicate
def is_staff(user) -> Answer:
    if is_staff_member(user):
        return allow()
    return deny(_("Only the ministry and the agency see the whole compute support."))


@predicate
def can_manage(user) -> Answer:
    if is_agency(user):
        return allow()
    return deny(_("Only the agency's program officers manage the compute support."))


@predicate
def is_developer_of(user, award) -> Answer:
    """The user is of the organisation developing the model (the award's implementer)."""
    return is_implementer(user, award)


@predicate
def can_view_award(user, award) -> Answer:
    """Staff, or the award's own organisation; anyone else is answered 404."""
    if is_staff(user) or is_developer_of(user, award):
        return allow()
    return deny(_("Only the award's own organisation and the staff see its compute support."))
