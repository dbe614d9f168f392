"""Invariants of the rules, checked by hypothesis over many generated inputs."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from kikin.rules.caps import round_index, variable_rate
from kikin.rules.dates import add_months, last_day_of_month, period_end
from kikin.rules.fiscal import JST, fiscal_year, fiscal_year_bounds
from kikin.rules.refund import refund_amount, refund_rate
from kikin.rules.returns import revenue_payback, self_investment_return

examples = settings(max_examples=300, database=None, deadline=None)

indices = st.decimals(min_value=Decimal(-10), max_value=Decimal(20), places=3)
yen = st.integers(min_value=0, max_value=10**13)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))


@examples
@given(indices, indices)
def test_refund_rate_never_rises_as_achievement_rises(a, b):
    low, high = sorted((a, b))
    assert refund_rate(high) <= refund_rate(low)
    assert 0 <= refund_rate(low) <= 50


@examples
@given(indices, indices)
def test_variable_rate_never_falls_as_the_set_value_rises(a, b):
    low, high = sorted((a, b))
    assert variable_rate(low) <= variable_rate(high)
    assert variable_rate(high) in {0} | set(range(70, 101))


@examples
@given(yen, indices, indices)
def test_refund_never_exceeds_half_of_the_money_received(received, s, r):
    refund = refund_amount(received, s, r)
    assert 0 <= refund <= received // 2
    if round_index(r) >= round_index(s):
        assert refund == 0


@examples
@given(
    st.integers(min_value=-(10**13), max_value=10**13),
    yen,
    yen,
    st.integers(min_value=1, max_value=10**13),
    yen,
    st.fractions(min_value=0, max_value=1, max_denominator=1000),
)
def test_payback_never_negative(profit, deduction, grant, spending, paid, ratio):
    payback = revenue_payback(profit, deduction, grant, spending, paid, ratio)
    assert payback >= 0
    if Fraction(profit) * ratio - deduction <= 0:
        assert payback == 0


@examples
@given(st.data())
def test_self_investment_return_between_zero_and_the_pledge(data):
    proposal = data.draw(st.integers(min_value=1, max_value=10**13))
    received = data.draw(st.integers(min_value=0, max_value=proposal))
    pledged = data.draw(yen)
    burden = data.draw(yen)
    back = self_investment_return(pledged, received, proposal, burden)
    assert 0 <= back <= pledged


@examples
@given(dates, st.integers(min_value=1, max_value=120))
def test_period_end_lies_after_the_start_and_before_the_same_day_n_months_on(start, n):
    end = period_end(start, n)
    same_day = add_months(start, n)
    assert start < end
    if start.day <= last_day_of_month(same_day.year, same_day.month):
        # the corresponding day exists: the period ends the day before it (民法143条2項)
        assert end == same_day - dt.timedelta(days=1)
        assert end < same_day
    else:
        # no corresponding day: both fall on the month's last day (143条2項ただし書)
        assert end == same_day


@examples
@given(dates, st.integers(min_value=1, max_value=119))
def test_period_end_grows_with_the_months(start, n):
    assert period_end(start, n) < period_end(start, n + 1)


@examples
@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2099, 12, 31),
        timezones=st.just(dt.UTC),
    )
)
def test_an_instant_lies_within_its_fiscal_year_in_tokyo(moment):
    first, last = fiscal_year_bounds(fiscal_year(moment))
    assert first <= moment.astimezone(JST).date() <= last
