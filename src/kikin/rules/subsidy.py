"""Subsidy rates (助成率): how much of the eligible cost the fund pays.

Seed: 000_628dcc7e01f6f899.txt lines 4686–4729 and each theme's own text. A contract theme (委託)
is paid in full; a grant theme (助成) at its rate (2/3, 1/2, 1/3). Two themes have rates that
depend on more than the theme:

- (g3) GENIAC (lines 4711–4725): by call and by applicant. 特定事業者 under the SME
  business-strengthening act (`sme`) and academic bodies (`academia`) get 定額 (the full
  amount) in the 2023-11 call and 2/3 in the later calls; other firms (`large`, `other`) 1/2.
- (g6) (lines 2485–2501): by project year: year 1 a contract (100 %), years 2–4 a grant of 2/3,
  year 5 a grant of 1/2; the testbed and its operation are a contract in every year.

Both are declared in the plan file (`rates_by_call`, `rates_by_project_year`,
`contract_options`): a theme is read by its attributes, never by its code.

A full-amount grant (定額助成) is a grant at rate 1: shown as rate "1" with the label 定額.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .errors import MissingValueError, RuleError
from .money import FIXED_AMOUNT_LABEL, apply_rate, format_rate

APPLICANT_CATEGORIES = ("sme", "academia", "large", "other")


@dataclass(frozen=True)
class SubsidyTerms:
    """The rate that applies, whether the money is a contract or a grant, and its label."""

    rate: Fraction
    form: str  # "contract" or "grant"

    @property
    def label(self) -> str:
        """定額 for a full-amount grant, 委託 for a contract, else the rate ("2/3")."""
        if self.form == "contract":
            return "委託"
        if self.rate == 1:
            return FIXED_AMOUNT_LABEL
        return format_rate(self.rate)


def subsidy_terms(
    theme_spec,
    call: str | None = None,
    applicant: str | None = None,
    project_year: int | None = None,
    rate: Fraction | None = None,
    testbed: bool = False,
    option: str | None = None,
) -> SubsidyTerms:
    """The rate that applies to one theme's eligible cost, and the form of support.

    Rates by call: `call` and `applicant` select the rate ((g3), lines 4719–4725). Rates by
    project year: `project_year` (1–5) selects it ((g6), lines 2489–2501); work of a scope the
    plan pays as a contract in every year (`contract_options`, (g6)'s testbed) is a contract:
    give the scope as `option`, or `testbed=True` for the theme's only such scope. A contract theme
    pays 1. A grant theme pays its rate; where it has two rates (e.g. (g5) 1/2 or 2/3) and
    nothing above selects one, `rate` must say which (one of the theme's, or 1 for the
    contract part of a mixed theme). Where the plan states no rate for a grant theme (e.g.
    (e3-3)), `rate` gives the one the call set.
    """
    if theme_spec.rates_by_call:
        calls = ", ".join(theme_spec.rates_by_call)
        if call is None:
            raise MissingValueError(
                "call", f"required: theme {theme_spec.key} has rates by call ({calls})"
            )
        if call not in theme_spec.rates_by_call:
            raise RuleError("call", f"{call!r} is not a call of theme {theme_spec.key} ({calls})")
        by_category = theme_spec.rates_by_call[call]
        categories = ", ".join(by_category)
        if applicant is None:
            raise MissingValueError(
                "applicant", f"required: the rate depends on the applicant ({categories})"
            )
        if applicant not in by_category:
            raise RuleError("applicant", f"{applicant!r} is not one of {categories}")
        return SubsidyTerms(by_category[applicant], "grant")
    if testbed:
        if len(theme_spec.contract_options) != 1:
            raise RuleError(
                "testbed",
                f"theme {theme_spec.key} has no scope paid as a contract in every year",
            )
        option = theme_spec.contract_options[0]
    if option is not None and option in theme_spec.contract_options:
        return SubsidyTerms(Fraction(1), "contract")
    if theme_spec.rates_by_project_year:
        years = len(theme_spec.rates_by_project_year)
        if project_year is None:
            raise MissingValueError(
                "project_year",
                f"required: theme {theme_spec.key} has rates by project year (1–{years})",
            )
        if not 1 <= project_year <= years:
            raise RuleError("project_year", f"must be between 1 and {years}")
        year_rate = theme_spec.rates_by_project_year[project_year - 1]
        # A full share in the year table is the first year's contract (初年度は委託契約, line 2493).
        return SubsidyTerms(year_rate, "contract" if year_rate == 1 else "grant")
    if theme_spec.support == "contract":
        if rate is not None and rate != 1:
            raise RuleError("rate", f"theme {theme_spec.key} is a contract: its rate is 1")
        return SubsidyTerms(Fraction(1), "contract")
    allowed = list(theme_spec.rates)
    if theme_spec.support == "mixed":
        allowed.append(Fraction(1))
    if rate is not None:
        if theme_spec.rates and rate not in allowed:
            shown = ", ".join(format_rate(r) for r in allowed)
            raise RuleError(
                "rate", f"{format_rate(rate)} is not a rate of theme {theme_spec.key} ({shown})"
            )
        return SubsidyTerms(
            rate, "contract" if theme_spec.support == "mixed" and rate == 1 else "grant"
        )
    if len(theme_spec.rates) == 1 and theme_spec.support == "grant":
        return SubsidyTerms(theme_spec.rates[0], "grant")
    if not theme_spec.rates:
        raise MissingValueError(
            "rate",
            f"required: the plan states no subsidy rate for theme {theme_spec.key}; "
            "give the call's rate",
        )
    shown = ", ".join(format_rate(r) for r in theme_spec.rates)
    if theme_spec.support == "mixed":
        shown += ", or 1 for its contract part"
    raise MissingValueError(
        "rate", f"required: theme {theme_spec.key} has more than one rate ({shown})"
    )


def subsidy_rate(
    theme_spec,
    call: str | None = None,
    applicant: str | None = None,
    project_year: int | None = None,
    rate: Fraction | None = None,
    testbed: bool = False,
    option: str | None = None,
) -> Fraction:
    """The rate alone; see `subsidy_terms` (lines 4686–4729, 2485–2501)."""
    return subsidy_terms(theme_spec, call, applicant, project_year, rate, testbed, option).rate


def subsidy_amount(eligible_cost_yen: int, rate: Fraction) -> int:
    """助成額 = eligible cost × rate, truncated to the yen (切り捨て)."""
    if eligible_cost_yen < 0:
        raise RuleError("eligible_cost_yen", "must not be negative")
    return apply_rate(eligible_cost_yen, rate)
