"""Who may see and do what in the compute support. Developers (applicants) see only their own
organisation's awards; the ministry and the agency see everything; only the agency writes
pools, allocations, imports, the matching board and events."""

from __future__ import annotations

from kikin.accounts.models import Role
from kikin.awards.permissions import is_implementer


def is_staff(user) -> bool:
    return bool(user.is_authenticated and user.role in {Role.MINISTRY, Role.AGENCY})


def can_manage(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.AGENCY)


def is_developer_of(user, award) -> bool:
    """The user is of the organisation developing the model (the award's implementer)."""
    return is_implementer(user, award)


def can_view_award(user, award) -> bool:
    """Staff, or the award's own organisation; anyone else is answered 404."""
    return is_staff(user) or is_developer_of(user, award)
