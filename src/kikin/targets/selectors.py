"""The fund's own targets, read from the database: what the targets dashboard and its public page show.

Seed 000_628dcc7e01f6f899.txt lines 41–71 (rules.md §1); the arithmetic is the rules engine's
(`kikin.rules.targets`: exact fractions, `percent_1dp`, a goal not met while its denominator is 0).

Our reading of the seed, as the pages count:

- An *adopted theme* is an `Award`. Its item is `adopted_as_item` where set (a theme adopted as
  ③ 先導研究, or moved from ① to ③ at a stage gate, counts as item 3), else its theme's item
  number. Themes of items excluded from the targets (③ 先導研究 and ④ 人材育成:
  `ResearchItem.excluded_from_targets`, or `adopted_as_item` 3 or 4) are left out of every
  figure, numerators and denominators alike; the pages show how many there are.
- *Adopted as of D*: the award's `start_date` ≤ D.
- *Completed as of D*: the award has a `FinalEvaluation` (事後評価) with `completed_on` ≤ D (the
  final evaluation is recorded only for awards that ran their course, not those ended early);
  *met* = that evaluation's `met_targets`.
- *In practical use as of D*: the latest `PracticalUseCheck` of the award with `checked_on` ≤ D
  (the later `pk` first among checks of one day) says `reached`: a later "not reached" check
  overrides an earlier "reached" one, and a check after D is not seen. Only adopted themes count.
- *Target achievement* (output target, final) = met / completed, goal ≥ 80 % (lines 53–63);
  *practical-use rate* (outcome target) = in practical use / adopted, goal ≥ 50 % (lines 67–71).
  Both are exact fractions, shown as a percent to one decimal (`percent_1dp`, half up); the goal
  is compared on the exact fraction, so 79.96 % shows as 80.0 % and does not meet 80 %. With a
  denominator of 0 the share is None (shown "—") and the goal is not met. The whole fund is held
  to the rules engine's goals (80 %, 50 %); one program to its own (`Program.output_target_percent`,
  `outcome_target_percent`, 80 and 50 for post-5G).
- *Due for a practical-use check* as of D: a counting award whose end (`end_date`, else
  `period_end`) is at least 33 months before D ("about three years", line 69) and that has no
  check dated from its end to D.
- *Over time*: the figures as of the end of each fiscal year (31 March) from the first fiscal
  year of the programs shown to the fiscal year of D, the last one as of D itself.

Cost: every figure of every program, item and fiscal year comes from two aggregate statements
(one over awards with conditional counts per date, one over practical-use checks with a window
function); a list of themes is a queryset paged by `kikin.core.paging.page_of`. Nothing loops in
Python over the awards of a request, except `targets_via_rules`, which the tests use to check the
statements against `kikin.rules.targets.fund_targets`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kikin.awards.models import Award
from kikin.core.templatetags.kikin_format import item_symbol
from kikin.outcomes.models import (
    Assessment,
    AssessmentKind,
    AssessmentState,
    Filing,
    FilingState,
    FinalEvaluation,
    PracticalUseCheck,
)
from kikin.programs.models import Program, ResearchItem, Theme
from kikin.rules.dates import add_months
from kikin.rules.fiscal import fiscal_year, fiscal_year_bounds
from kikin.rules.targets import (
    FundTargets,
    TargetRules,
    ThemeOutcome,
    fund_targets,
    percent_1dp,
    targets_from_counts,
)

#: "About three years" after a theme ends (line 69): a check is due from 33 months on.
DUE_AFTER_MONTHS = 33
#: The figures a list of themes can be asked for.
FIGURES = ("completed", "met", "adopted", "practical", "due")


# --------------------------------------------------------------------------------------------
# Figures


@dataclass(frozen=True)
class Share:
    """One of the two figures: numerator / denominator against a goal."""

    kind: str  # "achievement" or "practical_use"
    numerator: int
    denominator: int
    value: Fraction | None
    goal: int
    meets: bool

    @property
    def percent(self) -> Decimal | None:
        return percent_1dp(self.value)

    @property
    def chart_value(self) -> float | None:
        return None if self.value is None else float(self.percent)

    @property
    def numerator_figure(self) -> str:
        return "met" if self.kind == "achievement" else "practical"

    @property
    def denominator_figure(self) -> str:
        return "completed" if self.kind == "achievement" else "adopted"


@dataclass(frozen=True)
class Figures:
    """Both targets over a set of themes, with the goals they are held to."""

    targets: FundTargets
    output_goal: int | None = None
    outcome_goal: int | None = None

    @property
    def achievement(self) -> Share:
        t = self.targets
        return Share(
            "achievement",
            t.met,
            t.completed,
            t.target_achievement,
            self.output_goal,
            t.meets_output_goal,
        )

    @property
    def practical_use(self) -> Share:
        t = self.targets
        return Share(
            "practical_use",
            t.practical,
            t.adopted,
            t.practical_use,
            self.outcome_goal,
            t.meets_outcome_goal,
        )


def figures_from_counts(
    completed: int = 0,
    met: int = 0,
    adopted: int = 0,
    practical: int = 0,
    *,
    output_goal: int | None = None,
    outcome_goal: int | None = None,
) -> Figures:
    """The rules engine's FundTargets from counts (what `fund_targets` gives over the same themes)."""
    return Figures(
        targets_from_counts(completed, met, adopted, practical, output_goal, outcome_goal),
        output_goal,
        outcome_goal,
    )


