"""Prize challenges (懸賞金型事業) as data, and the rules that rank their entries and pay them.

A challenge is a program of its own kind, declared in a plan file under
`data/programs/<code>.toml` (`[program] kind = "challenge"`). Its goal, criteria, process,
reward and period are published in advance, and only those who reach the goal are paid: a prize
rests on the civil code's 懸賞広告, so there is no 確定検査 and no interim review
(003_a6c6e9bd1c198956.txt line 186). Designs range from winner-take-all to stage-gated prizes
that rise by stage (lines 206–234); the plan file states which.

`parse_challenge_plan` turns the parsed TOML into frozen dataclasses; every error names the key
path at fault (`challenge.stage[1].closes: expected a date`). The functions after it are the
rules the challenges app applies: ranking with a stated tie rule, prizes by rank or flat per
qualifying team, the fair queue between teams, the leaderboard's refresh and the score formulas.
Nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from importlib import resources
from typing import Any

from .plan import PlanDataError

KIND = "challenge"
STAGE_KINDS = ("open", "final", "review", "development", "pitch")
ENTRY_KINDS = ("code", "document", "none")
ELIGIBILITY = ("all", "qualified")
BOARDS = ("realtime", "weekly", "none")
METRICS = ("mean_normalised_regret", "calls_to_target")
TIE_RULES = ("earlier_submission", "shared")
PARTS = ("public", "hidden")
TRANSFORMS = ("none", "shift_rotate", "resample")
FUNCTIONS = ("branin", "hartmann6", "rosenbrock", "mlp_tuning")
PRIZE_KINDS = ("rank", "flat", "sponsor", "honour")
PRIZE_BASES = ("ranking", "jury", "organisers")
IP_TERMS = ("entrants", "open_source_on_award")
APIS = ("minimize",)


# --------------------------------------------------------------------------------------------
# The plan file's shape


@dataclass(frozen=True)
class Limits:
    """What one sandboxed run of an entry may use. Not from the seed: the organisers' choice."""

    cpu_seconds: int = 20
    wall_seconds: int = 60
    memory_mb: int = 512
    output_kb: int = 64
    processes: int = 8
    file_mb: int = 8
    scratch_mb: int = 32
    open_files: int = 64
    entry_kb: int = 256


@dataclass(frozen=True)
class Problem:
    """One problem of an evaluation suite: a function, its part (public or hidden) and budget.

    `transform` makes the hidden variants: `shift_rotate` moves and turns a benchmark function
    about its optimum, `resample` draws the model-tuning task's data afresh; their parameters
    come from the challenge's secret key at evaluation time and never appear in the plan.
    `target` is the objective value that counts as reaching the goal (`calls_to_target`).
    """

    name: str
    function: str
    part: str
    budget: int
    seed: int = 0
    dimension: int | None = None
    transform: str = "none"
    target: Decimal | None = None


@dataclass(frozen=True)
class EvaluationSpec:
    api: str
    metric: str
    tie: str
    decimals: int
    problems: tuple[Problem, ...]
    limits: Limits
    line: int | None = None
    lower_is_better: bool = True

    def part(self, part: str) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.part == part)


@dataclass(frozen=True)
class StageSpec:
    code: str
    kind: str
    title_ja: str
    title_en: str
    opens: dt.date
    closes: dt.date
    line: int
    divisions: tuple[str, ...] = ()
    entry: str = "none"
    eligible: str = "all"
    daily_limit: int | None = None
    board: str = "none"
    board_line: int | None = None
    advance: int | None = None
    advance_line: int | None = None
    requires_identity: bool = False
    requires_paper: bool = False
    conditions_line: int | None = None
    benefits_ja: str = ""
    benefits_en: str = ""
    note_ja: str = ""
    note_en: str = ""
    evaluation: EvaluationSpec | None = None


@dataclass(frozen=True)
class ChallengeThemeSpec:
    code: str
    title_ja: str
    title_en: str
    line: int


@dataclass(frozen=True)
class DivisionSpec:
    code: str
    title_ja: str
    title_en: str
    line: int
    description_ja: str = ""
    description_en: str = ""
    themes: tuple[ChallengeThemeSpec, ...] = ()


