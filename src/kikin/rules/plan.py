"""Programs as data: plan files (schema 2) read into frozen specs. See docs/plans.md.

A program is one TOML file in `data/programs/`, written from its seed with the seed line beside
every figure. This module reads a file into a `ProgramSpec` (items, themes with every attribute
their rules need, calls, pools, targets, application conditions, money-back schemes) and writes a
spec back (`dump_program`): load → dump → load gives an equal spec. A faulty file is refused
whole with `PlanDataError`, naming the file, the key path and the reason.

A theme behaves as its declared attributes say, never by its code: the rules engine and the apps
ask a `ThemeSpec` whether it has a refund scheme, compute support or a cap up to its first gate.

Nothing here imports Django: `kikin calc` reads the catalogue directly, and `load_plan` copies a
spec into the database, where later plan revisions can change a theme's terms from a date on.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .money import OKU, parse_rate

SCHEMA_VERSION = 2
PROGRAM_KINDS = ("fund", "challenge", "data_platform")
SUPPORT_FORMS = ("contract", "grant", "mixed")
APPLICANT_CATEGORIES = ("sme", "academia", "large", "other")
CAP_KINDS = ("fixed", "variable", "options", "call_total", "none")
CAP_SCOPES = ("proposal", "first_gate", "development_period")
CHECKS = (
    "rd_base_in_japan",
    "registered_in_japan",
    "not_research_institution_alone",
    "foreign_partner",
    "partner_count",
    "gx_commitment",
    "not_option_only",
    "declaration",
    "advice",
)
PARTNER_ROLES = ("joint", "adviser")
MODES = ("compute_support", "data_platform", "data_use_demonstration")
COST_KINDS = ("compute_fee", "data_preparation_outsourced")
TARGET_KINDS = ("target_achievement", "practical_use", "trl", "goal")
#: Modules that read the tables of the program kinds other than `fund` (pure, no Django).
KIND_PARSERS = {
    "challenge": ("kikin.rules.challenges", "parse_challenge_plan"),
    "data_platform": ("kikin.rules.data_platforms", "parse_data_platform_plan"),
}

_CODE_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,31}")
_THEME_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,15}")
_KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class PlanDataError(ValueError):
    """A plan file that cannot be loaded: the file, the key path and the reason."""

    def __init__(self, path: str, reason: str, file: str | None = None):
        self.path = path
        self.reason = reason
        self.file = file
        where = f"{file}: " if file else ""
        super().__init__(f"{where}{path}: {reason}" if path else f"{where}{reason}")

    def in_file(self, file: str) -> PlanDataError:
        return PlanDataError(self.path, self.reason, file)


# --- the specs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapOption:
    key: str
    cap_yen: int
    label_ja: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class CapRule:
    """A theme's budget cap (予算規模), on the fund's share (000 lines 4793–5160, 4799–4800).

    kind:   fixed (a figure), variable (figure × 変動率 from the set value), options (a figure by
            the proposal's scope), call_total (one total for all adoptions of a call), none.
    scope:  the money the figure bounds: the whole request (proposal), the money planned up to
            the first stage gate (first_gate), or each development period between gates.
    tranches_yen: cumulative totals up to the 2nd, 3rd, ... gate, opened by each gate decision.
    by_call / by_call_fy: a fixed cap's figure for one call or for the calls of one fiscal year;
            a call_total's totals.
    Pools shared by several themes are declared on the program (`PoolSpec`).
    """

    kind: str = "none"
    base_yen: int | None = None
    scope: str = "proposal"
    tranches_yen: tuple[int, ...] = ()
    by_call: dict[str, int] = field(default_factory=dict)
    by_call_fy: dict[int, int] = field(default_factory=dict)
    options: tuple[CapOption, ...] = ()
    line: int | None = None
    note_ja: str = ""
    note_en: str = ""

    @property
    def label_kind(self) -> str:
        """One word for the cap: fixed, variable, first_gate, tranches, options, call_total, none."""
        if self.kind == "fixed" and self.tranches_yen:
            return "tranches"
        if self.kind == "fixed" and self.scope == "first_gate":
            return "first_gate"
        return self.kind


@dataclass(frozen=True)
class RefundWindow:
    """The years of the R&D cost refund (研究開発費返還制度, 000 lines 4628–4682), from the start FY."""

    baseline_years: int = 2
    first_offset: int = 4
    last_offset: int = 6
    evaluation_offset: int = 7
    from_start_fy: int | None = None
    line: int | None = None


@dataclass(frozen=True)
class RefundScheme:
    """A theme's refund terms: the program's window, and another one from a start year on."""

    window: RefundWindow
    later: RefundWindow | None = None

    def window_for(self, start_fy: int) -> RefundWindow:
        if self.later is not None and start_fy >= (self.later.from_start_fy or 0):
            return self.later
        return self.window

    @property
    def has_later_window(self) -> bool:
        return self.later is not None


@dataclass(frozen=True)
class BookingLimit:
    """The limit on cost booked up to some months after the first gate (000 lines 4822–4830)."""

    percent: int = 80
    months_after_gate: int = 3
    exempt_period_months: int = 18
    line: int | None = None


@dataclass(frozen=True)
class ContinuationTerms:
    """A continuation's own terms where the plan states them (e.g. (c4), 000 line 4860)."""

    support: str
    rate: Fraction
    cap_yen: int | None
    line: int | None = None


@dataclass(frozen=True)
class Condition:
    """An application condition (応募条件): a built-in check or a declaration."""

    code: str
    check: str
    text_ja: str
    text_en: str
    line: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    evidence: bool = False
    note_ja: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class ThemeSpec:
    item: int
    code: str
    title_ja: str
    title_en: str
    support: str
    rates: tuple[Fraction, ...]
    cap: CapRule
    period_months: int
    stage_gate_months: int | None
    line: int
    parent: str = ""
    area: str = ""
    area_title_ja: str = ""
    area_title_en: str = ""
    system_technology: bool = False
    gx: bool = False
    stage_gate_earliest_months: int | None = None
    gates: int = 1
    rates_by_call: dict[str, dict[str, Fraction]] = field(default_factory=dict)
    rates_by_project_year: tuple[Fraction, ...] = ()
    contract_options: tuple[str, ...] = ()
    period_months_by_call: dict[str, int] = field(default_factory=dict)
    refund: RefundScheme | None = None
    booking_limit: BookingLimit | None = None
    first_review: bool = True
    intermediate_targets: bool = True
    cap_exceedable: bool = False
    modes: tuple[str, ...] = ()
    eligible_costs: tuple[str, ...] = ()
    eligible_costs_by_call: dict[str, tuple[str, ...]] = field(default_factory=dict)
    continuation: ContinuationTerms | None = None
    conditions: tuple[Condition, ...] = ()
    note_ja: str = ""
    note_en: str = ""

    @property
    def key(self) -> str:
        """`1-a1`: item number, a hyphen, the theme code (unique in its program)."""
        return f"{self.item}-{self.code}"

    @property
    def refund_scheme(self) -> bool:
        """研究開発費返還制度 applies: the theme declares `refund`."""
        return self.refund is not None

    def has_mode(self, mode: str) -> bool:
        return mode in self.modes

    def period_for_call(self, call_key: str | None) -> int:
        if call_key and call_key in self.period_months_by_call:
            return self.period_months_by_call[call_key]
        return self.period_months

    def costs_for_call(self, call_key: str | None) -> tuple[str, ...]:
        """The only eligible cost kinds, where the plan limits them (empty: no limit)."""
        if call_key and call_key in self.eligible_costs_by_call:
            return self.eligible_costs_by_call[call_key]
        return self.eligible_costs


def as_item(spec: ThemeSpec, item) -> ThemeSpec:
    """A theme's spec as adopted as (or moved into) another item of its program (post-5G: ③
    先導研究, 000_628dcc7e01f6f899.txt lines 5183–5185, 5309): that item's period and gate timing (its
    `defaults` first), and none of the schemes the theme's own item carries (the refund and its
    booking limit, the system-technology variable rate). `item` is an `ItemSpec` or anything with
    its fields (`defaults`, `period_months`, `stage_gate_months`, `intermediate_targets`,
    `cap_exceedable`)."""
    defaults = item.defaults or {}
    return replace(
        spec,
        period_months=defaults.get("period_months", item.period_months or spec.period_months),
        stage_gate_months=defaults.get("stage_gate_months", item.stage_gate_months),
        stage_gate_earliest_months=defaults.get("stage_gate_earliest_months"),
        refund=None,
        booking_limit=None,
        system_technology=False,
        intermediate_targets=item.intermediate_targets,
        cap_exceedable=item.cap_exceedable,
    )


@dataclass(frozen=True)
class ItemSpec:
    number: int
    symbol: str
    title_ja: str
    title_en: str
    support_ja: str
    period_months: int | None
    stage_gate_months: int | None
    first_review: bool
    line: int
    intermediate_targets: bool = True
    cap_exceedable: bool = False
    director: bool = False
    #: A theme may be adopted as, or moved at a stage gate into, this item (post-5G ③).
    move_target: bool = False
    budget_per_year_min_yen: int | None = None
    budget_per_year_max_yen: int | None = None
    budget_line: int | None = None
    agency_ja: str = ""
    agency_en: str = ""
    budget_code: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)
    note_ja: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class RevisionSpec:
    date: dt.date
    note_ja: str
    note_en: str
    line: int


