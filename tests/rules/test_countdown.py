"""The countdown to a deadline (kikin.rules.deadlines.time_left) and the committee's ranking
(kikin.rules.scoring.ranking), at their boundaries."""

import datetime as dt
from decimal import Decimal

import pytest

from kikin.rules.deadlines import TimeLeft, time_left
from kikin.rules.scoring import ranking

JST = dt.timezone(dt.timedelta(hours=9))
DEADLINE = dt.datetime(2025, 8, 29, 12, 0, tzinfo=JST)


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (dt.timedelta(days=30, hours=23), TimeLeft("days", 30)),
        (dt.timedelta(days=3, hours=5), TimeLeft("days", 3)),
        (dt.timedelta(days=2), TimeLeft("days", 2)),
        (dt.timedelta(days=1, seconds=1), TimeLeft("days", 1)),
        (dt.timedelta(days=1), TimeLeft("days", 1)),
        # the last day: hours
        (dt.timedelta(hours=23, minutes=59, seconds=59), TimeLeft("hours", 23)),
        (dt.timedelta(hours=2, minutes=30), TimeLeft("hours", 2)),
        (dt.timedelta(hours=1), TimeLeft("hours", 1)),
        # the last hour: minutes
        (dt.timedelta(minutes=59, seconds=59), TimeLeft("minutes", 59)),
        (dt.timedelta(minutes=1), TimeLeft("minutes", 1)),
        (dt.timedelta(seconds=30), TimeLeft("minutes", 0)),
        (dt.timedelta(0), TimeLeft("minutes", 0)),  # the deadline itself is still in time
        (dt.timedelta(microseconds=-1), TimeLeft("closed", 0)),
        (dt.timedelta(days=-400), TimeLeft("closed", 0)),
    ],
)
def test_time_left(before, expected):
    assert time_left(DEADLINE, DEADLINE - before) == expected


def test_time_left_does_not_depend_on_the_time_zones_written():
    now = dt.datetime(2025, 8, 28, 23, 0, tzinfo=dt.UTC)  # 2025-08-29 08:00 JST
    assert time_left(DEADLINE, now) == TimeLeft("hours", 4)


def test_last_day_and_closed():
    assert time_left(DEADLINE, DEADLINE - dt.timedelta(hours=3)).last_day
    assert time_left(DEADLINE, DEADLINE - dt.timedelta(minutes=3)).last_day
    assert not time_left(DEADLINE, DEADLINE - dt.timedelta(days=1)).last_day
    assert time_left(DEADLINE, DEADLINE + dt.timedelta(seconds=1)).closed
    assert not time_left(DEADLINE, DEADLINE).closed


def test_time_left_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        time_left(DEADLINE.replace(tzinfo=None), DEADLINE)


def test_ranking_shares_a_rank_on_equal_scores_and_skips_the_next():
    scores = {
        "a": Decimal("80.000"),
        "b": Decimal("75.500"),
        "c": Decimal("80.000"),
        "d": None,
        "e": Decimal("90.125"),
    }
    assert ranking(scores) == {"e": 1, "a": 2, "c": 2, "b": 4}


def test_ranking_of_nothing_scored():
    assert ranking({}) == {}
    assert ranking({1: None, 2: None}) == {}
