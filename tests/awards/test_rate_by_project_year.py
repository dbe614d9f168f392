"""(g6): the rate follows the project year — year 1 a contract, years 2–4 a grant at 2/3, year 5
at 1/2; the testbed always a contract (000 lines 2487–2501) — in payments and in the budget a
claim is held against."""

import datetime as dt
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from kikin.awards import selectors, services
from tests.factories import adopted

pytestmark = pytest.mark.django_db


def claim(award, app, fy, amount):
    return services.submit_claim(
        actor=app,
        award=award,
        fiscal_year=fy,
        lines=[
            {
                "category": "personnel",
                "description": "研究員人件費",
                "incurred_on": dt.date(fy, 5, 1),
                "amount_yen": amount,
            }
        ],
    )


def test_g6_pays_each_year_at_its_own_rate(plan, clock):
    # the program ends 2030-03-31, so a (g6) theme starting next year runs three of its five years
    p, app, _m, agency = adopted(
        plan,
        "1-g6",
        set_value=None,
        cap_option="efficient_use",
        requested=(300_000_000,) * 3,
        eligible=(300_000_000, 450_000_000, 450_000_000),
    )
    award = services.create_award(actor=agency, proposal=p)
    clock(award.last_day)  # today is the work's last day: its costs have been incurred
    start = award.start_date.year
    assert award.rate_fraction == 1  # year 1: a contract
    assert [selectors.rate_for_year(award, start + i) for i in range(5)] == [
        1,
        Fraction(2, 3),
        Fraction(2, 3),
        Fraction(2, 3),
        Fraction(1, 2),
    ]
    first = services.approve_claim(actor=agency, claim=claim(award, app, start, 300_000_000))
    assert first.amount_yen == 300_000_000 and first.rate == "1"
    second = services.approve_claim(actor=agency, claim=claim(award, app, start + 1, 100_000_001))
    assert second.rate == "2/3" and second.amount_yen == 66_666_667  # 66,666,667.33… truncated
    # year 2's budget of 300,000,000 holds cost up to 450,000,000 at 2/3: 66,666,667 used so far
    claim(award, app, start + 1, 349_999_998)  # 233,333,332 more: 299,999,999 in all
    with pytest.raises(ValidationError) as exc:
        claim(award, app, start + 1, 3)  # 2 more yen of fund money: over
    assert "lines" in exc.value.message_dict


def test_g6_testbed_is_a_contract_every_year(plan, clock):
    p, app, _m, agency = adopted(
        plan, "1-g6", set_value=None, cap_option="testbed", requested=(300_000_000,) * 3
    )
    award = services.create_award(actor=agency, proposal=p)
    clock(award.last_day)  # today is the work's last day: its costs have been incurred
    start = award.start_date.year
    assert {selectors.rate_for_year(award, start + i) for i in range(5)} == {1}
    payment = services.approve_claim(actor=agency, claim=claim(award, app, start + 1, 100_000_001))
    assert payment.amount_yen == 100_000_001 and payment.rate == "1"