@dataclass(frozen=True)
class CallSpec:
    key: str
    themes: tuple[str, ...]
    title_ja: str
    title_en: str
    opens: dt.date
    closes: dt.date
    budget_yen: int | None
    line: int
    source: str
    cycle: int | None = None
    note_ja: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class PoolMember:
    theme: str
    years: int


@dataclass(frozen=True)
class PoolSpec:
    """A cap shared by the adopted proposals of several themes (000 lines 4916–4920, 5159)."""

    key: str
    cap_yen: int
    members: tuple[PoolMember, ...]
    line: int | None = None
    title_ja: str = ""
    title_en: str = ""


@dataclass(frozen=True)
class TargetSpec:
    """A program target: computed ones (target_achievement, practical_use) with their goal in
    percent and the items they leave out; descriptive ones (a TRL to reach, a goal by a year)."""

    key: str
    kind: str
    percent: int | None
    exclude_items: frozenset[int] = frozenset()
    years_after_end: int | None = None
    level: int | None = None
    area: str = ""
    by_year: int | None = None
    line: int | None = None
    title_ja: str = ""
    title_en: str = ""
    note_ja: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class StageGateRules:
    """What a stage gate may decide and when a stopped theme ends (a program without the table:
    a failed theme ends on the review's date)."""

    failed_end_months: int = 0
    failed_end_months_long: int = 0
    long_period_months: int | None = None
    may_be_earlier: bool = True
    may_change: bool = True
    may_stop: bool = True
    line: int | None = None
    note_ja: str = ""
    note_en: str = ""

    def failed_end_months_for(self, period_months: int) -> int:
        if self.long_period_months is not None and period_months == self.long_period_months:
            return self.failed_end_months_long
        return self.failed_end_months


@dataclass(frozen=True)
class ProgressRules:
    report_every_months: int = 6
    yearly_evaluation: bool = True
    line: int | None = None


@dataclass(frozen=True)
class ProgramEvaluation:
    interim_every_years: int | None = None
    post: bool = False
    line: int | None = None


@dataclass(frozen=True)
class ContinuationRules:
    max_months: int = 36
    must_be_foreseen: bool = True
    line: int | None = None


@dataclass(frozen=True)
class LeakageRules:
    from_call_fy: int
    line: int | None = None


@dataclass(frozen=True)
class SchemeRule:
    """Who a money-back scheme applies to: themes of these forms of support."""

    support: tuple[str, ...]
    line: int | None = None


@dataclass(frozen=True)
class EligibilityRules:
    first_gate_fy_counts_in_full: bool = True
    line: int | None = None


@dataclass(frozen=True)
class ProgramRules:
    """The program-wide rules of a fund; a rule whose table is absent does not apply."""

    stage_gate: StageGateRules = field(default_factory=StageGateRules)
    progress: ProgressRules = field(default_factory=ProgressRules)
    program_evaluation: ProgramEvaluation | None = None
    continuation: ContinuationRules | None = None
    leakage: LeakageRules | None = None
    refund: RefundWindow | None = None
    self_investment: SchemeRule | None = None
    payback: SchemeRule | None = None
    booking_limit: BookingLimit | None = None
    eligibility: EligibilityRules = field(default_factory=EligibilityRules)
    targets: tuple[TargetSpec, ...] = ()
    pools: tuple[PoolSpec, ...] = ()
    conditions: tuple[Condition, ...] = ()

    def target(self, kind: str) -> TargetSpec | None:
        return next((t for t in self.targets if t.kind == kind), None)

    def pools_of(self, theme: ThemeSpec) -> tuple[PoolSpec, ...]:
        """The pools the theme belongs to (a member theme's sub-themes belong with it)."""
        keys = _ancestor_keys(theme)
        return tuple(p for p in self.pools if any(m.theme in keys for m in p.members))

    def pool_years(self, pool: PoolSpec, theme: ThemeSpec) -> int | None:
        keys = _ancestor_keys(theme)
        for m in pool.members:
            if m.theme in keys:
                return m.years
        return None

    def leakage_applies(self, call_fy: int) -> bool:
        return self.leakage is not None and call_fy >= self.leakage.from_call_fy

    def self_investment_applies(self, support: str) -> bool:
        return self.self_investment is not None and support in self.self_investment.support

    def payback_applies(self, support: str) -> bool:
        return self.payback is not None and support in self.payback.support


def _ancestor_keys(theme: ThemeSpec) -> set[str]:
    """The theme's key and its ancestors' (codes nest: g5-1-2 → g5-1 → g5)."""
    keys = {theme.key}
    code = theme.code
    while "-" in code:
        code = code.rsplit("-", 1)[0]
        keys.add(f"{theme.item}-{code}")
    if theme.parent:
        keys.add(f"{theme.item}-{theme.parent}")
    return keys


@dataclass(frozen=True)
class ProgramSpec:
    code: str
    kind: str
    ministry: str
    title_ja: str
    title_en: str
    start_date: dt.date | None
    end_date: dt.date | None
    source: str
    line: int
    purpose_ja: str = ""
    purpose_en: str = ""
    agency_ja: str = ""
    agency_en: str = ""
    end_line: int | None = None
    max_years: int | None = None
    size_yen: int | None = None
    size_line: int | None = None
    size_source: str = ""
    cooperating_ministries: tuple[str, ...] = ()
    part_of: str = ""
    note_ja: str = ""
    note_en: str = ""
    descriptive: dict[str, Any] = field(default_factory=dict)
    rules: ProgramRules = field(default_factory=ProgramRules)
    items: tuple[ItemSpec, ...] = ()
    themes: tuple[ThemeSpec, ...] = ()
    revisions: tuple[RevisionSpec, ...] = ()
    calls: tuple[CallSpec, ...] = ()
    #: The tables of a kind other than `fund`, as written, and what its parser made of them.
    kind_tables: dict[str, Any] = field(default_factory=dict)
    extension: Any = None

    @property
    def output_target_percent(self) -> int | None:
        t = self.rules.target("target_achievement")
        return t.percent if t else None

    @property
    def outcome_target_percent(self) -> int | None:
        t = self.rules.target("practical_use")
        return t.percent if t else None

    def theme(self, key: str) -> ThemeSpec:
        for theme in self.themes:
            if theme.key == key:
                return theme
        raise KeyError(key)

    def call(self, key: str) -> CallSpec:
        for call in self.calls:
            if call.key == key:
                return call
        raise KeyError(key)

    def item(self, number: int) -> ItemSpec:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)


# --- reading values, each refusal naming its key path --------------------------------------------

_MISSING = object()


def _type_name(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, dt.date):
        return "a date"
    return {
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


class _Reader:
    """One TOML table being read: every key it reads is checked, unknown keys are refused."""

    def __init__(self, data, path: str, allowed: tuple[str, ...] | None = None):
        if not isinstance(data, dict):
            raise PlanDataError(path, f"expected a table, got {_type_name(data)}")
        self.data = data
        self.path = path
        if allowed is not None:
            for key in data:
                if key not in allowed:
                    raise PlanDataError(self.sub(key), "unknown key")

    def sub(self, key) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else str(key)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default=None):
        return self.data.get(key, default)

    def get(self, key: str, conv, default=_MISSING):
        if key not in self.data:
            if default is _MISSING:
                raise PlanDataError(self.sub(key), "required")
            return default
        return conv(self.data[key], self.sub(key))


