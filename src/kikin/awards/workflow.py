"""The state machines of awards, cost claims, stage-gate reviews and milestones, each declared in
one table and applied by one writer (`kikin.core.workflow.Machine.apply`).

Only `kikin.awards.services` applies them; other apps ask its services (`end_award`,
`terminate_award`) to move an award.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Role
from kikin.core.workflow import Machine, register, transition

from .models import (
    Award,
    AwardState,
    ClaimState,
    CostClaim,
    GateOutcome,
    Milestone,
    StageGateReview,
)
from .models import MilestoneState as M
from .permissions import is_implementer


def implementer_of_award(obj, actor) -> tuple[bool, str]:
    """The award's implementer (an applicant of its organisation): `obj` is the award or has one."""
    award = obj if isinstance(obj, Award) else obj.award
    if not is_implementer(actor, award):
        return False, str(_("Only the implementer of this award may do this."))
    return True, ""


_t = transition
A, C = AwardState, ClaimState

AWARD = register(
    Machine(
        Award,
        [
            _t("end", [A.ACTIVE], A.ENDED, [Role.AGENCY], _("End after the final evaluation")),
            _t("terminate", [A.ACTIVE], A.TERMINATED, [Role.AGENCY], _("End early")),
        ],
        audit_prefix="award",
    )
)

CLAIM = register(
    Machine(
        CostClaim,
        [
            _t("submit", [C.DRAFT], C.SUBMITTED, [], _("Claim"), implementer_of_award),
            _t("approve", [C.SUBMITTED], C.APPROVED, [Role.AGENCY], _("Approve")),
            _t("refuse", [C.SUBMITTED], C.REFUSED, [Role.AGENCY], _("Refuse")),
        ],
        audit_prefix="claim",
    )
)

#: A stage gate not yet held has a blank outcome; holding it records one outcome, once.
GATE = register(
    Machine(
        StageGateReview,
        [_t(o.value, [""], o.value, [Role.AGENCY], o.label) for o in GateOutcome],
        state_field="outcome",
        audit_prefix="gate",
        blank_label=_("not yet held"),
    )
)

#: A progress report says whether each milestone due was achieved; a later report may say again.
MILESTONE = register(
    Machine(
        Milestone,
        [
            _t(
                "achieve",
                [M.PENDING, M.MISSED],
                M.ACHIEVED,
                [],
                _("Achieved"),
                implementer_of_award,
            ),
            _t(
                "miss",
                [M.PENDING, M.ACHIEVED],
                M.MISSED,
                [],
                _("Not achieved"),
                implementer_of_award,
            ),
        ],
        audit_prefix="milestone",
    )
)

#: The transition that moves a milestone to each reported state.
MILESTONE_BY_STATE = {M.ACHIEVED: "achieve", M.MISSED: "miss"}
