"""The fund's plans as data: programs, R&D items (研究開発項目), themes (開発テーマ) and calls.

The catalogue is read from the TOML files in `data/`, written from the seed documents with the
seed line beside every figure. Nothing here imports Django: the `kikin calc` command uses it to
name a theme as `1-a1`, and the `load_plan` management command copies it into the database,
where later plan revisions can change a theme's terms from a date on.

A theme is named by its item number and its code (`1-f1` for ①(f1), `2-f1` for ②(f1)),
because the plan reuses codes across items.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources

from .money import oku_to_yen, parse_rate

CAP_KINDS = ("fixed", "variable", "first_gate", "tranches", "call_total", "options", "pooled", "none")
SUPPORT_FORMS = ("contract", "grant", "mixed")
APPLICANT_CATEGORIES = ("sme", "academia", "large", "other")


class PlanDataError(ValueError):
    """The plan catalogue itself is malformed (a programming error in `data/`, not user input)."""


@dataclass(frozen=True)
class CapOption:
    key: str
    cap_yen: int
    label_ja: str
    label_en: str


@dataclass(frozen=True)
class CapRule:
    """The budget cap (予算規模) of one theme, as the plan states it (000 lines 4793–5160).

    kind:
      fixed       a cap per proposal, `base_yen`
      variable    `base_yen` × 変動率 from the set value (system technology themes)
      first_gate  `base_yen` holds only up to the first stage gate
      tranches    caps that grow after each passed gate (`tranches_yen`, cumulative)
      call_total  a total for all adopted proposals of a call (`by_call`)
      options     different caps by the proposal's scope (`options`)
      pooled      one total shared with other themes (`pool`, `base_yen`)
      none        the plan sets no figure
    `by_call` on a fixed cap holds call-specific figures that replace `base_yen` for that call.
    """

    kind: str
    base_yen: int | None = None
    tranches_yen: tuple[int, ...] = ()
    by_call: dict[str, int] = field(default_factory=dict)
    options: tuple[CapOption, ...] = ()
    pool: str = ""
    line: int | None = None
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
    period_months_by_call: dict[str, int] = field(default_factory=dict)
    note_ja: str = ""
    note_en: str = ""

    @property
    def key(self) -> str:
        """`1-a1`: item number, a hyphen, the theme code."""
        return f"{self.item}-{self.code}"

    @property
    def refund_scheme(self) -> bool:
        """研究開発費返還制度 applies to item ① system technology themes (000 line 4510)."""
        return self.item == 1 and self.system_technology

    @property
    def refund_window_shifted(self) -> bool:
        """(f1) and (f2) measure sales at start+6…+8 and evaluate at start+9 (000 lines 4672–4682)."""
        return self.refund_scheme and self.code in {"f1", "f2"}

    def period_for_call(self, call_key: str | None) -> int:
        if call_key and call_key in self.period_months_by_call:
            return self.period_months_by_call[call_key]
        return self.period_months


@dataclass(frozen=True)
class ItemSpec:
    number: int
    symbol: str
    title_ja: str
    title_en: str
    support_ja: str
    period_months: int
    stage_gate_months: int | None
    first_review: bool
    line: int


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
class ProgramSpec:
    code: str
    title_ja: str
    title_en: str
    purpose_ja: str
    purpose_en: str
    start_date: dt.date
    end_date: dt.date
    output_target_percent: int
    outcome_target_percent: int
    source: str
    items: tuple[ItemSpec, ...]
    themes: tuple[ThemeSpec, ...]
    revisions: tuple[RevisionSpec, ...]
    calls: tuple[CallSpec, ...]

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


def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise PlanDataError(f"{where}: expected a TOML date, got {value!r}")


def _cap(raw: dict | None, where: str) -> CapRule:
    if raw is None:
        return CapRule(kind="none")
    kind = raw.get("kind")
    if kind not in CAP_KINDS:
        raise PlanDataError(f"{where}.cap.kind: {kind!r} is not one of {CAP_KINDS}")
    base = oku_to_yen(Decimal(str(raw["oku"]))) if "oku" in raw else None
    if kind in {"fixed", "variable", "first_gate", "pooled"} and base is None:
        raise PlanDataError(f"{where}.cap: kind {kind} needs `oku`")
    return CapRule(
        kind=kind,
        base_yen=base,
        tranches_yen=tuple(oku_to_yen(Decimal(str(v))) for v in raw.get("tranches_oku", ())),
        by_call={k: oku_to_yen(Decimal(str(v))) for k, v in raw.get("by_call", {}).items()},
        options=tuple(
            CapOption(o["key"], oku_to_yen(Decimal(str(o["oku"]))), o["label_ja"], o["label_en"])
            for o in raw.get("options", ())
        ),
        pool=raw.get("pool", ""),
        line=raw.get("line"),
        note_ja=raw.get("note_ja", ""),
        note_en=raw.get("note_en", ""),
    )


def _theme(raw: dict) -> ThemeSpec:
    where = f"theme {raw.get('item')}-{raw.get('code')}"
    if raw.get("support") not in SUPPORT_FORMS:
        raise PlanDataError(f"{where}.support: {raw.get('support')!r} is not one of {SUPPORT_FORMS}")
    rates_by_call = {}
    for call_key, by_category in raw.get("rates_by_call", {}).items():
        unknown = set(by_category) - set(APPLICANT_CATEGORIES)
        if unknown:
            raise PlanDataError(f"{where}.rates_by_call.{call_key}: unknown categories {unknown}")
        rates_by_call[call_key] = {k: parse_rate(v) for k, v in by_category.items()}
    return ThemeSpec(
        item=int(raw["item"]),
        code=raw["code"],
        title_ja=raw["title_ja"],
        title_en=raw["title_en"],
        support=raw["support"],
        rates=tuple(parse_rate(r) for r in raw.get("rates", ())),
        cap=_cap(raw.get("cap"), where),
        period_months=int(raw["period_months"]),
        stage_gate_months=raw.get("stage_gate_months"),
        line=int(raw["line"]),
        parent=raw.get("parent", ""),
        area=raw.get("area", ""),
        area_title_ja=raw.get("area_title_ja", ""),
        area_title_en=raw.get("area_title_en", ""),
        system_technology=bool(raw.get("system_technology", False)),
        gx=bool(raw.get("gx", False)),
        stage_gate_earliest_months=raw.get("stage_gate_earliest_months"),
        gates=int(raw.get("gates", 1 if raw.get("stage_gate_months") else 0)),
        rates_by_call=rates_by_call,
        rates_by_project_year=tuple(parse_rate(r) for r in raw.get("rates_by_project_year", ())),
        period_months_by_call={k: int(v) for k, v in raw.get("period_months_by_call", {}).items()},
        note_ja=raw.get("note_ja", ""),
        note_en=raw.get("note_en", ""),
    )


def parse_program(data: dict) -> ProgramSpec:
    """Build a ProgramSpec from the parsed TOML of one program file."""
    p = data["program"]
    themes = tuple(_theme(t) for t in data.get("theme", ()))
    keys = [t.key for t in themes]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise PlanDataError(f"duplicate theme keys: {sorted(dupes)}")
    calls = []
    for c in data.get("call", ()):
        for key in c["themes"]:
            if key not in keys:
                raise PlanDataError(f"call {c['key']}: unknown theme {key}")
        calls.append(
            CallSpec(
                key=c["key"],
                themes=tuple(c["themes"]),
                title_ja=c["title_ja"],
                title_en=c["title_en"],
                opens=_date(c["opens"], f"call {c['key']}.opens"),
                closes=_date(c["closes"], f"call {c['key']}.closes"),
                budget_yen=oku_to_yen(Decimal(str(c["budget_oku"]))) if "budget_oku" in c else None,
                line=int(c["line"]),
                source=c["source"],
                cycle=c.get("cycle"),
                note_ja=c.get("note_ja", ""),
                note_en=c.get("note_en", ""),
            )
        )
    return ProgramSpec(
        code=p["code"],
        title_ja=p["title_ja"],
        title_en=p["title_en"],
        purpose_ja=p.get("purpose_ja", ""),
        purpose_en=p.get("purpose_en", ""),
        start_date=_date(p["start_date"], "program.start_date"),
        end_date=_date(p["end_date"], "program.end_date"),
        output_target_percent=int(p["output_target_percent"]),
        outcome_target_percent=int(p["outcome_target_percent"]),
        source=p["source"],
        items=tuple(
            ItemSpec(
                number=int(i["number"]),
                symbol=i["symbol"],
                title_ja=i["title_ja"],
                title_en=i["title_en"],
                support_ja=i["support_ja"],
                period_months=int(i["period_months"]),
                stage_gate_months=i.get("stage_gate_months"),
                first_review=bool(i.get("first_review", True)),
                line=int(i["line"]),
            )
            for i in data.get("item", ())
        ),
        themes=themes,
        revisions=tuple(
            RevisionSpec(_date(r["date"], "revision.date"), r["note_ja"], r["note_en"], int(r["line"]))
            for r in data.get("revision", ())
        ),
        calls=tuple(calls),
    )


PROGRAM_FILES = ("post5g.toml",)


@cache
def programs() -> tuple[ProgramSpec, ...]:
    """Every program in the catalogue, read once per process."""
    out = []
    for name in PROGRAM_FILES:
        text = resources.files("kikin.rules").joinpath("data", name).read_text(encoding="utf-8")
        out.append(parse_program(tomllib.loads(text)))
    return tuple(out)


def program(code: str = "post5g") -> ProgramSpec:
    for p in programs():
        if p.code == code:
            return p
    raise KeyError(code)


def theme(key: str, program_code: str = "post5g") -> ThemeSpec:
    """The theme named `1-a1` in the catalogue; KeyError when there is none."""
    return program(program_code).theme(key)
