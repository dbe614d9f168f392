"""Deadlines from a date: the 55-day adoption limit (000 line 5193), the shortcoming's fix-by date
(lines 6438–6439), the progress reports (lines 5264–5270), at their boundaries."""

import datetime as dt

import pytest

from kikin.rules.deadlines import (
    ADOPTION_LIMIT_DAYS,
    ADOPTION_WARN_DAYS,
    adoption_countdown,
    adoption_due_date,
    report_due_dates,
    shortcoming_due_date,
)

D = dt.date


def test_the_adoption_limit_is_55_days_after_the_deadline():
    assert ADOPTION_LIMIT_DAYS == 55
    assert adoption_due_date(D(2025, 1, 31)) == D(2025, 3, 27)
    assert adoption_due_date(D(2024, 1, 31)) == D(2024, 3, 26)  # leap year
    assert adoption_due_date(D(2025, 12, 20)) == D(2026, 2, 13)  # across the year


def test_countdown_does_not_run_before_or_on_the_deadline_day():
    deadline = D(2025, 1, 31)
    on = adoption_countdown(deadline, deadline, pending=3)
    assert not on.running and not on.warn and not on.overdue and on.days_left == 55
    assert adoption_countdown(deadline, deadline + dt.timedelta(days=1), pending=3).running


@pytest.mark.parametrize(
    ("after", "days_left", "warn", "overdue"),
    [
        (55 - ADOPTION_WARN_DAYS - 1, ADOPTION_WARN_DAYS + 1, False, False),
        (55 - ADOPTION_WARN_DAYS, ADOPTION_WARN_DAYS, True, False),
        (55, 0, True, False),  # the due day itself is still in time
        (56, -1, False, True),
    ],
)
def test_countdown_warns_then_is_overdue(after, days_left, warn, overdue):
    deadline = D(2025, 1, 31)
    c = adoption_countdown(deadline, deadline + dt.timedelta(days=after), pending=1)
    assert (c.days_left, c.warn, c.overdue, c.due) == (days_left, warn, overdue, D(2025, 3, 27))


def test_countdown_with_nothing_pending_neither_warns_nor_is_overdue():
    deadline = D(2025, 1, 31)
    for after in (50, 55, 56, 100):
        c = adoption_countdown(deadline, deadline + dt.timedelta(days=after), pending=0)
        assert c.running and not c.warn and not c.overdue


@pytest.mark.parametrize(
    ("pointed_out", "due"),
    [
        (D(2026, 3, 31), D(2027, 3, 31)),  # last day of FY2025 → end of FY2026
        (D(2026, 4, 1), D(2028, 3, 31)),  # first day of FY2026 → end of FY2027
        (D(2025, 4, 1), D(2027, 3, 31)),
        (D(2028, 2, 29), D(2029, 3, 31)),
    ],
)
def test_a_shortcoming_is_due_at_the_end_of_the_next_fiscal_year(pointed_out, due):
    assert shortcoming_due_date(pointed_out) == due


def test_reports_every_six_months_and_on_the_last_day():
    assert report_due_dates(D(2025, 4, 1), D(2027, 3, 31)) == [
        D(2025, 10, 1),
        D(2026, 4, 1),
        D(2026, 10, 1),
        D(2027, 3, 31),
    ]


def test_a_report_date_on_the_last_day_is_not_doubled():
    # 2025-04-01 + 12 months = 2026-04-01: equal to the last day, so only the last day remains.
    assert report_due_dates(D(2025, 4, 1), D(2026, 4, 1), 12) == [D(2026, 4, 1)]
    assert report_due_dates(D(2025, 4, 1), D(2026, 4, 2), 12) == [D(2026, 4, 1), D(2026, 4, 2)]


def test_a_period_shorter_than_the_interval_has_one_report_and_month_ends_clamp():
    assert report_due_dates(D(2025, 4, 1), D(2025, 9, 30)) == [D(2025, 9, 30)]
    assert report_due_dates(D(2025, 8, 31), D(2026, 3, 31))[0] == D(2026, 2, 28)


def test_the_interval_is_at_least_a_month():
    with pytest.raises(ValueError):
        report_due_dates(D(2025, 4, 1), D(2026, 3, 31), 0)
