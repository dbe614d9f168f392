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

#: Items whose themes count toward neither target: ③ 先導研究 and ④ 人材育成 (lines 63, 71).
EXCLUDED_ITEMS = frozenset({3, 4})
OUTPUT_GOAL_PERCENT = 80  # line 59
OUTCOME_GOAL_PERCENT = 50  # line 69


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


def counts_toward_targets(item: int) -> bool:
    """Themes of items ③ and ④ are left out of both targets (lines 63, 71)."""
    return item not in EXCLUDED_ITEMS


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


def fund_targets(
    themes: Iterable[ThemeOutcome | Mapping],
    output_goal_percent: int = OUTPUT_GOAL_PERCENT,
    outcome_goal_percent: int = OUTCOME_GOAL_PERCENT,
) -> FundTargets:
    """Both targets over `themes`, as exact fractions; None where no theme counts yet.

    A theme is a ThemeOutcome, a mapping with its keys (`item` may be "1"…"4") or an object
    with its attributes; `adopted` defaults to true, the other flags to false.

    target_achievement = themes completed that met their targets / themes completed;
    practical_use = adopted themes whose technology is in practical use / adopted themes;
    items ③ ④ excluded from numerators and denominators. The goals are compared on the exact
    fractions (79.96 % does not meet 80 % even though it shows as 80.0); a goal is not met
    (false) while its denominator is 0, and its share is then None.
    """
    completed = met = adopted = practical = 0
    for theme in themes:
        t = _outcome(theme)
        if not counts_toward_targets(t.item):
            continue
        if t.completed:
            completed += 1
            met += bool(t.met_targets)
        if t.adopted:
            adopted += 1
            practical += bool(t.practical_use)
    return targets_from_counts(completed, met, adopted, practical, output_goal_percent, outcome_goal_percent)


def targets_from_counts(
    completed: int,
    met: int,
    adopted: int,
    practical: int,
    output_goal_percent: int = OUTPUT_GOAL_PERCENT,
    outcome_goal_percent: int = OUTCOME_GOAL_PERCENT,
) -> FundTargets:
    """Both targets from counts already made (themes of ③ ④ left out): the shares as exact
    fractions (None while a denominator is 0) and whether each meets its goal."""
    achievement = Fraction(met, completed) if completed else None
    use = Fraction(practical, adopted) if adopted else None
    return FundTargets(
        completed=completed,
        met=met,
        adopted=adopted,
        practical=practical,
        target_achievement=achievement,
        practical_use=use,
        meets_output_goal=achievement is not None and achievement * 100 >= output_goal_percent,
        meets_outcome_goal=use is not None and use * 100 >= outcome_goal_percent,
    )
