"""`kikin calc NAME`: one rule of the rules engine, one JSON object in, one JSON object out.

    echo '{"theme": "1-a1", "set_value": "2.5"}' | kikin calc budget-cap

Reads one JSON object on standard input and prints one JSON object on standard output: money as
JSON integers of yen, rates, indices and percents as strings ("2/3", "1.3", "27"), dates as
"YYYY-MM-DD". Bad input exits with status 2 and one line on standard error, `FIELD: what is wrong`,
and prints nothing on standard output. `kikin calc --help` lists the names; `kikin calc NAME
--help` lists a name's fields. docs/calc.md documents each name with a worked example.

Each name declares its input fields once (a `Field` with a `Kind` that parses and checks one
value), so every field of every name is checked, and its errors are worded, the same way.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from . import caps, fiscal, leakage, refund, returns, schedule, subsidy, targets
from .errors import RuleError
from .money import FIXED_AMOUNT_LABEL, format_rate, parse_rate

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2

#: No amount the fund handles comes near 10^15 yen (1,000兆円); larger is a typing error.
MAX_YEN = 10**15
#: Decimal inputs are plain decimals with at most 6 places, never exponents or floats.
_DECIMAL_RE = re.compile(r"-?\d{1,12}(\.\d{1,6})?")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FY_KEY_RE = re.compile(r"\d{4}")


class InputError(RuleError):
    """Input that does not fit a field's declared kind."""


class _FloatLiteral(str):
    """A JSON number written with a fraction or an exponent, kept as its text: never a float."""


def _reject_constant(name: str):
    raise InputError("input", f"{name} is not a number JSON allows")


def _object_pairs(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise InputError(key, "given twice")
        out[key] = value
    return out


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, _FloatLiteral):
        return f"the number {value}"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# --- kinds: how one input value is parsed and checked ------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A type of input value: `describe` for the docs and --help, `parse(value, path)`."""

    describe: str
    parse: Callable[[object, str], object]


def _integer(value, path: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, _FloatLiteral):
            raise InputError(path, f"must be {what} written as a JSON integer, not {value}")
        raise InputError(path, f"must be {what} written as a JSON integer, not {_json_type(value)}")
    return value


def money(*, signed: bool = False, positive: bool = False) -> Kind:
    lo = "" if signed else (", > 0" if positive else ", ≥ 0")

    def parse(value, path):
        n = _integer(value, path, "whole yen")
        if not signed and n < 0:
            raise InputError(path, "must not be negative")
        if positive and n == 0:
            raise InputError(path, "must be greater than 0")
        if abs(n) > MAX_YEN:
            raise InputError(path, f"is out of range (at most {MAX_YEN:,} yen)")
        return n

    return Kind(f"integer, yen{lo}", parse)


def integer(lo: int, hi: int, what: str = "an integer") -> Kind:
    def parse(value, path):
        n = _integer(value, path, what)
        if not lo <= n <= hi:
            raise InputError(path, f"must be between {lo} and {hi}")
        return n

    return Kind(f"integer, {lo}–{hi}", parse)


def decimal(example: str = "2.5", lo: Decimal | None = None, hi: Decimal | None = None) -> Kind:
    def parse(value, path):
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(value, _FloatLiteral) or not isinstance(text, str) or not _DECIMAL_RE.fullmatch(text.strip()):
            raise InputError(path, f'must be a decimal string such as "{example}"')
        d = Decimal(text.strip())
        if lo is not None and d < lo:
            raise InputError(path, f"must be at least {lo}")
        if hi is not None and d > hi:
            raise InputError(path, f"must be at most {hi}")
        return d

    bounds = "" if lo is None and hi is None else f", {lo if lo is not None else '…'}–{hi if hi is not None else '…'}"
    return Kind(f'decimal string such as "{example}"{bounds}', parse)


