import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from kikin.rules import plan as catalogue
from kikin.rules.caps import (
    booking_limit_date,
    budget_cap,
    eighty_percent_rule_applies,
    largest_award_yen,
    max_bookable_before_gate,
    round_index,
    set_value_admissible,
    variable_rate,
)
from kikin.rules.errors import MissingValueError, RuleError
from kikin.rules.plan import CapOption, CapRule

OKU = 10**8


@pytest.mark.parametrize(
    ("s", "percent"),
    [
        ("2.5", 85),
        ("1.0", 0),  # s ≤ 1 → 0 %
        ("1.04", 0),  # rounds to 1.0
        ("1.05", 71),  # rounds to 1.1 → 60 + 11
        ("1.1", 71),
        ("2.75", 88),  # rounds to 2.8 (rules.md §5)
        ("2.74", 87),
        ("4.0", 100),  # 60 + 40
        ("4.04", 100),  # rounds to 4.0
        ("4.05", 100),  # rounds to 4.1 > 4
        ("9", 100),
        ("0.5", 0),
        ("-3", 0),
    ],
)
def test_variable_rate(s, percent):
    assert variable_rate(Decimal(s)) == percent
    assert isinstance(variable_rate(Decimal(s)), Fraction)


@pytest.mark.parametrize(
    ("s", "admitted"),
    [
        ("1.0", False),
        ("1.04", False),
        ("1.05", True),
        ("1.1", True),
        ("0.9", False),
        ("4.05", True),
    ],
)
def test_set_value_admissible(s, admitted):
    assert set_value_admissible(Decimal(s)) is admitted


def test_round_index_half_up():
    assert round_index(Decimal("2.75")) == Decimal("2.8")
    assert round_index(Decimal("1.25")) == Decimal("1.3")
    assert round_index(Fraction(5, 4)) == Decimal("1.3")
    assert round_index(Fraction(-5, 4)) == Decimal("-1.3")


def test_budget_cap_variable():
    rule = CapRule(kind="variable", base_yen=75 * OKU)
    assert budget_cap(rule, set_value=Decimal("2.5")) == 6_375_000_000
    assert budget_cap(rule, set_value=Decimal("4.05")) == 75 * OKU
    assert budget_cap(rule, set_value=Decimal("1.0")) == 0
    assert budget_cap(rule, set_value=Decimal("1.05")) == 5_325_000_000
    with pytest.raises(MissingValueError) as e:
        budget_cap(rule)
    assert e.value.field == "set_value"


def test_budget_cap_variable_truncates_to_the_yen():
    rule = CapRule(kind="variable", base_yen=1_000_000_003)
    assert budget_cap(rule, set_value=Decimal("1.1")) == 710_000_002  # 710,000,002.13


def test_budget_cap_fixed_and_by_call():
    assert budget_cap(CapRule(kind="fixed", base_yen=100 * OKU)) == 100 * OKU
    rule = CapRule(kind="fixed", base_yen=250 * OKU, by_call={"2023": 200 * OKU})
    assert budget_cap(rule, call="2023") == 200 * OKU
    assert budget_cap(rule) == 250 * OKU
    only_by_call = CapRule(kind="fixed", by_call={"2025-03": 30 * OKU})
    assert budget_cap(only_by_call, call="2025-03") == 30 * OKU
    with pytest.raises(MissingValueError):
        budget_cap(only_by_call)
    with pytest.raises(RuleError):
        budget_cap(only_by_call, call="2024-07")


def test_budget_cap_call_total():
    rule = CapRule(kind="call_total", by_call={"2023-11": 84 * OKU, "2024-02": 10 * OKU})
    assert budget_cap(rule, call="2024-02") == 10 * OKU
    with pytest.raises(MissingValueError) as e:
        budget_cap(rule)
    assert e.value.field == "call"
    with pytest.raises(RuleError, match="not a call"):
        budget_cap(rule, call="2030-01")


def test_budget_cap_options_tranches_pooled_none():
    options = CapRule(
        kind="options",
        options=(
            CapOption("testbed", 165 * OKU, "t", "t"),
            CapOption("usability", 25 * OKU, "u", "u"),
        ),
    )
    assert budget_cap(options, option="usability") == 25 * OKU
    with pytest.raises(MissingValueError):
        budget_cap(options)
    with pytest.raises(RuleError):
        budget_cap(options, option="other")
    tranches = CapRule(
        kind="fixed", base_yen=700 * OKU, scope="first_gate", tranches_yen=(3300 * OKU, 8665 * OKU)
    )
    assert budget_cap(tranches) == budget_cap(tranches, tranche=1) == 700 * OKU
    assert budget_cap(tranches, tranche=2) == 3300 * OKU
    assert budget_cap(tranches, tranche=3) == 8665 * OKU
    assert tranches.label_kind == "tranches"
    with pytest.raises(RuleError):
        budget_cap(tranches, tranche=4)
    with pytest.raises(RuleError):
        budget_cap(tranches, tranche=0)
    with pytest.raises(RuleError, match="does not grow"):
        budget_cap(CapRule(kind="fixed", base_yen=5 * OKU), tranche=2)
    first_gate = CapRule(kind="fixed", base_yen=200 * OKU, scope="first_gate")
    assert budget_cap(first_gate) == 200 * OKU and first_gate.label_kind == "first_gate"
    assert budget_cap(CapRule(kind="none")) is None


def test_budget_cap_by_call_fiscal_year():
    """(b1): 250億円, but 200億円 for the calls of FY2023 (000 lines 4988–4994)."""
    b1 = catalogue.theme("2-b1").cap
    assert budget_cap(b1) == 250 * OKU
    assert budget_cap(b1, call_fy=2023) == 200 * OKU
    assert budget_cap(b1, call_fy=2024) == 250 * OKU