@dataclass(frozen=True)
class PrizeSpec:
    """One prize as published.

    kind:
      rank     `amounts_yen[i]` to the team placed i+1
      flat     `amount_yen` to each of the `count` best teams that reach the goal
      sponsor  `amount_yen` paid by a sponsor, outside the challenge's total
      honour   a prize without money
    basis: `ranking` (the final ranking on the hidden part), `jury` (the rubric scores) or
    `organisers` (named by the organisers).
    """

    code: str
    kind: str
    basis: str
    title_ja: str
    title_en: str
    line: int
    stage: str = ""
    division: str = ""
    theme: str = ""
    amounts_yen: tuple[int, ...] = ()
    amount_yen: int = 0
    count: int = 1
    sponsor_ja: str = ""
    sponsor_en: str = ""

    @property
    def outside_total(self) -> bool:
        return self.kind in {"sponsor", "honour"}

    @property
    def slots_yen(self) -> tuple[int, ...]:
        """The money of each place this prize pays, best first."""
        if self.kind == "rank":
            return self.amounts_yen
        if self.kind == "flat":
            return (self.amount_yen,) * self.count
        return (self.amount_yen,) * self.count

    @property
    def total_yen(self) -> int:
        return sum(self.slots_yen)


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    label_ja: str
    label_en: str
    weight: int = 1
    max_score: int = 5
    stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChallengeSpec:
    program_code: str
    slug: str
    title_ja: str
    title_en: str
    line: int
    total_prize_yen: int
    total_line: int
    ip: str
    ip_ja: str
    ip_en: str
    ip_line: int
    rules_ja: str
    rules_en: str
    anonymous_allowed: bool = False
    anonymous_line: int | None = None
    entries_reported: int | None = None
    participants_reported: int | None = None
    divisions: tuple[DivisionSpec, ...] = ()
    stages: tuple[StageSpec, ...] = ()
    prizes: tuple[PrizeSpec, ...] = ()
    rubric: tuple[CriterionSpec, ...] = ()

    def stage(self, code: str) -> StageSpec:
        for s in self.stages:
            if s.code == code:
                return s
        raise KeyError(code)


# --------------------------------------------------------------------------------------------
# Parsing, with the key path in every error


def _error(message: str) -> PlanDataError:
    """A PlanDataError from "key.path: reason"."""
    path, _sep, reason = message.partition(": ")
    return PlanDataError(path, reason)


class _Table:
    """A TOML table read with its key path, so that every error says where it is."""

    def __init__(self, data: Any, path: str):
        if not isinstance(data, dict):
            raise _error(f"{path}: expected a table")
        self.data, self.path = data, path

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, required: bool):
        if key not in self.data:
            if required:
                raise _error(f"{self._at(key)}: required")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        v = self._get(key, required)
        if v is None:
            return default
        if not isinstance(v, str) or (required and not v.strip()):
            raise _error(f"{self._at(key)}: expected text")
        return v

    def choice(self, key: str, choices: Sequence[str], *, default: str | None = None) -> str:
        v = self._get(key, default is None)
        if v is None:
            return default
        if v not in choices:
            raise _error(f"{self._at(key)}: {v!r} is not one of {', '.join(choices)}")
        return v

    def integer(
        self, key: str, *, required: bool = True, default=None, minimum: int | None = 0
    ) -> int | None:
        v = self._get(key, required)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int):
            raise _error(f"{self._at(key)}: expected a whole number")
        if minimum is not None and v < minimum:
            raise _error(f"{self._at(key)}: must be at least {minimum}")
        return v

    def yen(self, key: str, *, required: bool = True, default: int = 0) -> int:
        v = self.integer(key, required=required, default=default)
        return int(v)

    def decimal(self, key: str) -> Decimal | None:
        v = self._get(key, False)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            raise _error(f"{self._at(key)}: expected a number written as text or integer")
        try:
            d = Decimal(str(v))
        except ArithmeticError:
            raise _error(f"{self._at(key)}: {v!r} is not a number")
        if not d.is_finite():
            raise _error(f"{self._at(key)}: must be finite")
        return d

    def boolean(self, key: str, default: bool = False) -> bool:
        v = self._get(key, False)
        if v is None:
            return default
        if not isinstance(v, bool):
            raise _error(f"{self._at(key)}: expected true or false")
        return v

    def date(self, key: str) -> dt.date:
        v = self._get(key, True)
        if not isinstance(v, dt.date) or isinstance(v, dt.datetime):
            raise _error(f"{self._at(key)}: expected a date")
        return v

    def strings(self, key: str) -> tuple[str, ...]:
        v = self._get(key, False)
        if v is None:
            return ()
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            raise _error(f"{self._at(key)}: expected a list of text")
        return tuple(v)

    def tables(self, key: str) -> list[_Table]:
        v = self._get(key, False)
        if v is None:
            return []
        if not isinstance(v, list):
            raise _error(f"{self._at(key)}: expected an array of tables")
        return [_Table(item, f"{self._at(key)}[{i}]") for i, item in enumerate(v)]

    def table(self, key: str, *, required: bool = False) -> _Table | None:
        v = self._get(key, required)
        return None if v is None else _Table(v, self._at(key))


