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
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from . import caps, eligibility, fiscal, leakage, plan, refund, returns, schedule, subsidy, targets
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


class CatalogueError(Exception):
    """The plan catalogue could not be read: a fault of the installation, not of the input."""


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
        if (
            isinstance(value, _FloatLiteral)
            or not isinstance(text, str)
            or not _DECIMAL_RE.fullmatch(text.strip())
        ):
            raise InputError(path, f'must be a decimal string such as "{example}"')
        d = Decimal(text.strip())
        if lo is not None and d < lo:
            raise InputError(path, f"must be at least {lo}")
        if hi is not None and d > hi:
            raise InputError(path, f"must be at most {hi}")
        return d

    bounds = (
        ""
        if lo is None and hi is None
        else f", {lo if lo is not None else '…'}–{hi if hi is not None else '…'}"
    )
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
            raise InputError(
                path, f'must be a rate string such as "2/3", "1/2" or "{FIXED_AMOUNT_LABEL}"'
            )
        try:
            return parse_rate(value)
        except ValueError:
            raise InputError(
                path, 'must be a rate string in (0, 1] such as "2/3" or "1/2"'
            ) from None

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
        message = (
            'must be an ISO 8601 date and time with a UTC offset such as "2025-03-31T15:00:00Z"'
        )
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


@dataclass(frozen=True)
class _ThemeRef:
    """A theme key as given; resolved against the input's `program` once every field is read."""

    key: str
    refund_scheme: bool


def theme_key(*, refund_scheme: bool = False) -> Kind:
    def parse(value, path):
        if not isinstance(value, str) or not value.strip():
            raise InputError(path, f'must be a theme key such as "1-a1", not {_json_type(value)}')
        return _ThemeRef(value.strip(), refund_scheme)

    return Kind('theme key such as "1-a1" (item, hyphen, code) of the program', parse)


def _catalogue():
    try:
        return plan.programs()
    except (OSError, ValueError) as e:
        raise CatalogueError(
            f"the plan catalogue could not be read: {type(e).__name__}: {e}"
        ) from e


def program_code() -> Kind:
    def parse(value, path):
        if not isinstance(value, str) or not value.strip():
            raise InputError(
                path, f'must be a program code such as "post5g", not {_json_type(value)}'
            )
        codes = [p.code for p in _catalogue()]
        if value not in codes:
            near = difflib.get_close_matches(value, codes, n=1)
            hint = f' (did you mean "{near[0]}"?)' if near else f" (programs: {', '.join(codes)})"
            raise InputError(path, f'unknown program "{value}"{hint}')
        return value

    return Kind('program code such as "post5g" (default: the post-5G fund)', parse)


def _resolve_theme(ref: _ThemeRef, program_spec, path: str):
    try:
        spec = program_spec.theme(ref.key)
    except KeyError:
        keys = [t.key for t in program_spec.themes]
        near = difflib.get_close_matches(ref.key, keys, n=1)
        hint = (
            f' (did you mean "{near[0]}"?)'
            if near
            else f' (item number, hyphen, code: "{keys[0]}")'
            if keys
            else " (this program has no themes)"
        )
        raise InputError(
            path, f'unknown theme "{ref.key}" of program {program_spec.code}{hint}'
        ) from None
    if ref.refund_scheme and not spec.refund_scheme:
        under = [t.key for t in program_spec.themes if t.refund_scheme]
        listed = ", ".join(under) if under else "none in this program"
        raise InputError(
            path,
            f'theme "{ref.key}" is not under the refund scheme (themes under it: {listed})',
        )
    return spec


def sales_by_fy() -> Kind:
    value_kind = money()

    def parse(value, path):
        if not isinstance(value, dict):
            raise InputError(
                path,
                'must be an object of fiscal year → yen such as {"2018": 10000000000}, '
                f"not {_json_type(value)}",
            )
        out = {}
        for key, amount in value.items():
            if not _FY_KEY_RE.fullmatch(key):
                raise InputError(
                    f"{path}.{key}", 'is not a fiscal year: keys are years such as "2018"'
                )
            out[int(key)] = value_kind.parse(amount, f"{path}.{key}")
        return out

    return Kind('object, fiscal year "YYYY" → integer yen', parse)


