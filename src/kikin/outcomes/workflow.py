"""The state machines of filings, set-value changes and assessments, each declared in one table
and applied by one writer (`kikin.outcomes.services`). The award itself is moved (and its set
value written) only through `kikin.awards.services`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Role
from kikin.awards.workflow import implementer_of_award
from kikin.core.workflow import Machine, register, transition

from .models import Assessment, Filing, SetValueChange
from .models import AssessmentState as AS
from .models import ChangeState as CH
from .models import FilingState as F

_t = transition


def _no_decided_notice(filing, actor) -> tuple[bool, str]:
    if filing.assessments.exclude(state=AS.DRAFT).exists():
        return False, str(
            _(
                "A decided notice rests on this filing; correct it through a later year's assessment."
            )
        )
    return True, ""


def _lowering_by_the_ministry(change, actor) -> tuple[bool, str]:
    """A raise applies at once (the agency records it); a lowering waits for the ministry."""
    if change.direction == SetValueChange.Direction.LOWER and actor.role != Role.MINISTRY:
        return False, str(_("Only the ministry decides a lowering of the set value."))
    return True, ""


def _amount_to_pay(assessment, actor) -> tuple[bool, str]:
    if not assessment.amount_yen:
        return False, str(_("Only a decided notice with an amount to pay is settled."))
    return True, ""


FILING = register(
    Machine(
        Filing,
        [
            # Filed again (corrected) until the agency checks it, or after it was returned.
            _t(
                "file",
                [F.SUBMITTED, F.RETURNED],
                F.SUBMITTED,
                [],
                _("File the figures"),
                implementer_of_award,
                action="outcomes.file",
            ),
            _t(
                "accept",
                [F.SUBMITTED],
                F.CHECKED,
                [Role.AGENCY],
                _("Accept"),
                action="outcomes.check_filing",
            ),
            _t(
                "return",
                [F.SUBMITTED],
                F.RETURNED,
                [Role.AGENCY],
                _("Return for correction"),
                action="outcomes.check_filing",
            ),
            _t(
                "reopen",
                [F.CHECKED],
                F.RETURNED,
                [Role.AGENCY],
                _("Reopen"),
                _no_decided_notice,
                action="outcomes.reopen_filing",
            ),
        ],
        audit_prefix="outcomes_filing",
    )
)

SET_VALUE_CHANGE = register(
    Machine(
        SetValueChange,
        [
            _t(
                "apply",
                [CH.PENDING],
                CH.APPLIED,
                [Role.AGENCY, Role.MINISTRY],
                _("Apply"),
                _lowering_by_the_ministry,
                action="outcomes.set_value_applied",
            ),
            _t(
                "refuse",
                [CH.PENDING],
                CH.REFUSED,
                [Role.MINISTRY],
                _("Refuse"),
                action="outcomes.set_value_refused",
            ),
        ],
        audit_prefix="outcomes_set_value",
    )
)

ASSESSMENT = register(
    Machine(
        Assessment,
        [
            _t(
                "decide",
                [AS.DRAFT],
                AS.DECIDED,
                [Role.AGENCY],
                _("Decide"),
                action="outcomes.decide",
            ),
            _t(
                "pay",
                [AS.DECIDED],
                AS.PAID,
                [Role.AGENCY],
                _("Record the payment"),
                _amount_to_pay,
                action="outcomes.paid",
            ),
        ],
        audit_prefix="outcomes_assessment",
    )
)
