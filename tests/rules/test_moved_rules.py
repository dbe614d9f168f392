"""Rules that once lived in the apps: the fund's share of claimed lines (000 lines 4700–4704),
a theme adopted as another item (lines 5183–5185, 5309), the items both targets leave out
(lines 53–71)."""

from fractions import Fraction

from kikin.rules.money import fund_share
from kikin.rules.plan import BookingLimit, ItemSpec, RefundScheme, as_item
from kikin.rules.targets import TargetRules


def test_fund_share_truncates_the_rated_lines_and_adds_fixed_amount_lines_in_full():
    assert fund_share([], Fraction(1, 2)) == 0
    assert fund_share([(3, False)], Fraction(1, 2)) == 1  # 1.5 → 1 (切り捨て)
    assert fund_share([(1, False), (2, False)], Fraction(1, 2)) == 1  # summed before truncating
    assert fund_share([(100, False), (7, True)], Fraction(2, 3)) == 66 + 7
    assert fund_share([(999, True)], Fraction(1, 3)) == 999
    assert fund_share([(10**12, False)], Fraction(1)) == 10**12


def _item(**kw):
    base = {
        "number": 3,
        "symbol": "③",
        "title_ja": "先導研究",
        "title_en": "Leading research",
        "support_ja": "",
        "period_months": 36,
        "stage_gate_months": None,
        "first_review": True,
        "line": 1,
        "intermediate_targets": False,
    }
    base.update(kw)
    return ItemSpec(**base)


def test_as_item_takes_the_items_period_and_drops_the_themes_schemes(make_theme):
    spec = make_theme(
        item=1,
        period_months=60,
        stage_gate_months=30,
        system_technology=True,
        refund=RefundScheme.__new__(RefundScheme),
        booking_limit=BookingLimit.__new__(BookingLimit),
    )
    moved = as_item(spec, _item())
    assert (moved.period_months, moved.stage_gate_months) == (36, None)
    assert moved.refund is None and moved.booking_limit is None and not moved.system_technology
    assert not moved.intermediate_targets and moved.code == spec.code and moved.item == 1


def test_as_item_prefers_the_items_defaults_and_keeps_the_themes_period_where_none():
    spec = as_item(
        _make(60),
        _item(
            period_months=None, defaults={"stage_gate_months": 12, "stage_gate_earliest_months": 6}
        ),
    )
    assert (spec.period_months, spec.stage_gate_months, spec.stage_gate_earliest_months) == (
        60,
        12,
        6,
    )
    assert as_item(_make(60), _item(defaults={"period_months": 24})).period_months == 24


def _make(period):
    from kikin.rules.plan import CapRule, ThemeSpec

    return ThemeSpec(
        item=1,
        code="x1",
        title_ja="x",
        title_en="x",
        support="contract",
        rates=(),
        cap=CapRule(kind="none"),
        period_months=period,
        stage_gate_months=18,
        line=1,
    )


def test_target_rules_leaving_out_the_same_items_from_both():
    rules = TargetRules.leaving_out(80, 50, [3, 4, 4])
    assert rules.output_excluded == rules.outcome_excluded == rules.excluded_from_both == {3, 4}
    assert (rules.output_goal_percent, rules.outcome_goal_percent) == (80, 50)
    assert TargetRules.leaving_out(None, None, []).excluded_from_both == frozenset()