def ratio() -> Kind:
    def parse(value, path):
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        message = 'must be a ratio string between 0 and 1 such as "1", "0.6" or "3/5"'
        if isinstance(value, _FloatLiteral) or not isinstance(text, str):
            raise InputError(path, message)
        try:
            r = Fraction(text.strip())
        except (ValueError, ZeroDivisionError):
            raise InputError(path, message) from None
        if not 0 <= r <= 1:
            raise InputError(path, message)
        return r

    return Kind('ratio string, 0–1, such as "1", "0.6" or "3/5"', parse)


def rate() -> Kind:
    def parse(value, path):
        if isinstance(value, _FloatLiteral) or not isinstance(value, str):
            raise InputError(path, f'must be a rate string such as "2/3", "1/2" or "{FIXED_AMOUNT_LABEL}"')
        try:
            return parse_rate(value)
        except ValueError:
            raise InputError(path, f'must be a rate string in (0, 1] such as "2/3" or "1/2"') from None

    return Kind(f'rate string such as "2/3", "1/2", "1" or "{FIXED_AMOUNT_LABEL}"', parse)


def boolean() -> Kind:
    def parse(value, path):
        if not isinstance(value, bool):
            raise InputError(path, f"must be true or false, not {_json_type(value)}")
        return value

    return Kind("true or false", parse)


def string(example: str) -> Kind:
    def parse(value, path):
        if not isinstance(value, str) or not value.strip():
            raise InputError(path, f'must be a string such as "{example}"')
        return value.strip()

    return Kind(f'string such as "{example}"', parse)


def choice(*values: str) -> Kind:
    def parse(value, path):
        if value not in values:
            raise InputError(path, f"must be one of {', '.join(values)}")
        return value

    return Kind("one of " + ", ".join(f'"{v}"' for v in values), parse)


def date() -> Kind:
    def parse(value, path):
        if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
            raise InputError(path, 'must be a date string "YYYY-MM-DD" such as "2025-04-01"')
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise InputError(path, f"{value} is not a day of the calendar") from None

    return Kind('date string "YYYY-MM-DD"', parse)


def instant() -> Kind:
    def parse(value, path):
        message = 'must be an ISO 8601 date and time with a UTC offset such as "2025-03-31T15:00:00Z"'
        if not isinstance(value, str) or "T" not in value:
            raise InputError(path, message)
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise InputError(path, message) from None
        if moment.tzinfo is None:
            raise InputError(path, 'has no UTC offset: add "Z" or "+09:00"')
        return moment

    return Kind('date-time string with offset, "2025-03-31T15:00:00Z"', parse)


def theme_key(*, refund_scheme: bool = False) -> Kind:
    def parse(value, path):
        from . import plan

        if not isinstance(value, str):
            raise InputError(path, f'must be a theme key such as "1-a1", not {_json_type(value)}')
        try:
            spec = plan.theme(value)
        except KeyError:
            keys = [t.key for t in plan.program().themes]
            near = difflib.get_close_matches(value, keys, n=1)
            hint = f' (did you mean "{near[0]}"?)' if near else ' (item number, hyphen, code: "1-a1", "2-d1")'
            raise InputError(path, f'unknown theme "{value}"{hint}') from None
        if refund_scheme and not spec.refund_scheme:
            raise InputError(
                path,
                f'theme "{value}" is not under the refund scheme (only item ① system technology themes '
                "(a1) (a2) (b1) (b4) (b5) (c1) (c2) (c7) (f1) (f2))",
            )
        return spec

    return Kind('theme key such as "1-a1" (item, hyphen, code)', parse)


def sales_by_fy() -> Kind:
    value_kind = money()

    def parse(value, path):
        if not isinstance(value, dict):
            raise InputError(path, f'must be an object of fiscal year → yen such as {{"2018": 10000000000}}, not {_json_type(value)}')
        out = {}
        for key, amount in value.items():
            if not _FY_KEY_RE.fullmatch(key):
                raise InputError(f"{path}.{key}", 'is not a fiscal year: keys are years such as "2018"')
            out[int(key)] = value_kind.parse(amount, f"{path}.{key}")
        return out

    return Kind('object, fiscal year "YYYY" → integer yen', parse)