def _str(value, path: str) -> str:
    if not isinstance(value, str):
        raise PlanDataError(path, f"expected a string, got {_type_name(value)}")
    return value


def _text(value, path: str) -> str:
    text = _str(value, path)
    if not text.strip():
        raise PlanDataError(path, "must not be empty")
    return text


def _int(lo: int = 0, hi: int = 10**6):
    def conv(value, path):
        if isinstance(value, bool) or not isinstance(value, int):
            raise PlanDataError(path, f"expected an integer, got {_type_name(value)}")
        if not lo <= value <= hi:
            raise PlanDataError(path, f"{value} is not between {lo} and {hi}")
        return value

    return conv


_line = _int(1, 10**7)
_months = _int(1, 600)
_fy = _int(1900, 2200)


def _bool(value, path: str) -> bool:
    if not isinstance(value, bool):
        raise PlanDataError(path, f"expected true or false, got {_type_name(value)}")
    return value


def _date(value, path: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise PlanDataError(path, f"expected a TOML date such as 2025-04-01, got {_type_name(value)}")


def _oku(value, path: str) -> int:
    """億円 written as a decimal string ("9.9") or an integer, to exact yen."""
    if isinstance(value, (bool, float)):
        raise PlanDataError(path, f'write 億円 as a string such as "9.9", not {_type_name(value)}')
    if isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise PlanDataError(path, f"{value!r} is not a number of 億円") from None
        if not d.is_finite():
            raise PlanDataError(path, f"{value!r} is not a number of 億円")
    else:
        raise PlanDataError(path, f"expected 億円 as a string, got {_type_name(value)}")
    yen = d * OKU
    if yen != yen.to_integral_value():
        raise PlanDataError(path, f"{value!r} 億円 is not a whole number of yen")
    if yen < 0:
        raise PlanDataError(path, "must not be negative")
    return int(yen)


def _rate(value, path: str) -> Fraction:
    if not isinstance(value, str):
        raise PlanDataError(
            path, f'write a rate as a string such as "2/3", got {_type_name(value)}'
        )
    try:
        return parse_rate(value)
    except ValueError as e:
        raise PlanDataError(path, str(e)) from None


def _choice(*values: str):
    def conv(value, path):
        if value not in values:
            raise PlanDataError(path, f"{value!r} is not one of {', '.join(values)}")
        return value

    return conv


def _array(conv):
    def read(value, path):
        if not isinstance(value, list):
            raise PlanDataError(path, f"expected an array, got {_type_name(value)}")
        return tuple(conv(v, f"{path}[{i}]") for i, v in enumerate(value))

    return read


def _table_of(conv, key_conv=None):
    def read(value, path):
        if not isinstance(value, dict):
            raise PlanDataError(path, f"expected a table, got {_type_name(value)}")
        out = {}
        for k, v in value.items():
            kk = key_conv(k, f"{path}.{k}") if key_conv else k
            out[kk] = conv(v, f"{path}.{k}")
        return out

    return read


def _fy_key(value, path: str) -> int:
    if not re.fullmatch(r"\d{4}", value):
        raise PlanDataError(path, 'keys are fiscal years such as "2023"')
    return int(value)


def _slug(value, path: str) -> str:
    text = _str(value, path)
    if not _KEY_RE.fullmatch(text):
        raise PlanDataError(path, f"{text!r} is not a key of lowercase letters, digits, - and _")
    return text


# --- the tables ----------------------------------------------------------------------------------


def _cap(raw, path: str) -> CapRule:
    r = _Reader(
        raw,
        path,
        (
            "kind",
            "oku",
            "scope",
            "tranches_oku",
            "by_call",
            "by_call_fy",
            "options",
            "line",
            "note_ja",
            "note_en",
        ),
    )
    kind = r.get("kind", _choice(*CAP_KINDS))
    base = r.get("oku", _oku, None)
    if kind in {"fixed", "variable"} and base is None and not r.has("by_call"):
        raise PlanDataError(r.sub("oku"), f"required for a cap of kind {kind}")
    if kind == "call_total" and not r.has("by_call"):
        raise PlanDataError(r.sub("by_call"), "required for a cap of kind call_total")
    options = ()
    if kind == "options":
        if not r.has("options"):
            raise PlanDataError(r.sub("options"), "required for a cap of kind options")
        opts = []
        for i, o in enumerate(_array(lambda v, p: v)(r.raw("options"), r.sub("options"))):
            o_path = f"{r.sub('options')}[{i}]"
            orr = _Reader(o, o_path, ("key", "oku", "label_ja", "label_en"))
            opts.append(
                CapOption(
                    orr.get("key", _slug),
                    orr.get("oku", _oku),
                    orr.get("label_ja", _str, ""),
                    orr.get("label_en", _str, ""),
                )
            )
        keys = [o.key for o in opts]
        if len(set(keys)) != len(keys):
            raise PlanDataError(r.sub("options"), "option keys must be unique")
        options = tuple(opts)
    elif r.has("options"):
        raise PlanDataError(r.sub("options"), "only for a cap of kind options")
    return CapRule(
        kind=kind,
        base_yen=base,
        scope=r.get("scope", _choice(*CAP_SCOPES), "proposal"),
        tranches_yen=r.get("tranches_oku", _array(_oku), ()),
        by_call=r.get("by_call", _table_of(_oku), {}),
        by_call_fy=r.get("by_call_fy", _table_of(_oku, _fy_key), {}),
        options=options,
        line=r.get("line", _line, None),
        note_ja=r.get("note_ja", _str, ""),
        note_en=r.get("note_en", _str, ""),
    )


def _condition(raw, path: str) -> Condition:
    r = _Reader(
        raw,
        path,
        ("code", "check", "params", "evidence", "text_ja", "text_en", "line", "note_ja", "note_en"),
    )
    check = r.get("check", _choice(*CHECKS))
    params = r.get("params", lambda v, p: _Reader(v, p).data, {})
    _check_params(check, params, r.sub("params"))
    return Condition(
        code=r.get("code", _slug),
        check=check,
        text_ja=r.get("text_ja", _text),
        text_en=r.get("text_en", _text),
        line=r.get("line", _line, None),
        params=dict(params),
        evidence=r.get("evidence", _bool, False),
        note_ja=r.get("note_ja", _str, ""),
        note_en=r.get("note_en", _str, ""),
    )


def _check_params(check: str, params: dict, path: str) -> None:
    allowed = {
        "foreign_partner": ("roles", "supplies_ai_compute"),
        "partner_count": ("min", "roles"),
        "not_option_only": ("option",),
        "declaration": ("when",),
    }.get(check, ())
    r = _Reader(params, path, allowed)
    if r.has("roles"):
        r.get("roles", _array(_choice(*PARTNER_ROLES)))
    if r.has("supplies_ai_compute"):
        r.get("supplies_ai_compute", _bool)
    if check == "partner_count":
        r.get("min", _int(1, 100))
    if check == "not_option_only":
        r.get("option", _slug)
    if r.has("when"):
        r.get("when", _choice("foreign_partner"))


def _conditions(value, path: str) -> tuple[Condition, ...]:
    conds = _array(_condition)(value, path)
    codes = [c.code for c in conds]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise PlanDataError(path, f"condition codes given twice: {', '.join(dupes)}")
    return conds


def _refund_window(raw, path: str, base: RefundWindow | None) -> RefundWindow:
    r = _Reader(
        raw,
        path,
        ("baseline_years", "sales_window", "evaluation_offset", "from_start_fy", "line", "later"),
    )
    start = base or RefundWindow()
    window = r.get("sales_window", _array(_int(0, 30)), None)
    if window is not None and (len(window) != 2 or window[0] > window[1]):
        raise PlanDataError(
            r.sub("sales_window"), "expected [first, last] offsets from the start year"
        )
    return RefundWindow(
        baseline_years=r.get("baseline_years", _int(1, 10), start.baseline_years),
        first_offset=window[0] if window else start.first_offset,
        last_offset=window[1] if window else start.last_offset,
        evaluation_offset=r.get("evaluation_offset", _int(0, 40), start.evaluation_offset),
        from_start_fy=r.get("from_start_fy", _fy, None),
        line=r.get("line", _line, start.line if base else None),
    )


def _refund(value, path: str, program_default: RefundWindow | None) -> RefundScheme | None:
    """`refund = true` takes the program's window; a table overrides it. A table may hold the
    whole window (as `dump_program` writes it) and, under `later`, another window from a start
    year on (e.g. (f1)(f2) from FY2021: start+6…+8, evaluated in start+9)."""
    if value is False:
        return None
    if value is True:
        if program_default is None:
            raise PlanDataError(path, "the program declares no [refund] table to take it from")
        return RefundScheme(program_default)
    r = _Reader(value, path)
    later_raw = r.raw("later")
    own = {k: v for k, v in value.items() if k != "later"}
    if program_default is None and not own:
        raise PlanDataError(path, "the program declares no [refund] table to take it from")
    window = _refund_window(own, path, program_default)
    later = None
    if later_raw is not None:
        later = _refund_window(later_raw, f"{path}.later", window)
        if later.from_start_fy is None:
            raise PlanDataError(f"{path}.later.from_start_fy", "required")
    return RefundScheme(window, later)


def _booking(raw, path: str, base: BookingLimit | None = None) -> BookingLimit:
    r = _Reader(raw, path, ("percent", "months_after_gate", "exempt_period_months", "line"))
    b = base or BookingLimit()
    return BookingLimit(
        percent=r.get("percent", _int(1, 100), b.percent),
        months_after_gate=r.get("months_after_gate", _int(0, 60), b.months_after_gate),
        exempt_period_months=r.get("exempt_period_months", _int(0, 600), b.exempt_period_months),
        line=r.get("line", _line, b.line),
    )


def _booking_attr(value, path: str, program_default: BookingLimit | None) -> BookingLimit | None:
    if value is False:
        return None
    if value is True:
        if program_default is None:
            raise PlanDataError(
                path, "the program declares no [booking_limit] table to take it from"
            )
        return program_default
    return _booking(value, path, program_default)


def _continuation(raw, path: str) -> ContinuationTerms:
    r = _Reader(raw, path, ("support", "rate", "oku", "line"))
    support = r.get("support", _choice("contract", "grant"))
    rate = r.get("rate", _rate, Fraction(1))
    if support == "contract" and rate != 1:
        raise PlanDataError(r.sub("rate"), "a contract's rate is 1")
    return ContinuationTerms(support, rate, r.get("oku", _oku, None), r.get("line", _line, None))


THEME_KEYS = (
    "item",
    "code",
    "parent",
    "area",
    "area_title_ja",
    "area_title_en",
    "title_ja",
    "title_en",
    "line",
    "support",
    "rates",
    "rates_by_call",
    "rates_by_project_year",
    "contract_options",
    "cap",
    "period_months",
    "period_months_by_call",
    "stage_gate_months",
    "stage_gate_earliest_months",
    "gates",
    "system_technology",
    "refund",
    "booking_limit",
    "gx",
    "first_review",
    "intermediate_targets",
    "cap_exceedable",
    "modes",
    "eligible_costs",
    "eligible_costs_by_call",
    "continuation",
    "condition",
    "note_ja",
    "note_en",
)
#: Keys a theme never takes from its parent or item defaults.
_OWN_KEYS = {"item", "code", "parent", "title_ja", "title_en", "line", "note_ja", "note_en"}


def _theme(raw: dict, path: str, rules: ProgramRules | None) -> ThemeSpec:
    """One theme from its resolved attributes (item defaults and parent already merged in)."""
    r = _Reader(raw, path, THEME_KEYS)
    code = r.get("code", _str)
    if not _THEME_CODE_RE.fullmatch(code):
        raise PlanDataError(r.sub("code"), f"{code!r} is not a theme code such as a1 or g5-1")
    support = r.get("support", _choice(*SUPPORT_FORMS))
    rates = r.get("rates", _array(_rate), ())
    rates_by_call = {}
    for call_key, by_cat in r.get("rates_by_call", _table_of(lambda v, p: v), {}).items():
        rates_by_call[call_key] = _table_of(_rate)(by_cat, r.sub(f"rates_by_call.{call_key}"))
        unknown = set(by_cat) - set(APPLICANT_CATEGORIES)
        if unknown:
            raise PlanDataError(
                r.sub(f"rates_by_call.{call_key}"),
                f"unknown applicant categories {sorted(unknown)} (known: {', '.join(APPLICANT_CATEGORIES)})",
            )
    by_year = r.get("rates_by_project_year", _array(_rate), ())
    if support == "grant" and not (rates or rates_by_call or by_year):
        # A grant whose rate the plan leaves to the call (e.g. (e3-3)): the call sets it.
        pass
    stage_gate = r.get("stage_gate_months", _months, None)
    earliest = r.get("stage_gate_earliest_months", _months, None)
    if (
        r.get("gates", _int(0, 20), None) == 0
    ):  # no stage gate ((g3), line 5290), whatever the item's default
        stage_gate = earliest = None
    if earliest is not None and (stage_gate is None or earliest > stage_gate):
        raise PlanDataError(
            r.sub("stage_gate_earliest_months"), "must not be after stage_gate_months"
        )
    cap = r.get("cap", _cap, CapRule())
    if cap.scope != "proposal" and stage_gate is None:
        raise PlanDataError(r.sub("cap.scope"), f"{cap.scope}: the theme has no stage gate")
    gates = r.get("gates", _int(0, 20), 1 if stage_gate else 0)
    if cap.tranches_yen and len(cap.tranches_yen) + 1 > max(gates, 1):
        raise PlanDataError(
            r.sub("cap.tranches_oku"),
            f"{len(cap.tranches_yen)} later totals need {len(cap.tranches_yen) + 1} gates",
        )
    option_keys = {o.key for o in cap.options}
    contract_options = r.get("contract_options", _array(_slug), ())
    for i, key in enumerate(contract_options):
        if key not in option_keys:
            raise PlanDataError(f"{r.sub('contract_options')}[{i}]", f"{key!r} is not a cap option")
    costs_by_call = {
        k: tuple(v)
        for k, v in r.get(
            "eligible_costs_by_call", _table_of(_array(_choice(*COST_KINDS))), {}
        ).items()
    }
    return ThemeSpec(
        item=r.get("item", _int(1, 99)),
        code=code,
        title_ja=r.get("title_ja", _text),
        title_en=r.get("title_en", _text),
        support=support,
        rates=rates,
        cap=cap,
        period_months=r.get("period_months", _months),
        stage_gate_months=stage_gate,
        line=r.get("line", _line),
        parent=r.get("parent", _str, ""),
        area=r.get("area", _str, ""),
        area_title_ja=r.get("area_title_ja", _str, ""),
        area_title_en=r.get("area_title_en", _str, ""),
        system_technology=r.get("system_technology", _bool, False),
        gx=r.get("gx", _bool, False),
        stage_gate_earliest_months=earliest,
        gates=gates,
        rates_by_call=rates_by_call,
        rates_by_project_year=by_year,
        contract_options=contract_options,
        period_months_by_call=r.get("period_months_by_call", _table_of(_months), {}),
        refund=_refund(r.raw("refund", False), r.sub("refund"), rules.refund if rules else None),
        booking_limit=_booking_attr(
            r.raw("booking_limit", False),
            r.sub("booking_limit"),
            rules.booking_limit if rules else None,
        ),
        first_review=r.get("first_review", _bool, True),
        intermediate_targets=r.get("intermediate_targets", _bool, True),
        cap_exceedable=r.get("cap_exceedable", _bool, False),
        modes=r.get("modes", _array(_choice(*MODES)), ()),
        eligible_costs=r.get("eligible_costs", _array(_choice(*COST_KINDS)), ()),
        eligible_costs_by_call=costs_by_call,
        continuation=r.get("continuation", _continuation, None),
        conditions=r.get("condition", _conditions, ()),
        note_ja=r.get("note_ja", _str, ""),
        note_en=r.get("note_en", _str, ""),
    )


ITEM_KEYS = (
    "number",
    "symbol",
    "title_ja",
    "title_en",
    "support_ja",
    "first_review",
    "intermediate_targets",
    "cap_exceedable",
    "director",
    "move_target",
    "area_budget_min_oku",
    "area_budget_max_oku",
    "area_budget_line",
    "agency_ja",
    "agency_en",
    "budget_code",
    "defaults",
    "line",
    "note_ja",
    "note_en",
    # schema 1 kept these on the item; read as defaults
    "period_months",
    "stage_gate_months",
)


def _item(raw, path: str) -> ItemSpec:
    r = _Reader(raw, path, ITEM_KEYS)
    defaults = dict(r.get("defaults", lambda v, p: _Reader(v, p, THEME_KEYS).data, {}))
    for key in ("period_months", "stage_gate_months"):
        if r.has(key):
            defaults.setdefault(key, r.raw(key))
    lo = r.get("area_budget_min_oku", _oku, None)
    hi = r.get("area_budget_max_oku", _oku, None)
    if lo is not None and hi is not None and lo > hi:
        raise PlanDataError(r.sub("area_budget_min_oku"), "is above area_budget_max_oku")
    return ItemSpec(
        number=r.get("number", _int(1, 99)),
        symbol=r.get("symbol", _str, ""),
        title_ja=r.get("title_ja", _text),
        title_en=r.get("title_en", _text),
        support_ja=r.get("support_ja", _str, ""),
        period_months=defaults.get("period_months"),
        stage_gate_months=defaults.get("stage_gate_months"),
        first_review=r.get("first_review", _bool, True),
        line=r.get("line", _line),
        intermediate_targets=r.get("intermediate_targets", _bool, True),
        cap_exceedable=r.get("cap_exceedable", _bool, False),
        director=r.get("director", _bool, False),
        move_target=r.get("move_target", _bool, False),
        budget_per_year_min_yen=lo,
        budget_per_year_max_yen=hi,
        budget_line=r.get("area_budget_line", _line, None),
        agency_ja=r.get("agency_ja", _str, ""),
        agency_en=r.get("agency_en", _str, ""),
        budget_code=r.get("budget_code", _str, ""),
        defaults=defaults,
        note_ja=r.get("note_ja", _str, ""),
        note_en=r.get("note_en", _str, ""),
    )


def _call(raw, path: str, program_source: str) -> CallSpec:
    r = _Reader(
        raw,
        path,
        (
            "key",
            "themes",
            "title_ja",
            "title_en",
            "opens",
            "closes",
            "budget_oku",
            "cycle",
            "note_ja",
            "note_en",
            "source",
            "line",
        ),
    )
    opens, closes = r.get("opens", _date), r.get("closes", _date)
    if closes < opens:
        raise PlanDataError(r.sub("closes"), "is before opens")
    return CallSpec(
        key=r.get("key", _slug),
        themes=r.get("themes", _array(_str)),
        title_ja=r.get("title_ja", _text),
        title_en=r.get("title_en", _text),
        opens=opens,
        closes=closes,
        budget_yen=r.get("budget_oku", _oku, None),
        line=r.get("line", _line),
        source=r.get("source", _str, program_source),
        cycle=r.get("cycle", _int(1, 100), None),
        note_ja=r.get("note_ja", _str, ""),
        note_en=r.get("note_en", _str, ""),
    )


def _pool(raw, path: str) -> PoolSpec:
    r = _Reader(raw, path, ("key", "oku", "members", "line", "title_ja", "title_en"))
    members = []
    for i, m in enumerate(r.get("members", _array(lambda v, p: v))):
        mr = _Reader(m, f"{r.sub('members')}[{i}]", ("theme", "years"))
        members.append(PoolMember(mr.get("theme", _str), mr.get("years", _int(1, 20))))
    if not members:
        raise PlanDataError(r.sub("members"), "a pool needs at least one member theme")
    return PoolSpec(
        key=r.get("key", _slug),
        cap_yen=r.get("oku", _oku),
        members=tuple(members),
        line=r.get("line", _line, None),
        title_ja=r.get("title_ja", _str, ""),
        title_en=r.get("title_en", _str, ""),
    )


def _target(raw, path: str) -> TargetSpec:
    r = _Reader(
        raw,
        path,
        (
            "key",
            "kind",
            "percent",
            "exclude_items",
            "years_after_end",
            "level",
            "area",
            "by_year",
            "line",
            "title_ja",
            "title_en",
            "note_ja",
            "note_en",
        ),
    )
    kind = r.get("kind", _choice(*TARGET_KINDS))
    computed = kind in ("target_achievement", "practical_use")
    return TargetSpec(
        key=r.get("key", _slug),
        kind=kind,
        percent=r.get("percent", _int(0, 100))
        if computed
        else r.get("percent", _int(0, 100), None),
        level=r.get("level", _int(1, 9), None),
        area=r.get("area", _str, ""),
        by_year=r.get("by_year", _int(1900, 2200), None),
        exclude_items=frozenset(r.get("exclude_items", _array(_int(1, 99)), ())),
        years_after_end=r.get("years_after_end", _int(0, 50), None),
        line=r.get("line", _line, None),
        title_ja=r.get("title_ja", _str, ""),
        title_en=r.get("title_en", _str, ""),
        note_ja=r.get("note_ja", _str, ""),
        note_en=r.get("note_en", _str, ""),
    )


def _rules(data: dict) -> ProgramRules:
    def table(key, allowed):
        return _Reader(data[key], key, allowed) if key in data else None

    sg = table(
        "stage_gate",
        (
            "failed_end_months",
            "failed_end_months_long",
            "long_period_months",
            "may_be_earlier",
            "may_change",
            "may_stop",
            "line",
            "note_ja",
            "note_en",
        ),
    )
    stage_gate = StageGateRules(failed_end_months=0, failed_end_months_long=0)
    if sg is not None:
        failed = sg.get("failed_end_months", _int(0, 60), 0)
        stage_gate = StageGateRules(
            failed_end_months=failed,
            failed_end_months_long=sg.get("failed_end_months_long", _int(0, 60), failed),
            long_period_months=sg.get("long_period_months", _months, None),
            may_be_earlier=sg.get("may_be_earlier", _bool, True),
            may_change=sg.get("may_change", _bool, True),
            may_stop=sg.get("may_stop", _bool, True),
            line=sg.get("line", _line, None),
            note_ja=sg.get("note_ja", _str, ""),
            note_en=sg.get("note_en", _str, ""),
        )
    pr = table(
        "progress", ("report_every_months", "yearly_evaluation", "line", "note_ja", "note_en")
    )
    progress = ProgressRules()
    if pr is not None:
        progress = ProgressRules(
            report_every_months=pr.get("report_every_months", _int(1, 60), 6),
            yearly_evaluation=pr.get("yearly_evaluation", _bool, True),
            line=pr.get("line", _line, None),
        )
    pe = table("program_evaluation", ("interim_every_years", "post", "line"))
    evaluation = None
    if pe is not None:
        evaluation = ProgramEvaluation(
            interim_every_years=pe.get("interim_every_years", _int(1, 20), None),
            post=pe.get("post", _bool, False),
            line=pe.get("line", _line, None),
        )
    co = table("continuation", ("max_months", "must_be_foreseen", "line"))
    continuation = None
    if co is not None:
        continuation = ContinuationRules(
            max_months=co.get("max_months", _months, 36),
            must_be_foreseen=co.get("must_be_foreseen", _bool, True),
            line=co.get("line", _line, None),
        )
    lk = table("leakage", ("from_call_fy", "line"))
    leakage = None
    if lk is not None:
        leakage = LeakageRules(lk.get("from_call_fy", _fy), lk.get("line", _line, None))
    refund = _refund_window(data["refund"], "refund", None) if "refund" in data else None

    def scheme(key):
        s = table(key, ("support", "line"))
        if s is None:
            return None
        return SchemeRule(
            s.get("support", _array(_choice(*SUPPORT_FORMS))), s.get("line", _line, None)
        )

    booking = _booking(data["booking_limit"], "booking_limit") if "booking_limit" in data else None
    el = table("eligibility", ("first_gate_fy_counts_in_full", "line"))
    eligibility = EligibilityRules()
    if el is not None:
        eligibility = EligibilityRules(
            el.get("first_gate_fy_counts_in_full", _bool, True), el.get("line", _line, None)
        )
    targets = _array(_target)(data.get("target", []), "target")
    keys = [t.key for t in targets]
    if len(set(keys)) != len(keys):
        raise PlanDataError("target", "target keys must be unique")
    pools = _array(_pool)(data.get("pool", []), "pool")
    keys = [p.key for p in pools]
    if len(set(keys)) != len(keys):
        raise PlanDataError("pool", "pool keys must be unique")
    return ProgramRules(
        stage_gate=stage_gate,
        progress=progress,
        program_evaluation=evaluation,
        continuation=continuation,
        leakage=leakage,
        refund=refund,
        self_investment=scheme("self_investment"),
        payback=scheme("payback"),
        booking_limit=booking,
        eligibility=eligibility,
        targets=targets,
        pools=pools,
        conditions=_conditions(data.get("condition", []), "condition"),
    )


def _resolve_themes(raw_themes: list, items: dict[int, ItemSpec]) -> list[tuple[str, dict]]:
    """Each theme's attributes with its item's defaults and its parent's attributes merged in:
    (path, resolved dict), in file order. Conditions accumulate down the tree."""
    by_key: dict[str, tuple[int, dict]] = {}
    for i, t in enumerate(raw_themes):
        path = f"theme[{i}]"
        r = _Reader(t, path, THEME_KEYS)
        number = r.get("item", _int(1, 99))
        code = r.get("code", _str)
        if number not in items:
            raise PlanDataError(r.sub("item"), f"no [[item]] numbered {number}")
        key = f"{number}-{code}"
        if key in by_key:
            raise PlanDataError(path, f"theme {key} is declared twice")
        by_key[key] = (i, t)
    resolved: dict[str, dict] = {}

    def resolve(key: str, seen: tuple[str, ...] = ()) -> dict:
        if key in resolved:
            return resolved[key]
        i, own = by_key[key]
        number = own["item"]
        item = items[number]
        base = {
            "first_review": item.first_review,
            "intermediate_targets": item.intermediate_targets,
            "cap_exceedable": item.cap_exceedable,
            **item.defaults,
        }
        parent_code = own.get("parent", "")
        conditions = []
        if parent_code:
            parent_key = f"{number}-{parent_code}"
            if parent_key not in by_key:
                raise PlanDataError(f"theme[{i}].parent", f"no theme {parent_key} in this item")
            if parent_key in seen:
                raise PlanDataError(f"theme[{i}].parent", "themes are each other's parents")
            parent = resolve(parent_key, (*seen, key))
            base.update({k: v for k, v in parent.items() if k not in _OWN_KEYS})
            conditions = list(parent.get("condition", []))
        merged = {**base, **own}
        own_codes = {c.get("code") for c in own.get("condition", []) if isinstance(c, dict)}
        merged_conditions = [c for c in conditions if c.get("code") not in own_codes] + list(
            own.get("condition", [])
        )
        if merged_conditions:
            merged["condition"] = merged_conditions
        resolved[key] = merged
        return merged

    return [
        (f"theme[{i}]", resolve(key))
        for key, (i, _) in sorted(by_key.items(), key=lambda kv: kv[1][0])
    ]


PROGRAM_KEYS = (
    "code",
    "kind",
    "ministry",
    "agency_ja",
    "agency_en",
    "title_ja",
    "title_en",
    "purpose_ja",
    "purpose_en",
    "start_date",
    "end_date",
    "end_line",
    "max_years",
    "size_oku",
    "size_line",
    "size_source",
    "cooperating_ministries",
    "part_of",
    "source",
    "line",
    "note_ja",
    "note_en",
)
#: Tables that describe a program in words and figures the rules do not compute with (roles such
#: as Q-LEAP's program directors, mechanisms, forms of support, scope): kept as written, shown on
#: the program's page, written back by `dump_program`.
DESCRIPTIVE_TABLES = {
    "role": (
        "key",
        "title_ja",
        "title_en",
        "per",
        "items",
        "area",
        "selection",
        "benchmarks",
        "duties",
        "duties_ja",
        "duties_en",
        "line",
        "source",
        "note_ja",
        "note_en",
    ),
    "mechanism": (
        "key",
        "title_ja",
        "title_en",
        "text_ja",
        "text_en",
        "line",
        "source",
        "note_ja",
        "note_en",
    ),
    "support": ("forms", "multi_year", "line", "source", "note_ja", "note_en"),
    "project_period": ("max_years", "line", "source", "note_ja", "note_en"),
    "scope": (
        "fields_ja",
        "fields_en",
        "former_fields_ja",
        "former_fields_en",
        "line",
        "source",
        "note_ja",
        "note_en",
    ),
    "adoptions": (
        "min",
        "max",
        "approximate",
        "unit_ja",
        "unit_en",
        "line",
        "source",
        "note_ja",
        "note_en",
    ),
}
FUND_TABLES = (
    "schema",
    "program",
    "stage_gate",
    "progress",
    "program_evaluation",
    "continuation",
    "leakage",
    "refund",
    "self_investment",
    "payback",
    "booking_limit",
    "eligibility",
    "target",
    "pool",
    "condition",
    "item",
    "theme",
    "call",
    "revision",
    *DESCRIPTIVE_TABLES,
)


def _descriptive(data: dict) -> dict[str, Any]:
    """The descriptive tables as written, each checked for known keys and plain values."""
    out = {}
    for name, allowed in DESCRIPTIVE_TABLES.items():
        if name not in data:
            continue
        value = data[name]
        entries = value if isinstance(value, list) else [value]
        for i, entry in enumerate(entries):
            path = f"{name}[{i}]" if isinstance(value, list) else name
            r = _Reader(entry, path, allowed)
            for key, v in r.data.items():
                if isinstance(v, dict) or (
                    isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v)
                ):
                    raise PlanDataError(
                        r.sub(key), "expected a plain value or an array of plain values"
                    )
            if "line" in r.data:
                r.get("line", _line)
        out[name] = value
    return out


