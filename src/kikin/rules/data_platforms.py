"""Plan files of kind ``data_platform``: a program whose output is a shared research-data platform.

Seed: 004_f50760bfabd8ff0a.txt (MEXT). The research-data ecosystem (lines 195–234) links
institutional repositories and field platforms for data management, storage, use and
distribution under an open-and-close strategy (line 203); the Materials DX platform (lines
138–191) shares advanced facilities across a central hub, hubs and spokes (line 147), shares the
data they create in a secure environment by open and closed areas through to AI analysis
(line 153), and is judged on two outcome figures (lines 190–191).

A plan file (``rules/data/programs/<code>.toml``, ``schema = 2``) has:

- ``[program]``: ``code``, ``kind = "data_platform"``, ``title_ja``, ``title_en``,
  ``purpose_ja``, ``purpose_en``, ``start_date``, ``end_date``, ``ministry``, ``source``, ``line``;
- ``[platform]``: what the platform does: ``access_levels`` (the open-and-close strategy as
  levels, a subset of ``ACCESS_LEVELS``), ``functions`` (a subset of ``FUNCTIONS``),
  ``secure_analysis``, optional ``instruments_min``, ``support_staff``, ``institutions`` (each
  a figure of the seed), and ``line``;
- ``[[tier]]``: the kinds of site and how many the plan foresees (``kind`` one of ``TIERS``,
  ``count``, ``line``);
- ``[[component]]``: the parts of the program (``code``, titles, ``role`` one of ``ROLES``,
  ``line``);
- ``[[kpi]]``: outcome figures (``metric`` one of ``METRICS``, ``target`` a whole number,
  ``comparison`` ``at_least``, ``fiscal_year`` by which it is due, ``period_ja``/``period_en``
  as the seed words it, ``line``).

Every figure carries the seed line it comes from. Nothing here imports Django; errors are
``PlanDataError`` whose message starts with the key path at fault (``kpi[1].target: ...``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .plan import PlanDataError

SCHEMA = 2
KIND = "data_platform"
MINISTRIES = ("mext", "meti")
#: The open-and-close strategy as access levels (our reading of 004 lines 153 and 203).
ACCESS_LEVELS = ("open", "shared", "closed", "embargoed")
#: What a research-data platform does (004 lines 216, 229–230, 234).
FUNCTIONS = (
    "management",
    "storage",
    "use",
    "distribution",
    "metadata",
    "curation",
    "dmp_support",
    "secure_analysis",
    "ai_analysis",
    "linking",
    "standardisation",
    "training",
)
#: Kinds of site of a shared-facility platform (1 central hub, 5 hubs, 19 spokes: 004 line 147).
TIERS = ("center_hub", "hub", "spoke")
#: The role of a component in the platform's data flow (004 lines 136, 149, 160).
ROLES = ("data_creation", "data_integration", "data_use", "infrastructure")
#: Outcome figures the platform's records can be counted for (004 lines 190–191).
METRICS = ("facility_uses", "data_items_created")
COMPARISONS = ("at_least",)


@dataclass(frozen=True)
class ProgramInfo:
    code: str
    kind: str
    title_ja: str
    title_en: str
    purpose_ja: str
    purpose_en: str
    start_date: dt.date
    end_date: dt.date
    ministry: str
    source: str
    line: int


@dataclass(frozen=True)
class PlatformTerms:
    access_levels: tuple[str, ...]
    functions: tuple[str, ...]
    secure_analysis: bool
    line: int
    instruments_min: int | None = None
    support_staff: int | None = None
    institutions: int | None = None


@dataclass(frozen=True)
class TierSpec:
    kind: str
    count: int
    line: int


@dataclass(frozen=True)
class ComponentSpec:
    code: str
    title_ja: str
    title_en: str
    role: str
    line: int


@dataclass(frozen=True)
class KpiSpec:
    """An outcome figure: ``metric`` in one fiscal year ``comparison`` ``target``."""

    metric: str
    target: int
    comparison: str
    fiscal_year: int
    period_ja: str
    period_en: str
    line: int
    title_ja: str = ""
    title_en: str = ""

    def met_by(self, value: int | None) -> bool:
        """Whether `value` (the metric counted over `fiscal_year`) reaches the target."""
        return value is not None and value >= self.target


@dataclass(frozen=True)
class DataPlatformSpec:
    program: ProgramInfo
    platform: PlatformTerms
    tiers: tuple[TierSpec, ...] = ()
    components: tuple[ComponentSpec, ...] = ()
    kpis: tuple[KpiSpec, ...] = ()

    @property
    def code(self) -> str:
        return self.program.code

    @property
    def sites(self) -> int:
        """Sites the plan foresees in all (25 for the Materials DX platform, line 147)."""
        return sum(t.count for t in self.tiers)


def _table(data: dict, key: str, where: str) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PlanDataError(f"{where}{key}", "expected a table")
    return value


def _tables(data: dict, key: str) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise PlanDataError(f"{key}", f"expected an array of tables ([[{key}]])")
    return value


def _str(raw: dict, key: str, where: str, *, required: bool = True) -> str:
    value = raw.get(key, "" if not required else None)
    if not isinstance(value, str) or (required and not value.strip()):
        raise PlanDataError(f"{where}.{key}", f"expected a non-empty string, got {value!r}")
    return value


def _int(raw: dict, key: str, where: str, *, minimum: int = 0, required: bool = True):
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise PlanDataError(f"{where}.{key}", f"expected a whole number ≥ {minimum}, got {value!r}")
    return value


def _date(raw: dict, key: str, where: str) -> dt.date:
    value = raw.get(key)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise PlanDataError(f"{where}.{key}", f"expected a TOML date, got {value!r}")


def _choice(raw: dict, key: str, where: str, choices: tuple[str, ...]) -> str:
    value = raw.get(key)
    if value not in choices:
        raise PlanDataError(f"{where}.{key}", f"{value!r} is not one of {choices}")
    return value


def _choices(raw: dict, key: str, where: str, choices: tuple[str, ...]) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        raise PlanDataError(f"{where}.{key}", "expected a non-empty list")
    for i, v in enumerate(value):
        if v not in choices:
            raise PlanDataError(f"{where}.{key}[{i}]", f"{v!r} is not one of {choices}")
    if len(set(value)) != len(value):
        raise PlanDataError(f"{where}.{key}", "a value is listed twice")
    return tuple(value)


def parse_data_platform_plan(data: dict) -> DataPlatformSpec:
    """Build a DataPlatformSpec from the parsed TOML of one plan file of kind data_platform."""
    if data.get("schema") != SCHEMA:
        raise PlanDataError("schema", f"expected {SCHEMA}, got {data.get('schema')!r}")
    p = _table(data, "program", "")
    if p.get("kind") != KIND:
        raise PlanDataError("program.kind", f"expected {KIND!r}, got {p.get('kind')!r}")
    program = ProgramInfo(
        code=_str(p, "code", "program"),
        kind=KIND,
        title_ja=_str(p, "title_ja", "program"),
        title_en=_str(p, "title_en", "program"),
        purpose_ja=_str(p, "purpose_ja", "program", required=False),
        purpose_en=_str(p, "purpose_en", "program", required=False),
        start_date=_date(p, "start_date", "program"),
        end_date=_date(p, "end_date", "program"),
        ministry=_choice(p, "ministry", "program", MINISTRIES),
        source=_str(p, "source", "program"),
        line=_int(p, "line", "program", minimum=1),
    )
    if program.end_date < program.start_date:
        raise PlanDataError("program.end_date", "before program.start_date")
    if len(program.code) > 32 or not program.code.replace("-", "").replace("_", "").isalnum():
        raise PlanDataError(
            "program.code", f"{program.code!r} is not a slug of at most 32 letters, digits, - or _"
        )

    t = _table(data, "platform", "")
    platform = PlatformTerms(
        access_levels=_choices(t, "access_levels", "platform", ACCESS_LEVELS),
        functions=_choices(t, "functions", "platform", FUNCTIONS),
        secure_analysis=bool(t.get("secure_analysis", False)),
        line=_int(t, "line", "platform", minimum=1),
        instruments_min=_int(t, "instruments_min", "platform", minimum=1, required=False),
        support_staff=_int(t, "support_staff", "platform", minimum=1, required=False),
        institutions=_int(t, "institutions", "platform", minimum=1, required=False),
    )

    tiers = []
    for i, raw in enumerate(_tables(data, "tier")):
        where = f"tier[{i}]"
        tiers.append(
            TierSpec(
                kind=_choice(raw, "kind", where, TIERS),
                count=_int(raw, "count", where, minimum=1),
                line=_int(raw, "line", where, minimum=1),
            )
        )
    kinds = [t.kind for t in tiers]
    if len(set(kinds)) != len(kinds):
        raise PlanDataError("tier", "a kind of site is listed twice")
    if (
        platform.institutions is not None
        and tiers
        and sum(t.count for t in tiers) != (platform.institutions)
    ):
        raise PlanDataError(
            "tier",
            f"the sites add up to {sum(t.count for t in tiers)}, "
            f"not platform.institutions = {platform.institutions}",
        )

    components = []
    for i, raw in enumerate(_tables(data, "component")):
        where = f"component[{i}]"
        components.append(
            ComponentSpec(
                code=_str(raw, "code", where),
                title_ja=_str(raw, "title_ja", where),
                title_en=_str(raw, "title_en", where),
                role=_choice(raw, "role", where, ROLES),
                line=_int(raw, "line", where, minimum=1),
            )
        )
    codes = [c.code for c in components]
    if len(set(codes)) != len(codes):
        raise PlanDataError("component", "a code is listed twice")

    kpis = []
    for i, raw in enumerate(_tables(data, "kpi")):
        where = f"kpi[{i}]"
        kpi = KpiSpec(
            metric=_choice(raw, "metric", where, METRICS),
            target=_int(raw, "target", where, minimum=1),
            comparison=_choice(raw, "comparison", where, COMPARISONS),
            fiscal_year=_int(raw, "fiscal_year", where, minimum=1900),
            period_ja=_str(raw, "period_ja", where),
            period_en=_str(raw, "period_en", where),
            line=_int(raw, "line", where, minimum=1),
            title_ja=_str(raw, "title_ja", where),
            title_en=_str(raw, "title_en", where),
        )
        kpis.append(kpi)
    keys = [(k.metric, k.fiscal_year) for k in kpis]
    if len(set(keys)) != len(keys):
        raise PlanDataError("kpi", "a metric is given twice for one fiscal year")
    return DataPlatformSpec(
        program=program,
        platform=platform,
        tiers=tuple(tiers),
        components=tuple(components),
        kpis=tuple(kpis),
    )


def data_platform_plans() -> tuple[DataPlatformSpec, ...]:
    """The data-platform programs of the shipped catalogue (`kikin.rules.plan.programs`)."""
    from .plan import programs

    return tuple(p.extension for p in programs() if p.kind == KIND and p.extension is not None)