def _unique(items: Iterable, path: str, what: str = "code") -> None:
    seen = set()
    for i, item in enumerate(items):
        key = getattr(item, what)
        if key in seen:
            raise _error(f"{path}[{i}].{what}: {key!r} appears twice")
        seen.add(key)


def _limits(t: _Table | None) -> Limits:
    if t is None:
        return Limits()
    defaults = Limits()
    values = {}
    for name in Limits.__dataclass_fields__:
        values[name] = t.integer(name, required=False, default=getattr(defaults, name), minimum=1)
    return Limits(**values)


def _problem(t: _Table) -> Problem:
    function = t.choice("function", FUNCTIONS)
    dimension = t.integer("dimension", required=False, minimum=2)
    if function == "rosenbrock" and dimension is None:
        raise _error(f"{t.path}.dimension: required for rosenbrock")
    return Problem(
        name=t.text("name"),
        function=function,
        part=t.choice("part", PARTS),
        budget=t.integer("budget", minimum=1),
        seed=t.integer("seed", required=False, default=0),
        dimension=dimension,
        transform=t.choice("transform", TRANSFORMS, default="none"),
        target=t.decimal("target"),
    )


def _evaluation(t: _Table) -> EvaluationSpec:
    problems = tuple(_problem(p) for p in t.tables("problem"))
    if not problems:
        raise _error(f"{t.path}.problem: at least one problem")
    _unique(problems, f"{t.path}.problem", "name")
    if not any(p.part == "public" for p in problems):
        raise _error(f"{t.path}.problem: at least one public problem")
    metric = t.choice("metric", METRICS)
    if metric == "mean_normalised_regret":
        for i, p in enumerate(problems):
            if p.function == "mlp_tuning":
                raise _error(
                    f"{t.path}.problem[{i}].function: mlp_tuning has no known optimum to measure"
                    ' regret from; use metric = "calls_to_target"'
                )
    if metric == "calls_to_target":
        for i, p in enumerate(problems):
            if p.target is None:
                raise _error(f"{t.path}.problem[{i}].target: required by calls_to_target")
    return EvaluationSpec(
        api=t.choice("api", APIS),
        metric=metric,
        tie=t.choice("tie", TIE_RULES),
        decimals=t.integer("decimals", required=False, default=6, minimum=0),
        problems=problems,
        limits=_limits(t.table("limits")),
        line=t.integer("line", required=False),
        lower_is_better=t.boolean("lower_is_better", True),
    )


def _stage(t: _Table, division_codes: set[str]) -> StageSpec:
    opens, closes = t.date("opens"), t.date("closes")
    if closes < opens:
        raise _error(f"{t.path}.closes: before opens ({opens.isoformat()})")
    divisions = t.strings("divisions")
    for d in divisions:
        if d not in division_codes:
            raise _error(f"{t.path}.divisions: unknown division {d!r}")
    entry = t.choice("entry", ENTRY_KINDS, default="none")
    ev = t.table("evaluation")
    evaluation = _evaluation(ev) if ev is not None else None
    if entry == "code" and evaluation is None:
        raise _error(f'{t.path}.evaluation: required where entry = "code"')
    if evaluation is not None and entry != "code":
        raise _error(f'{t.path}.entry: an evaluation needs entry = "code"')
    board = t.choice("board", BOARDS, default="none")
    if board != "none" and evaluation is None:
        raise _error(f"{t.path}.board: a leaderboard needs an evaluation")
    return StageSpec(
        code=t.text("code"),
        kind=t.choice("kind", STAGE_KINDS),
        title_ja=t.text("title_ja"),
        title_en=t.text("title_en"),
        opens=opens,
        closes=closes,
        line=t.integer("line"),
        divisions=divisions,
        entry=entry,
        eligible=t.choice("eligible", ELIGIBILITY, default="all"),
        daily_limit=t.integer("daily_limit", required=False, minimum=1),
        board=board,
        board_line=t.integer("board_line", required=False),
        advance=t.integer("advance", required=False, minimum=1),
        advance_line=t.integer("advance_line", required=False),
        requires_identity=t.boolean("requires_identity"),
        requires_paper=t.boolean("requires_paper"),
        conditions_line=t.integer("conditions_line", required=False),
        benefits_ja=t.text("benefits_ja", required=False),
        benefits_en=t.text("benefits_en", required=False),
        note_ja=t.text("note_ja", required=False),
        note_en=t.text("note_en", required=False),
        evaluation=evaluation,
    )


