from decimal import Decimal
from fractions import Fraction

from kikin.rules import plan
from kikin.rules.targets import TargetRules, ThemeOutcome, fund_targets, percent_1dp

#: The post-5G fund's targets as its plan file declares them: 80 %, 50 %, ③ ④ left out.
POST5G = TargetRules.of(plan.program("post5g").rules)


def T(item, completed=True, met=False, adopted=True, practical=False):
    return ThemeOutcome(
        item=item, completed=completed, met_targets=met, adopted=adopted, practical_use=practical
    )


def test_fund_targets_exact_fractions_and_goals():
    themes = [
        T(1, met=True, practical=True),
        T(1, met=True),
        T(2, met=True, practical=True),
        T(2, met=True),
        T(2),
    ]
    t = fund_targets(themes, POST5G)
    assert t.target_achievement == Fraction(4, 5)
    assert t.practical_use == Fraction(2, 5)
    assert t.meets_output_goal is True  # exactly 80 %
    assert t.meets_outcome_goal is False
    assert t.target_achievement_percent == Decimal("80.0")
    assert t.practical_use_percent == Decimal("40.0")


def test_items_3_and_4_are_excluded_from_both():
    themes = [
        T(1, met=True, practical=True),
        T(3),
        T(4),
        T(3, completed=False),
        T(4, practical=True),
    ]
    t = fund_targets(themes, POST5G)
    assert (t.completed, t.met, t.adopted, t.practical) == (1, 1, 1, 1)
    assert t.target_achievement == 1 and t.practical_use == 1


def test_only_completed_count_for_output_and_only_adopted_for_outcome():
    themes = [
        T(1, met=True),
        T(1, completed=False, met=True),
        T(2, adopted=False, practical=True),
        T(2, completed=False),
    ]
    t = fund_targets(themes, POST5G)
    assert (t.completed, t.met) == (2, 1)
    assert (t.adopted, t.practical) == (3, 0)


def test_no_denominator_gives_none():
    t = fund_targets([T(1, completed=False, adopted=True), T(3)], POST5G)
    assert t.target_achievement is None and t.target_achievement_percent is None
    assert t.meets_output_goal is False  # nothing completed: the goal is not (yet) met
    assert t.practical_use == 0 and t.meets_outcome_goal is False
    empty = fund_targets([], POST5G)
    assert empty.practical_use is None and empty.meets_outcome_goal is False


def test_goals_are_compared_on_exact_values():
    # 3999 / 5000 = 79.98 % shows as 80.0 but does not meet 80 %.
    themes = [T(1, met=True)] * 3999 + [T(1)] * 1001
    t = fund_targets(themes, POST5G)
    assert t.target_achievement_percent == Decimal("80.0")
    assert t.meets_output_goal is False
    # 1/2 exactly meets 50 %.
    assert fund_targets([T(1, practical=True), T(2)], POST5G).meets_outcome_goal is True


def test_percent_rounding_half_up():
    assert percent_1dp(Fraction(2, 3)) == Decimal("66.7")
    assert percent_1dp(Fraction(1, 8)) == Decimal("12.5")
    assert percent_1dp(Fraction(1, 16)) == Decimal("6.3")  # 6.25 → 6.3
    assert percent_1dp(None) is None


def test_themes_as_mappings_or_objects():
    class Row:
        item = "2"
        completed = True
        met_targets = True
        practical_use = False

    themes = [{"item": "1", "completed": True, "met_targets": False, "practical_use": True}, Row()]
    t = fund_targets(themes, POST5G)
    assert (t.completed, t.met, t.adopted, t.practical) == (2, 1, 2, 1)


def test_the_post5g_plan_declares_its_targets():
    assert TargetRules(80, 50, frozenset({3, 4}), frozenset({3, 4})) == POST5G


def test_a_program_without_targets_meets_no_goal():
    none = TargetRules.of(plan.program("q-leap").rules)
    assert none.output_goal_percent is None and none.outcome_goal_percent is None
    t = fund_targets([T(1, met=True, practical=True), T(3, met=True, practical=True)], none)
    assert (t.completed, t.met, t.adopted, t.practical) == (2, 2, 2, 2)  # no item left out
    assert not t.meets_output_goal and not t.meets_outcome_goal