def item_number() -> Kind:
    """An R&D item's number; checked against the program's items once the program is known."""

    def parse(value, path):
        if isinstance(value, str) and value.strip().isdigit() and 1 <= int(value) <= 99:
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 99:
            return value
        raise InputError(path, 'must be the number of one of the program\'s R&D items, such as "1"')

    return Kind('R&D item number such as "1" (post-5G: "1"–"4", ① – ④)', parse)


def _items_phrase(numbers) -> str:
    shown = [f'"{n}"' for n in numbers]
    return ", ".join(shown[:-1]) + f" or {shown[-1]}" if len(shown) > 1 else "".join(shown)


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
    """An exact number as a string: 27 → "27", 133/2 → "66.5", 2/3 → "2/3"; never rounded here."""
    if isinstance(value, Decimal):
        return str(value)
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d != 1:  # no finite decimal: keep the fraction
        return str(value)
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    return str(Decimal(int(value * 10**places)).scaleb(-places))


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


# --- the names ------------------------------------------------------------
#
# Each name is a function from the checked fields to the output object, registered with its
# fields by `@command`; `Field` lines read: name, kind, help (`opt` for optional ones).


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    fields: tuple[Field, ...]
    run: Callable[[dict], dict]


COMMANDS: dict[str, Command] = {}


def req(name: str, kind: Kind, help: str) -> Field:
    return Field(name, kind, help)


def opt(name: str, kind: Kind, help: str, default: object = None) -> Field:
    return Field(name, kind, help, required=False, default=default)


def command(name: str, summary: str, *fields: Field):
    def register(run: Callable[[dict], dict]) -> Callable[[dict], dict]:
        COMMANDS[name] = Command(name, summary, fields, run)
        return run

    return register


THEME = theme_key()
PROGRAM = opt("program", program_code(), "program code (default: the post-5G fund, post5g)")
INDEX = decimal("2.5")
YEN = money()
YEN_POSITIVE = money(positive=True)
PERCENT = decimal("12.5", lo=Decimal(0))
SHARE_PERCENT = decimal("85", lo=Decimal(0), hi=Decimal(100))
CALL = string("2024-07")


@command(
    "budget-cap",
    "a theme's budget cap (予算規模), with the variable rate (変動率) where it has one",
    PROGRAM,
    req("theme", THEME, "theme key"),
    opt("set_value", INDEX, "set value of the cost-effectiveness index (variable caps)"),
    opt("call", CALL, "call key (call totals, caps by call)"),
    opt("option", string("testbed"), "scope of the proposal (caps by option)"),
    opt("tranche", integer(1, 9), "gate number of a growing cap (1 = up to the first gate)"),
)
def run_budget_cap(a: dict) -> dict:
    spec = a["theme"]
    rule = spec.cap
    kind = rule.label_kind
    needs = {"variable": "set_value", "call_total": "call", "options": "option"}
    allowed = {needs[rule.kind]} if rule.kind in needs else set()
    if rule.by_call or rule.by_call_fy:
        allowed.add("call")
    if rule.tranches_yen:
        allowed.add("tranche")
    for name in ("set_value", "call", "option", "tranche"):
        if a[name] is not None and name not in allowed:
            raise InputError(name, f"does not apply: theme {spec.key}'s cap is of kind {kind}")
    call_fy = None
    if a["call"] is not None and rule.by_call_fy and a["call"] not in rule.by_call:
        calls = {c.key: c for c in a["_program"].calls}
        if a["call"] in calls:
            call_fy = fiscal.fiscal_year(calls[a["call"]].opens)
        elif a["call"][:4].isdigit():
            call_fy = int(a["call"][:4])
    cap = caps.budget_cap(
        rule,
        set_value=a["set_value"],
        call=a["call"],
        option=a["option"],
        tranche=a["tranche"],
        call_fy=call_fy,
    )
    out: dict = {"theme": spec.key, "cap_kind": kind}
    if rule.scope != "proposal" and kind not in ("first_gate", "tranches"):
        out["scope"] = rule.scope  # e.g. (g6)'s scopes: the figure bounds the money to the gate
    if rule.kind == "variable":
        out["set_value"] = str(caps.round_index(a["set_value"]))
        out["admissible"] = caps.set_value_admissible(a["set_value"])
        out["variable_rate_percent"] = format_number(caps.variable_rate(a["set_value"]))
        out["base_cap_yen"] = rule.base_yen
    elif a["call"] is not None:
        out["call"] = a["call"]
    elif rule.kind == "options":
        out["option"] = a["option"]
    if rule.tranches_yen:
        out["tranche"] = a["tranche"] or 1
        out["tranches_yen"] = [rule.base_yen, *rule.tranches_yen]
    pools = a["_program"].rules.pools_of(spec)
    if pools:
        out["pools"] = [
            {"pool": p.key, "cap_yen": p.cap_yen, "years": a["_program"].rules.pool_years(p, spec)}
            for p in pools
        ]
        if cap is None:  # a theme whose only cap is shared: the tightest pool
            tightest = min(pools, key=lambda p: p.cap_yen)
            out["cap_kind"], out["pool"], cap = "pooled", tightest.key, tightest.cap_yen
    out["cap_yen"] = cap
    return out


