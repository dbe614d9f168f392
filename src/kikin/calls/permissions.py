"""Who may do what with calls and proposals. Each predicate answers (allowed, reason)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.models import Role

from .extensions import has_conflict
from .models import Proposal, ProposalState


def is_member(user, proposal: Proposal) -> bool:
    return bool(
        user.is_authenticated
        and user.organisation_id
        and user.organisation_id == proposal.organisation_id
    )


def can_edit(user, proposal: Proposal) -> tuple[bool, str]:
    """The working copy may be edited by its organisation's applicants while it can still be submitted."""
    if not (is_member(user, proposal) and user.role == Role.APPLICANT):
        return False, _("Only the proposing organisation's applicants may edit a proposal.")
    if proposal.state not in {ProposalState.DRAFT, ProposalState.SUBMITTED}:
        return False, _("The proposal can no longer be changed.")
    if not proposal.call.is_open():
        return False, _("The call is closed.")
    return True, ""


def can_view(user, proposal: Proposal) -> bool:
    """Members of the proposing organisation; ministry and agency staff once it is submitted;
    a reviewer assigned to it without a conflict of interest."""
    if not user.is_authenticated:
        return False
    if is_member(user, proposal):
        return True
    if proposal.state == ProposalState.DRAFT:
        return False
    if user.role in {Role.MINISTRY, Role.AGENCY}:
        return True
    if user.role == Role.REVIEWER:
        return proposal.assignments.filter(reviewer=user).exists() and not has_conflict(
            user, proposal
        )
    return False


def applicant_status(proposal: Proposal) -> str:
    """What the proposer is told: never the state of review (000 lines 5180–5185)."""
    if proposal.state == ProposalState.DRAFT:
        return _("Draft")
    if proposal.state == ProposalState.WITHDRAWN:
        return _("Withdrawn")
    if proposal.result_notified_at:
        return _("Adopted") if proposal.state == ProposalState.ADOPTED else _("Not adopted")
    return _("Submitted")
