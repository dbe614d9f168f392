from fractions import Fraction

import pytest

from kikin.rules.errors import RuleError
from kikin.rules.returns import revenue_payback, self_investment_return

M = 10**6


def test_self_investment_return_shortfall():
    # expected burden 1,000 × 4,000 / 5,000 = 800; actual 600 → return 200
    assert self_investment_return(1000 * M, 4000 * M, 5000 * M, 600 * M) == 200 * M


def test_self_investment_return_none_when_burden_is_met():
    assert self_investment_return(1000 * M, 4000 * M, 5000 * M, 800 * M) == 0
    assert self_investment_return(1000 * M, 4000 * M, 5000 * M, 900 * M) == 0


def test_self_investment_return_truncates():
    assert self_investment_return(100, 1, 3, 0) == 33  # 33.33…


def test_self_investment_return_full_receipt_no_burden_returns_the_pledge():
    assert self_investment_return(1000 * M, 5000 * M, 5000 * M, 0) == 1000 * M


def test_self_investment_return_checks_its_inputs():
    with pytest.raises(RuleError) as e:
        self_investment_return(1, 6, 5, 0)
    assert e.value.field == "received_yen"
    with pytest.raises(RuleError) as e:
        self_investment_return(1, 0, 0, 0)
    assert e.value.field == "proposal_contract_yen"
    with pytest.raises(RuleError) as e:
        self_investment_return(-1, 0, 1, 0)
    assert e.value.field == "pledged_yen"


def test_revenue_payback_formula():
    # (A − B) × C / D − E = (500 − 200) × 100 / 300 − 10 = 90
    assert revenue_payback(500 * M, 200 * M, 100 * M, 300 * M, 10 * M) == 90 * M


def test_revenue_payback_with_contribution_ratio():
    # A = 500 × 0.8 = 400; (400 − 200) × 100 / 300 − 10 = 56.67 → truncated
    assert revenue_payback(500 * M, 200 * M, 100 * M, 300 * M, 10 * M, Fraction(4, 5)) == 56_666_666


def test_revenue_payback_zero_unless_profit_exceeds_deduction():
    assert revenue_payback(200 * M, 200 * M, 100 * M, 300 * M, 0) == 0  # A − B = 0 (注1)
    assert revenue_payback(-50 * M, 200 * M, 100 * M, 300 * M, 0) == 0
    assert revenue_payback(250 * M, 200 * M, 100 * M, 300 * M, 0, Fraction(1, 2)) == 0


def test_revenue_payback_never_negative_after_earlier_payments():
    assert revenue_payback(500 * M, 200 * M, 100 * M, 300 * M, 200 * M) == 0


def test_revenue_payback_checks_its_inputs():
    with pytest.raises(RuleError) as e:
        revenue_payback(1, 0, 1, 0, 0)
    assert e.value.field == "spending_yen"
    with pytest.raises(RuleError) as e:
        revenue_payback(1, 0, 1, 1, 0, Fraction(3, 2))
    assert e.value.field == "contribution_ratio"
    with pytest.raises(RuleError) as e:
        revenue_payback(1, -1, 1, 1, 0)
    assert e.value.field == "deduction_yen"