@command(
    "refund",
    "the R&D cost refund (研究開発費返還制度) of a system technology theme",
    PROGRAM,
    req("theme", theme_key(refund_scheme=True), "theme key, one under the refund scheme"),
    req("start_fy", integer(2000, 2100, "a fiscal year"), "fiscal year the theme started"),
    req("proposal_contract_yen", YEN_POSITIVE, "proposal-time contract cost (提案時委託費)"),
    req("received_yen", YEN_POSITIVE, "contract money received (委託費受領額), net of increases"),
    req("set_value", INDEX, "set value of the cost-effectiveness index (設定値)"),
    req("sales_yen_by_fy", sales_by_fy(), "sales by fiscal year (売上高)"),
    opt("ended_early", boolean(), "ended early by decision of the ministry and NEDO", False),
)
def run_refund(a: dict) -> dict:
    r = refund.evaluate_refund(
        a["theme"],
        start_fy=a["start_fy"],
        received_yen=a["received_yen"],
        set_value=a["set_value"],
        sales_by_fy=a["sales_yen_by_fy"],
        proposal_contract_yen=a["proposal_contract_yen"],
        ended_early=a["ended_early"],
        program_start_fy=fiscal.fiscal_year(a["_program"].start_date),
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


@command(
    "self-investment",
    "the return owed under a self-investment pledge (自己開発投資額)",
    req("pledged_yen", YEN, "pledged self-investment (自己開発投資額)"),
    req("received_yen", YEN, "contract money received (委託費受領額)"),
    req("proposal_contract_yen", YEN_POSITIVE, "proposal-time contract cost (提案時委託費)"),
    req("actual_burden_yen", YEN, "actual self-funded burden (実負担額)"),
)
def run_self_investment(a: dict) -> dict:
    back = returns.self_investment_return(
        a["pledged_yen"], a["received_yen"], a["proposal_contract_yen"], a["actual_burden_yen"]
    )
    expected = Fraction(a["pledged_yen"] * a["received_yen"], a["proposal_contract_yen"])
    return {"return_yen": back, "expected_burden_yen": int(expected)}


@command(
    "payback",
    "revenue payback of a grant (収益納付, 別紙1)",
    req("profit_yen", money(signed=True), "A: cumulative operating profit (収益額), may be < 0"),
    req("deduction_yen", YEN, "B: deduction, the eligible subsidized cost (控除額)"),
    req("grant_yen", YEN, "C: confirmed grant amount (補助金確定額)"),
    req("spending_yen", YEN_POSITIVE, "D: spending on the subsidized work (支出額)"),
    req("paid_yen", YEN, "E: payback already made (納付額)"),
    opt(
        "contribution_ratio", ratio(), "share of the profit due to the grant (寄与率)", Fraction(1)
    ),
)
def run_payback(a: dict) -> dict:
    payback = returns.revenue_payback(
        a["profit_yen"],
        a["deduction_yen"],
        a["grant_yen"],
        a["spending_yen"],
        a["paid_yen"],
        a["contribution_ratio"],
    )
    return {"payback_yen": payback}


@command(
    "subsidy",
    "a theme's subsidy rate (助成率) and the subsidy on an eligible cost",
    PROGRAM,
    req("theme", THEME, "theme key"),
    req("eligible_cost_yen", YEN, "eligible cost (助成対象経費)"),
    opt("call", CALL, "call key (themes with rates by call, such as GENIAC)"),
    opt(
        "applicant",
        choice(*subsidy.APPLICANT_CATEGORIES),
        "applicant category (themes with rates by call)",
    ),
    opt("project_year", integer(1, 10), "year of the project, 1 = the first (rates by year)"),
    opt("rate", rate(), "which of the theme's rates, where it has more than one"),
    opt("testbed", boolean(), "work of the scope paid as a contract in every year", False),
    opt("option", string("testbed"), "the scope of the work (scopes paid as a contract)"),
)
def run_subsidy(a: dict) -> dict:
    terms = subsidy.subsidy_terms(
        a["theme"],
        call=a["call"],
        applicant=a["applicant"],
        project_year=a["project_year"],
        rate=a["rate"],
        testbed=a["testbed"],
        option=a["option"],
    )
    return {
        "theme": a["theme"].key,
        "form": terms.form,
        "rate": format_rate(terms.rate),
        "label": terms.label,
        "subsidy_yen": subsidy.subsidy_amount(a["eligible_cost_yen"], terms.rate),
    }


@command(
    "schedule",
    "a theme's period end, stage-gate date and end after a failed gate",
    PROGRAM,
    req("theme", THEME, "theme key"),
    req("start_date", date(), "first day of the theme's R&D"),
    opt("call", string("2024-02"), "call key, where the period depends on the call"),
    opt("gate_review_date", date(), "date the stage-gate review was actually held"),
)
def run_schedule(a: dict) -> dict:
    spec = a["theme"]
    program_spec = a["_program"]
    if a["call"] is not None:
        calls = [c.key for c in program_spec.calls if spec.key in c.themes]
        calls += [k for k in spec.period_months_by_call if k not in calls]
        if a["call"] not in calls:
            known = ", ".join(calls) if calls else "none"
            raise InputError(
                "call", f"{a['call']!r} is not a call of theme {spec.key} (calls: {known})"
            )
    s = schedule.theme_schedule(
        spec,
        a["start_date"],
        call=a["call"],
        program_end=program_spec.end_date,
        gate_review_date=a["gate_review_date"],
        stage_gate_rules=program_spec.rules.stage_gate,
    )
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


@command(
    "booking-limit",
    "the 80 % limit on cost booked up to 3 months after the stage gate",
    PROGRAM,
    req("theme", THEME, "theme key"),
    req("whole_period_cost_yen", YEN, "proposal-time contract cost of the whole period"),
    opt("period_months", integer(1, 120), "the actual period in months (default: the plan's)"),
    opt("accelerated", boolean(), "the budget was increased after adoption", False),
    opt("gate_review_date", date(), "date of the stage-gate review"),
)
def run_booking_limit(a: dict) -> dict:
    spec = a["theme"]
    months = a["period_months"] or spec.period_months
    limit = spec.booking_limit
    applies = caps.eighty_percent_rule_applies(limit, months, a["accelerated"])
    cost = a["whole_period_cost_yen"]
    bookable = (
        caps.max_bookable_before_gate(cost, months, a["accelerated"], limit) if applies else cost
    )
    review = a["gate_review_date"]
    return {
        "theme": spec.key,
        "period_months": months,
        "applies": applies,
        "max_bookable_before_gate_yen": bookable,
        "booking_limit_date": _iso(caps.booking_limit_date(review, limit))
        if review and limit
        else None,
    }


@command(
    "prior-consultation",
    "whether an act needs prior consultation with the ministry (技術流出防止, 別紙3)",
    req("act", choice(*leakage.ACTS), "the act toward another party or country"),
    req("forced_transfer_risk", boolean(), "a risk of forced technology transfer is known"),
    req("counterparty_broke_norms_5y", boolean(), "the other party broke UN or other norms in 5 y"),
    req("foreign_government_influence", boolean(), "the other party acts for a foreign government"),
    req("ministry_requested", boolean(), "the ministry asked for consultation"),
    opt("new_site", boolean(), "production_abroad: a new site is built", False),
    opt("capacity_increase_percent", PERCENT, "production_abroad: capacity growth, %"),
    opt("local_consumption_percent", SHARE_PERCENT, "production_abroad: output used locally, %"),
)
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


def country_code() -> Kind:
    def parse(value, path):
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value.strip()):
            raise InputError(path, 'must be an ISO 3166 alpha-2 country code such as "JP" or "US"')
        return value.strip().upper()

    return Kind('ISO 3166 alpha-2 country code such as "JP"', parse)


