"""The targets dashboard's figures against the rules engine, on generated portfolios.

Each portfolio is written with bulk_create (awards of two programs — the seed's post-5G and a
second one with goals of its own — on items ①–④, some adopted as or moved to ③, with random
final evaluations and practical-use checks, later "not reached" checks and checks of one day
among them) and kept in memory as `Spec`s. The expected figures are
`kikin.rules.targets.fund_targets` over ThemeOutcomes built from the specs in plain Python,
never read back from the database; every figure of the dashboard (the fund, each program, each
item, each fiscal year) and every list of themes behind a figure must equal them, and so must
`selectors.targets_via_rules`, which reads the awards one by one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kikin.accounts.models import Role
from kikin.awards.models import Award, AwardState
from kikin.calls.models import Call, Proposal, ProposalState
from kikin.outcomes.models import FinalEvaluation, PracticalUseCheck
from kikin.programs.models import Program, ResearchItem, Theme
from kikin.rules.dates import add_months, period_end
from kikin.rules.fiscal import fiscal_year, fiscal_year_bounds
from kikin.rules.targets import TargetRules, ThemeOutcome, fund_targets
from kikin.targets import selectors
from tests import factories as f

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)
TODAY = dt.date(2026, 11, 23)  # fixed, so that the generated dates do not drift with the calendar


# --------------------------------------------------------------------------------------------
# Portfolios


@dataclass
class Spec:
    """One award as generated: what the expected figures are computed from."""

    program: str
    theme_item: int
    adopted_as_item: int | None
    start: dt.date
    end: dt.date  # period end
    end_date: dt.date | None = None  # actual end, if ended early
    final: tuple[dt.date, bool] | None = None  # (completed_on, met_targets)
    checks: list[tuple[dt.date, bool]] = field(default_factory=list)  # in pk order
    pk: int | None = None

    @property
    def item(self) -> int:
        return self.adopted_as_item or self.theme_item

    def outcome(self, as_of: dt.date) -> ThemeOutcome:
        completed = self.final is not None and self.final[0] <= as_of
        seen = [(day, i, reached) for i, (day, reached) in enumerate(self.checks) if day <= as_of]
        practical = bool(seen) and max(seen)[2]
        return ThemeOutcome(
            item=self.item,
            completed=completed,
            met_targets=completed and self.final[1],
            adopted=self.start <= as_of,
            practical_use=practical,
        )


@dataclass
class World:
    post5g: Program
    other: Program
    themes: dict[tuple[str, int], Theme]
    calls: dict[str, Call]
    agency: object
    ministry: object
    org: object
    specs: list[Spec] = field(default_factory=list)

    def program(self, code: str) -> Program:
        return self.post5g if code == "post5g" else self.other


def make_world(plan) -> World:
    """The seed plan plus a second program (goals 70 % and 40 %) with items ①–④, ③ ④ excluded."""
    other = Program.objects.create(
        code=f"other{next(_seq)}",
        title_ja="試験事業",
        title_en="Test program",
        start_date=dt.date(2022, 6, 1),
        end_date=dt.date(2031, 3, 31),
        output_target_percent=70,
        outcome_target_percent=40,
    )
    themes = {}
    for n in (1, 2, 3, 4):
        item = ResearchItem.objects.create(
            program=other,
            number=n,
            symbol=selectors.item_symbol(n),
            title_ja=f"試験項目{n}",
            title_en=f"Test item {n}",
            period_months=36,
            excluded_from_targets=n in (3, 4),
        )
        themes[(other.code, n)] = Theme.objects.create(
            program=other,
            item=item,
            code=f"t{n}",
            title_ja=f"試験テーマ{n}",
            title_en=f"Test theme {n}",
        )
        themes[("post5g", n)] = (
            Theme.objects.filter(program=plan, item__number=n).order_by("sort_order").first()
        )
    agency, ministry = f.user(Role.AGENCY), f.user(Role.MINISTRY)
    org = f.organisation()
    calls = {}
    for p in (plan, other):
        calls[p.code] = Call.objects.create(
            program=p,
            key=f"targets-{next(_seq)}",
            title_ja="目標試験公募",
            title_en="Targets test call",
            opens_at=timezone.now() - dt.timedelta(days=900),
            closes_at=timezone.now() - dt.timedelta(days=800),
        )
    return World(plan, other, themes, calls, agency, ministry, org)


def write(world: World, specs: list[Spec]) -> list[Award]:
    """The specs as proposals, awards, final evaluations and checks (bulk_create; checks in order)."""
    now = timezone.now()
    ks = [next(_seq) for _ in specs]
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                call=world.calls[s.program],
                theme=world.themes[(s.program, s.theme_item)],
                organisation=world.org,
                created_by=world.agency,
                state=ProposalState.ADOPTED,
                receipt_number=f"T-{k:06d}",
                title=f"実用化試験{k}",
                start_date=s.start,
                period_months=36,
                submitted_at=now,
                version_count=1,
            )
            for k, s in zip(ks, specs, strict=True)
        ]
    )
    awards = Award.objects.bulk_create(
        [
            Award(
                proposal=p,
                call=p.call,
                theme=p.theme,
                organisation=world.org,
                number=f"A-T-{k:06d}",
                form="contract",
                rate="1",
                rate_label="委託",
                start_date=s.start,
                period_months=36,
                period_end=s.end,
                end_date=s.end_date,
                state=(
                    AwardState.TERMINATED
                    if s.end_date
                    else AwardState.ENDED
                    if s.end < TODAY
                    else AwardState.ACTIVE
                ),
                adopted_as_item=s.adopted_as_item,
                proposal_contract_yen=1_000_000_000,
                created_by=world.agency,
            )
            for k, p, s in zip(ks, proposals, specs, strict=True)
        ]
    )
    for s, a in zip(specs, awards, strict=True):
        s.pk = a.pk
    FinalEvaluation.objects.bulk_create(
        [
            FinalEvaluation(
                award=a,
                completed_on=s.final[0],
                met_targets=s.final[1],
                comment="評価",
                evaluated_by=world.agency,
            )
            for s, a in zip(specs, awards, strict=True)
            if s.final
        ]
    )
    # One check at a time in pk order: the order of a spec's checks is the order of their pks.
    checks = [
        (a, day, reached) for s, a in zip(specs, awards, strict=True) for day, reached in s.checks
    ]
    PracticalUseCheck.objects.bulk_create(
        [
            PracticalUseCheck(
                award=a,
                checked_on=day,
                reached=reached,
                use_kind="product" if reached else "",
                evidence="製品カタログと販売実績" if reached else "販売に至っていない",
                checked_by=world.agency,
            )
            for a, day, reached in checks
        ]
    )
    world.specs += specs
    return awards


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def random_specs(world: World, rng: random.Random, n: int) -> list[Spec]:
    specs = []
    for _ in range(n):
        program = rng.choice(["post5g", "post5g", world.other.code])
        first = dt.date(2020, 6, 1) if program == "post5g" else dt.date(2022, 6, 1)
        theme_item = rng.choices([1, 2, 3, 4], weights=[5, 4, 2, 1])[0]
        adopted_as = None
        r = rng.random()
        if theme_item in (1, 2) and r < 0.12:
            adopted_as = 3  # adopted as ③, or moved ①→③ at a gate
        elif r > 0.95:
            adopted_as = theme_item  # set, but the same item
        start = random_day(rng, first, dt.date(2026, 10, 1))
        end = period_end(start, rng.choice([12, 18, 24, 36, 60]))
        end_date = random_day(rng, start, end) if rng.random() < 0.1 else None
        spec = Spec(program, theme_item, adopted_as, start, end, end_date)
        last = end_date or end
        if last < TODAY and not end_date and rng.random() < 0.7:
            spec.final = (
                random_day(rng, last, min(TODAY, last + dt.timedelta(days=120))),
                rng.random() < 0.75,
            )
        if rng.random() < 0.5:
            day = random_day(rng, start, TODAY)
            for _ in range(rng.choice([1, 1, 2, 3])):
                spec.checks.append((day, rng.random() < 0.6))
                if rng.random() < 0.2:
                    continue  # another check on the same day: the later pk wins
                day = random_day(rng, day, TODAY)
        specs.append(spec)
    return specs


#: The post-5G fund's targets as its plan declares them (80 %, 50 %, ③ ④ left out).
POST5G_TARGETS = TargetRules(80, 50, frozenset({3, 4}), frozenset({3, 4}))


def expected(specs, as_of, rules=POST5G_TARGETS):
    return fund_targets((s.outcome(as_of) for s in specs), rules)


def goals_of(program: Program) -> TargetRules:
    return selectors.target_rules_of(program)


def as_of_days(rng: random.Random) -> list[dt.date]:
    return sorted(
        {
            TODAY,
            dt.date(2023, 3, 31),
            dt.date(2025, 3, 31),
            dt.date(2021, 1, 15),
            *(random_day(rng, dt.date(2020, 4, 1), TODAY) for _ in range(3)),
        }
    )


@pytest.fixture
def world(plan):
    return make_world(plan)


# --------------------------------------------------------------------------------------------
# Every figure against the rules engine


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_figure_equals_the_rules_engine(world, seed):
    rng = random.Random(seed)
    write(world, random_specs(world, rng, 70))
    specs = world.specs
    for as_of in as_of_days(rng):
        overview = selectors.targets_overview(as_of=as_of)
        assert overview.fund.targets == expected(specs, as_of), as_of
        assert overview.fund.targets == selectors.targets_via_rules(
            Award.objects.all(), as_of, world.post5g
        )
        assert {p.program.code for p in overview.programs} == {"post5g", world.other.code}
        for pf in overview.programs:
            mine = [s for s in specs if s.program == pf.program.code]
            assert pf.figures.targets == expected(mine, as_of, goals_of(pf.program)), (
                as_of,
                pf.program.code,
            )
            for it in pf.items:
                of_item = [s for s in mine if s.item == it.number]
                if it.excluded:
                    assert it.number in (3, 4)
                    assert it.figures.targets.adopted == it.figures.targets.completed == 0
                    assert it.adopted == sum(s.start <= as_of for s in of_item)
                    assert it.completed == sum(
                        s.final is not None and s.final[0] <= as_of for s in of_item
                    )
                else:
                    assert it.figures.targets == expected(of_item, as_of, goals_of(pf.program)), (
                        as_of,
                        it.key,
                    )
        # Over time: 31 March of each fiscal year from FY2020 (post-5G's first), then as_of itself.
        days = [p.as_of for p in overview.over_time]
        assert days == [fiscal_year_bounds(fy)[1] for fy in range(2020, fiscal_year(as_of))] + [
            as_of
        ]
        for point in overview.over_time:
            assert point.figures.targets == expected(specs, point.as_of), point.as_of
            for it in overview.counting_items:
                of_item = [s for s in specs if s.program == it.program.code and s.item == it.number]
                assert point.items[it.key].targets == expected(
                    of_item, point.as_of, goals_of(it.program)
                )


@pytest.mark.parametrize("seed", [5, 6])
def test_one_program_is_held_to_its_own_goals(world, seed):
    rng = random.Random(seed)
    write(world, random_specs(world, rng, 60))
    for program in (world.post5g, world.other):
        mine = [s for s in world.specs if s.program == program.code]
        for as_of in as_of_days(rng):
            overview = selectors.targets_overview(as_of=as_of, program=program)
            want = expected(mine, as_of, goals_of(program))
            assert overview.fund.targets == want
            assert (overview.output_goal, overview.outcome_goal) == (
                program.output_target_percent,
                program.outcome_target_percent,
            )
            assert (
                selectors.targets_via_rules(
                    Award.objects.filter(theme__program=program),
                    as_of,
                    program,
                )
                == want
            )
            assert [p.program for p in overview.programs] == [program]
            first_fy = fiscal_year(program.start_date)
            assert overview.over_time[0].fiscal_year == min(first_fy, fiscal_year(as_of))
            for point in overview.over_time:
                assert point.figures.targets == expected(mine, point.as_of, goals_of(program))


@pytest.mark.parametrize("seed", [7, 8])
def test_the_themes_behind_each_figure_are_the_ones_counted(world, seed):
    rng = random.Random(seed)
    write(world, random_specs(world, rng, 60))
    specs = world.specs
    for as_of in as_of_days(rng)[-3:]:
        for program in (None, world.post5g, world.other):
            scope = [s for s in specs if program is None or s.program == program.code]
            for item in (None, 1, 2, 3):
                if item is None:
                    chosen = [s for s in scope if s.item not in (3, 4)]
                else:
                    chosen = [s for s in scope if s.item == item]
                outcomes = {s.pk: s.outcome(as_of) for s in chosen}
                want = {
                    "completed": {pk for pk, o in outcomes.items() if o.completed},
                    "met": {pk for pk, o in outcomes.items() if o.completed and o.met_targets},
                    "adopted": {pk for pk, o in outcomes.items() if o.adopted},
                    "practical": {
                        pk for pk, o in outcomes.items() if o.adopted and o.practical_use
                    },
                }
                for figure, pks in want.items():
                    got = set(
                        selectors.themes_behind(
                            figure, as_of=as_of, program=program, item=item
                        ).values_list("pk", flat=True)
                    )
                    assert got == pks, (figure, as_of, program, item)
                if item is None:  # the list's length is the figure's numerator or denominator
                    t = fund_targets(outcomes.values(), POST5G_TARGETS)
                    assert (
                        len(want["completed"]),
                        len(want["met"]),
                        len(want["adopted"]),
                        len(want["practical"]),
                    ) == (t.completed, t.met, t.adopted, t.practical)


# --------------------------------------------------------------------------------------------
# Boundaries


def spec(
    world,
    item=1,
    *,
    program="post5g",
    start=dt.date(2021, 4, 1),
    months=36,
    final=None,
    checks=(),
    adopted_as=None,
    end_date=None,
):
    return Spec(
        program, item, adopted_as, start, period_end(start, months), end_date, final, list(checks)
    )


def test_exactly_80_percent_meets_the_goal(world, client):
    day = dt.date(2024, 6, 1)
    write(world, [spec(world, final=(day, i < 4)) for i in range(5)])
    fund = selectors.targets_overview(as_of=TODAY).fund
    assert fund.achievement.value * 100 == 80 and fund.achievement.percent == Decimal("80.0")
    assert fund.achievement.meets and fund.targets.meets_output_goal
    assert (fund.achievement.numerator, fund.achievement.denominator) == (4, 5)
    html = client.get(reverse("targets:public")).content.decode()
    assert '<div class="target-share met">\n  <span class="percent">80.0&nbsp;%</span>' in html


def test_79_96_percent_shows_80_0_and_does_not_meet_80(world, client):
    day = dt.date(2024, 6, 1)
    write(world, [spec(world, final=(day, i < 1999)) for i in range(2500)])
    fund = selectors.targets_overview(as_of=TODAY).fund
    assert (fund.achievement.numerator, fund.achievement.denominator) == (1999, 2500)
    assert fund.achievement.percent == Decimal("80.0")
    assert not fund.achievement.meets
    assert fund.targets == selectors.targets_via_rules(Award.objects.all(), TODAY, world.post5g)
    # The public page shows 80.0 % marked as not met (the fund's figures as of today).
    html = client.get(reverse("targets:public")).content.decode()
    assert '<div class="target-share not-met">\n  <span class="percent">80.0&nbsp;%</span>' in html
    assert (
        '<div class="target-share met">'
        not in html.split('class="targets-headline"', 1)[1].split("</div>\n</div>", 1)[0]
    )


def test_no_denominator_gives_no_share_and_no_goal_met(world):
    # The second program has no award; post-5G has one adopted theme, not completed.
    write(world, [spec(world, start=dt.date(2026, 4, 1))])
    other = selectors.targets_overview(as_of=TODAY, program=world.other).fund
    for share in (other.achievement, other.practical_use):
        assert share.value is None and share.percent is None and share.chart_value is None
        assert not share.meets and share.denominator == 0
    fund = selectors.targets_overview(as_of=TODAY).fund
    assert fund.achievement.value is None and not fund.achievement.meets
    assert fund.practical_use.value == 0 and not fund.practical_use.meets  # 0 / 1
    # Before the theme started: nothing adopted either.
    before = selectors.targets_overview(as_of=dt.date(2026, 3, 31)).fund
    assert before.practical_use.denominator == 0 and before.practical_use.value is None


def test_a_check_after_as_of_is_not_seen_and_a_later_not_reached_overrides(world):
    reached_then_not = spec(
        world, checks=[(dt.date(2025, 1, 10), True), (dt.date(2026, 2, 1), False)]
    )
    not_then_reached = spec(
        world, checks=[(dt.date(2025, 1, 10), False), (dt.date(2026, 2, 1), True)]
    )
    write(world, [reached_then_not, not_then_reached])

    def practical(as_of):
        return selectors.targets_overview(as_of=as_of).fund.practical_use.numerator

    assert practical(dt.date(2025, 1, 9)) == 0  # both checks lie after
    assert practical(dt.date(2025, 1, 10)) == 1  # the first's check says reached
    assert practical(dt.date(2026, 1, 31)) == 1
    assert practical(dt.date(2026, 2, 1)) == 1  # the first no longer, the second now
    ids = set(
        selectors.themes_behind("practical", as_of=dt.date(2026, 2, 1)).values_list("pk", flat=True)
    )
    assert ids == {not_then_reached.pk}
    ids = set(
        selectors.themes_behind("practical", as_of=dt.date(2025, 6, 1)).values_list("pk", flat=True)
    )
    assert ids == {reached_then_not.pk}


def test_two_checks_on_one_day_the_later_one_counts(world):
    day = dt.date(2025, 5, 1)
    yes_then_no = spec(world, checks=[(day, True), (day, False)])
    no_then_yes = spec(world, checks=[(day, False), (day, True)])
    write(world, [yes_then_no, no_then_yes])
    assert set(selectors.themes_behind("practical", as_of=day).values_list("pk", flat=True)) == {
        no_then_yes.pk
    }
    assert selectors.targets_overview(as_of=day).fund.practical_use.numerator == 1


def test_themes_adopted_as_or_moved_to_item_3_count_nowhere(world):
    moved = spec(
        world,
        item=1,
        adopted_as=3,
        final=(dt.date(2024, 6, 1), True),
        checks=[(dt.date(2025, 1, 1), True)],
    )
    leading = spec(world, item=3, final=(dt.date(2024, 6, 1), False))
    kept = spec(world, item=2, final=(dt.date(2024, 6, 1), False))
    write(world, [moved, leading, kept])
    overview = selectors.targets_overview(as_of=TODAY)
    assert (
        overview.fund.targets.completed,
        overview.fund.targets.met,
        overview.fund.targets.adopted,
    ) == (1, 0, 1)
    post5g = next(p for p in overview.programs if p.program == world.post5g)
    by_number = {i.number: i for i in post5g.items}
    assert by_number[3].excluded and (by_number[3].adopted, by_number[3].completed) == (2, 2)
    assert by_number[1].figures.targets.adopted == 0
    assert set(
        selectors.themes_behind("adopted", as_of=TODAY, item=3).values_list("pk", flat=True)
    ) == {moved.pk, leading.pk}


def test_due_for_a_practical_use_check(world):
    as_of = TODAY
    cut = add_months(as_of, -33)
    due_plain = spec(
        world, start=add_months(cut, -36) + dt.timedelta(days=1), months=36
    )  # ends on the cut
    due_checked_before_end = spec(
        world, start=add_months(cut, -40), months=36, checks=[(add_months(cut, -6), False)]
    )
    checked_since = spec(
        world, start=add_months(cut, -40), months=36, checks=[(add_months(cut, 2), True)]
    )
    too_recent = spec(world, start=add_months(cut, -30), months=36)  # ended 27 months ago
    excluded = spec(world, item=4, start=add_months(cut, -40), months=36)
    early = spec(world, start=add_months(cut, -20), months=60, end_date=add_months(cut, -1))
    checked_after_as_of = spec(
        world, start=add_months(cut, -40), months=36, checks=[(as_of + dt.timedelta(days=1), True)]
    )
    write(
        world,
        [
            due_plain,
            due_checked_before_end,
            checked_since,
            too_recent,
            excluded,
            early,
            checked_after_as_of,
        ],
    )
    got = set(selectors.due_for_check(as_of=as_of).values_list("pk", flat=True))
    assert got == {due_plain.pk, due_checked_before_end.pk, early.pk, checked_after_as_of.pk}
    assert set(selectors.themes_behind("due", as_of=as_of).values_list("pk", flat=True)) == got
    assert selectors.targets_overview(as_of=as_of).due == len(
        got
    )  # the dashboard's count, from its aggregate
    assert selectors.targets_overview(as_of=as_of, program=world.other).due == 0
    # A day earlier the plainly due theme had ended less than 33 months before.
    earlier = set(
        selectors.due_for_check(as_of=as_of - dt.timedelta(days=1)).values_list("pk", flat=True)
    )
    assert due_plain.pk not in earlier


# --------------------------------------------------------------------------------------------
# Cost


def test_the_overview_costs_the_same_queries_for_10_and_100_awards(world):
    rng = random.Random(9)
    write(world, random_specs(world, rng, 10))
    with CaptureQueriesContext(connection) as small:
        selectors.targets_overview(as_of=TODAY)
    write(world, random_specs(world, rng, 90))
    with CaptureQueriesContext(connection) as large:
        overview = selectors.targets_overview(as_of=TODAY)
    assert len(small.captured_queries) == len(large.captured_queries) <= 5
    assert overview.fund.targets == expected(world.specs, TODAY)
