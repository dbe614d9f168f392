import datetime as dt

import pytest

from kikin.rules.dates import add_months, months_between, period_end

D = dt.date


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2023, 8, 31), 6, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2023, 4, 1), 30, D(2025, 10, 1)),
        (D(2023, 11, 15), 2, D(2024, 1, 15)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2024, 5, 31), 0, D(2024, 5, 31)),
    ],
)
def test_add_months(start, n, expected):
    assert add_months(start, n) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2023, 4, 1), 60, D(2028, 3, 31)),  # from the first of a month: the calendar month's end
        (D(2023, 8, 31), 6, D(2024, 2, 29)),  # no 31 February: the month's last day
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # no 29 February 2025
        (D(2024, 2, 29), 48, D(2028, 2, 28)),  # 29 February 2028 exists: the day before it
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 1, 30), 1, D(2024, 2, 29)),
        (D(2024, 1, 29), 1, D(2024, 2, 28)),
        (D(2023, 10, 15), 6, D(2024, 4, 14)),
        (D(2023, 4, 1), 18, D(2024, 9, 30)),  # an 18-month period
        (D(2023, 7, 16), 18, D(2025, 1, 15)),
        (D(2024, 4, 1), 3, D(2024, 6, 30)),
    ],
)
def test_period_end(start, months, expected):
    assert period_end(start, months) == expected


def test_period_end_needs_a_month():
    with pytest.raises(ValueError):
        period_end(D(2024, 4, 1), 0)


def test_months_between():
    assert months_between(D(2023, 4, 1), D(2025, 10, 1)) == 30
    assert months_between(D(2023, 4, 1), D(2025, 9, 30)) == 29
    assert months_between(D(2023, 8, 31), D(2024, 2, 29)) == 6
    with pytest.raises(ValueError):
        months_between(D(2024, 1, 2), D(2024, 1, 1))
