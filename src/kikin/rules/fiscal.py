"""Japanese fiscal years (年度): 1 April to 31 March, counted in Japan Standard Time.

FY2025 (令和7年度) runs from 2025-04-01 to 2026-03-31. An instant is placed in a fiscal year by
its date in Tokyo, so 2025-03-31T15:00:00Z (00:00 on 1 April in Tokyo) is already FY2025. A
naive datetime is refused: without a zone it names no instant.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    JST: dt.tzinfo = ZoneInfo("Asia/Tokyo")
except ZoneInfoNotFoundError:  # no tz database: Japan has kept UTC+9 without DST since 1951
    JST = dt.timezone(dt.timedelta(hours=9), "JST")

#: Eras (元号) whose first fiscal year is the one named 元年度, newest first: (name, first FY).
#: FY2019 (from 2019-04-01; 令和 began on 2019-05-01) is by convention 令和元年度, and FY1989
#: (平成 began on 1989-01-08) is 平成元年度.
ERAS_JA: tuple[tuple[str, int], ...] = (("令和", 2019), ("平成", 1989), ("昭和", 1926))


def to_jst_date(value: dt.date | dt.datetime) -> dt.date:
    """The calendar date in Tokyo of a date or an aware datetime; a naive datetime is refused."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{value.isoformat()} has no time zone: give an aware datetime")
        return value.astimezone(JST).date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a date or an aware datetime, got {type(value).__name__}")


def fiscal_year(value: dt.date | dt.datetime) -> int:
    """The Japanese fiscal year (年度) of a date or aware instant: April–March, in JST.

    2025-03-31 → 2024; 2025-04-01 → 2025. Seed: 000_628dcc7e01f6f899.txt lines 4636–4642
    (the government's fiscal year, 4月1日～翌年3月31日).
    """
    d = to_jst_date(value)
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_bounds(fy: int) -> tuple[dt.date, dt.date]:
    """First and last day of a fiscal year: FY2025 → (2025-04-01, 2026-03-31)."""
    return dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)


def fiscal_year_label_ja(fy: int) -> str:
    """令和7年度 for FY2025, 令和元年度 for FY2019, 平成30年度 for FY2018, 平成元年度 for FY1989.

    The fiscal year takes the era in force on its first day, except that the year in which an
    era began is counted as that era's first year (元年度), as government documents do.
    """
    for name, first in ERAS_JA:
        if fy >= first:
            n = fy - first + 1
            return f"{name}{'元' if n == 1 else n}年度"
    raise ValueError(f"FY{fy} is before 昭和元年度 (FY1926)")


def fiscal_year_label_en(fy: int) -> str:
    """FY2025."""
    return f"FY{fy}"


#: The first day of each era, latest first (元号の施行日).
ERA_START_DATES = (
    ("令和", dt.date(2019, 5, 1)),
    ("平成", dt.date(1989, 1, 8)),
    ("昭和", dt.date(1926, 12, 25)),
)


def wareki_date_ja(day: dt.date) -> str:
    """A date in the Japanese calendar: 2027-06-01 → 令和9年6月1日; 2019-05-01 → 令和元年5月1日;
    2019-04-30 → 平成31年4月30日."""
    for name, first in ERA_START_DATES:
        if day >= first:
            n = day.year - first.year + 1
            return f"{name}{'元' if n == 1 else n}年{day.month}月{day.day}日"
    raise ValueError(f"{day} is before 昭和 (1926-12-25)")
