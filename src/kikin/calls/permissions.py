"""Who may do what with calls and proposals. Each predicate answers (allowed, reason)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.models import Role

from .extensions import has_conflict
from .models import Attachment, Proposal, ProposalState
from .selectors import submitted_attachment_keys


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


def is_submitted_file(proposal: Proposal, attachment: Attachment) -> bool:
    """Whether a submitted version of `proposal` holds `attachment` (by its name and digest)."""
    return (attachment.original_name, attachment.sha256) in submitted_attachment_keys(proposal)


def can_remove_attachment(user, proposal: Proposal, attachment: Attachment) -> tuple[bool, str]:
    """A file may be removed by those who may edit the proposal, while they may, unless a
    submitted version holds it."""
    if attachment.proposal_id != proposal.pk:
        return False, _("The file does not belong to this proposal.")
    ok, reason = can_edit(user, proposal)
    if not ok:
        return ok, reason
    if is_submitted_file(proposal, attachment):
        return False, _("A file of a submitted version cannot be removed.")
    return True, ""


def can_read_attachment(user, proposal: Proposal, attachment: Attachment) -> tuple[bool, str]:
    """The proposing organisation reads every file of its proposal; the staff and reviewers who
    may see the proposal (`can_view`) read the files of its submitted versions."""
    if attachment.proposal_id != proposal.pk or not can_view(user, proposal):
        return False, _("You may not read this file.")
    if is_member(user, proposal) or is_submitted_file(proposal, attachment):
        return True, ""
    return False, _("This file is not part of a submitted version.")


def applicant_status(proposal: Proposal) -> str:
    """What the proposer is told: never the state of review (000 lines 5180–5185)."""
    if proposal.state == ProposalState.DRAFT:
        return _("Draft")
    if proposal.state == ProposalState.WITHDRAWN:
        return _("Withdrawn")
    if proposal.result_notified_at:
        return _("Adopted") if proposal.state == ProposalState.ADOPTED else _("Not adopted")
    return _("Submitted")