def test_budget_cap_from_the_catalogue():
    """The seed's figures (000 lines 4836–4946) as the catalogue holds them."""
    assert budget_cap(catalogue.theme("1-a1").cap, set_value=Decimal("2.5")) == 6_375_000_000
    assert budget_cap(catalogue.theme("1-f1").cap, set_value=Decimal(5)) == 150 * OKU
    assert budget_cap(catalogue.theme("1-f2").cap, set_value=Decimal(3)) == 27 * OKU  # 30 × 90 %
    assert budget_cap(catalogue.theme("1-b2").cap) == 100 * OKU
    assert budget_cap(catalogue.theme("1-c11").cap) == 990_000_000
    g3 = catalogue.theme("1-g3").cap
    assert [budget_cap(g3, call=c) for c in ("2023-11", "2024-02", "2024-07", "2025-03")] == [
        84 * OKU,
        10 * OKU,
        245 * OKU,
        100 * OKU,
    ]
    assert budget_cap(catalogue.theme("1-g1").cap) == 200 * OKU
    assert budget_cap(catalogue.theme("2-d1").cap, tranche=1) == 700 * OKU
    assert budget_cap(catalogue.theme("2-d1").cap, tranche=3) == 8665 * OKU
    assert budget_cap(catalogue.theme("1-g5").cap) is None  # its cap is the pool's
    g6 = catalogue.theme("1-g6").cap
    assert (budget_cap(g6, option="testbed"), g6.scope) == (165 * OKU, "first_gate")


def test_pools_of_the_catalogue():
    """(g5)'s 472億円 over (g5-1) and ④(b) for three years and (g5-2) (g5-3) for one (lines
    4916–4920); ④(b)'s own 15億円 over its adopted implementers' three years (line 5159)."""
    post5g = catalogue.program("post5g")
    rules = post5g.rules
    assert [(p.key, p.cap_yen) for p in rules.pools_of(post5g.theme("1-g5-1-2"))] == [
        ("g5", 472 * OKU)
    ]
    assert rules.pool_years(rules.pools[0], post5g.theme("1-g5-2-9")) == 1
    assert [(p.key, p.cap_yen) for p in rules.pools_of(post5g.theme("4-b"))] == [
        ("g5", 472 * OKU),
        ("4-b", 15 * OKU),
    ]
    assert rules.pools_of(post5g.theme("1-g6")) == ()


#: The post-5G fund's booking limit as its plan declares it: 80 %, 3 months, 18 months exempt.
LIMIT = catalogue.program("post5g").rules.booking_limit


@pytest.mark.parametrize(
    ("cost", "months", "accelerated", "bookable"),
    [
        (10_000_000_000, 36, False, 8_000_000_000),
        (10_000_000_000, 18, False, 10_000_000_000),  # ≤ 18 months: exempt
        (10_000_000_000, 19, False, 8_000_000_000),
        (10_000_000_000, 36, True, 10_000_000_000),  # budget increased: exempt
        (1_000_000_001, 60, False, 800_000_000),  # 800,000,000.8 truncated
        (0, 36, False, 0),
    ],
)
def test_max_bookable_before_gate(cost, months, accelerated, bookable):
    assert max_bookable_before_gate(cost, months, accelerated, LIMIT) == bookable


def test_max_bookable_before_gate_refuses_negative_cost():
    with pytest.raises(RuleError):
        max_bookable_before_gate(-1, 36, False, LIMIT)


def test_eighty_percent_rule_binds_only_system_technology_themes():
    assert eighty_percent_rule_applies(LIMIT, 36, False)
    assert not eighty_percent_rule_applies(LIMIT, 18, False)
    assert not eighty_percent_rule_applies(LIMIT, 36, True)
    assert not eighty_percent_rule_applies(None, 60, False)
    declared = {t.key for t in catalogue.program("post5g").themes if t.booking_limit}
    # only item ①'s 「システム技術開発」 themes (000 lines 4822–4830)
    assert declared == {
        "1-a1",
        "1-a2",
        "1-b1",
        "1-b4",
        "1-b5",
        "1-c1",
        "1-c2",
        "1-c7",
        "1-f1",
        "1-f2",
    }


def test_booking_limit_date():
    assert booking_limit_date(dt.date(2024, 10, 15), LIMIT) == dt.date(2025, 1, 15)
    assert booking_limit_date(dt.date(2023, 11, 30), LIMIT) == dt.date(2024, 2, 29)


def test_the_largest_single_award_each_kind_of_cap_states():
    assert largest_award_yen(CapRule(kind="fixed", base_yen=100 * OKU)) == 100 * OKU
    by_call = CapRule(kind="fixed", base_yen=50 * OKU, by_call={"2024-07": 20 * OKU})
    assert largest_award_yen(by_call, "2024-07") == 20 * OKU
    assert largest_award_yen(by_call, "other") == 50 * OKU
    # the variable rate tops out at 100 % (set value above 4): the base itself
    variable = CapRule(kind="variable", base_yen=75 * OKU)
    assert largest_award_yen(variable) == 75 * OKU == budget_cap(variable, Decimal("4.1"))
    growing = CapRule(kind="fixed", base_yen=10 * OKU, tranches_yen=(20 * OKU, 30 * OKU))
    assert largest_award_yen(growing) == 30 * OKU
    assert largest_award_yen(CapRule(kind="fixed", base_yen=OKU, scope="first_gate")) is None
    options = CapRule(
        kind="options", options=(CapOption("1", 5 * OKU, "", ""), CapOption("2", 9 * OKU, "", ""))
    )
    assert largest_award_yen(options) == 9 * OKU
    for kind in ("call_total", "none"):
        assert largest_award_yen(CapRule(kind=kind, base_yen=OKU, by_call={"x": OKU})) is None
