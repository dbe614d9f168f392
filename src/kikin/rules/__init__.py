"""The rules engine: every formula and date rule of the fund's plans, in plain Python.

Nothing in this package imports Django, so the rules run in `kikin calc`, in tests without a
database and in any service that needs them. Money is integer yen, rates are `Fraction`, indices
are `Decimal`; no float is ever used. Each rule is a small function named after it, with the seed
file and line it comes from in its docstring.

    money     yen units, truncation, rates, half-up rounding
    plan      the plan catalogue (themes, caps, rates, periods, calls) from data/*.toml
    fiscal    Japanese fiscal years and their labels (令和7年度)
    dates     calendar months and the end of a period (民法143条)
    caps      variable rate, budget caps, the 80 % booking rule
    refund    the R&D cost refund scheme (研究開発費返還制度)
    returns   self-investment return (自己開発投資額) and revenue payback (収益納付)
    subsidy   subsidy rates (助成率) and amounts
    schedule  period end, stage-gate dates, end after a failed gate
    leakage   prior consultation before acts that may leak technology (事前相談)
    targets   the program's output and outcome targets
    calc      the `kikin calc` command: JSON in, JSON out
    errors    RuleError, naming the input field at fault
"""

from .caps import (
    booking_limit_date,
    budget_cap,
    eighty_percent_rule_applies,
    max_bookable_before_gate,
    round_index,
    set_value_admissible,
    variable_rate,
)
from .dates import add_months, period_end
from .errors import MissingValueError, NotApplicableError, RuleError
from .fiscal import fiscal_year, fiscal_year_bounds, fiscal_year_label_en, fiscal_year_label_ja
from .leakage import prior_consultation_required
from .refund import (
    cost_effectiveness_index,
    evaluate_refund,
    evaluation_fiscal_year,
    refund_amount,
    refund_rate,
    sales_increase,
    sales_window,
)
from .returns import revenue_payback, self_investment_return
from .schedule import end_if_gate_failed, stage_gate_due, theme_schedule
from .subsidy import subsidy_amount, subsidy_rate, subsidy_terms
from .targets import ThemeOutcome, fund_targets

__all__ = [
    "MissingValueError",
    "NotApplicableError",
    "RuleError",
    "ThemeOutcome",
    "add_months",
    "booking_limit_date",
    "budget_cap",
    "cost_effectiveness_index",
    "eighty_percent_rule_applies",
    "end_if_gate_failed",
    "evaluate_refund",
    "evaluation_fiscal_year",
    "fiscal_year",
    "fiscal_year_bounds",
    "fiscal_year_label_en",
    "fiscal_year_label_ja",
    "fund_targets",
    "max_bookable_before_gate",
    "period_end",
    "prior_consultation_required",
    "refund_amount",
    "refund_rate",
    "revenue_payback",
    "round_index",
    "sales_increase",
    "sales_window",
    "self_investment_return",
    "set_value_admissible",
    "stage_gate_due",
    "subsidy_amount",
    "subsidy_rate",
    "subsidy_terms",
    "theme_schedule",
    "variable_rate",
]
