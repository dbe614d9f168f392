"""The R&D cost refund scheme (研究開発費返還制度) of item ① system technology themes.

Seed: 000_628dcc7e01f6f899.txt lines 4506–4682. At proposal the implementer sets a
cost-effectiveness index (費用対効果指標, the set value 設定値) that must exceed 1.0; in the
evaluation year the achieved value (実績値) is computed the same way from the contract money
received, and where it falls short of the set value the implementer refunds
`money received × refund rate`.

    index          = sales increase / budget, rounded half up to one decimal (line 4628)
    sales increase = best year of FY start+4 … start+6 − mean of FY start−2 and start−1
                     ((f1) (f2) from FY2021 on: start+6 … start+8) (lines 4630–4634, 4676–4682)
    evaluation FY  = start+7 ((f1) (f2) from FY2021 on: start+9) (lines 4528, 4670–4676)
    refund rate    = r > 4.0 → 0 %; 1.0 < r ≤ 4.0 → (40 − 10·r) %; r ≤ 1.0 → 50 %
                     (lines 4660–4666)

Where the two readings of the shifted window meet: the seed writes the scheme for themes that
started in FY2020 (evaluation FY2027, sales FY2024–2026) and gives the reading for a start in
FY2021 or later, with the (f1) (f2) proviso inside that reading only (lines 4670–4682). So a
theme that started in FY2020 is evaluated in FY2027 on FY2024–2026 sales whatever its code; the
(f1) (f2) shift applies from FY2021 starts on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .caps import round_index, set_value_admissible, variable_rate
from .errors import MissingValueError, NotApplicableError, RuleError
from .money import percent_of
from .plan import RefundWindow

#: The achieved value at which the refund rate reaches 0 % and stays there (line 4662).
NO_REFUND_ABOVE = Decimal("4.0")
#: The refund rate for an achieved value of 1.0 or less (line 4666).
MAX_REFUND_PERCENT = 50
#: The window of the scheme's text where a caller gives none (lines 4628–4634).
DEFAULT_WINDOW = RefundWindow()


def evaluation_fiscal_year(start_fy: int, window: RefundWindow = DEFAULT_WINDOW) -> int:
    """The fiscal year in which achievement is evaluated (達成状況を評価する年度).

    start + 7 (FY2020 → FY2027, line 4528, read per lines 4670–4674); a theme's plan may give
    another window from a start year on ((f1) (f2) from FY2021: start + 9, lines 4674–4676):
    pass `RefundScheme.window_for(start_fy)`.
    """
    return start_fy + window.evaluation_offset


def sales_window(start_fy: int, window: RefundWindow = DEFAULT_WINDOW) -> tuple[int, ...]:
    """The fiscal years whose best sales count: start+4 … start+6 (lines 4630–4632, 4676–4680);
    for (f1) (f2) that started in FY2021 or later, start+6 … start+8 (lines 4680–4682)."""
    return tuple(range(start_fy + window.first_offset, start_fy + window.last_offset + 1))


def baseline_years(start_fy: int, window: RefundWindow = DEFAULT_WINDOW) -> tuple[int, ...]:
    """The years before the start, start−2 and start−1 (前年度及び前々年度, line 4632)."""
    return tuple(range(start_fy - window.baseline_years, start_fy))


def sales_increase(
    sales_by_fy: Mapping[int, int], start_fy: int, window: RefundWindow = DEFAULT_WINDOW
) -> Fraction:
    """売上高増加額: the highest sales of the window minus the mean of the years before start.

    Lines 4630–4634. Exact: the mean of two years may end in half a yen. A missing year raises
    MissingValueError naming it (`sales_yen_by_fy.2019`).
    """
    needed = (*baseline_years(start_fy, window), *sales_window(start_fy, window))
    for fy in needed:
        if fy not in sales_by_fy:
            years = ", ".join(f"FY{y}" for y in needed)
            raise MissingValueError(
                f"sales_yen_by_fy.{fy}", f"missing; the sales increase needs {years}"
            )
    before = baseline_years(start_fy, window)
    baseline = Fraction(sum(sales_by_fy[fy] for fy in before), len(before))
    best = max(sales_by_fy[fy] for fy in sales_window(start_fy, window))
    return best - baseline


def cost_effectiveness_index(sales_increase_yen: Fraction | int, budget_yen: int) -> Decimal:
    """費用対効果指標 = sales increase / budget, rounded half up to one decimal (line 4628).

    The budget is the proposal-time contract cost for the set value and the contract money
    received for the achieved value (lines 4622–4626). Computed from the exact fraction, so
    6,250,000,000 / 5,000,000,000 = 1.25 becomes 1.3, never 1.2.
    """
    if budget_yen <= 0:
        raise RuleError("budget_yen", "must be greater than 0")
    return round_index(Fraction(sales_increase_yen) / budget_yen)


def refund_rate(achieved: Decimal) -> Fraction:
    """返還率 in percent from the achieved value `r`, rounded to one decimal first.

    Lines 4660–4666: r > 4.0 → 0; 1.0 < r ≤ 4.0 → 40 − 10·r; r ≤ 1.0 → 50.
    1.3 → 27; 4.0 → 0; 1.0 → 50.
    """
    r = Fraction(round_index(achieved))
    if r > NO_REFUND_ABOVE:
        return Fraction(0)
    if r > 1:
        return 40 - 10 * r
    return Fraction(MAX_REFUND_PERCENT)


def refund_amount(received_yen: int, set_value: Decimal, achieved: Decimal) -> int:
    """返還額 = money received × refund rate, truncated to the yen, where r < s (lines 4530–4532).

    Both values are compared after rounding to one decimal; where the achieved value reaches the
    set value there is nothing to refund.
    """
    if received_yen < 0:
        raise RuleError("received_yen", "must not be negative")
    if round_index(achieved) >= round_index(set_value):
        return 0
    return percent_of(received_yen, refund_rate(achieved))


@dataclass(frozen=True)
class RefundResult:
    """The whole evaluation of one theme, with every figure that led to the refund."""

    theme: str
    start_fy: int
    shifted: bool
    evaluation_fy: int
    sales_window: tuple[int, ...]
    baseline_years: tuple[int, ...]
    baseline_sales: Fraction
    best_sales: int
    sales_increase: Fraction
    set_value: Decimal
    variable_rate_percent: Fraction
    achieved_value: Decimal
    refund_rate_percent: Fraction
    refund_yen: int


def evaluate_refund(
    theme_spec,
    *,
    start_fy: int,
    received_yen: int,
    set_value: Decimal,
    sales_by_fy: Mapping[int, int],
    proposal_contract_yen: int | None = None,
    ended_early: bool = False,
    program_start_fy: int | None = None,
) -> RefundResult:
    """Apply the scheme to one theme (a `plan.ThemeSpec`) that ran its course.

    Refuses a theme outside the scheme (a theme whose plan declares no refund: in the post-5G
    fund item ①'s system technology themes, line 4510; and not those ended early by a stage
    gate or other decision of the ministry and NEDO, lines 4510–4514), a start before the
    program began (`program_start_fy`), and a set value that could not have been admitted
    (≤ 1.0 after rounding, lines 4526–4528). The money received excludes budget increases and
    continuation money (lines 4534–4538), so it cannot exceed the proposal-time contract cost
    where that is given.
    """
    if not theme_spec.refund_scheme:
        raise NotApplicableError(
            "theme",
            f"{theme_spec.key} is not under the refund scheme (its plan declares no refund)",
        )
    if ended_early:
        raise NotApplicableError(
            "ended_early",
            "a theme ended early by decision of the ministry and NEDO is outside the refund scheme",
        )
    if program_start_fy is not None and start_fy < program_start_fy:
        raise RuleError(
            "start_fy", f"must be FY{program_start_fy} or later (the program began then)"
        )
    if not set_value_admissible(set_value):
        raise RuleError(
            "set_value",
            f"{round_index(set_value)} is not above 1.0: such a proposal is not admitted",
        )
    if received_yen <= 0:
        raise RuleError("received_yen", "must be greater than 0")
    if proposal_contract_yen is not None and received_yen > proposal_contract_yen:
        raise RuleError(
            "received_yen",
            "must not exceed proposal_contract_yen (money received excludes budget increases)",
        )
    terms = theme_spec.refund.window_for(start_fy)
    shifted = terms is not theme_spec.refund.window
    increase = sales_increase(sales_by_fy, start_fy, terms)
    before = baseline_years(start_fy, terms)
    window = sales_window(start_fy, terms)
    achieved = cost_effectiveness_index(increase, received_yen)
    return RefundResult(
        theme=theme_spec.key,
        start_fy=start_fy,
        shifted=shifted,
        evaluation_fy=evaluation_fiscal_year(start_fy, terms),
        sales_window=window,
        baseline_years=before,
        baseline_sales=Fraction(sum(sales_by_fy[fy] for fy in before), len(before)),
        best_sales=max(sales_by_fy[fy] for fy in window),
        sales_increase=increase,
        set_value=round_index(set_value),
        variable_rate_percent=variable_rate(set_value),
        achieved_value=achieved,
        refund_rate_percent=refund_rate(achieved),
        refund_yen=refund_amount(received_yen, set_value, achieved),
    )
