"""The fund's own targets: the share of themes that met their targets, and practical use.

Seed: 000_628dcc7e01f6f899.txt lines 41–71 (and 002_a9a2f2a212ac3399.txt: 実用化率50%以上).

- Output target (アウトプット目標, final): themes that met the targets set for them / themes
  completed by then ≥ 80 %, themes of ③ 先導研究 and ④ 人材育成 excluded (lines 53–63).
- Outcome target (アウトカム目標): themes whose technology reached practical use / adopted
  themes other than ③ and ④ ≥ 50 %, about 3 years after each theme ends (lines 67–71).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .money import round_half_up


@dataclass(frozen=True)
class TargetRules:
    """A program's two targets as its plan file declares them (`[[target]]`): the goal in
    percent (None where the program has no such target) and the items each leaves out. For the
    post-5G fund: 80 % and 50 %, ③ 先導研究 and ④ 人材育成 left out of both (lines 59–71)."""

    output_goal_percent: int | None = None
    outcome_goal_percent: int | None = None
    output_excluded: frozenset[int] = frozenset()
    outcome_excluded: frozenset[int] = frozenset()

    @classmethod
    def of(cls, program_rules) -> TargetRules:
        """From a `plan.ProgramRules`."""
        out = program_rules.target("target_achievement")
        use = program_rules.target("practical_use")
        return cls(
            output_goal_percent=out.percent if out else None,
            outcome_goal_percent=use.percent if use else None,
            output_excluded=out.exclude_items if out else frozenset(),
            outcome_excluded=use.exclude_items if use else frozenset(),
        )

    @classmethod
    def leaving_out(
        cls,
        output_goal_percent: int | None,
        outcome_goal_percent: int | None,
        items: Iterable[int],
    ) -> TargetRules:
        """Both targets leaving out the same items (as a program's `ResearchItem`s store them,
        `excluded_from_targets`): post-5G ③ 先導研究 and ④ 人材育成, excluded from the output
        target's numerator and denominator (000 lines 53–63) and from the outcome target's
        (lines 67–71)."""
        excluded = frozenset(items)
        return cls(output_goal_percent, outcome_goal_percent, excluded, excluded)

    @property
    def excluded_from_both(self) -> frozenset[int]:
        return self.output_excluded & self.outcome_excluded


@dataclass(frozen=True)
class ThemeOutcome:
    """What the targets need to know of one adopted theme."""

    item: int
    completed: bool = False
    met_targets: bool = False
    adopted: bool = True
    practical_use: bool = False


@dataclass(frozen=True)
class FundTargets:
    completed: int
    met: int
    adopted: int
    practical: int
    target_achievement: Fraction | None
    practical_use: Fraction | None
    meets_output_goal: bool
    meets_outcome_goal: bool

    @property
    def target_achievement_percent(self) -> Decimal | None:
        return percent_1dp(self.target_achievement)

    @property
    def practical_use_percent(self) -> Decimal | None:
        return percent_1dp(self.practical_use)


def percent_1dp(share: Fraction | None) -> Decimal | None:
    """A share as a percent rounded half up to one decimal: 2/3 → 66.7; None stays None."""
    return None if share is None else round_half_up(share * 100, 1)


def _outcome(theme: ThemeOutcome | Mapping) -> ThemeOutcome:
    """A ThemeOutcome from itself, a mapping or any object with the same attributes."""
    if isinstance(theme, ThemeOutcome):
        return theme
    names = ("completed", "met_targets", "adopted", "practical_use")
    if isinstance(theme, Mapping):
        values = {n: bool(theme.get(n, n == "adopted")) for n in names}
        return ThemeOutcome(item=int(theme["item"]), **values)
    values = {n: bool(getattr(theme, n, n == "adopted")) for n in names}
    return ThemeOutcome(item=int(theme.item), **values)


def fund_targets(themes: Iterable[ThemeOutcome | Mapping], rules: TargetRules) -> FundTargets:
    """Both targets over `themes`, as exact fractions; None where no theme counts yet.

    A theme is a ThemeOutcome, a mapping with its keys (`item` may be "1"…"4") or an object
    with its attributes; `adopted` defaults to true, the other flags to false.

    target_achievement = themes completed that met their targets / themes completed;
    practical_use = adopted themes whose technology is in practical use / adopted themes;
    the items each target leaves out (post-5G: ③ ④) are out of its numerator and denominator.
    The goals are compared on the exact
    fractions (79.96 % does not meet 80 % even though it shows as 80.0); a goal is not met
    (false) while its denominator is 0, and its share is then None.
    """
    completed = met = adopted = practical = 0
    for theme in themes:
        t = _outcome(theme)
        if t.completed and t.item not in rules.output_excluded:
            completed += 1
            met += bool(t.met_targets)
        if t.adopted and t.item not in rules.outcome_excluded:
            adopted += 1
            practical += bool(t.practical_use)
    return targets_from_counts(
        completed, met, adopted, practical, rules.output_goal_percent, rules.outcome_goal_percent
    )


def targets_from_counts(
    completed: int,
    met: int,
    adopted: int,
    practical: int,
    output_goal_percent: int | None,
    outcome_goal_percent: int | None,
) -> FundTargets:
    """Both targets from counts already made (excluded items left out): the shares as exact
    fractions (None while a denominator is 0) and whether each meets its goal (never where the
    program sets no such goal)."""
    achievement = Fraction(met, completed) if completed else None
    use = Fraction(practical, adopted) if adopted else None
    return FundTargets(
        completed=completed,
        met=met,
        adopted=adopted,
        practical=practical,
        target_achievement=achievement,
        practical_use=use,
        meets_output_goal=achievement is not None
        and output_goal_percent is not None
        and achievement * 100 >= output_goal_percent,
        meets_outcome_goal=use is not None
        and outcome_goal_percent is not None
        and use * 100 >= outcome_goal_percent,
    )
