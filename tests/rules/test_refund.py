from decimal import Decimal
from fractions import Fraction

import pytest

from kikin.rules import plan as catalogue
from kikin.rules.errors import MissingValueError, NotApplicableError, RuleError
from kikin.rules.refund import (
    baseline_years,
    cost_effectiveness_index,
    evaluate_refund,
    evaluation_fiscal_year,
    refund_amount,
    refund_rate,
    sales_increase,
    sales_window,
)

B = 10**9  # 10億円
HAND_SALES = {2018: 10 * B, 2019: 12 * B, 2024: 15 * B, 2025: 17_500_000_000, 2026: 16 * B}


@pytest.mark.parametrize(
    ("r", "percent"),
    [
        ("1.3", 27),
        ("1.25", 27),  # rounds to 1.3
        ("1.24", 28),
        ("1.0", 50),
        ("1.04", 50),  # rounds to 1.0
        ("1.05", 29),  # rounds to 1.1
        ("0", 50),
        ("-2.5", 50),
        ("2.5", 15),
        ("4.0", 0),
        ("4.04", 0),
        ("4.05", 0),  # rounds to 4.1 > 4
        ("3.9", 1),
        ("7", 0),
    ],
)
def test_refund_rate(r, percent):
    assert refund_rate(Decimal(r)) == percent


def test_cost_effectiveness_index_rounds_the_exact_fraction():
    assert cost_effectiveness_index(6_500_000_000, 5 * B) == Decimal("1.3")
    assert cost_effectiveness_index(6_250_000_000, 5 * B) == Decimal("1.3")  # 1.25 → 1.3
    assert cost_effectiveness_index(6_249_999_999, 5 * B) == Decimal("1.2")
    assert cost_effectiveness_index(Fraction(-1, 2), 1) == Decimal("-0.5")
    assert cost_effectiveness_index(0, 1) == Decimal("0.0")
    with pytest.raises(RuleError):
        cost_effectiveness_index(1, 0)


def test_evaluation_fiscal_year_and_window():
    assert evaluation_fiscal_year(2020) == 2027
    assert sales_window(2020) == (2024, 2025, 2026)
    assert evaluation_fiscal_year(2022) == 2029
    assert sales_window(2022) == (2026, 2027, 2028)
    assert baseline_years(2022) == (2020, 2021)


F1 = catalogue.theme("1-f1").refund


def test_shifted_window_for_f1_f2_from_fy2021():
    """(f1) (f2): start+9, sales start+6 … start+8 (000 lines 4674–4682), as the plan declares."""
    assert evaluation_fiscal_year(2021, F1.window_for(2021)) == 2030
    assert sales_window(2021, F1.window_for(2021)) == (2027, 2028, 2029)
    assert evaluation_fiscal_year(2023, F1.window_for(2023)) == 2032
    assert sales_window(2023, F1.window_for(2023)) == (2029, 2030, 2031)


def test_shifted_window_does_not_apply_to_a_fy2020_start():
    """The text is for FY2020 starts; the (f1) (f2) proviso belongs to the FY2021+ reading."""
    assert evaluation_fiscal_year(2020, F1.window_for(2020)) == 2027
    assert sales_window(2020, F1.window_for(2020)) == (2024, 2025, 2026)


def test_sales_increase_by_hand():
    assert sales_increase(HAND_SALES, 2020) == 6_500_000_000


def test_sales_increase_keeps_half_a_yen():
    sales = {2018: 1, 2019: 2, 2024: 10, 2025: 0, 2026: 0}
    assert sales_increase(sales, 2020) == Fraction(17, 2)


def test_sales_increase_may_be_negative():
    sales = {2018: 10, 2019: 10, 2024: 5, 2025: 4, 2026: 3}
    assert sales_increase(sales, 2020) == -5


def test_sales_increase_names_the_missing_year():
    sales = dict(HAND_SALES)
    del sales[2019]
    with pytest.raises(MissingValueError) as e:
        sales_increase(sales, 2020)
    assert e.value.field == "sales_yen_by_fy.2019"
    sales = dict(HAND_SALES)
    del sales[2026]
    with pytest.raises(MissingValueError, match=r"sales_yen_by_fy\.2026"):
        sales_increase(sales, 2020)


def test_refund_amount_by_hand():
    assert refund_amount(5 * B, Decimal("2.5"), Decimal("1.3")) == 1_350_000_000