def parse_program(data: dict) -> ProgramSpec:
    """A ProgramSpec from the parsed TOML of one plan file (PlanDataError on any fault)."""
    if not isinstance(data, dict):
        raise PlanDataError("", "a plan file is a TOML document")
    version = data.get("schema")
    if version != SCHEMA_VERSION:
        raise PlanDataError("schema", f"expected {SCHEMA_VERSION}, got {version!r}")
    p = _Reader(data.get("program"), "program", PROGRAM_KEYS)
    kind = p.get("kind", _choice(*PROGRAM_KINDS))
    code = p.get("code", _str)
    if not _CODE_RE.fullmatch(code):
        raise PlanDataError(
            "program.code", f"{code!r} is not a code of lowercase letters, digits and -"
        )
    start, end = p.get("start_date", _date, None), p.get("end_date", _date, None)
    if end is not None and start is not None and end < start:
        raise PlanDataError("program.end_date", "is before start_date")
    source = p.get("source", _text)
    if kind == "fund":
        for key in data:
            if key not in FUND_TABLES:
                raise PlanDataError(str(key), "unknown table for a program of kind fund")
        rules = _rules(data)
    else:
        rules = ProgramRules()
    items = {}
    for i, raw in enumerate(data.get("item", []) if kind == "fund" else []):
        item = _item(raw, f"item[{i}]")
        if item.number in items:
            raise PlanDataError(f"item[{i}].number", f"item {item.number} is declared twice")
        items[item.number] = item
    themes = (
        tuple(
            _theme(raw, path, rules) for path, raw in _resolve_themes(data.get("theme", []), items)
        )
        if kind == "fund"
        else ()
    )
    keys = {t.key for t in themes}
    for t_index, t in enumerate(themes):
        for opt in t.contract_options:
            if opt not in {o.key for o in t.cap.options}:
                raise PlanDataError(
                    f"theme[{t_index}].contract_options", f"{opt!r} is not a cap option"
                )
    for i, pool in enumerate(rules.pools):
        for j, m in enumerate(pool.members):
            if m.theme not in keys:
                raise PlanDataError(f"pool[{i}].members[{j}].theme", f"unknown theme {m.theme}")
    for i, target in enumerate(rules.targets):
        for n in target.exclude_items:
            if n not in items:
                raise PlanDataError(f"target[{i}].exclude_items", f"no item numbered {n}")
    calls = []
    for i, raw in enumerate(data.get("call", [])):
        c = _call(raw, f"call[{i}]", source)
        for j, key in enumerate(c.themes):
            if kind == "fund" and key not in keys:
                raise PlanDataError(f"call[{i}].themes[{j}]", f"unknown theme {key}")
        if c.key in {x.key for x in calls}:
            raise PlanDataError(f"call[{i}].key", f"call {c.key} is declared twice")
        if end is not None and c.closes > end:
            raise PlanDataError(
                f"call[{i}].closes", f"is after the program's end ({end.isoformat()})"
            )
        calls.append(c)
    revisions = []
    for i, raw in enumerate(data.get("revision", [])):
        r = _Reader(raw, f"revision[{i}]", ("date", "note_ja", "note_en", "line"))
        revisions.append(
            RevisionSpec(
                r.get("date", _date),
                r.get("note_ja", _text),
                r.get("note_en", _str, ""),
                r.get("line", _line),
            )
        )
    dates = [r.date for r in revisions]
    if len(set(dates)) != len(dates):
        raise PlanDataError("revision", "two revisions on one day")
    kind_tables: dict[str, Any] = {}
    extension = None
    if kind != "fund":
        kind_tables = {
            k: v for k, v in data.items() if k not in ("schema", "program", "call", "revision")
        }
        module, function = KIND_PARSERS[kind]
        try:
            parser = getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError):
            parser = None
        if parser is not None:
            extension = parser(data)
    return ProgramSpec(
        code=code,
        kind=kind,
        ministry=p.get("ministry", _slug),
        title_ja=p.get("title_ja", _text),
        title_en=p.get("title_en", _text),
        start_date=start,
        end_date=end,
        source=source,
        line=p.get("line", _line),
        purpose_ja=p.get("purpose_ja", _str, ""),
        purpose_en=p.get("purpose_en", _str, ""),
        agency_ja=p.get("agency_ja", _str, ""),
        agency_en=p.get("agency_en", _str, ""),
        end_line=p.get("end_line", _line, None),
        max_years=p.get("max_years", _int(1, 100), None),
        size_yen=p.get("size_oku", _oku, None),
        size_line=p.get("size_line", _line, None),
        size_source=p.get("size_source", _str, ""),
        cooperating_ministries=p.get("cooperating_ministries", _array(_slug), ()),
        part_of=p.get("part_of", _str, ""),
        note_ja=p.get("note_ja", _str, ""),
        note_en=p.get("note_en", _str, ""),
        descriptive=_descriptive(data) if kind == "fund" else {},
        rules=rules,
        items=tuple(sorted(items.values(), key=lambda i: i.number)),
        themes=themes,
        revisions=tuple(revisions),
        calls=tuple(calls),
        kind_tables=kind_tables,
        extension=extension,
    )


