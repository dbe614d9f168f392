"""Who acts in which role: the named role predicates every app asks instead of comparing role
names. Each answers an `Answer` (kikin.core.permissions): (allowed, reason)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kikin.core.permissions import Answer, allow, deny, predicate

from .models import Role

STAFF_ROLES = frozenset({Role.MINISTRY, Role.AGENCY})

# Not predicates: helpers that raise or answer something else.
HELPERS = frozenset({"require_role"})


def require_role(actor, *roles: str) -> None:
    """Refuse (PermissionDenied) unless `actor` acts in one of `roles`."""
    if getattr(actor, "role", None) not in roles:
        raise PermissionDenied(_("Your role may not do this."))


def _role(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "role", None)


@predicate
def is_applicant(user) -> Answer:
    """The user acts for an organisation that proposes and carries out themes."""
    if _role(user) == Role.APPLICANT:
        return allow()
    return deny(_("Only an organisation's applicants may do this."))


@predicate
def is_reviewer(user) -> Answer:
    """The user sits on the committee and reviews proposals."""
    if _role(user) == Role.REVIEWER:
        return allow()
    return deny(_("Only committee reviewers may do this."))


@predicate
def is_agency(user) -> Answer:
    """The user is one of the agency's program officers."""
    if _role(user) == Role.AGENCY:
        return allow()
    return deny(_("Only the agency's program officers may do this."))


@predicate
def is_ministry(user) -> Answer:
    """The user is of the ministry."""
    if _role(user) == Role.MINISTRY:
        return allow()
    return deny(_("Only the ministry may do this."))


@predicate
def is_staff_member(user) -> Answer:
    """The user is of the ministry or the agency (the fund's staff)."""
    if _role(user) in STAFF_ROLES:
        return allow()
    return deny(_("Only the ministry's and the agency's staff may do this."))


@predicate
def can_manage_organisation(user) -> Answer:
    """An applicant acting for an organisation sees it and adds its members."""
    if is_applicant(user) and user.organisation_id:
        return allow()
    return deny(_("Only an applicant acting for an organisation manages it."))
