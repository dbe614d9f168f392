"""Budget caps (予算規模): the variable rate, the cap of a proposal and the 80 % booking rule.

Seed: 000_628dcc7e01f6f899.txt lines 4793–5160. A cap is the most the fund pays for one proposal
(提案時委託費・助成費, the NEDO share), or for all adopted proposals of a call where the plan says
so; continuation work (継続研究開発) is not included.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from .dates import add_months
from .errors import MissingValueError, RuleError
from .money import percent_of, round_half_up

#: Periods of at most this many months are exempt from the 80 % booking rule (lines 4822–4826).
SHORT_PERIOD_MONTHS = 18
#: Share of the whole period's proposal-time contract cost bookable before the gate (line 4828).
BOOKABLE_BEFORE_GATE_PERCENT = 80
#: Months after the stage-gate review that still count as "before" it (line 4826).
BOOKING_MONTHS_AFTER_GATE = 3


def round_index(value: Decimal | Fraction | int) -> Decimal:
    """A cost-effectiveness index to one decimal place, half up (小数点以下第２位を四捨五入).

    Seed line 4628; the heading at line 4566 (設定値及び実績値) makes it apply to the set value
    as well as the achieved value, so a set value of 2.75 counts as 2.8.
    """
    return round_half_up(value, 1)


def set_value_admissible(set_value: Decimal) -> bool:
    """A proposal is admitted only if its set value exceeds 1.0 (設定値が１．０を超える場合に限り).

    Seed lines 4526–4528, on the rounded set value: 1.04 counts as 1.0 and is refused; 1.05 counts
    as 1.1 and is admitted.
    """
    return round_index(set_value) > 1


def variable_rate(set_value: Decimal) -> Fraction:
    """変動率 in percent from the proposer's set value `s` (rounded half up to one decimal first).

    Seed lines 4924–4930: s > 4 → 100 %; 1 < s ≤ 4 → (60 + 10·s) %; s ≤ 1 → 0 %.
    2.5 → 85; 1.05 (= 1.1) → 71; 4.0 → 100; 1.0 → 0.
    """
    s = Fraction(round_index(set_value))
    if s > 4:
        return Fraction(100)
    if s > 1:
        return 60 + 10 * s
    return Fraction(0)


def budget_cap(
    cap_rule,
    set_value: Decimal | None = None,
    call: str | None = None,
    option: str | None = None,
    tranche: int | None = None,
) -> int | None:
    """The cap in yen that `cap_rule` (a `plan.CapRule`) sets; None where the plan sets none.

    variable     base × variable_rate(set_value) %, truncated to the yen
                 (lines 4822–4824, 4924–4930)
    fixed        the base, or the figure for `call` where the plan gives one by call
    first_gate   the base: the cap up to the first stage gate (e.g. (g1), lines 4898–4901)
    tranches     the cumulative cap up to gate `tranche` (1 = the first gate)
    call_total   the total for all adopted proposals of `call` (e.g. (g3), lines 4905–4909)
    options      the cap of the proposal's scope `option` (e.g. (g6) 1) 2) 3), lines 4932–4946)
    pooled       the pool's total, shared with other themes (e.g. (g5), lines 4916–4920)
    """
    kind = cap_rule.kind
    if kind == "none":
        return None
    if kind == "variable":
        if set_value is None:
            raise MissingValueError("set_value", "required: this theme's cap is a base × 変動率")
        return percent_of(cap_rule.base_yen, variable_rate(set_value))
    if kind == "call_total":
        calls = ", ".join(cap_rule.by_call)
        if call is None:
            raise MissingValueError(
                "call", f"required: this theme's cap is a total per call ({calls})"
            )
        if call not in cap_rule.by_call:
            raise RuleError("call", f"{call!r} is not a call of this theme ({calls})")
        return cap_rule.by_call[call]
    if kind == "options":
        keys = ", ".join(o.key for o in cap_rule.options)
        if option is None:
            raise MissingValueError(
                "option", f"required: this theme's cap depends on the scope ({keys})"
            )
        for o in cap_rule.options:
            if o.key == option:
                return o.cap_yen
        raise RuleError("option", f"{option!r} is not a scope of this theme ({keys})")
    if kind == "tranches":
        n = len(cap_rule.tranches_yen)
        if tranche is None:
            raise MissingValueError(
                "tranche", f"required: the cap grows at each passed gate (1–{n})"
            )
        if not 1 <= tranche <= n:
            raise RuleError("tranche", f"must be between 1 and {n}")
        return cap_rule.tranches_yen[tranche - 1]
    if kind == "fixed" and call is not None and call in cap_rule.by_call:
        return cap_rule.by_call[call]
    if cap_rule.base_yen is None:
        calls = ", ".join(cap_rule.by_call)
        if call is None:
            raise MissingValueError("call", f"required: this theme's cap is set per call ({calls})")
        raise RuleError("call", f"{call!r} is not a call of this theme ({calls})")
    return cap_rule.base_yen


def eighty_percent_rule_applies(
    system_technology: bool, period_months: int, accelerated: bool
) -> bool:
    """Whether the 80 % booking limit binds a theme (lines 4822–4830).

    It binds the 「システム技術開発」 themes of item ① (the ones with a variable rate), unless
    the period is 1.5 years (18 months) or shorter, or the budget was increased after adoption
    (加速など予算配分の増加を実施する場合はこの限りではない).
    """
    return system_technology and period_months > SHORT_PERIOD_MONTHS and not accelerated


def max_bookable_before_gate(
    whole_period_cost_yen: int, period_months: int, accelerated: bool
) -> int:
    """Most of the proposal-time contract cost that may be booked up to 3 months after the gate.

    80 % of the whole period's proposal-time contract cost, truncated to the yen; the whole cost
    where the period is ≤ 18 months or the budget was increased (lines 4822–4830). The caller
    decides whether the theme is a system technology theme (`eighty_percent_rule_applies`).
    """
    if whole_period_cost_yen < 0:
        raise RuleError("whole_period_cost_yen", "must not be negative")
    if period_months <= SHORT_PERIOD_MONTHS or accelerated:
        return whole_period_cost_yen
    return percent_of(whole_period_cost_yen, BOOKABLE_BEFORE_GATE_PERCENT)


def booking_limit_date(gate_review_date: dt.date) -> dt.date:
    """The day the 80 % limit stops binding: 3 months after the stage-gate review (line 4826)."""
    return add_months(gate_review_date, BOOKING_MONTHS_AFTER_GATE)
