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
    call_fy: int | None = None,
) -> int | None:
    """The figure in yen that `cap_rule` (a `plan.CapRule`) sets; None where the plan sets none.

    variable     base × variable_rate(set_value) %, truncated to the yen
                 (lines 4822–4824, 4924–4930)
    fixed        the base, or the figure for `call` (or for calls of fiscal year `call_fy`) where
                 the plan gives one ((b1) 200億円 for the 2023 call, line 4992)
    call_total   the total for all adopted proposals of `call` (e.g. (g3), lines 4905–4909)
    options      the figure of the proposal's scope `option` (e.g. (g6), lines 4932–4946;
                 (b3) 50 or 10億円, lines 5005–5011)
    A growing cap (`tranches_yen`, e.g. (d1), lines 5025–5037) gives, for `tranche` n ≥ 2, the
    cumulative total up to gate n; tranche 1 (or none) is the first figure. What the figure
    bounds (the whole request, the money up to the first gate) is `cap_rule.scope`.
    """
    kind = cap_rule.kind
    if kind == "none":
        return None
    if tranche is not None and tranche > 1:
        n = len(cap_rule.tranches_yen) + 1
        if not cap_rule.tranches_yen:
            raise RuleError("tranche", "this theme's cap does not grow at its gates")
        if tranche > n:
            raise RuleError("tranche", f"must be between 1 and {n}")
        return cap_rule.tranches_yen[tranche - 2]
    if tranche is not None and tranche < 1:
        raise RuleError("tranche", "must be 1 or more")
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
    if call is not None and call in cap_rule.by_call:
        return cap_rule.by_call[call]
    if call_fy is not None and call_fy in cap_rule.by_call_fy:
        return cap_rule.by_call_fy[call_fy]
    if cap_rule.base_yen is None:
        calls = ", ".join(cap_rule.by_call)
        if call is None:
            raise MissingValueError("call", f"required: this theme's cap is set per call ({calls})")
        raise RuleError("call", f"{call!r} is not a call of this theme ({calls})")
    return cap_rule.base_yen


def eighty_percent_rule_applies(booking_limit, period_months: int, accelerated: bool) -> bool:
    """Whether a theme's booking limit binds it (lines 4822–4830).

    `booking_limit` is the theme's `plan.BookingLimit` (item ①'s 「システム技術開発」 themes declare
    it), or None. It binds unless the period is at most its exempt length (1.5 years, 18 months)
    or the budget was increased after adoption (加速など予算配分の増加を実施する場合はこの限りではない).
    """
    if booking_limit is None or accelerated:
        return False
    return period_months > booking_limit.exempt_period_months


def max_bookable_before_gate(
    whole_period_cost_yen: int, period_months: int, accelerated: bool, booking_limit
) -> int:
    """Most of the proposal-time contract cost that may be booked up to some months after the gate.

    80 % (the limit's percent) of the whole period's proposal-time contract cost, truncated to
    the yen; the whole cost where the period is ≤ 18 months or the budget was increased (lines
    4822–4830). `booking_limit` is the theme's `plan.BookingLimit`. The caller decides whether the limit binds the theme (`eighty_percent_rule_applies`).
    """
    if whole_period_cost_yen < 0:
        raise RuleError("whole_period_cost_yen", "must not be negative")
    if period_months <= booking_limit.exempt_period_months or accelerated:
        return whole_period_cost_yen
    return percent_of(whole_period_cost_yen, booking_limit.percent)


def booking_limit_date(gate_review_date: dt.date, booking_limit) -> dt.date:
    """The day the limit stops binding: 3 months after the stage-gate review (line 4826)."""
    return add_months(gate_review_date, booking_limit.months_after_gate)


def money_to_first_gate(
    requested_by_fy: dict[int, int], first_gate: dt.date, fy_counts_in_full: bool = True
) -> int:
    """The money planned up to the first stage gate, from a request given by fiscal year only:
    the fiscal years before the gate's, and the gate's own in full (our reading of a cap 「初回
    ステージゲート審査までの提案時委託費」, lines 4898–4901, where the proposal gives years only).
    With `fy_counts_in_full` false the gate's year is left out."""
    from .fiscal import fiscal_year

    gate_fy = fiscal_year(first_gate)
    return sum(
        yen
        for fy, yen in requested_by_fy.items()
        if fy < gate_fy or (fy == gate_fy and fy_counts_in_full)
    )


def largest_award_yen(cap_rule, call: str | None = None) -> int | None:
    """The most the plan lets one adopted proposal receive under `cap_rule`, or None where the
    plan states no such figure for a whole proposal (what a call publishes as its largest award).

    fixed        the base, or the figure for `call` (lines 4793–4800, 4992)
    variable     the base × 100 %, the highest 変動率 (a set value above 4, lines 4924–4930)
    options      the largest scope's figure (e.g. (g6), lines 4932–4946)
    growing      (`tranches_yen`) the cumulative total at the last gate (lines 5025–5037)
    None where the figure bounds less than the whole request (the money up to the first gate,
    lines 4898–4901, or each period between gates), where it is a total for all adoptions of a
    call (lines 4905–4909) or shared between themes (lines 4916–4920), and where there is none.
    """
    kind = cap_rule.kind
    if kind in ("none", "call_total", "pooled", "first_gate"):
        return None
    if getattr(cap_rule, "scope", "proposal") != "proposal":
        return None
    if cap_rule.tranches_yen:
        return max(cap_rule.tranches_yen)
    if kind == "fixed":
        if call is not None and call in cap_rule.by_call:
            return cap_rule.by_call[call]
        return cap_rule.base_yen
    if kind == "variable":
        return None if cap_rule.base_yen is None else percent_of(cap_rule.base_yen, Fraction(100))
    if kind == "options":
        return max((o.cap_yen for o in cap_rule.options), default=None)
    return None