def _prize(
    t: _Table, stages: dict[str, StageSpec], divisions: dict[str, DivisionSpec]
) -> PrizeSpec:
    kind = t.choice("kind", PRIZE_KINDS)
    basis = t.choice("basis", PRIZE_BASES)
    stage = t.text("stage", required=False)
    if stage and stage not in stages:
        raise _error(f"{t.path}.stage: unknown stage {stage!r}")
    if basis in {"ranking", "jury"} and not stage:
        raise _error(f"{t.path}.stage: required where basis = {basis!r}")
    if basis == "ranking" and stage and stages[stage].evaluation is None:
        raise _error(f"{t.path}.basis: stage {stage!r} has no evaluation to rank by")
    division = t.text("division", required=False)
    theme = t.text("theme", required=False)
    if division and division not in divisions:
        raise _error(f"{t.path}.division: unknown division {division!r}")
    if theme and (not division or theme not in {th.code for th in divisions[division].themes}):
        raise _error(f"{t.path}.theme: unknown theme {theme!r} of division {division!r}")
    amounts = ()
    amount = 0
    count = 1
    if kind == "rank":
        raw = t.data.get("amounts_yen")
        if not isinstance(raw, list) or not raw:
            raise _error(f"{t.path}.amounts_yen: expected a list of yen, best place first")
        for i, v in enumerate(raw):
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise _error(f"{t.path}.amounts_yen[{i}]: expected whole yen above 0")
        if list(raw) != sorted(raw, reverse=True):
            raise _error(f"{t.path}.amounts_yen: a better place is never paid less")
        amounts = tuple(raw)
    elif kind == "honour":
        if t.data.get("amount_yen", 0):
            raise _error(f"{t.path}.amount_yen: a prize without money has no amount")
        count = t.integer("count", required=False, default=1, minimum=1)
    else:
        amount = t.yen("amount_yen")
        if amount <= 0:
            raise _error(f"{t.path}.amount_yen: must be above 0")
        count = t.integer("count", required=kind == "flat", default=1, minimum=1)
    if kind in {"sponsor"} and not t.text("sponsor_ja", required=False):
        raise _error(f"{t.path}.sponsor_ja: name the sponsor")
    return PrizeSpec(
        code=t.text("code"),
        kind=kind,
        basis=basis,
        title_ja=t.text("title_ja"),
        title_en=t.text("title_en"),
        line=t.integer("line"),
        stage=stage,
        division=division,
        theme=theme,
        amounts_yen=amounts,
        amount_yen=amount,
        count=count,
        sponsor_ja=t.text("sponsor_ja", required=False),
        sponsor_en=t.text("sponsor_en", required=False),
    )