def item_number() -> Kind:
    def parse(value, path):
        if isinstance(value, str) and value.strip() in {"1", "2", "3", "4"}:
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4:
            return value
        raise InputError(path, 'must be the R&D item "1", "2", "3" or "4"')

    return Kind('item "1"–"4" (① – ④)', parse)


def objects(fields: tuple[Field, ...], example: str) -> Kind:
    def parse(value, path):
        if not isinstance(value, list):
            raise InputError(path, f"must be an array of objects, not {_json_type(value)}")
        return [_read_object(v, fields, f"{path}[{i}]") for i, v in enumerate(value)]

    return Kind(f"array of objects {example}", parse)


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    help: str
    required: bool = True
    default: object = None


def _read_object(value, fields: tuple[Field, ...], path: str = "") -> dict:
    """Check a JSON object against `fields`: unknown names first, then each field in order."""
    where = path or "input"
    if not isinstance(value, dict):
        raise InputError(where, f"must be a JSON object, not {_json_type(value)}")
    names = [f.name for f in fields]
    for key in value:
        if key not in names:
            near = difflib.get_close_matches(key, names, n=1)
            hint = f' (did you mean "{near[0]}"?)' if near else f" (fields: {', '.join(names)})"
            raise InputError(f"{path}.{key}" if path else key, f"unknown field{hint}")
    out = {}
    for f in fields:
        name = f"{path}.{f.name}" if path else f.name
        if f.name not in value or value[f.name] is None:
            if f.required:
                raise InputError(name, f"required ({f.kind.describe})")
            out[f.name] = f.default
            continue
        out[f.name] = f.kind.parse(value[f.name], name)
    return out


# --- output formatting ---------------------------------------------------------------------------


def format_number(value: Fraction | Decimal | int) -> str:
    """An exact number as a string: 27 → "27", 66.5 → "66.5", 2/3 → "2/3" (never rounded here)."""
    if isinstance(value, Decimal):
        return str(value)
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d == 1:  # a terminating decimal
        places = 0
        while (value * 10**places).denominator != 1:
            places += 1
        return str(Decimal(value.numerator) / Decimal(value.denominator)).rstrip("0") if places else str(value)
    return str(value)


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _refuse(args: dict, allowed: set[str], optional: tuple[str, ...], why: str) -> None:
    for name in optional:
        if args.get(name) is not None and name not in allowed:
            raise InputError(name, why)


# --- the names -------------------------------------------------------------------------------------


def run_budget_cap(a: dict) -> dict:
    spec = a["theme"]
    rule = spec.cap
    allowed = {"variable": {"set_value"}, "call_total": {"call"}, "options": {"option"}, "tranches": {"tranche"}}.get(
        rule.kind, {"call"} if rule.by_call else set()
    )
    _refuse(a, allowed, ("set_value", "call", "option", "tranche"), f"does not apply: theme {spec.key}'s cap is of kind {rule.kind}")
    cap = caps.budget_cap(rule, set_value=a["set_value"], call=a["call"], option=a["option"], tranche=a["tranche"])
    out: dict = {"theme": spec.key, "cap_kind": rule.kind}
    if rule.kind == "variable":
        out["set_value"] = str(caps.round_index(a["set_value"]))
        out["admissible"] = caps.set_value_admissible(a["set_value"])
        out["variable_rate_percent"] = format_number(caps.variable_rate(a["set_value"]))
        out["base_cap_yen"] = rule.base_yen
    elif rule.kind == "call_total" or (a["call"] is not None and rule.by_call):
        out["call"] = a["call"]
    elif rule.kind == "options":
        out["option"] = a["option"]
    elif rule.kind == "tranches":
        out["tranche"] = a["tranche"]
        out["tranches_yen"] = list(rule.tranches_yen)
    elif rule.kind == "pooled":
        out["pool"] = rule.pool
    out["cap_yen"] = cap
    return out