def yen_by_fy() -> Kind:
    value_kind = money()

    def parse(value, path):
        if not isinstance(value, dict):
            raise InputError(
                path,
                f'must be an object of fiscal year → yen such as {{"2025": 1000000000}}, not {_json_type(value)}',
            )
        out = {}
        for key, amount in value.items():
            if not _FY_KEY_RE.fullmatch(key):
                raise InputError(
                    f"{path}.{key}", 'is not a fiscal year: keys are years such as "2025"'
                )
            out[int(key)] = value_kind.parse(amount, f"{path}.{key}")
        return out

    return Kind('object, fiscal year "YYYY" → integer yen', parse)


def obj(fields: tuple[Field, ...], example: str) -> Kind:
    def parse(value, path):
        return _read_object(value, fields, path)

    return Kind(f"object {example}", parse)


def codes() -> Kind:
    def parse(value, path):
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise InputError(
                path, 'must be an array of condition codes such as ["g1-cloud-partner"]'
            )
        return frozenset(v.strip() for v in value)

    return Kind("array of condition codes (strings)", parse)


APPLICANT_FIELDS = (
    req("category", choice(*subsidy.APPLICANT_CATEGORIES), "applicant category, as in the app"),
    opt("registered_in_japan", boolean(), "registered (登記) in Japan", True),
    opt("rd_base_in_japan", boolean(), "has an R&D base in Japan", True),
    opt("research_institution", boolean(), "is a research institution (研究機関)", False),
)
PARTNER_FIELDS = (
    req("name", string("Example Corp."), "the partner's name"),
    req("country", country_code(), "ISO 3166 alpha-2 country code"),
    opt("relation", choice(*eligibility.RELATIONS), "relation to the proposer", "none"),
    opt("role", choice(*plan.PARTNER_ROLES), "joint R&D or adviser", "joint"),
    opt(
        "supplies_ai_compute",
        boolean(),
        "develops or supplies part of AI compute infrastructure",
        False,
    ),
)


