"""Japan Standard Time helpers: calls open and close, and fiscal years turn, in JST."""

import datetime as dt
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def jst_start_of(day: dt.date) -> dt.datetime:
    """00:00:00 JST on `day`."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=JST)


def jst_end_of(day: dt.date) -> dt.datetime:
    """The last instant of `day` in JST (23:59:59.999999)."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=JST)


def today_jst() -> dt.date:
    return dt.datetime.now(JST).date()
