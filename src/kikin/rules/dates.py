"""Calendar months: adding them to a date, and the end of a period counted in months.

A theme's period (研究開発期間) is written in months from its start (原則６０か月以内,
000_628dcc7e01f6f899.txt lines 4420–4450). Its last day follows the Civil Code (民法):
article 143 counts a period of months by the calendar; the period ends on the day before the
day of the last month that corresponds to the start day (応当日の前日), and where that month has
no such day, on the month's last day. The start day itself is day one here, because a theme's
period starts at the beginning of its first day (article 140 proviso).
"""

from __future__ import annotations

import calendar
import datetime as dt

ONE_DAY = dt.timedelta(days=1)


def _shift_month(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def last_day_of_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(d: dt.date, n: int) -> dt.date:
    """The same day `n` calendar months later (or earlier, for negative `n`).

    Where that month has no such day, the month's last day: 2023-08-31 + 6 → 2024-02-29,
    2024-02-29 + 12 → 2025-02-28.
    """
    year, month = _shift_month(d.year, d.month, n)
    return dt.date(year, month, min(d.day, last_day_of_month(year, month)))


def period_end(start: dt.date, months: int) -> dt.date:
    """The last day of a period of `months` months whose first day is `start` (民法143条).

    The day before the corresponding day (応当日) of the last month; where the last month has no
    corresponding day, that month's last day (143条2項ただし書):
    2023-04-01 + 60 → 2028-03-31; 2023-08-31 + 6 → 2024-02-29; 2024-02-29 + 12 → 2025-02-28;
    2024-01-31 + 1 → 2024-02-29.
    """
    if months < 1:
        raise ValueError(f"a period needs at least one month, not {months}")
    year, month = _shift_month(start.year, start.month, months)
    last = last_day_of_month(year, month)
    if start.day > last:
        return dt.date(year, month, last)
    return dt.date(year, month, start.day) - ONE_DAY


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from `start` to `end` (`add_months(start, n) <= end`), n >= 0."""
    if end < start:
        raise ValueError(f"{end} is before {start}")
    n = (end.year - start.year) * 12 + (end.month - start.month)
    while n > 0 and add_months(start, n) > end:
        n -= 1
    return n