@command(
    "eligibility",
    "the whole admission check of a proposal (応募要件・予算規模): reasons, cap and first gate",
    PROGRAM,
    req("theme", THEME, "theme key"),
    opt("call", CALL, "call key (calls with their own cap, rate, period or date)"),
    req(
        "applicant", obj(APPLICANT_FIELDS, "{category, registered_in_japan, ...}"), "the applicant"
    ),
    opt(
        "partners", objects(PARTNER_FIELDS, "{name, country, relation, role, ...}"), "partners", ()
    ),
    req("start_date", date(), "first day of the R&D"),
    req("period_months", integer(1, 600), "the period in months"),
    req(
        "requested_yen_by_fy",
        yen_by_fy(),
        "the fund's share asked for each fiscal year (NEDO負担額)",
    ),
    opt("requested_to_first_gate_yen", YEN, "the money planned up to the first stage gate"),
    opt("set_value", INDEX, "set value of the cost-effectiveness index (refund themes)"),
    opt("option", string("testbed"), "scope of the proposal (caps by scope)"),
    opt("gx_commitment", boolean(), "commitment to social implementation (GX themes)", False),
    opt(
        "approved_cap_yen",
        YEN,
        "cap approved by the selection reviewers (items whose cap may be exceeded)",
    ),
    opt(
        "declarations",
        codes(),
        "codes of the theme's declared conditions the applicant affirms",
        frozenset(),
    ),
)
def run_eligibility(a: dict) -> dict:
    spec, program_spec = a["theme"], a["_program"]
    call_key, call_opens, call_fy = a["call"], None, None
    if call_key is not None:
        known = {c.key: c for c in program_spec.calls}
        if call_key in known:
            if spec.key not in known[call_key].themes:
                raise InputError("call", f"{call_key!r} is not a call for theme {spec.key}")
            call_opens = known[call_key].opens
        elif re.fullmatch(r"\d{4}(-.*)?", call_key):
            call_fy = int(call_key[:4])
        elif call_key not in spec.rates_by_call and call_key not in spec.cap.by_call:
            calls = ", ".join(c.key for c in program_spec.calls if spec.key in c.themes) or "none"
            raise InputError(
                "call", f"unknown call {call_key!r} of theme {spec.key} (calls: {calls})"
            )
    app = a["applicant"]
    result = eligibility.check_eligibility(
        spec,
        program_spec.rules,
        eligibility.Applicant(**app),
        [eligibility.PartnerInfo(**p) for p in a["partners"]],
        eligibility.Request(
            start_date=a["start_date"],
            period_months=a["period_months"],
            requested_yen_by_fy=a["requested_yen_by_fy"],
            requested_to_first_gate_yen=a["requested_to_first_gate_yen"],
            set_value=a["set_value"],
            option=a["option"],
            gx_commitment=a["gx_commitment"],
            approved_cap_yen=a["approved_cap_yen"],
            declarations=a["declarations"],
        ),
        program_end=program_spec.end_date,
        program_end_line=program_spec.end_line,
        call=call_key,
        call_opens=call_opens,
        call_fy=call_fy,
    )
    return {
        "theme": spec.key,
        "eligible": result.eligible,
        "reasons": [
            {
                "code": r.code,
                "field": r.field,
                "message_ja": r.message_ja,
                "message_en": r.message_en,
                "seed_line": r.seed_line,
            }
            for r in result.reasons
        ],
        "cap_yen": result.cap_yen,
        "cap_kind": result.cap_kind,
        "first_gate_date": _iso(result.first_gate_date),
        "requested_to_first_gate_yen": result.requested_to_first_gate_yen,
        "requested_total_yen": result.requested_total_yen,
        "declarations": [c.code for c in result.declarations_needed],
    }