@dataclass
class _Counts:
    completed: int = 0
    met: int = 0
    adopted: int = 0
    practical: int = 0

    def add(self, other: _Counts) -> None:
        self.completed += other.completed
        self.met += other.met
        self.adopted += other.adopted
        self.practical += other.practical

    def figures(self, output_goal: int, outcome_goal: int) -> Figures:
        return figures_from_counts(
            self.completed,
            self.met,
            self.adopted,
            self.practical,
            output_goal=output_goal,
            outcome_goal=outcome_goal,
        )


@dataclass(frozen=True)
class ItemFigures:
    program: Program
    number: int
    symbol: str
    title_ja: str
    title_en: str
    excluded: bool
    figures: Figures  # over the item's counting themes (all zero for an excluded item)
    adopted: int  # every theme of the item, counting or not (what an excluded item shows)
    completed: int

    @property
    def key(self) -> str:
        return f"{self.program.code}:{self.number}"


@dataclass(frozen=True)
class ProgramFigures:
    program: Program
    figures: Figures
    items: list[ItemFigures]


@dataclass(frozen=True)
class TimePoint:
    fiscal_year: int
    as_of: dt.date
    figures: Figures
    items: dict[str, Figures]  # ItemFigures.key → figures, counting items only


@dataclass
class Overview:
    as_of: dt.date
    program: Program | None  # the filter, if any
    fund: Figures
    programs: list[ProgramFigures]
    over_time: list[TimePoint]
    output_goal: int
    outcome_goal: int
    items: list[ItemFigures] = field(default_factory=list)
    due: int = 0  # counting themes due for a practical-use check as of `as_of`

    @property
    def counting_items(self) -> list[ItemFigures]:
        return [i for i in self.items if not i.excluded]

    @property
    def excluded_items(self) -> list[ItemFigures]:
        return [i for i in self.items if i.excluded]


# --------------------------------------------------------------------------------------------
# Expressions shared by the aggregates and the lists

#: The item an award counts under: adopted_as_item where set, else its theme's item.
TARGET_ITEM = Coalesce("adopted_as_item", "theme__item__number", output_field=IntegerField())
#: Whether an award is left out of the targets: its item's flag, or that of the item it was
#: adopted as (post-5G: ③ and ④ are left out, as the plan file's `[[target]]` says).
EXCLUDED = Case(
    When(
        adopted_as_item__isnull=False,
        then=Exists(
            ResearchItem.objects.filter(
                program=OuterRef("theme__program"),
                number=OuterRef("adopted_as_item"),
                excluded_from_targets=True,
            )
        ),
    ),
    default=F("theme__item__excluded_from_targets"),
    output_field=BooleanField(),
)


def programs_with_targets() -> QuerySet[Program]:
    """The programs whose plan declares the two targets (the others have none to show)."""
    return Program.objects.filter(
        Q(output_target_percent__isnull=False) | Q(outcome_target_percent__isnull=False)
    )


