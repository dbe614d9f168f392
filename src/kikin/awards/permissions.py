"""Who an award belongs to, and who runs the portfolio. Each predicate answers an `Answer`
(kikin.core.permissions): (allowed, reason). `is_implementer` is used by every app that lets an
implementer act on its award."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.permissions import is_agency, is_applicant, is_reviewer, is_staff_member
from kikin.core.permissions import Answer, allow, deny, predicate


@predicate
def is_implementer(user, award) -> Answer:
    """The user is an applicant of the organisation carrying out the award (its implementer)."""
    if (
        is_applicant(user)
        and user.organisation_id
        and user.organisation_id == award.organisation_id
    ):
        return allow()
    return deny(_("Only the organisation carrying out the award may do this."))


@predicate
def can_manage_awards(user) -> Answer:
    """The agency's program officers record the decisions on awards (grants, claims, gates)."""
    if is_agency(user):
        return allow()
    return deny(_("Only the agency's program officers manage awards."))


@predicate
def can_list_awards(user) -> Answer:
    """The award lists: the implementers see their own, the staff the portfolio; the committee's
    reviewers have none."""
    if not getattr(user, "is_authenticated", False):
        return deny(_("Log in first."))
    if is_reviewer(user):
        return deny(_("Committee reviewers have no awards to follow."))
    return allow()


@predicate
def can_see_portfolio(user) -> Answer:
    """The whole portfolio (every award, its figures and packets): the ministry and the agency."""
    if is_staff_member(user):
        return allow()
    return deny(_("The portfolio is for the ministry and the agency."))