def parse_challenge_plan(data: dict) -> ChallengeSpec:
    """Build a ChallengeSpec from the parsed TOML of one challenge's plan file.

    Checks what a published challenge must state (003 line 186): goal and criteria (the rules
    text and the evaluation), process (the stages and their dates), reward (the prizes, adding up
    to the stated total, sponsor prizes and prizes without money outside it) and period.
    Raises PlanDataError whose message starts with the key path at fault.
    """
    root = _Table(data, "")
    program = root.table("program", required=True)
    if program.text("kind") != KIND:
        raise _error(f"program.kind: {program.data.get('kind')!r} is not {KIND!r}")
    c = root.table("challenge", required=True)
    divisions = tuple(
        DivisionSpec(
            code=d.text("code"),
            title_ja=d.text("title_ja"),
            title_en=d.text("title_en"),
            line=d.integer("line"),
            description_ja=d.text("description_ja", required=False),
            description_en=d.text("description_en", required=False),
            themes=tuple(
                ChallengeThemeSpec(
                    code=th.text("code"),
                    title_ja=th.text("title_ja"),
                    title_en=th.text("title_en"),
                    line=th.integer("line"),
                )
                for th in d.tables("theme")
            ),
        )
        for d in c.tables("division")
    )
    _unique(divisions, "challenge.division")
    for i, d in enumerate(divisions):
        _unique(d.themes, f"challenge.division[{i}].theme")
    division_codes = {d.code for d in divisions}
    stages = tuple(_stage(s, division_codes) for s in c.tables("stage"))
    if not stages:
        raise _error("challenge.stage: at least one stage")
    _unique(stages, "challenge.stage")
    for i in range(1, len(stages)):
        if stages[i].opens < stages[i - 1].opens:
            raise _error(f"challenge.stage[{i}].opens: stages are listed in the order they open")
    for i, s in enumerate(stages):
        if s.eligible == "qualified" and advancing_stage(stages, s.code) is None:
            raise _error(f"challenge.stage[{i}].eligible: no earlier stage advances teams to it")
    by_code = {s.code: s for s in stages}
    by_division = {d.code: d for d in divisions}
    prizes = tuple(_prize(p, by_code, by_division) for p in c.tables("prize"))
    _unique(prizes, "challenge.prize")
    rubric = tuple(
        CriterionSpec(
            code=r.text("code"),
            label_ja=r.text("label_ja"),
            label_en=r.text("label_en"),
            weight=r.integer("weight", required=False, default=1, minimum=1),
            max_score=r.integer("max_score", required=False, default=5, minimum=1),
            stages=r.strings("stages"),
        )
        for r in c.tables("rubric")
    )
    _unique(rubric, "challenge.rubric")
    for i, r in enumerate(rubric):
        for s in r.stages:
            if s not in by_code:
                raise _error(f"challenge.rubric[{i}].stages: unknown stage {s!r}")
    if any(p.basis == "jury" for p in prizes) and not rubric:
        raise _error("challenge.rubric: a jury prize needs a rubric")
    total = c.yen("total_prize_yen")
    within = sum(p.total_yen for p in prizes if not p.outside_total)
    if within != total:
        raise _error(
            f"challenge.total_prize_yen: the prizes add up to {within:,} yen, not {total:,}"
        )
    slug = c.text("slug")
    if not slug.replace("-", "").isalnum() or slug != slug.lower():
        raise _error("challenge.slug: lower-case letters, digits and hyphens only")
    return ChallengeSpec(
        program_code=program.text("code"),
        slug=slug,
        title_ja=program.text("title_ja"),
        title_en=program.text("title_en"),
        line=program.integer("line"),
        total_prize_yen=total,
        total_line=c.integer("total_line"),
        ip=c.choice("ip", IP_TERMS),
        ip_ja=c.text("ip_ja"),
        ip_en=c.text("ip_en"),
        ip_line=c.integer("ip_line"),
        rules_ja=c.text("rules_ja"),
        rules_en=c.text("rules_en"),
        anonymous_allowed=c.boolean("anonymous_allowed"),
        anonymous_line=c.integer("anonymous_line", required=False),
        entries_reported=c.integer("entries_reported", required=False),
        participants_reported=c.integer("participants_reported", required=False),
        divisions=divisions,
        stages=stages,
        prizes=prizes,
        rubric=rubric,
    )


def parse_evaluation(data: dict, path: str = "evaluation") -> EvaluationSpec:
    """One stage's evaluation table alone (as the staff page edits it), with the same checks."""
    return _evaluation(_Table(data, path))


PROGRAMS_DIR = ("data", "programs")


def challenge_plan_data() -> list[tuple[str, dict, str]]:
    """Every challenge plan file in `data/programs/`, as (file name, parsed TOML, text), by name."""
    folder = resources.files("kikin.rules").joinpath(*PROGRAMS_DIR)
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            text = entry.read_text(encoding="utf-8")
            data = tomllib.loads(text)
            if data.get("program", {}).get("kind") == KIND:
                out.append((entry.name, data, text))
    return out


