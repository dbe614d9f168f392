"""Who may exchange which file. Each predicate answers an `Answer` (allowed, reason).

Exports read through the same selectors as the pages (`calls.selectors.proposals_for_user`), so a
file never holds a row its reader could not open on a page; imports go through the services,
which check again row by row.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.permissions import is_agency, is_applicant, is_reviewer, is_staff_member
from kikin.core.permissions import Answer, allow, deny, predicate

from .layouts import KINDS


@predicate
def can_use_exchange(user) -> Answer:
    """The exchange is offered to everyone signed in but the committee's reviewers, who have no
    files to exchange."""
    if not user.is_authenticated:
        return deny(_("Sign in first."))
    if is_reviewer(user):
        return deny(_("Committee reviewers do not exchange files."))
    return allow()


@predicate
def can_export(user, kind: str) -> Answer:
    if kind not in KINDS:
        return deny(_("Unknown file."))
    if not user.is_authenticated:
        return deny(_("Sign in first."))
    if kind == "adoptions" and not is_staff_member(user):
        return deny(_("Decisions are for the ministry's and the agency's staff."))
    return allow()


@predicate
def can_import(user, kind: str) -> Answer:
    if kind not in KINDS:
        return deny(_("Unknown file."))
    if not user.is_authenticated:
        return deny(_("Sign in first."))
    if kind == "adoptions":
        if not is_agency(user):
            return deny(_("The committee's decisions are recorded by the agency."))
        return allow()
    if not is_applicant(user) or not user.organisation_id:
        return deny(_("Proposals are imported by an applicant acting for an organisation."))
    return allow()