THEME_OUTCOME = (
    req("item", item_number(), "R&D item; ③ and ④ are left out of both targets"),
    req("completed", boolean(), "the theme's R&D is completed"),
    req("met_targets", boolean(), "it met the targets set for it (counts when completed)"),
    req("adopted", boolean(), "the theme was adopted"),
    req("practical_use", boolean(), "its technology reached practical use (counts when adopted)"),
)


def _share(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def _percent(value: Fraction | None) -> str | None:
    return None if value is None else str(targets.percent_1dp(value))


@command(
    "fund-targets",
    "the program's output and outcome targets over its themes",
    PROGRAM,
    req("themes", objects(THEME_OUTCOME, "{item, completed, met_targets, adopted, ...}"), "themes"),
)
def run_fund_targets(a: dict) -> dict:
    program_spec = a["_program"]
    numbers = [i.number for i in program_spec.items]
    for i, x in enumerate(a["themes"]):
        if x["item"] not in numbers:
            raise InputError(
                f"themes[{i}].item",
                f"must be the R&D item {_items_phrase(numbers)}"
                if numbers
                else f"program {program_spec.code} has no R&D items",
            )
    rules = targets.TargetRules.of(program_spec.rules)
    t = targets.fund_targets((targets.ThemeOutcome(**x) for x in a["themes"]), rules)
    return {
        "completed_themes": t.completed,
        "met_themes": t.met,
        "target_achievement": _share(t.target_achievement),
        "target_achievement_percent": _percent(t.target_achievement),
        "meets_output_goal": t.meets_output_goal,
        "adopted_themes": t.adopted,
        "practical_themes": t.practical,
        "practical_use": _share(t.practical_use),
        "practical_use_percent": _percent(t.practical_use),
        "meets_outcome_goal": t.meets_outcome_goal,
    }


@command(
    "fiscal-year",
    "the Japanese fiscal year (年度) of a date or instant, with its labels",
    opt("date", date(), "a calendar date"),
    opt("datetime", instant(), "an instant with its UTC offset, placed by its date in Tokyo"),
    opt("fiscal_year", integer(1926, 9999, "a fiscal year"), "a fiscal year, for its labels"),
)
def run_fiscal_year(a: dict) -> dict:
    given = [n for n in ("date", "datetime", "fiscal_year") if a[n] is not None]
    if len(given) != 1:
        where = given[1] if len(given) > 1 else "date"
        raise InputError(where, "give exactly one of date, datetime, fiscal_year")
    fy = a["fiscal_year"] if a["fiscal_year"] is not None else fiscal.fiscal_year(a[given[0]])
    first, last = fiscal.fiscal_year_bounds(fy)
    return {
        "fiscal_year": fy,
        "label_ja": fiscal.fiscal_year_label_ja(fy),
        "label_en": fiscal.fiscal_year_label_en(fy),
        "starts": first.isoformat(),
        "ends": last.isoformat(),
    }


# --- the command line ------------------------------------------------------------


def usage() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = [
        "usage: kikin calc NAME < input.json      (kikin calc NAME --help: its fields)",
        "",
        "names:",
    ]
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
        return json.loads(
            text,
            parse_float=_FloatLiteral,
            parse_constant=_reject_constant,
            object_pairs_hook=_object_pairs,
        )
    except json.JSONDecodeError as e:
        raise InputError(
            "input", f"not JSON ({e.msg} at line {e.lineno} column {e.colno})"
        ) from None
    except RecursionError:
        raise InputError("input", "nested too deeply") from None


def compute(name: str, payload: object) -> dict:
    """Run `name` on an already-parsed JSON value; raises RuleError on bad input."""
    command = COMMANDS[name]
    a = _read_object(payload, command.fields)
    if "program" in a:
        code = a["program"] or plan.DEFAULT_PROGRAM
        program_spec = next((p for p in _catalogue() if p.code == code), None)
        if program_spec is None:
            raise CatalogueError(f"the plan catalogue has no program {code}")
        a["_program"] = program_spec
        for key, value in list(a.items()):
            if isinstance(value, _ThemeRef):
                a[key] = _resolve_theme(value, program_spec, key)
    return command.run(a)


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
        print(
            f"calc: unexpected argument {rest[0]!r}; the input is read from standard input",
            file=stderr,
        )
        return EXIT_BAD_INPUT
    try:
        result = compute(name, parse_input(sys.stdin.read()))
    except RuleError as e:
        print(" ".join(str(e).split()), file=stderr)
        return EXIT_BAD_INPUT
    except CatalogueError as e:
        print(f"calc: internal error: {' '.join(str(e).split())}", file=stderr)
        return EXIT_INTERNAL
    print(json.dumps(result, ensure_ascii=False), file=stdout)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