def challenge_plans() -> tuple[tuple[str, ChallengeSpec], ...]:
    """Every challenge plan file in `data/programs/`, as (file name, spec), by file name."""
    out = []
    for name, data, _text in challenge_plan_data():
        try:
            out.append((name, parse_challenge_plan(data)))
        except PlanDataError as exc:
            raise exc.in_file(name) from None
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Stages


def advancing_stage(stages: Sequence[StageSpec], code: str) -> StageSpec | None:
    """The latest stage before `code` that advances teams (its `advance` is set): the stage whose
    passing teams may enter `code` when it admits qualified teams only (the top 10 to the finals,
    003 line 316; the 20 teams past the document review, line 276)."""
    found = None
    for s in stages:
        if s.code == code:
            return found
        if s.advance:
            found = s
    return None


def board_cutoff(
    now: dt.datetime, opens_at: dt.datetime, closes_at: dt.datetime, refresh: str
) -> dt.datetime | None:
    """Up to when the public leaderboard shows evaluations (003 line 315: リアルタイム / 週に1回).

    realtime: everything evaluated so far; weekly: everything evaluated before the latest whole
    week since the stage opened (a board refreshed once a week), and all of it once the stage
    has closed; none: no public board.
    """
    if refresh == "none" or now < opens_at:
        return None
    if now >= closes_at:
        return closes_at
    if refresh == "realtime":
        return now
    weeks = (now - opens_at) // dt.timedelta(weeks=1)
    return opens_at + dt.timedelta(weeks=weeks)


def next_board_refresh(
    now: dt.datetime, opens_at: dt.datetime, closes_at: dt.datetime, refresh: str
) -> dt.datetime | None:
    """When a weekly board will next change (None for realtime, none, or a closed stage)."""
    if refresh != "weekly" or now >= closes_at:
        return None
    if now < opens_at:
        return opens_at
    weeks = (now - opens_at) // dt.timedelta(weeks=1)
    return min(opens_at + dt.timedelta(weeks=weeks + 1), closes_at)


# --------------------------------------------------------------------------------------------
# Scores


def quantize(value: Decimal, decimals: int) -> Decimal:
    """A score at the stated precision: ties are judged on it (half to even)."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)


def normalised_regret(value: float, optimum: float, reference: float) -> Decimal:
    """(f(x) − f*) / (f_ref − f*), held within [0, 1].

    f* is the function's known minimum and f_ref the median of the function over a fixed sample
    of the domain (what a guess achieves): 0 is the optimum, 1 no better than a guess. A value
    that is not a finite number counts as 1.
    """
    if not math.isfinite(value):
        return Decimal(1)
    span = Decimal(repr(reference)) - Decimal(repr(optimum))
    if span <= 0:
        raise ValueError("reference must lie above the optimum")
    r = (Decimal(repr(value)) - Decimal(repr(optimum))) / span
    return min(Decimal(1), max(Decimal(0), r))


def calls_to_target(trace: Sequence[float], target: Decimal) -> int | None:
    """The number of objective calls until the first value at or below `target` (None when the
    goal was not reached within the trace): the stand-in for optimisation time (最適化時間,
    003 line 316), since every call of the finals' objective trains the model once."""
    for i, y in enumerate(trace, start=1):
        if math.isfinite(y) and Decimal(repr(y)) <= target:
            return i
    return None


def mean_score(values: Sequence[Decimal | int | None], decimals: int) -> Decimal | None:
    """The mean over the suite at the stated precision; None when any problem has no score
    (the goal not reached on it)."""
    if not values or any(v is None for v in values):
        return None
    return quantize(sum(Decimal(v) for v in values) / len(values), decimals)


# --------------------------------------------------------------------------------------------
# Ranking and ties


@dataclass(frozen=True)
class Ranked:
    """One team's entry to rank: its score (None: no score, or the goal not reached), when its
    scored submission came in, and a key (the team) that breaks a last tie by order of entry."""

    key: Any
    score: Decimal | None
    at: dt.datetime | None = None
    order: int = 0


@dataclass(frozen=True)
class Placed:
    key: Any
    score: Decimal | None
    rank: int | None
    tied: bool = False