def run_refund(a: dict) -> dict:
    r = refund.evaluate_refund(
        a["theme"],
        start_fy=a["start_fy"],
        received_yen=a["received_yen"],
        set_value=a["set_value"],
        sales_by_fy=a["sales_yen_by_fy"],
        proposal_contract_yen=a["proposal_contract_yen"],
        ended_early=a["ended_early"],
    )
    return {
        "theme": r.theme,
        "start_fy": r.start_fy,
        "window_shifted": r.shifted,
        "evaluation_fy": r.evaluation_fy,
        "baseline_fy": list(r.baseline_years),
        "sales_window_fy": list(r.sales_window),
        "baseline_sales_yen": int(r.baseline_sales),
        "best_sales_yen": r.best_sales,
        "sales_increase_yen": int(r.sales_increase),
        "set_value": str(r.set_value),
        "variable_rate_percent": format_number(r.variable_rate_percent),
        "achieved_value": str(r.achieved_value),
        "refund_rate_percent": format_number(r.refund_rate_percent),
        "refund_due": r.refund_yen > 0,
        "refund_yen": r.refund_yen,
    }


def run_self_investment(a: dict) -> dict:
    expected = Fraction(a["pledged_yen"] * a["received_yen"], a["proposal_contract_yen"] or 1)
    return {
        "return_yen": returns.self_investment_return(
            a["pledged_yen"], a["received_yen"], a["proposal_contract_yen"], a["actual_burden_yen"]
        ),
        "expected_burden_yen": int(expected),
    }


def run_payback(a: dict) -> dict:
    return {
        "payback_yen": returns.revenue_payback(
            a["profit_yen"], a["deduction_yen"], a["grant_yen"], a["spending_yen"], a["paid_yen"], a["contribution_ratio"]
        )
    }


def run_subsidy(a: dict) -> dict:
    terms = subsidy.subsidy_terms(
        a["theme"], call=a["call"], applicant=a["applicant"], project_year=a["project_year"], rate=a["rate"], testbed=a["testbed"]
    )
    return {
        "theme": a["theme"].key,
        "form": terms.form,
        "rate": format_rate(terms.rate),
        "label": terms.label,
        "subsidy_yen": subsidy.subsidy_amount(a["eligible_cost_yen"], terms.rate),
    }


def run_schedule(a: dict) -> dict:
    spec = a["theme"]
    if a["call"] is not None and spec.period_months_by_call and a["call"] not in spec.period_months_by_call:
        from . import plan

        calls = [c.key for c in plan.program().calls if spec.key in c.themes] or list(spec.period_months_by_call)
        if a["call"] not in calls:
            raise InputError("call", f"{a['call']!r} is not a call of theme {spec.key} ({', '.join(calls)})")
    s = schedule.theme_schedule(spec, a["start_date"], call=a["call"], gate_review_date=a["gate_review_date"])
    return {
        "theme": spec.key,
        "period_months": s.period_months,
        "period_end": _iso(s.period_end),
        "planned_period_end": _iso(s.planned_period_end),
        "capped_at_program_end": s.capped_at_program_end,
        "stage_gate_earliest": _iso(s.stage_gate_earliest),
        "stage_gate_due": _iso(s.stage_gate_due),
        "end_if_gate_failed": _iso(s.end_if_gate_failed),
    }