def fund_goals(programs) -> tuple[int | None, int | None]:
    """The goals the programs together are held to: the highest any of them declares."""
    outs = [p.output_target_percent for p in programs if p.output_target_percent is not None]
    uses = [p.outcome_target_percent for p in programs if p.outcome_target_percent is not None]
    return max(outs, default=None), max(uses, default=None)


def _award_scope(program: Program | None) -> QuerySet[Award]:
    qs = Award.objects.annotate(target_item=TARGET_ITEM, excluded=EXCLUDED)
    if program is not None:
        return qs.filter(theme__program=program)
    return qs.filter(theme__program__in=programs_with_targets())


def in_practical_use(as_of: dt.date) -> Exists:
    """True for an award whose latest check dated on or before `as_of` says reached."""
    later = PracticalUseCheck.objects.filter(award=OuterRef("award"), checked_on__lte=as_of).filter(
        Q(checked_on__gt=OuterRef("checked_on"))
        | Q(checked_on=OuterRef("checked_on"), pk__gt=OuterRef("pk"))
    )
    return Exists(
        PracticalUseCheck.objects.filter(
            award=OuterRef("pk"), checked_on__lte=as_of, reached=True
        ).filter(~Exists(later))
    )


# --------------------------------------------------------------------------------------------
# The aggregates


def over_time_days(first_fy: int, as_of: dt.date) -> list[tuple[int, dt.date]]:
    """(fiscal year, as-of date) from `first_fy` to the fiscal year of `as_of`: each year's 31 March,
    the last one `as_of` itself."""
    last_fy = fiscal_year(as_of)
    days = [(fy, fiscal_year_bounds(fy)[1]) for fy in range(min(first_fy, last_fy), last_fy)]
    return [*days, (last_fy, as_of)]


def _due_filter(as_of: dt.date) -> Q:
    """Ended at least 33 months before `as_of` (on an award annotated with `ended_on`), with no
    check dated from its end to `as_of`."""
    checked = PracticalUseCheck.objects.filter(
        award=OuterRef("pk"), checked_on__gte=OuterRef("ended_on"), checked_on__lte=as_of
    )
    return Q(ended_on__lte=add_months(as_of, -DUE_AFTER_MONTHS)) & ~Exists(checked)


