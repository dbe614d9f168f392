"""Japan Standard Time helpers: calls open and close, and fiscal years turn, in JST.

The fund's clock: every "today" and "now" that has business meaning (a call open, a claim's
expense already incurred, a gate already held, a filing's fiscal year ended, when something was
submitted or decided) is asked of `today()` and `now()` here, never of `date.today()` or
`timezone.now()`. The clock is the machine's, unless it is set:

- `clock_at(day)` (a context manager) sets it for the code it wraps, in this thread or task:
  the demo loader (`kikin manage load_demo --as-of`) places its history relative to that day;
- the setting `KIKIN_TODAY` (a date, a datetime or an ISO string) sets it for the whole
  process: the tests set it (the `clock` fixture), so that a live server's threads see it too.

A day set is a whole day: `today()` is that day and `now()` is that day at the machine's time of
day in JST. An instant set by `clock_at` runs on from that instant; one set by the setting
stands still. The audit trail and the background jobs'
leases keep the machine's time: they record when the system wrote, not when the fund says.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")

#: What `clock_at` set: (the instant set or None for a whole day, the day, when it was set).
_set: contextvars.ContextVar[tuple[dt.datetime | None, dt.date, dt.datetime | None] | None] = (
    contextvars.ContextVar("kikin_clock", default=None)
)


def jst_start_of(day: dt.date) -> dt.datetime:
    """00:00:00 JST on `day`."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=JST)


def jst_end_of(day: dt.date) -> dt.datetime:
    """The last instant of `day` in JST (23:59:59.999999)."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=JST)


def _machine_now() -> dt.datetime:
    return dt.datetime.now(JST)


def _parse(value) -> tuple[dt.datetime | None, dt.date]:
    """A clock setting as (instant or None, day): a date is a whole day, a datetime an instant."""
    if isinstance(value, str):
        text = value.strip()
        value = dt.date.fromisoformat(text) if len(text) <= 10 else dt.datetime.fromisoformat(text)
    if isinstance(value, dt.datetime):
        instant = value if value.tzinfo else value.replace(tzinfo=JST)
        return instant, instant.astimezone(JST).date()
    if isinstance(value, dt.date):
        return None, value
    raise TypeError(f"KIKIN_TODAY: a date, a datetime or an ISO string, not {value!r}")


def _setting() -> tuple[dt.datetime | None, dt.date, dt.datetime | None] | None:
    from django.conf import settings

    value = getattr(settings, "KIKIN_TODAY", None) if settings.configured else None
    if not value:
        return None
    instant, day = _parse(value)
    return instant, day, None  # an instant set by the setting stands still


def _clock() -> tuple[dt.datetime | None, dt.date, dt.datetime | None] | None:
    return _set.get() or _setting()


def _now_jst() -> dt.datetime:
    clock = _clock()
    machine = _machine_now()
    if clock is None:
        return machine
    instant, day, started = clock
    if instant is None:
        return dt.datetime.combine(day, machine.timetz())
    if started is None:
        return instant.astimezone(JST)
    return (instant + (machine - started)).astimezone(JST)


def now() -> dt.datetime:
    """The fund's present instant: the machine's, or the clock's where it is set. Aware and in
    UTC, as `django.utils.timezone.now()` gives it (what a saved row reads back as)."""
    return _now_jst().astimezone(dt.UTC)


def today() -> dt.date:
    """The fund's today in Japan: the machine's, or the clock's day where it is set."""
    clock = _clock()
    if clock is not None and clock[0] is None:
        return clock[1]
    return _now_jst().date()


#: The name most of the code knows it by.
today_jst = today


def is_set() -> bool:
    """Whether the clock is set (by `clock_at` or the setting KIKIN_TODAY)."""
    return _clock() is not None


@contextlib.contextmanager
def clock_at(when: dt.date | dt.datetime | str) -> Iterator[dt.date]:
    """Set the clock to `when` (a whole day, or an instant that runs on) for the wrapped code."""
    instant, day = _parse(when)
    token = _set.set((instant, day, _machine_now()))
    try:
        yield day
    finally:
        _set.reset(token)