@pytest.mark.parametrize(
    ("s", "r", "refund"),
    [
        ("2.5", "2.5", 0),  # achieved = set value
        ("2.5", "2.46", 0),  # 2.46 → 2.5 = set value
        ("2.5", "2.44", 5 * B * 16 // 100),  # 2.4 < 2.5 → (40 − 24) %
        ("2.5", "3.0", 0),  # above the set value
        ("2.75", "2.75", 0),
        ("2.75", "2.7", 5 * B * 13 // 100),  # set value counts as 2.8
        ("4.5", "4.1", 0),  # short of the set value, but the rate is 0 %
        ("4.5", "4.0", 0),  # rate 40 − 40 = 0 %
        ("2.0", "1.0", 5 * B // 2),  # 50 %
        ("2.0", "-1.0", 5 * B // 2),
    ],
)
def test_refund_amount(s, r, refund):
    assert refund_amount(5 * B, Decimal(s), Decimal(r)) == refund


def test_refund_amount_truncates_to_the_yen():
    assert (
        refund_amount(1_000_000_003, Decimal("2.0"), Decimal("1.3")) == 270_000_000
    )  # 270,000,000.81


def test_evaluate_refund_by_hand():
    r = evaluate_refund(
        catalogue.theme("1-a1"),
        start_fy=2020,
        received_yen=5 * B,
        set_value=Decimal("2.5"),
        sales_by_fy=HAND_SALES,
        proposal_contract_yen=5 * B,
    )
    assert r.evaluation_fy == 2027
    assert r.sales_window == (2024, 2025, 2026)
    assert r.baseline_sales == 11 * B
    assert r.best_sales == 17_500_000_000
    assert r.sales_increase == 6_500_000_000
    assert r.achieved_value == Decimal("1.3")
    assert r.refund_rate_percent == 27
    assert r.refund_yen == 1_350_000_000
    assert r.set_value == Decimal("2.5")
    assert r.variable_rate_percent == 85
    assert not r.shifted


def test_evaluate_refund_f1_from_fy2021_uses_the_shifted_window():
    sales = {2019: 0, 2020: 0, 2027: 3 * B, 2028: 9 * B, 2029: 1 * B}
    r = evaluate_refund(
        catalogue.theme("1-f1"),
        start_fy=2021,
        received_yen=3 * B,
        set_value=Decimal(2),
        sales_by_fy=sales,
    )
    assert r.shifted
    assert r.evaluation_fy == 2030
    assert r.sales_increase == 9 * B
    assert r.achieved_value == Decimal("3.0")
    assert r.refund_yen == 0


def test_evaluate_refund_f2_from_fy2020_is_not_shifted():
    sales = {2018: 0, 2019: 0, 2024: 1 * B, 2025: 1 * B, 2026: 2 * B}
    r = evaluate_refund(
        catalogue.theme("1-f2"),
        start_fy=2020,
        received_yen=1 * B,
        set_value=Decimal(3),
        sales_by_fy=sales,
    )
    assert not r.shifted
    assert r.evaluation_fy == 2027
    assert r.achieved_value == Decimal("2.0")
    assert r.refund_rate_percent == 20
    assert r.refund_yen == 200_000_000


def test_evaluate_refund_refuses_a_theme_outside_the_scheme():
    with pytest.raises(NotApplicableError) as e:
        evaluate_refund(
            catalogue.theme("1-b2"),
            start_fy=2020,
            received_yen=1,
            set_value=Decimal(2),
            sales_by_fy=HAND_SALES,
        )
    assert e.value.field == "theme"
    # ② (f1) shares the code with ① (f1) but is not a system technology theme of item ①.
    with pytest.raises(NotApplicableError):
        evaluate_refund(
            catalogue.theme("2-f1"),
            start_fy=2022,
            received_yen=1,
            set_value=Decimal(2),
            sales_by_fy={},
        )


def test_evaluate_refund_refuses_a_theme_ended_early():
    with pytest.raises(NotApplicableError) as e:
        evaluate_refund(
            catalogue.theme("1-a1"),
            start_fy=2020,
            received_yen=5 * B,
            set_value=Decimal("2.5"),
            sales_by_fy=HAND_SALES,
            ended_early=True,
        )
    assert e.value.field == "ended_early"


@pytest.mark.parametrize("s", ["1.0", "1.04", "0.5"])
def test_evaluate_refund_refuses_a_set_value_not_admitted(s):
    with pytest.raises(RuleError) as e:
        evaluate_refund(
            catalogue.theme("1-a1"),
            start_fy=2020,
            received_yen=5 * B,
            set_value=Decimal(s),
            sales_by_fy=HAND_SALES,
        )
    assert e.value.field == "set_value"


def test_evaluate_refund_refuses_received_above_the_proposal():
    with pytest.raises(RuleError) as e:
        evaluate_refund(
            catalogue.theme("1-a1"),
            start_fy=2020,
            received_yen=6 * B,
            set_value=Decimal("2.5"),
            sales_by_fy=HAND_SALES,
            proposal_contract_yen=5 * B,
        )
    assert e.value.field == "received_yen"


def test_refund_scheme_themes_in_the_catalogue():
    """000 lines 4568–4618: the ten system technology themes of item ①."""
    keys = {t.key for t in catalogue.program().themes if t.refund_scheme}
    assert keys == {"1-a1", "1-a2", "1-b1", "1-b4", "1-b5", "1-c1", "1-c2", "1-c7", "1-f1", "1-f2"}
    assert {t.key for t in catalogue.program().themes if t.refund_scheme and t.refund.later} == {
        "1-f1",
        "1-f2",
    }


def test_evaluate_refund_refuses_a_start_before_the_program():
    with pytest.raises(RuleError) as e:
        evaluate_refund(
            catalogue.theme("1-a1"),
            start_fy=2019,
            received_yen=5 * B,
            set_value=Decimal("2.5"),
            sales_by_fy=HAND_SALES,
            program_start_fy=2020,
        )
    assert e.value.field == "start_fy"