def _counts_by_day(
    days: Sequence[dt.date], program: Program | None
) -> tuple[dict[tuple[int, int, int, bool], _Counts], dict[tuple[int, int, bool], int]]:
    """(day index, program id, item, excluded) → counts, and (program id, item, excluded) → themes
    due for a check as of the last day, in two statements."""
    out: dict[tuple[int, int, int, bool], _Counts] = defaultdict(_Counts)
    due: dict[tuple[int, int, bool], int] = {}
    aggregates = {"due": Count("pk", filter=_due_filter(days[-1]))}
    for i, day in enumerate(days):
        done = Q(final_evaluation__completed_on__lte=day)
        aggregates[f"c{i}"] = Count("pk", filter=done)
        aggregates[f"m{i}"] = Count("pk", filter=done & Q(final_evaluation__met_targets=True))
        aggregates[f"a{i}"] = Count("pk", filter=Q(start_date__lte=day))
    rows = (
        _award_scope(program)
        .annotate(ended_on=Coalesce("end_date", "period_end"))
        .values("theme__program_id", "target_item", "excluded")
        .annotate(**aggregates)
        .order_by()
    )
    for row in rows:
        due[(row["theme__program_id"], row["target_item"], bool(row["excluded"]))] = row["due"]
        for i in range(len(days)):
            c = out[(i, row["theme__program_id"], row["target_item"], bool(row["excluded"]))]
            c.completed, c.met, c.adopted = row[f"c{i}"], row[f"m{i}"], row[f"a{i}"]

    # Practical use: each check is in force from its date until the award's next check (the window
    # is computed over every check before the reached ones are picked).
    checks, awards = PracticalUseCheck._meta.db_table, Award._meta.db_table
    themes, items = Theme._meta.db_table, ResearchItem._meta.db_table
    programs_table = Program._meta.db_table
    columns = ", ".join(
        "SUM(CASE WHEN iv.since <= %s AND (iv.until IS NULL OR iv.until > %s) AND a.start_date <= %s THEN 1 ELSE 0 END)"
        for _day in days
    )
    params: list = [d for day in days for d in (day, day, day)]
    if program is not None:
        where = " AND t.program_id = %s"
        params.append(program.pk)
    else:
        where = f""" AND t.program_id IN (SELECT id FROM {programs_table}
                     WHERE output_target_percent IS NOT NULL OR outcome_target_percent IS NOT NULL)"""
    sql = f"""
        WITH iv AS (
            SELECT award_id, checked_on AS since, reached,
                   LEAD(checked_on) OVER (PARTITION BY award_id ORDER BY checked_on, id) AS until
            FROM {checks}
        )
        SELECT t.program_id, COALESCE(a.adopted_as_item, ri.number),
               CASE WHEN a.adopted_as_item IS NOT NULL THEN COALESCE(
                        (SELECT CASE WHEN x.excluded_from_targets THEN 1 ELSE 0 END
                         FROM {items} x
                         WHERE x.program_id = t.program_id AND x.number = a.adopted_as_item), 0)
                    WHEN ri.excluded_from_targets THEN 1 ELSE 0 END,
               {columns}
        FROM iv
        JOIN {awards} a ON a.id = iv.award_id
        JOIN {themes} t ON t.id = a.theme_id
        JOIN {items} ri ON ri.id = t.item_id
        WHERE iv.reached{where}
        GROUP BY 1, 2, 3"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for program_id, item, excluded, *values in cursor.fetchall():
            for i, n in enumerate(values):
                if n:
                    out[(i, program_id, int(item), bool(excluded))].practical = int(n)
    return out, due


def targets_overview(*, as_of: dt.date, program: Program | None = None) -> Overview:
    """Both figures as of `as_of`: for the fund (or `program`), per program, per item, and at the
    end of each fiscal year. A constant number of queries, whatever the size of the portfolio."""
    programs = [program] if program is not None else list(programs_with_targets())
    item_rows = list(
        ResearchItem.objects.filter(program__in=programs).order_by("program", "number")
    )
    output_goal, outcome_goal = fund_goals(programs)
    first_fy = min(
        (fiscal_year(p.start_date) for p in programs if p.start_date), default=fiscal_year(as_of)
    )
    timeline = over_time_days(first_fy, as_of)
    counts, due = _counts_by_day([d for _fy, d in timeline], program)
    last = len(timeline) - 1

    by_program: dict[int, Program] = {p.pk: p for p in programs}
    items_of: dict[int, dict[int, ResearchItem]] = defaultdict(dict)
    for ri in item_rows:
        items_of[ri.program_id][ri.number] = ri
    # Items that only adopted_as_item names (a program without such an item) still get a row.
    for _i, pid, number, _ex in counts:
        if pid in by_program and number not in items_of[pid]:
            items_of[pid][number] = ResearchItem(
                program_id=pid,
                number=number,
                symbol=item_symbol(number),
                title_ja="",
                title_en="",
                period_months=0,
                excluded_from_targets=False,
            )

    def total(
        day_index: int,
        pid: int | None = None,
        number: int | None = None,
        excluded: bool | None = False,
    ) -> _Counts:
        c = _Counts()
        for (i, p, n, ex), v in counts.items():
            if (
                i == day_index
                and (pid is None or p == pid)
                and (number is None or n == number)
                and (excluded is None or ex == excluded)
            ):
                c.add(v)
        return c

    items: list[ItemFigures] = []
    program_figures: list[ProgramFigures] = []
    for p in programs:
        rows = []
        for number in sorted(items_of[p.pk]):
            ri = items_of[p.pk][number]
            every = total(last, p.pk, number, None)
            rows.append(
                ItemFigures(
                    program=p,
                    number=number,
                    symbol=ri.symbol or item_symbol(number),
                    title_ja=ri.title_ja,
                    title_en=ri.title_en,
                    excluded=bool(ri.excluded_from_targets),
                    figures=total(last, p.pk, number).figures(
                        p.output_target_percent, p.outcome_target_percent
                    ),
                    adopted=every.adopted,
                    completed=every.completed,
                )
            )
        items += rows
        program_figures.append(
            ProgramFigures(
                program=p,
                figures=total(last, p.pk).figures(
                    p.output_target_percent, p.outcome_target_percent
                ),
                items=rows,
            )
        )

    over_time = []
    for i, (fy, day) in enumerate(timeline):
        per_item = {
            it.key: total(i, it.program.pk, it.number).figures(
                it.program.output_target_percent, it.program.outcome_target_percent
            )
            for it in items
            if not it.excluded
        }
        over_time.append(TimePoint(fy, day, total(i).figures(output_goal, outcome_goal), per_item))
    return Overview(
        as_of=as_of,
        program=program,
        fund=over_time[-1].figures,
        programs=program_figures,
        over_time=over_time,
        output_goal=output_goal,
        outcome_goal=outcome_goal,
        items=items,
        due=sum(n for (_p, _n, excluded), n in due.items() if not excluded),
    )


def due_for_check(*, as_of: dt.date, program: Program | None = None) -> QuerySet[Award]:
    """Counting awards that ended at least 33 months before `as_of` with no check from their end to it."""
    return (
        _award_scope(program)
        .filter(excluded=False)
        .annotate(ended_on=Coalesce("end_date", "period_end"))
        .filter(_due_filter(as_of))
    )


def money_back(program: Program | None = None) -> dict:
    """Σ amount of the notices decided (not yet paid) and paid, by kind of money that comes back."""
    qs = Assessment.objects.filter(state__in=[AssessmentState.DECIDED, AssessmentState.PAID])
    if program is not None:
        qs = qs.filter(award__theme__program=program)
    sums = {
        (r["kind"], r["state"]): r["s"] or 0
        for r in qs.values("kind", "state").annotate(s=Sum("amount_yen")).order_by()
    }
    rows = []
    for kind, label in AssessmentKind.choices:
        decided, paid = (
            sums.get((kind, AssessmentState.DECIDED), 0),
            sums.get((kind, AssessmentState.PAID), 0),
        )
        rows.append(
            {
                "kind": kind,
                "label": label,
                "decided": decided,
                "paid": paid,
                "total": decided + paid,
            }
        )
    return {
        "rows": rows,
        "decided": sum(r["decided"] for r in rows),
        "paid": sum(r["paid"] for r in rows),
        "total": sum(r["total"] for r in rows),
    }


def filings_by_state(program: Program | None = None) -> dict:
    qs = Filing.objects.all()
    if program is not None:
        qs = qs.filter(award__theme__program=program)
    n = {
        r["state"]: r["n"] for r in qs.values("state").annotate(n=Count("*")).order_by()
    }  # index-only
    rows = [{"state": s, "label": label, "n": n.get(s, 0)} for s, label in FilingState.choices]
    return {"rows": rows, "total": sum(r["n"] for r in rows)}


# --------------------------------------------------------------------------------------------
# The themes behind a figure


def themes_behind(
    figure: str, *, as_of: dt.date, program: Program | None = None, item: int | None = None
) -> QuerySet[Award]:
    """The awards a figure counts, by award number. With `item`, that item's awards (an excluded
    item's too, for its counts); without, the counting awards only."""
    if figure not in FIGURES:
        raise ValueError(f"unknown figure {figure!r}")
    qs = due_for_check(as_of=as_of, program=program) if figure == "due" else _award_scope(program)
    if item is not None:
        qs = qs.filter(target_item=item)
    elif figure != "due":
        qs = qs.filter(excluded=False)
    if figure in {"completed", "met"}:
        qs = qs.filter(final_evaluation__completed_on__lte=as_of)
        if figure == "met":
            qs = qs.filter(final_evaluation__met_targets=True)
    elif figure == "adopted":
        qs = qs.filter(start_date__lte=as_of)
    elif figure == "practical":
        qs = qs.filter(in_practical_use(as_of), start_date__lte=as_of)
    last_check = (
        PracticalUseCheck.objects.filter(award=OuterRef("pk"), checked_on__lte=as_of)
        .order_by("-checked_on", "-pk")
        .values("pk")[:1]
    )
    return (
        qs.annotate(last_check_id=Subquery(last_check), work_title=F("proposal__title"))
        .select_related("theme__item", "organisation", "final_evaluation")
        .order_by("number")
    )


