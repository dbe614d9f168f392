from fractions import Fraction

import pytest

from kikin.rules import plan as catalogue
from kikin.rules.errors import MissingValueError, RuleError
from kikin.rules.subsidy import subsidy_amount, subsidy_rate, subsidy_terms

F = Fraction


@pytest.mark.parametrize(
    ("call", "applicant", "rate"),
    [
        ("2023-11", "sme", F(1)),  # 定額 (000 line 4721)
        ("2023-11", "academia", F(1)),
        ("2023-11", "large", F(1, 2)),
        ("2023-11", "other", F(1, 2)),
        ("2024-02", "sme", F(2, 3)),
        ("2024-02", "academia", F(2, 3)),
        ("2024-02", "large", F(1, 2)),
        ("2024-07", "sme", F(2, 3)),
        ("2024-07", "large", F(1, 2)),
        ("2025-03", "academia", F(2, 3)),
        ("2025-03", "other", F(1, 2)),
    ],
)
def test_geniac_rates_by_call_and_applicant(call, applicant, rate):
    assert subsidy_rate(catalogue.theme("1-g3"), call=call, applicant=applicant) == rate


def test_geniac_fixed_amount_is_rate_one_labelled_teigaku():
    terms = subsidy_terms(catalogue.theme("1-g3"), call="2023-11", applicant="sme")
    assert (terms.rate, terms.form, terms.label) == (1, "grant", "定額")
    assert subsidy_terms(catalogue.theme("1-g3"), call="2024-07", applicant="sme").label == "2/3"


def test_geniac_needs_call_and_applicant():
    g3 = catalogue.theme("1-g3")
    with pytest.raises(MissingValueError) as e:
        subsidy_rate(g3, applicant="sme")
    assert e.value.field == "call"
    with pytest.raises(MissingValueError) as e:
        subsidy_rate(g3, call="2024-07")
    assert e.value.field == "applicant"
    with pytest.raises(RuleError) as e:
        subsidy_rate(g3, call="2022-01", applicant="sme")
    assert e.value.field == "call"
    with pytest.raises(RuleError) as e:
        subsidy_rate(g3, call="2024-07", applicant="startup")
    assert e.value.field == "applicant"


@pytest.mark.parametrize(
    ("year", "rate", "form"),
    [
        (1, F(1), "contract"),
        (2, F(2, 3), "grant"),
        (3, F(2, 3), "grant"),
        (4, F(2, 3), "grant"),
        (5, F(1, 2), "grant"),
    ],
)
def test_g6_rates_by_project_year(year, rate, form):
    terms = subsidy_terms(catalogue.theme("1-g6"), project_year=year)
    assert (terms.rate, terms.form) == (rate, form)


def test_g6_testbed_is_a_contract_every_year():
    terms = subsidy_terms(catalogue.theme("1-g6"), project_year=4, testbed=True)
    assert (terms.rate, terms.form, terms.label) == (1, "contract", "委託")


def test_g6_needs_a_year_in_range():
    with pytest.raises(MissingValueError) as e:
        subsidy_rate(catalogue.theme("1-g6"))
    assert e.value.field == "project_year"
    with pytest.raises(RuleError):
        subsidy_rate(catalogue.theme("1-g6"), project_year=6)


@pytest.mark.parametrize(
    ("key", "rate"),
    [
        ("1-c8", F(1, 2)),
        ("1-c9", F(1, 3)),
        ("1-c10", F(1, 3)),
        ("1-c11", F(1, 2)),
        ("1-c12", F(1, 2)),
        ("2-a", F(1, 2)),
        ("2-d2-3", F(1, 3)),
        ("2-f3", F(2, 3)),
        ("2-g1", F(2, 3)),
        ("3-2a", F(1, 2)),
    ],
)
def test_grant_theme_rates(key, rate):
    assert subsidy_rate(catalogue.theme(key)) == rate


@pytest.mark.parametrize("key", ["1-a1", "1-f1", "2-d1", "2-f1", "2-d3", "3-1a", "4-a"])
def test_contract_themes_pay_in_full(key):
    terms = subsidy_terms(catalogue.theme(key))
    assert (terms.rate, terms.form) == (1, "contract")


def test_contract_theme_refuses_another_rate():
    with pytest.raises(RuleError) as e:
        subsidy_rate(catalogue.theme("1-a1"), rate=F(1, 2))
    assert e.value.field == "rate"


def test_two_rates_need_the_rate_field():
    g5 = catalogue.theme("1-g5-1")  # 1/2 or 2/3
    with pytest.raises(MissingValueError) as e:
        subsidy_rate(g5)
    assert e.value.field == "rate"
    assert "1/2" in str(e.value) and "2/3" in str(e.value)
    assert subsidy_rate(g5, rate=F(2, 3)) == F(2, 3)
    with pytest.raises(RuleError):
        subsidy_rate(g5, rate=F(1, 3))


def test_mixed_theme_contract_part(make_theme):
    mixed = make_theme(code="m", support="mixed", rates=("1/2", "2/3"))
    terms = subsidy_terms(mixed, rate=F(1))
    assert (terms.rate, terms.form) == (1, "contract")
    assert subsidy_terms(mixed, rate=F(1, 2)).form == "grant"


def test_testbed_only_for_g6():
    with pytest.raises(RuleError) as e:
        subsidy_rate(catalogue.theme("1-c8"), testbed=True)
    assert e.value.field == "testbed"


def test_grant_theme_without_a_rate_in_the_plan_takes_the_calls():
    e33 = catalogue.theme("1-e3-3")  # the plan states no rate for (e3-3)
    with pytest.raises(MissingValueError) as e:
        subsidy_rate(e33)
    assert e.value.field == "rate"
    assert subsidy_terms(e33, rate=F(1, 2)).rate == F(1, 2)
    assert subsidy_terms(e33, rate=F(1, 2)).form == "grant"


def test_subsidy_amount_truncates():
    assert subsidy_amount(100, F(2, 3)) == 66
    assert subsidy_amount(90_000_001, F(1, 2)) == 45_000_000
    assert subsidy_amount(0, F(1, 3)) == 0
    with pytest.raises(RuleError):
        subsidy_amount(-1, F(1, 2))