def run_booking_limit(a: dict) -> dict:
    spec = a["theme"]
    months = a["period_months"] or spec.period_for_call(None)
    applies = caps.eighty_percent_rule_applies(spec.system_technology, months, a["accelerated"])
    cost = a["whole_period_cost_yen"]
    return {
        "theme": spec.key,
        "period_months": months,
        "applies": applies,
        "max_bookable_before_gate_yen": caps.max_bookable_before_gate(cost, months, a["accelerated"]) if applies else cost,
        "booking_limit_date": _iso(caps.booking_limit_date(a["gate_review_date"])) if a["gate_review_date"] else None,
    }


def run_prior_consultation(a: dict) -> dict:
    required, reasons = leakage.prior_consultation_required(
        a["act"],
        capacity_increase_percent=a["capacity_increase_percent"],
        local_consumption_percent=a["local_consumption_percent"],
        forced_transfer_risk=a["forced_transfer_risk"],
        counterparty_broke_norms_5y=a["counterparty_broke_norms_5y"],
        foreign_government_influence=a["foreign_government_influence"],
        ministry_requested=a["ministry_requested"],
        new_site=a["new_site"],
    )
    return {"required": required, "reasons": reasons}


def run_fund_targets(a: dict) -> dict:
    t = targets.fund_targets(
        targets.ThemeOutcome(
            item=x["item"],
            completed=x["completed"],
            met_targets=x["met_targets"],
            adopted=x["adopted"],
            practical_use=x["practical_use"],
        )
        for x in a["themes"]
    )
    pct = targets.percent_1dp
    return {
        "completed_themes": t.completed,
        "met_themes": t.met,
        "target_achievement": None if t.target_achievement is None else str(t.target_achievement),
        "target_achievement_percent": None if t.target_achievement is None else str(pct(t.target_achievement)),
        "meets_output_goal": t.meets_output_goal,
        "adopted_themes": t.adopted,
        "practical_themes": t.practical,
        "practical_use": None if t.practical_use is None else str(t.practical_use),
        "practical_use_percent": None if t.practical_use is None else str(pct(t.practical_use)),
        "meets_outcome_goal": t.meets_outcome_goal,
    }


def run_fiscal_year(a: dict) -> dict:
    given = [n for n in ("date", "datetime", "fiscal_year") if a[n] is not None]
    if len(given) != 1:
        raise InputError(given[1] if len(given) > 1 else "date", "give exactly one of date, datetime, fiscal_year")
    fy = a["fiscal_year"] if a["fiscal_year"] is not None else fiscal.fiscal_year(a[given[0]])
    first, last = fiscal.fiscal_year_bounds(fy)
    return {
        "fiscal_year": fy,
        "label_ja": fiscal.fiscal_year_label_ja(fy),
        "label_en": fiscal.fiscal_year_label_en(fy),
        "starts": first.isoformat(),
        "ends": last.isoformat(),
    }


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    fields: tuple[Field, ...]
    run: Callable[[dict], dict]
    output: tuple[str, ...] = field(default=())


PERCENT = decimal("12.5", lo=Decimal(0))
THEME_OUTCOME_FIELDS = (
    Field("item", item_number(), "R&D item of the theme; ③ and ④ are left out of both targets"),
    Field("completed", boolean(), "the theme's R&D is completed"),
    Field("met_targets", boolean(), "the theme met the targets set for it (counts only when completed)"),
    Field("adopted", boolean(), "the theme was adopted"),
    Field("practical_use", boolean(), "the theme's technology reached practical use (counts only when adopted)"),
)

COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command(
            "budget-cap",
            "a theme's budget cap (予算規模), with the variable rate (変動率) where it has one",
            (
                Field("theme", theme_key(), "theme key"),
                Field("set_value", decimal("2.5"), "set value of the cost-effectiveness index (variable caps)", False),
                Field("call", string("2024-07"), "call key (call totals, caps by call)", False),
                Field("option", string("testbed"), "scope of the proposal (caps by option)", False),
                Field("tranche", integer(1, 9), "gate number of a growing cap (1 = up to the first gate)", False),
            ),
            run_budget_cap,
        ),
        Command(
            "refund",
            "the R&D cost refund (研究開発費返還制度) of a system technology theme",
            (
                Field("theme", theme_key(refund_scheme=True), "theme key, one under the refund scheme"),
                Field("start_fy", integer(2020, 2029, "a fiscal year"), "fiscal year the theme started"),
                Field("proposal_contract_yen", money(positive=True), "proposal-time contract cost (提案時委託費)"),
                Field("received_yen", money(positive=True), "contract money received (委託費受領額), net of increases"),
                Field("set_value", decimal("2.5"), "set value of the cost-effectiveness index (設定値)"),
                Field("sales_yen_by_fy", sales_by_fy(), "sales by fiscal year (売上高)"),
                Field("ended_early", boolean(), "ended early by decision of the ministry and NEDO", False, False),
            ),
            run_refund,
        ),
        Command(
            "self-investment",
            "the return owed under a self-investment pledge (自己開発投資額)",
            (
                Field("pledged_yen", money(), "pledged self-investment (自己開発投資額)"),
                Field("received_yen", money(), "contract money received (委託費受領額)"),
                Field("proposal_contract_yen", money(positive=True), "proposal-time contract cost (提案時委託費)"),
                Field("actual_burden_yen", money(), "actual self-funded burden (実負担額)"),
            ),
            run_self_investment,
        ),
        Command(
            "payback",
            "revenue payback of a grant (収益納付, 別紙1)",
            (
                Field("profit_yen", money(signed=True), "A: cumulative operating profit (収益額), may be negative"),
                Field("deduction_yen", money(), "B: deduction, the eligible subsidized cost (控除額)"),
                Field("grant_yen", money(), "C: confirmed grant amount (補助金確定額)"),
                Field("spending_yen", money(positive=True), "D: spending on the subsidized work (支出額)"),
                Field("paid_yen", money(), "E: payback already made (納付額)"),
                Field("contribution_ratio", ratio(), "share of the profit the grant contributed to (寄与率)", False, Fraction(1)),
            ),
            run_payback,
        ),
        Command(
            "subsidy",
            "a theme's subsidy rate (助成率) and the subsidy on an eligible cost",
            (
                Field("theme", theme_key(), "theme key"),
                Field("eligible_cost_yen", money(), "eligible cost (助成対象経費)"),
                Field("call", string("2024-07"), "call key ((g3) GENIAC)", False),
                Field("applicant", choice(*subsidy.APPLICANT_CATEGORIES), "applicant category ((g3) GENIAC)", False),
                Field("project_year", integer(1, 10), "year of the project, 1 = first ((g6))", False),
                Field("rate", rate(), "which of the theme's rates, where it has more than one", False),
                Field("testbed", boolean(), "testbed work of (g6), a contract in every year", False, False),
            ),
            run_subsidy,
        ),
        Command(
            "schedule",
            "a theme's period end, stage-gate date and end after a failed gate",
            (
                Field("theme", theme_key(), "theme key"),
                Field("start_date", date(), "first day of the theme's R&D"),
                Field("call", string("2024-02"), "call key, where the period depends on the call", False),
                Field("gate_review_date", date(), "date the stage-gate review was actually held", False),
            ),
            run_schedule,
        ),
        Command(
            "booking-limit",
            "the 80 % limit on cost booked up to 3 months after the stage gate",
            (
                Field("theme", theme_key(), "theme key"),
                Field("whole_period_cost_yen", money(), "proposal-time contract cost of the whole period"),
                Field("period_months", integer(1, 120), "the theme's actual period in months (default: the plan's maximum)", False),
                Field("accelerated", boolean(), "the budget was increased after adoption", False, False),
                Field("gate_review_date", date(), "date of the stage-gate review", False),
            ),
            run_booking_limit,
        ),
        Command(
            "prior-consultation",
            "whether an act needs prior consultation with the ministry (技術流出防止, 別紙3)",
            (
                Field("act", choice(*leakage.ACTS), "the act toward another party or country"),
                Field("forced_transfer_risk", boolean(), "a risk of forced technology transfer is known"),
                Field("counterparty_broke_norms_5y", boolean(), "the other party broke UN resolutions or norms in 5 years"),
                Field("foreign_government_influence", boolean(), "the other party acts under a foreign government's influence"),
                Field("ministry_requested", boolean(), "the ministry asked for consultation"),
                Field("new_site", boolean(), "production_abroad: a new site is built", False, False),
                Field("capacity_increase_percent", PERCENT, "production_abroad: capacity growth of an existing site, %", False),
                Field("local_consumption_percent", decimal("85", Decimal(0), Decimal(100)), "production_abroad: share of output consumed in that country, %", False),
            ),
            run_prior_consultation,
        ),
        Command(
            "fund-targets",
            "the program's output and outcome targets over its themes",
            (Field("themes", objects(THEME_OUTCOME_FIELDS, '{"item", "completed", "met_targets", "adopted", "practical_use"}'), "one object per adopted theme"),),
            run_fund_targets,
        ),
        Command(
            "fiscal-year",
            "the Japanese fiscal year (年度) of a date or instant, with its labels",
            (
                Field("date", date(), "a calendar date", False),
                Field("datetime", instant(), "an instant with its UTC offset; placed by its date in Tokyo", False),
                Field("fiscal_year", integer(1926, 9999, "a fiscal year"), "a fiscal year, for its labels and bounds", False),
            ),
            run_fiscal_year,
        ),
    )
}


