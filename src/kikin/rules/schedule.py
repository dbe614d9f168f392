"""A theme's dates: the end of its period, its stage-gate review and the end if it fails.

Seed: 000_628dcc7e01f6f899.txt lines 4404–4453 (periods, 原則…以内), 5288–5305 (stage gates)
and 5363–5367 (the program ends at the end of FY2029: 本事業を終了する時期は２０２９年度末).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .dates import add_months, period_end
from .errors import RuleError


def stage_gate_due(start: dt.date, months: int) -> dt.date:
    """The stage-gate review's target date (目途): `months` calendar months after the start.

    Lines 5290–5298: item ① 1.5 years (18 months) after the start, (g4) 2 years, (f1) (f2)
    (g1) (g2) 2.5 years; item ② 2.5 years, (d2-3) 1.5 years; item ③ 1 to 1.5 years;
    item ④ 2.5 years; (g3) has none. 2023-04-01 + 30 → 2025-10-01. It may be held earlier
    where the selection review allowed it (lines 5300–5302).
    """
    return add_months(start, months)


def end_if_gate_failed(
    review_date: dt.date, period_months: int, period_last_day: dt.date, stage_gate_rules=None
) -> dt.date:
    """When a theme that failed its stage gate ends: for the post-5G fund 3 months after the
    review (6 months where its period is five years), never later than its period's last day
    (lines 5303–5305). `stage_gate_rules` is the program's `plan.StageGateRules`; a program whose
    plan states nothing ends a failed theme on the review's date.

    `period_months` is the theme's planned period (研究開発期間) from the plan.
    """
    months = (
        0 if stage_gate_rules is None else stage_gate_rules.failed_end_months_for(period_months)
    )
    return min(add_months(review_date, months), period_last_day)


@dataclass(frozen=True)
class ThemeSchedule:
    period_months: int
    planned_period_end: dt.date
    period_end: dt.date
    capped_at_program_end: bool
    stage_gate_due: dt.date | None
    stage_gate_earliest: dt.date | None
    end_if_gate_failed: dt.date | None


def theme_schedule(
    theme_spec,
    start_date: dt.date,
    call: str | None = None,
    program_end: dt.date | None = None,
    gate_review_date: dt.date | None = None,
    stage_gate_rules=None,
) -> ThemeSchedule:
    """The dates of one theme (a `plan.ThemeSpec`) that starts on `start_date`.

    The period is the theme's maximum (by call where the plan says so, e.g. (g3) 2024-02: 3
    months), ending per 民法143条 and never after the program's end (`program_end`, the post-5G
    fund's end of FY2029, line 5367; None for a program with no end). Where the
    theme has a range for its gate (item ③: 1 to 1.5 years), `stage_gate_earliest` is the
    first date and `stage_gate_due` the last. The end after a failed gate counts from the
    review's actual date where one is given, else from the due date.
    """
    if program_end is not None and start_date > program_end:
        raise RuleError("start_date", f"is after the program's end ({program_end.isoformat()})")
    months = theme_spec.period_for_call(call)
    planned = period_end(start_date, months)
    last_day = planned if program_end is None else min(planned, program_end)
    due = earliest = failed = None
    if theme_spec.stage_gate_months:
        due = stage_gate_due(start_date, theme_spec.stage_gate_months)
        if theme_spec.stage_gate_earliest_months:
            earliest = stage_gate_due(start_date, theme_spec.stage_gate_earliest_months)
    if gate_review_date is not None:
        if due is None:
            raise RuleError("gate_review_date", f"theme {theme_spec.key} has no stage gate")
        if gate_review_date < start_date:
            raise RuleError("gate_review_date", "is before start_date")
        if gate_review_date > last_day:
            raise RuleError(
                "gate_review_date", f"is after the period's end ({last_day.isoformat()})"
            )
    if due is not None:
        failed = end_if_gate_failed(gate_review_date or due, months, last_day, stage_gate_rules)
    return ThemeSchedule(
        period_months=months,
        planned_period_end=planned,
        period_end=last_day,
        capped_at_program_end=program_end is not None and planned > program_end,
        stage_gate_due=due,
        stage_gate_earliest=earliest,
        end_if_gate_failed=failed,
    )


def program_evaluation_due_dates(
    start: dt.date | None, end: dt.date | None, evaluation
) -> list[tuple[str, dt.date]]:
    """The ministry's evaluations of a whole program (中間評価・事後評価, 000 lines 5371–5377):
    an interim evaluation about every `interim_every_years` after the program starts (while it
    runs), and a post evaluation after it ends. `evaluation` is the plan's `ProgramEvaluation`
    (None: the plan states none). The dates are targets (程度), not deadlines."""
    if evaluation is None or start is None:
        return []
    out: list[tuple[str, dt.date]] = []
    if evaluation.interim_every_years:
        k = 1
        while k <= 50:
            due = add_months(start, 12 * evaluation.interim_every_years * k)
            if end is not None and due > end:
                break
            if end is None and k > 10:
                break
            out.append(("interim", due))
            k += 1
    if evaluation.post and end is not None:
        out.append(("post", end + dt.timedelta(days=1)))
    return out
