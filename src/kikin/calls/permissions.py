"""Who may do what with calls and proposals. Each predicate answers an `Answer`
(kikin.core.permissions): (allowed, reason)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.permissions import is_agency, is_applicant, is_reviewer, is_staff_member
from kikin.core.permissions import Answer, allow, deny, predicate

from .extensions import has_conflict
from .models import Attachment, Call, CallDocument, Proposal, ProposalState
from .selectors import submitted_attachment_keys

# Not predicates: helpers that answer something else.
HELPERS = frozenset({"applicant_status", "is_submitted_file"})


@predicate
def is_member(user, proposal: Proposal) -> Answer:
    """The user acts for the proposing organisation."""
    if (
        user.is_authenticated
        and user.organisation_id
        and user.organisation_id == proposal.organisation_id
    ):
        return allow()
    return deny(_("Only the proposing organisation may do this."))


@predicate
def can_manage_calls(user) -> Answer:
    """The agency's program officers open calls and edit them: their themes, dates and
    documents (what may still change once proposals exist is the services' to say)."""
    if is_agency(user):
        return allow()
    return deny(_("Only the agency's program officers open and edit calls."))


@predicate
def can_see_call(user, call: Call) -> Answer:
    """A call is public from the moment it is entered: its page and the documents published
    with it are for anyone, signed in or not."""
    return allow()


@predicate
def can_remove_call_document(user, document: CallDocument) -> Answer:
    """An officer takes a document off a call while no proposal has been started under it;
    after that, what applicants relied on stays published (a corrected one is added beside)."""
    if not can_manage_calls(user):
        return deny(_("Only the agency's program officers open and edit calls."))
    if document.call.proposals.exists():
        return deny(
            _(
                "Proposals have been started under this call: its documents stay published. "
                "Add a corrected document beside it instead."
            )
        )
    return allow()


@predicate
def can_propose(user) -> Answer:
    """An organisation's applicants start proposals to an open call."""
    if is_applicant(user):
        return allow()
    return deny(_("Only an organisation's applicants make proposals."))


@predicate
def can_edit(user, proposal: Proposal) -> Answer:
    """The working copy may be edited by its organisation's applicants while it can still be submitted."""
    if not (is_member(user, proposal) and is_applicant(user)):
        return deny(_("Only the proposing organisation's applicants may edit a proposal."))
    if proposal.state not in {ProposalState.DRAFT, ProposalState.SUBMITTED}:
        return deny(_("The proposal can no longer be changed."))
    if not proposal.call.is_open():
        return deny(_("The call is closed."))
    return allow()


@predicate
def can_view(user, proposal: Proposal) -> Answer:
    """Members of the proposing organisation; ministry and agency staff once it is submitted;
    a reviewer assigned to it without a conflict of interest."""
    refused = deny(_("You may not see this proposal."))
    if not user.is_authenticated:
        return refused
    if is_member(user, proposal):
        return allow()
    if proposal.state == ProposalState.DRAFT:
        return refused
    if is_staff_member(user):
        return allow()
    if (
        is_reviewer(user)
        and proposal.assignments.filter(reviewer=user).exists()
        and not has_conflict(user, proposal)
    ):
        return allow()
    return refused


def is_submitted_file(proposal: Proposal, attachment: Attachment) -> bool:
    """Whether a submitted version of `proposal` holds `attachment` (by its name and digest)."""
    return (attachment.original_name, attachment.sha256) in submitted_attachment_keys(proposal)


@predicate
def can_remove_attachment(user, proposal: Proposal, attachment: Attachment) -> Answer:
    """A file may be removed by those who may edit the proposal, while they may, unless a
    submitted version holds it."""
    if attachment.proposal_id != proposal.pk:
        return deny(_("The file does not belong to this proposal."))
    ok, reason = can_edit(user, proposal)
    if not ok:
        return deny(reason)
    if is_submitted_file(proposal, attachment):
        return deny(_("A file of a submitted version cannot be removed."))
    return allow()


@predicate
def can_read_attachment(user, proposal: Proposal, attachment: Attachment) -> Answer:
    """The proposing organisation reads every file of its proposal; the staff and reviewers who
    may see the proposal (`can_view`) read the files of its submitted versions."""
    if attachment.proposal_id != proposal.pk or not can_view(user, proposal):
        return deny(_("You may not read this file."))
    if is_member(user, proposal) or is_submitted_file(proposal, attachment):
        return allow()
    return deny(_("This file is not part of a submitted version."))


def applicant_status(proposal: Proposal) -> str:
    """What the proposer is told: never the state of review (000 lines 5180–5185)."""
    if proposal.state == ProposalState.DRAFT:
        return _("Draft")
    if proposal.state == ProposalState.WITHDRAWN:
        return _("Withdrawn")
    if proposal.result_notified_at:
        return _("Adopted") if proposal.state == ProposalState.ADOPTED else _("Not adopted")
    return _("Submitted")