# --- the command line --------------------------------------------------------------------------------


def usage() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = ["usage: kikin calc NAME < input.json      (kikin calc NAME --help: its fields)", "", "names:"]
    lines += [f"  {c.name:<{width}}  {c.summary}" for c in COMMANDS.values()]
    return "\n".join(lines)


def command_help(command: Command) -> str:
    lines = [f"kikin calc {command.name}: {command.summary}", "", "input fields:"]
    for f in command.fields:
        need = "required" if f.required else "optional"
        lines.append(f"  {f.name} ({need}; {f.kind.describe}): {f.help}")
    return "\n".join(lines)


def parse_input(text: str) -> object:
    if not text.strip():
        raise InputError("input", "empty: give one JSON object on standard input")
    try:
        return json.loads(text, parse_float=_FloatLiteral, parse_constant=_reject_constant, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as e:
        raise InputError("input", f"not JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise InputError("input", "nested too deeply") from None


def compute(name: str, payload: object) -> dict:
    """Run `name` on an already-parsed JSON value; raises RuleError on bad input."""
    command = COMMANDS[name]
    return command.run(_read_object(payload, command.fields))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout, stderr = sys.stdout, sys.stderr
    if not argv:
        print(usage(), file=stderr)
        return EXIT_BAD_INPUT
    if argv[0] in {"-h", "--help"}:
        print(usage(), file=stdout)
        return EXIT_OK
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"calc: unknown name {name!r}; names: {', '.join(COMMANDS)}", file=stderr)
        return EXIT_BAD_INPUT
    if rest in (["-h"], ["--help"]):
        print(command_help(COMMANDS[name]), file=stdout)
        return EXIT_OK
    if rest:
        print(f"calc: unexpected argument {rest[0]!r}; the input is read from standard input", file=stderr)
        return EXIT_BAD_INPUT
    try:
        result = compute(name, parse_input(sys.stdin.read()))
    except RuleError as e:
        print(" ".join(str(e).split()), file=stderr)
        return EXIT_BAD_INPUT
    except (OSError, KeyError, LookupError) as e:  # the plan catalogue could not be read
        print(f"calc: internal error: {type(e).__name__}: {e}", file=stderr)
        return EXIT_INTERNAL
    print(json.dumps(result, ensure_ascii=False), file=stdout)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
