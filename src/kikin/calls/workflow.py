"""The proposal's state machine, declared in one table, applied by one writer.

Each transition names the states it leaves, the state it enters and the roles that may make it.
`apply_transition` is the only code that assigns `Proposal.state`; services call it inside their
own transaction, and it writes the audit record.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Role
from kikin.audit.services import record

from .models import Proposal
from .models import ProposalState as S


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    label: str


def _t(name, sources, target, roles, label):
    return Transition(name, tuple(sources), target, frozenset(roles), label)


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("submit", [S.DRAFT], S.SUBMITTED, [Role.APPLICANT], _("Submit")),
        _t("resubmit", [S.SUBMITTED], S.SUBMITTED, [Role.APPLICANT], _("Submit a new version")),
        _t("withdraw", [S.DRAFT, S.SUBMITTED], S.WITHDRAWN, [Role.APPLICANT], _("Withdraw")),
        _t("pass_first_review", [S.SUBMITTED], S.FIRST_PASSED, [Role.MINISTRY], _("Pass the first review")),
        _t("fail_first_review", [S.SUBMITTED], S.FIRST_FAILED, [Role.MINISTRY], _("Fail the first review")),
        # From SUBMITTED only where the theme's item skips the first review (item ④).
        _t("start_second_review", [S.FIRST_PASSED, S.SUBMITTED], S.IN_REVIEW, [Role.AGENCY], _("Start the second review")),
        _t("recommend", [S.IN_REVIEW], S.RECOMMENDED, [Role.AGENCY], _("Record the committee's adoption")),
        _t("not_recommend", [S.IN_REVIEW], S.NOT_RECOMMENDED, [Role.AGENCY], _("Record the committee's rejection")),
        _t("approve_adoption", [S.RECOMMENDED], S.ADOPTED, [Role.MINISTRY], _("Approve the adoption")),
        _t("approve_rejection", [S.NOT_RECOMMENDED], S.REJECTED, [Role.MINISTRY], _("Approve the rejection")),
        _t("return_to_committee", [S.RECOMMENDED, S.NOT_RECOMMENDED], S.IN_REVIEW, [Role.MINISTRY], _("Return to the committee")),
    ]
}

#: States in which the result is final.
FINAL_STATES = frozenset({S.FIRST_FAILED, S.ADOPTED, S.REJECTED, S.WITHDRAWN})
#: States that count as decided for the 55-day limit (the adoption decision has been taken).
DECIDED_STATES = frozenset({S.FIRST_FAILED, S.ADOPTED, S.REJECTED})


class TransitionError(Exception):
    """A move the table does not allow, or an actor whose role may not make it."""

    def __init__(self, message: str, *, code: str = "not_allowed"):
        super().__init__(message)
        self.code = code


def allowed(proposal: Proposal, name: str, actor) -> tuple[bool, str]:
    """(may `actor` make transition `name` on `proposal` now, and if not, why)."""
    t = TRANSITIONS[name]
    if proposal.state not in t.sources:
        return False, str(_("This cannot be done while the proposal is “%(state)s”.") % {"state": proposal.get_state_display()})
    if getattr(actor, "role", None) not in t.roles:
        return False, str(_("Your role may not do this."))
    if name == "start_second_review" and proposal.state == S.SUBMITTED and proposal.theme.item.first_review:
        return False, str(_("This theme's proposals go through the ministry's first review first."))
    if name in {"pass_first_review", "fail_first_review"} and not proposal.theme.item.first_review:
        return False, str(_("Proposals for this item skip the first review."))
    return True, ""


def apply_transition(proposal: Proposal, name: str, actor, *, note: str = "", extra: dict | None = None) -> Proposal:
    """Move `proposal` by transition `name`, saving it and writing the audit record.

    Call inside a transaction, on a row locked with select_for_update.
    """
    ok, reason = allowed(proposal, name, actor)
    if not ok:
        raise TransitionError(reason)
    before = proposal.state
    proposal.state = TRANSITIONS[name].target
    proposal.save(update_fields=["state", "updated_at"])
    record(
        actor=actor,
        action=f"proposal.{name}",
        obj=proposal,
        before={"state": before},
        after={"state": proposal.state, **(extra or {}), "at": timezone.now().isoformat()},
        note=note,
    )
    return proposal
