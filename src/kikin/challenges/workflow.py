"""The state machine of a challenge entry (`Submission`), declared in one table and applied by
one writer (`kikin.challenges.services`). An entry is created queued (code, for the sandbox) or
received (a document, for the jury); the evaluation moves it, as the system (no actor)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kikin.core.workflow import Machine, register, transition

from .models import Submission
from .models import SubmissionState as S

_t = transition

SUBMISSION = register(
    Machine(
        Submission,
        [
            _t("start", [S.QUEUED], S.RUNNING, [], _("Start the evaluation")),
            _t("requeue", [S.RUNNING], S.QUEUED, [], _("Queue again")),
            _t("give_up", [S.RUNNING], S.DONE, [], _("Give up the evaluation")),
            _t(
                "evaluate",
                [S.RUNNING],
                S.DONE,
                [],
                _("Record the evaluation"),
                action="challenges.evaluate",
            ),
        ],
        audit_prefix="challenges_entry",
    )
)