def theme_rows(awards: Iterable[Award], *, as_of: dt.date, lang: str = "ja") -> list[dict]:
    """One dict per award, with its final evaluation if completed by `as_of` and its last
    practical-use check on or before it: what a page shows and an export writes
    (`kikin.targets.views.EXPORT_COLUMNS`). One query for the checks, whatever the number of awards."""
    awards = list(awards)
    check_ids = [a.last_check_id for a in awards if getattr(a, "last_check_id", None)]
    checks = (
        PracticalUseCheck.objects.select_related("checked_by").in_bulk(check_ids)
        if check_ids
        else {}
    )
    en = not lang.startswith("ja")
    rows = []
    for a in awards:
        number = a.adopted_as_item or a.theme.item.number
        item = item_symbol(number)
        if a.adopted_as_item and a.adopted_as_item != a.theme.item.number:
            item = f"{a.theme.item.symbol}→{item}"
        try:
            fe: FinalEvaluation | None = a.final_evaluation
        except FinalEvaluation.DoesNotExist:
            fe = None
        if fe is not None and fe.completed_on > as_of:
            fe = None
        check = checks.get(getattr(a, "last_check_id", None))
        org = a.organisation
        rows.append(
            {
                "award_id": a.pk,
                "number": a.number,
                "theme": f"{a.theme.item.symbol}({a.theme.code})",
                "theme_title": (a.theme.title_en if en and a.theme.title_en else a.theme.title_ja),
                "title": getattr(a, "work_title", "") or "",
                "organisation": (org.name_en if en and org.name_en else org.name_ja),
                "item": item,
                "excluded": bool(getattr(a, "excluded", a.theme.item.excluded_from_targets)),
                "start": a.start_date,
                "end": a.end_date or a.period_end,
                "evaluation": ""
                if fe is None
                else (_("Met the targets") if fe.met_targets else _("Did not meet the targets")),
                "met": None if fe is None else fe.met_targets,
                "completed_on": fe.completed_on if fe else None,
                "checked_on": check.checked_on if check else None,
                "reached": ""
                if check is None
                else (_("Reached") if check.reached else _("Not reached")),
                "reached_flag": None if check is None else check.reached,
                "use_kind": check.get_use_kind_display() if check and check.use_kind else "",
                "evidence": check.evidence if check else "",
                "checked_by": str(check.checked_by) if check else "",
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# The cross-check through the rules engine


def theme_outcome(award: Award, as_of: dt.date) -> ThemeOutcome:
    """What the rules engine needs to know of one award as of `as_of` (Python, one award at a time)."""
    try:
        fe = award.final_evaluation
    except FinalEvaluation.DoesNotExist:
        fe = None
    completed = fe is not None and fe.completed_on <= as_of
    seen = [c for c in award.practical_use_checks.all() if c.checked_on <= as_of]
    latest = max(seen, key=lambda c: (c.checked_on, c.pk), default=None)
    number = award.adopted_as_item or award.theme.item.number
    return ThemeOutcome(
        item=number,
        completed=completed,
        met_targets=completed and fe.met_targets,
        adopted=award.start_date <= as_of,
        practical_use=latest is not None and latest.reached,
    )


def target_rules_of(program: Program) -> TargetRules:
    """The targets a program is held to, as loaded from its plan: the goals and the items
    left out of both (`ResearchItem.excluded_from_targets`)."""
    return TargetRules.leaving_out(
        program.output_target_percent,
        program.outcome_target_percent,
        program.items.filter(excluded_from_targets=True).values_list("number", flat=True),
    )


def targets_via_rules(awards_qs: QuerySet[Award], as_of: dt.date, program: Program) -> FundTargets:
    """`kikin.rules.targets.fund_targets` over `awards_qs` as of `as_of` with the targets
    `program` is held to, each award read in Python."""
    awards = awards_qs.select_related("theme__item", "final_evaluation").prefetch_related(
        "practical_use_checks"
    )
    return fund_targets((theme_outcome(a, as_of) for a in awards), target_rules_of(program))


# --------------------------------------------------------------------------------------------
# Charts, cached by what they show


def cached_chart(kind: str, *args, **kwargs) -> str:
    """`kikin.core.charts.<kind>(*args, **kwargs)`, cached under a key made of its arguments (the
    figures and labels it draws): drawing takes ~0.1 s, the same figures give the same SVG."""
    from kikin.core import charts

    payload = json.dumps([kind, args, kwargs], ensure_ascii=False, sort_keys=True, default=str)
    key = "kikin:targets:chart:" + hashlib.sha256(payload.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = getattr(charts, kind)(*args, **kwargs)
        cache.set(key, svg, 24 * 3600)
    return svg