def rank_entries(
    entries: Iterable[Ranked], *, lower_is_better: bool = True, tie: str = "earlier_submission"
) -> list[Placed]:
    """Place entries by score under the stated tie rule (ranks follow the score, 003 lines
    322–327); entries without a score come last, unranked.

    earlier_submission: equal scores are ordered by the time of the scored submission (the
      earlier one ranks higher), then by `order`: every rank is distinct.
    shared: equal scores share a rank (1, 1, 3); `tied` marks them.
    """
    if tie not in TIE_RULES:
        raise ValueError(f"tie: {tie!r} is not one of {TIE_RULES}")
    scored = [e for e in entries if e.score is not None]
    unscored = [e for e in entries if e.score is None]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)

    def sort_key(e: Ranked):
        s = e.score if lower_is_better else -e.score
        return (s, e.at or far, e.order)

    scored.sort(key=sort_key)
    counts: dict[Decimal, int] = {}
    for e in scored:
        counts[e.score] = counts.get(e.score, 0) + 1
    placed: list[Placed] = []
    for i, e in enumerate(scored):
        if tie == "shared":
            first = i if i == 0 or scored[i - 1].score != e.score else placed[-1].rank - 1
            placed.append(Placed(e.key, e.score, first + 1, tied=counts[e.score] > 1))
        else:
            placed.append(Placed(e.key, e.score, i + 1))
    unscored.sort(key=lambda e: (e.at or far, e.order))
    placed.extend(Placed(e.key, None, None) for e in unscored)
    return placed


# --------------------------------------------------------------------------------------------
# Prizes


@dataclass(frozen=True)
class PrizeShare:
    key: Any
    rank: int
    amount_yen: int


def prize_shares(placed: Sequence[Placed], slots_yen: Sequence[int]) -> list[PrizeShare]:
    """Who gets what of one prize: the places in order take the slots in order (rank prizes:
    100万, 50万, 30万; a flat prize: the same amount in each of its N slots).

    Only ranked entries are paid: an entry without a score did not reach the goal (003 line 186).
    Teams that share a rank share the slots they cover: the money of those slots is split
    equally among them, in whole yen, and the remainder of the split stays with the fund.
    A prize without money (all slots 0) still names its winners, with 0 yen.
    """
    ranked = [p for p in placed if p.rank is not None]
    shares: list[PrizeShare] = []
    i = 0
    while i < len(ranked) and i < len(slots_yen):
        group = [p for p in ranked if p.rank == ranked[i].rank]
        pool = sum(slots_yen[i : i + len(group)])
        each = pool // len(group)
        shares.extend(PrizeShare(p.key, p.rank, each) for p in group)
        i += len(group)
    return shares


# --------------------------------------------------------------------------------------------
# The fair queue


@dataclass(frozen=True)
class Queued:
    id: Any
    team: Any
    submitted_at: dt.datetime


def fair_next(
    queued: Sequence[Queued], last_started: dict[Any, dt.datetime | None]
) -> Queued | None:
    """The next submission to evaluate: round-robin between teams (the seed's contests were
    evaluated by their platform, lines 312–313; kikin states its own fair order here).

    The team served longest ago (never served comes first) goes next, with its oldest queued
    submission; teams never served go in the order of their oldest queued submission. A team that
    sends twenty entries at once waits its turn behind every other team's one.
    """
    if not queued:
        return None
    oldest_by_team: dict[Any, Queued] = {}
    for q in queued:
        o = oldest_by_team.get(q.team)
        if o is None or (q.submitted_at, q.id) < (o.submitted_at, o.id):
            oldest_by_team[q.team] = q
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)

    def turn(team) -> tuple:
        served = last_started.get(team)
        first = oldest_by_team[team]
        return (served is not None, served or epoch, first.submitted_at, first.id)

    team = min(oldest_by_team, key=turn)
    return oldest_by_team[team]


def queue_position(
    queued: Sequence[Queued], last_started: dict[Any, dt.datetime | None], target_id: Any
) -> int | None:
    """Where `target_id` stands in the fair queue (1 = next), by replaying `fair_next`."""
    pending = list(queued)
    served = dict(last_started)
    tick = max((t for t in served.values() if t), default=dt.datetime.min.replace(tzinfo=dt.UTC))
    for position in range(1, len(pending) + 1):
        nxt = fair_next(pending, served)
        if nxt is None:
            return None
        if nxt.id == target_id:
            return position
        pending.remove(nxt)
        tick = tick + dt.timedelta(microseconds=1)
        served[nxt.team] = tick
    return None