def parse_text(text: str, file: str = "") -> ProgramSpec:
    """Parse a plan file's text; every fault names `file` (TOML syntax errors included)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PlanDataError("", f"not valid TOML: {e}", file or None) from None
    try:
        return parse_program(data)
    except PlanDataError as e:
        raise e.in_file(file) if file else e from None


def load_file(path: str | Path) -> ProgramSpec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PlanDataError("", f"cannot be read: {e}", path.name) from None
    return parse_text(text, path.name)


def theme_from_attributes(attributes: dict, where: str = "terms") -> ThemeSpec:
    """A ThemeSpec from the attributes one revision stores (as `theme_attributes` writes them)."""
    return _theme(attributes, where, None)


def rules_from_tables(tables: dict) -> ProgramRules:
    """ProgramRules from the program-wide tables one program stores (`rules_tables`)."""
    return _rules(tables)


# --- writing a spec back -------------------------------------------------------------------------


def _oku_text(yen: int) -> str:
    d = Decimal(yen) / OKU
    text = format(d.normalize(), "f")
    return text


def _rate_text(rate: Fraction) -> str:
    return str(rate)


def _window_table(w: RefundWindow) -> dict:
    out = {
        "baseline_years": w.baseline_years,
        "sales_window": [w.first_offset, w.last_offset],
        "evaluation_offset": w.evaluation_offset,
    }
    if w.from_start_fy is not None:
        out["from_start_fy"] = w.from_start_fy
    if w.line is not None:
        out["line"] = w.line
    return out


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None and v != () and v != {} and v != []}


def _condition_table(c: Condition) -> dict:
    out = {"code": c.code, "check": c.check, "text_ja": c.text_ja, "text_en": c.text_en}
    if c.params:
        out["params"] = dict(c.params)
    if c.evidence:
        out["evidence"] = True
    if c.line is not None:
        out["line"] = c.line
    if c.note_ja:
        out["note_ja"] = c.note_ja
    if c.note_en:
        out["note_en"] = c.note_en
    return out


def theme_attributes(t: ThemeSpec) -> dict:
    """Every attribute of a theme, resolved, as a TOML-able table (the form the database keeps)."""
    cap = t.cap
    cap_table = _drop_none(
        {
            "kind": cap.kind,
            "oku": None if cap.base_yen is None else _oku_text(cap.base_yen),
            "scope": None if cap.scope == "proposal" else cap.scope,
            "tranches_oku": [_oku_text(v) for v in cap.tranches_yen] or None,
            "by_call": {k: _oku_text(v) for k, v in cap.by_call.items()} or None,
            "by_call_fy": {str(k): _oku_text(v) for k, v in cap.by_call_fy.items()} or None,
            "options": [
                _drop_none(
                    {
                        "key": o.key,
                        "oku": _oku_text(o.cap_yen),
                        "label_ja": o.label_ja or None,
                        "label_en": o.label_en or None,
                    }
                )
                for o in cap.options
            ]
            or None,
            "line": cap.line,
            "note_ja": cap.note_ja or None,
            "note_en": cap.note_en or None,
        }
    )
    refund = None
    if t.refund is not None:
        refund = _window_table(t.refund.window)
        if t.refund.later is not None:
            refund["later"] = _window_table(t.refund.later)
    booking = None
    if t.booking_limit is not None:
        b = t.booking_limit
        booking = _drop_none(
            {
                "percent": b.percent,
                "months_after_gate": b.months_after_gate,
                "exempt_period_months": b.exempt_period_months,
                "line": b.line,
            }
        )
    continuation = None
    if t.continuation is not None:
        c = t.continuation
        continuation = _drop_none(
            {
                "support": c.support,
                "rate": _rate_text(c.rate),
                "oku": None if c.cap_yen is None else _oku_text(c.cap_yen),
                "line": c.line,
            }
        )
    out = {
        "item": t.item,
        "code": t.code,
        "parent": t.parent or None,
        "area": t.area or None,
        "area_title_ja": t.area_title_ja or None,
        "area_title_en": t.area_title_en or None,
        "title_ja": t.title_ja,
        "title_en": t.title_en,
        "line": t.line,
        "support": t.support,
        "rates": [_rate_text(r) for r in t.rates] or None,
        "rates_by_call": {
            k: {c: _rate_text(r) for c, r in by.items()} for k, by in t.rates_by_call.items()
        }
        or None,
        "rates_by_project_year": [_rate_text(r) for r in t.rates_by_project_year] or None,
        "contract_options": list(t.contract_options) or None,
        "cap": cap_table,
        "period_months": t.period_months,
        "period_months_by_call": dict(t.period_months_by_call) or None,
        "stage_gate_months": t.stage_gate_months,
        "stage_gate_earliest_months": t.stage_gate_earliest_months,
        "gates": t.gates,
        "system_technology": t.system_technology or None,
        "refund": refund,
        "booking_limit": booking,
        "gx": t.gx or None,
        "first_review": t.first_review,
        "intermediate_targets": t.intermediate_targets,
        "cap_exceedable": t.cap_exceedable,
        "modes": list(t.modes) or None,
        "eligible_costs": list(t.eligible_costs) or None,
        "eligible_costs_by_call": {k: list(v) for k, v in t.eligible_costs_by_call.items()} or None,
        "continuation": continuation,
        "condition": [_condition_table(c) for c in t.conditions] or None,
        "note_ja": t.note_ja or None,
        "note_en": t.note_en or None,
    }
    return _drop_none(out)


def rules_tables(rules: ProgramRules) -> dict:
    """The program-wide tables of `rules` as TOML-able tables (also what the database keeps)."""
    out: dict[str, Any] = {}
    sg = rules.stage_gate
    out["stage_gate"] = _drop_none(
        {
            "failed_end_months": sg.failed_end_months,
            "failed_end_months_long": sg.failed_end_months_long,
            "long_period_months": sg.long_period_months,
            "may_be_earlier": sg.may_be_earlier,
            "may_change": sg.may_change,
            "may_stop": sg.may_stop,
            "line": sg.line,
            "note_ja": sg.note_ja or None,
            "note_en": sg.note_en or None,
        }
    )
    pr = rules.progress
    out["progress"] = _drop_none(
        {
            "report_every_months": pr.report_every_months,
            "yearly_evaluation": pr.yearly_evaluation,
            "line": pr.line,
        }
    )
    if rules.program_evaluation:
        pe = rules.program_evaluation
        out["program_evaluation"] = _drop_none(
            {"interim_every_years": pe.interim_every_years, "post": pe.post, "line": pe.line}
        )
    if rules.continuation:
        c = rules.continuation
        out["continuation"] = _drop_none(
            {"max_months": c.max_months, "must_be_foreseen": c.must_be_foreseen, "line": c.line}
        )
    if rules.leakage:
        out["leakage"] = _drop_none(
            {"from_call_fy": rules.leakage.from_call_fy, "line": rules.leakage.line}
        )
    if rules.refund:
        out["refund"] = _window_table(rules.refund)
    for key in ("self_investment", "payback"):
        s = getattr(rules, key)
        if s:
            out[key] = _drop_none({"support": list(s.support), "line": s.line})
    if rules.booking_limit:
        b = rules.booking_limit
        out["booking_limit"] = _drop_none(
            {
                "percent": b.percent,
                "months_after_gate": b.months_after_gate,
                "exempt_period_months": b.exempt_period_months,
                "line": b.line,
            }
        )
    el = rules.eligibility
    out["eligibility"] = _drop_none(
        {"first_gate_fy_counts_in_full": el.first_gate_fy_counts_in_full, "line": el.line}
    )
    if rules.targets:
        out["target"] = [
            _drop_none(
                {
                    "key": t.key,
                    "kind": t.kind,
                    "percent": t.percent,
                    "exclude_items": sorted(t.exclude_items) or None,
                    "years_after_end": t.years_after_end,
                    "level": t.level,
                    "area": t.area or None,
                    "by_year": t.by_year,
                    "line": t.line,
                    "title_ja": t.title_ja or None,
                    "title_en": t.title_en or None,
                    "note_ja": t.note_ja or None,
                    "note_en": t.note_en or None,
                }
            )
            for t in rules.targets
        ]
    if rules.pools:
        out["pool"] = [
            _drop_none(
                {
                    "key": p.key,
                    "oku": _oku_text(p.cap_yen),
                    "members": [{"theme": m.theme, "years": m.years} for m in p.members],
                    "line": p.line,
                    "title_ja": p.title_ja or None,
                    "title_en": p.title_en or None,
                }
            )
            for p in rules.pools
        ]
    if rules.conditions:
        out["condition"] = [_condition_table(c) for c in rules.conditions]
    return out


def program_table(spec: ProgramSpec) -> dict:
    return _drop_none(
        {
            "code": spec.code,
            "kind": spec.kind,
            "ministry": spec.ministry,
            "agency_ja": spec.agency_ja or None,
            "agency_en": spec.agency_en or None,
            "title_ja": spec.title_ja,
            "title_en": spec.title_en,
            "purpose_ja": spec.purpose_ja or None,
            "purpose_en": spec.purpose_en or None,
            "start_date": spec.start_date,
            "end_date": spec.end_date,
            "end_line": spec.end_line,
            "max_years": spec.max_years,
            "size_oku": None if spec.size_yen is None else _oku_text(spec.size_yen),
            "size_line": spec.size_line,
            "size_source": spec.size_source or None,
            "cooperating_ministries": list(spec.cooperating_ministries) or None,
            "part_of": spec.part_of or None,
            "source": spec.source,
            "line": spec.line,
            "note_ja": spec.note_ja or None,
            "note_en": spec.note_en or None,
        }
    )


def program_document(spec: ProgramSpec) -> dict:
    """The whole spec as a TOML-able document (schema 2), every theme fully resolved."""
    doc: dict[str, Any] = {"schema": SCHEMA_VERSION, "program": program_table(spec)}
    if spec.kind == "fund":
        doc.update(rules_tables(spec.rules))
        doc.update(spec.descriptive)
        doc["item"] = [
            _drop_none(
                {
                    "number": i.number,
                    "symbol": i.symbol or None,
                    "title_ja": i.title_ja,
                    "title_en": i.title_en,
                    "support_ja": i.support_ja or None,
                    "first_review": i.first_review,
                    "intermediate_targets": i.intermediate_targets,
                    "cap_exceedable": i.cap_exceedable,
                    "director": i.director or None,
                    "move_target": i.move_target or None,
                    "area_budget_min_oku": None
                    if i.budget_per_year_min_yen is None
                    else _oku_text(i.budget_per_year_min_yen),
                    "area_budget_max_oku": None
                    if i.budget_per_year_max_yen is None
                    else _oku_text(i.budget_per_year_max_yen),
                    "area_budget_line": i.budget_line,
                    "agency_ja": i.agency_ja or None,
                    "agency_en": i.agency_en or None,
                    "budget_code": i.budget_code or None,
                    "defaults": dict(i.defaults) or None,
                    "line": i.line,
                    "note_ja": i.note_ja or None,
                    "note_en": i.note_en or None,
                }
            )
            for i in spec.items
        ]
        doc["theme"] = [theme_attributes(t) for t in spec.themes]
    else:
        doc.update(spec.kind_tables)
    if spec.calls:
        doc["call"] = [
            _drop_none(
                {
                    "key": c.key,
                    "themes": list(c.themes),
                    "title_ja": c.title_ja,
                    "title_en": c.title_en,
                    "opens": c.opens,
                    "closes": c.closes,
                    "budget_oku": None if c.budget_yen is None else _oku_text(c.budget_yen),
                    "cycle": c.cycle,
                    "note_ja": c.note_ja or None,
                    "note_en": c.note_en or None,
                    "source": c.source,
                    "line": c.line,
                }
            )
            for c in spec.calls
        ]
    if spec.revisions:
        doc["revision"] = [
            _drop_none(
                {"date": r.date, "note_ja": r.note_ja, "note_en": r.note_en or None, "line": r.line}
            )
            for r in spec.revisions
        ]
    return doc


def dump_program(spec: ProgramSpec) -> str:
    """The spec as plan-file text: parse_text(dump_program(s)) == s."""
    import tomli_w

    return tomli_w.dumps(program_document(spec), multiline_strings=False)


# --- the catalogue -------------------------------------------------------------------------------


def catalogue_dir():
    return resources.files("kikin.rules").joinpath("data", "programs")


@cache
def programs() -> tuple[ProgramSpec, ...]:
    """Every program of the shipped catalogue (data/programs/*.toml), read once per process."""
    out = []
    for entry in sorted(catalogue_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out.append(parse_text(entry.read_text(encoding="utf-8"), entry.name))
    return tuple(out)


DEFAULT_PROGRAM = "post5g"


def program(code: str = DEFAULT_PROGRAM) -> ProgramSpec:
    for p in programs():
        if p.code == code:
            return p
    raise KeyError(code)


def theme(key: str, program_code: str = DEFAULT_PROGRAM) -> ThemeSpec:
    """The theme named `1-a1` in a program of the catalogue; KeyError when there is none."""
    return program(program_code).theme(key)
