"""The proposal's state machine, declared in one table, applied by one writer.

Each transition names the states it leaves, the state it enters and the roles that may make it.
`apply_transition` is the only code that assigns `Proposal.state`; services call it inside their
own transaction, and it writes the audit record.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Role
from kikin.core.workflow import Machine, TransitionError, register, transition

from .models import Proposal
from .models import ProposalState as S


def _after_first_review(proposal, actor) -> tuple[bool, str]:
    """The second review starts from SUBMITTED only where the item skips the first review."""
    if proposal.state == S.SUBMITTED and proposal.theme.item.first_review:
        return False, str(_("This theme's proposals go through the ministry's first review first."))
    return True, ""


def _has_first_review(proposal, actor) -> tuple[bool, str]:
    if not proposal.theme.item.first_review:
        return False, str(_("Proposals for this item skip the first review."))
    return True, ""


_t = transition


TRANSITIONS = {
    t.name: t
    for t in [
        _t("submit", [S.DRAFT], S.SUBMITTED, [Role.APPLICANT], _("Submit")),
        _t("resubmit", [S.SUBMITTED], S.SUBMITTED, [Role.APPLICANT], _("Submit a new version")),
        _t("withdraw", [S.DRAFT, S.SUBMITTED], S.WITHDRAWN, [Role.APPLICANT], _("Withdraw")),
        _t(
            "pass_first_review",
            [S.SUBMITTED],
            S.FIRST_PASSED,
            [Role.MINISTRY],
            _("Pass the first review"),
            _has_first_review,
        ),
        _t(
            "fail_first_review",
            [S.SUBMITTED],
            S.FIRST_FAILED,
            [Role.MINISTRY],
            _("Fail the first review"),
            _has_first_review,
        ),
        # From SUBMITTED only where the theme's item skips the first review (item ④).
        _t(
            "start_second_review",
            [S.FIRST_PASSED, S.SUBMITTED],
            S.IN_REVIEW,
            [Role.AGENCY],
            _("Start the second review"),
            _after_first_review,
        ),
        _t(
            "recommend",
            [S.IN_REVIEW],
            S.RECOMMENDED,
            [Role.AGENCY],
            _("Record the committee's adoption"),
        ),
        _t(
            "not_recommend",
            [S.IN_REVIEW],
            S.NOT_RECOMMENDED,
            [Role.AGENCY],
            _("Record the committee's rejection"),
        ),
        _t(
            "approve_adoption",
            [S.RECOMMENDED],
            S.ADOPTED,
            [Role.MINISTRY],
            _("Approve the adoption"),
        ),
        _t(
            "approve_rejection",
            [S.NOT_RECOMMENDED],
            S.REJECTED,
            [Role.MINISTRY],
            _("Approve the rejection"),
        ),
        _t(
            "return_to_committee",
            [S.RECOMMENDED, S.NOT_RECOMMENDED],
            S.IN_REVIEW,
            [Role.MINISTRY],
            _("Return to the committee"),
        ),
    ]
}

#: States in which the result is final.
FINAL_STATES = frozenset({S.FIRST_FAILED, S.ADOPTED, S.REJECTED, S.WITHDRAWN})
#: States that count as decided for the 55-day limit (the adoption decision has been taken).
DECIDED_STATES = frozenset({S.FIRST_FAILED, S.ADOPTED, S.REJECTED})


MACHINE = register(Machine(Proposal, TRANSITIONS.values(), audit_prefix="proposal"))


def allowed(proposal: Proposal, name: str, actor) -> tuple[bool, str]:
    """(may `actor` make transition `name` on `proposal` now, and if not, why)."""
    ok, reason = MACHINE.allowed(proposal, name, actor)
    if not ok and proposal.state not in TRANSITIONS[name].sources:
        reason = _("This cannot be done while the proposal is “%(state)s”.") % {
            "state": proposal.get_state_display()
        }
    return ok, str(reason)


def apply_transition(
    proposal: Proposal,
    name: str,
    actor,
    *,
    note: str = "",
    extra: dict | None = None,
    also: dict | None = None,
) -> Proposal:
    """Move `proposal` by transition `name`, saving it (with `also`, other fields that change
    with it, in the same UPDATE) and writing the audit record.

    Call inside a transaction, on a row locked with select_for_update.
    """
    ok, reason = allowed(proposal, name, actor)
    if not ok:
        raise TransitionError(reason)
    return MACHINE.apply(proposal, name, actor, note=note, extra=extra, also=also)
