"""The state machines of leakage reports, shortcomings and prior consultations, each declared in
one table and applied by one writer (`kikin.compliance.services`). An award is ended early
through `kikin.awards.services.terminate_award`, the award's own writer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Role
from kikin.awards.workflow import implementer_of_award
from kikin.core.workflow import Machine, register, transition

from .models import ConsultationState as CS
from .models import LeakageReport, PriorConsultation, Shortcoming
from .models import ReportState as R
from .models import ShortcomingState as SH

_t = transition

REPORT = register(
    Machine(
        LeakageReport,
        [
            # Submitted again (amended) until the agency assesses it.
            _t(
                "submit",
                [R.REQUESTED, R.SUBMITTED],
                R.SUBMITTED,
                [],
                _("Submit the report"),
                implementer_of_award,
                action="leakage.report_submit",
            ),
            _t(
                "assess_sufficient",
                [R.SUBMITTED],
                R.SUFFICIENT,
                [Role.AGENCY],
                _("Assess as sufficient"),
                action="leakage.report_assess",
            ),
            _t(
                "assess_insufficient",
                [R.SUBMITTED],
                R.INSUFFICIENT,
                [Role.AGENCY],
                _("Assess as insufficient"),
                action="leakage.report_assess",
            ),
        ],
        audit_prefix="leakage_report",
    )
)

#: A shortcoming fixed late (after its due date) still goes to the committee.
SHORTCOMING = register(
    Machine(
        Shortcoming,
        [
            _t(
                "fix",
                [SH.OPEN],
                SH.FIXED,
                [Role.AGENCY],
                _("Close as fixed"),
                action="leakage.shortcoming_fixed",
            ),
            _t(
                "stop",
                [SH.OPEN, SH.FIXED],
                SH.STOPPED,
                [Role.AGENCY],
                _("Stop the theme"),
                action="leakage.shortcoming_decide",
            ),
            _t(
                "continue",
                [SH.OPEN, SH.FIXED],
                SH.CONTINUED,
                [Role.AGENCY],
                _("Continue the theme"),
                action="leakage.shortcoming_decide",
            ),
        ],
        audit_prefix="leakage_shortcoming",
    )
)

CONSULTATION = register(
    Machine(
        PriorConsultation,
        [
            _t(
                "send",
                [CS.TO_SEND],
                CS.SENT,
                [],
                _("Send to the ministry"),
                implementer_of_award,
                action="leakage.consultation_send",
            ),
            _t(
                "withdraw",
                [CS.NOT_REQUIRED, CS.TO_SEND, CS.SENT],
                CS.WITHDRAWN,
                [],
                _("Withdraw"),
                implementer_of_award,
                action="leakage.consultation_withdraw",
            ),
            _t(
                "answer",
                [CS.SENT],
                CS.ANSWERED,
                [Role.MINISTRY],
                _("Answer"),
                action="leakage.consultation_answer",
            ),
        ],
        audit_prefix="leakage_consultation",
    )
)
