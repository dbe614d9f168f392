"""Deadlines the program sets from a date: the adoption decision after a call's deadline, the
fixing of a shortcoming, the progress reports of a theme.

Seed: 000_628dcc7e01f6f899.txt
- line 5193: 公募の締切から採択決定までの期間は、原則として５５日以内とする (at most 55 days from a
  call's deadline to the adoption decision);
- lines 6438–6439: 改善点が指摘された翌事業年度においても十分な対応が見られない場合は… (a shortcoming
  pointed out must be fixed within the next fiscal year);
- lines 5264–5270: the agency follows each theme's progress (研究開発の進捗把握・管理); the plan file's
  `[progress]` sets how often a report is due (post-5G: every six months, our design).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .dates import add_months
from .fiscal import fiscal_year, fiscal_year_bounds

#: From the call's deadline to the adoption decision: at most 55 days (000 line 5193).
ADOPTION_LIMIT_DAYS = 55

#: Staff are warned when the adoption decision is due within this many days (our design).
ADOPTION_WARN_DAYS = 14


def adoption_due_date(deadline: dt.date) -> dt.date:
    """The last day for the adoption decision: the call's deadline (a JST date) + 55 days
    (000 line 5193). A deadline of 2025-01-31 → 2025-03-27."""
    return deadline + dt.timedelta(days=ADOPTION_LIMIT_DAYS)


@dataclass(frozen=True)
class AdoptionCountdown:
    """Where a call stands against the 55-day limit on `today`."""

    due: dt.date
    days_left: int  # negative once the limit has passed
    running: bool  # the call has closed: the 55 days are counting
    overdue: bool  # running, proposals still undecided, and the limit passed
    warn: bool  # running, proposals still undecided, and at most ADOPTION_WARN_DAYS left


def adoption_countdown(
    deadline: dt.date, today: dt.date, pending: int, *, warn_days: int = ADOPTION_WARN_DAYS
) -> AdoptionCountdown:
    """The 55-day countdown of a call whose deadline (JST date) is `deadline`, with `pending`
    proposals not yet decided. The count runs from the day after the deadline; on the due day
    itself `days_left` is 0 (still in time)."""
    due = adoption_due_date(deadline)
    days_left = (due - today).days
    running = today > deadline
    return AdoptionCountdown(
        due=due,
        days_left=days_left,
        running=running,
        overdue=running and pending > 0 and days_left < 0,
        warn=running and pending > 0 and 0 <= days_left <= warn_days,
    )


def shortcoming_due_date(pointed_out_on: dt.date) -> dt.date:
    """The last day of the fiscal year after the one in which the shortcoming was pointed out
    (改善点が指摘された翌事業年度, 000 lines 6438–6439): 2026-03-31 (FY2025) → 2027-03-31;
    2026-04-01 (FY2026) → 2028-03-31."""
    return fiscal_year_bounds(fiscal_year(pointed_out_on) + 1)[1]


def report_due_dates(start: dt.date, last_day: dt.date, every_months: int = 6) -> list[dt.date]:
    """The progress reports' due dates (000 lines 5264–5270; the interval is the plan's
    `[progress] report_every_months`, six by default): every `every_months` calendar months from
    the start while strictly inside the period, and the period's last day."""
    if every_months < 1:
        raise ValueError("a report is due every one month or more")
    dates, k = [], 1
    while (d := add_months(start, every_months * k)) < last_day:
        dates.append(d)
        k += 1
    return [*dates, last_day]


#: On the last day before a deadline the time left is told in hours (in minutes in its last hour).
LAST_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class TimeLeft:
    """The time left before a deadline, as a person is told it (our design, for the call pages
    and the reviewers' list): whole days while a day or more is left; whole hours on the last
    day (the last 24 hours); whole minutes in the last hour (0: less than a minute); `closed` once
    it has passed.

    `unit` is "days", "hours", "minutes" or "closed"; `amount` the whole number in that unit
    (0 once closed)."""

    unit: str
    amount: int

    @property
    def closed(self) -> bool:
        return self.unit == "closed"

    @property
    def last_day(self) -> bool:
        return self.unit in {"hours", "minutes"}


def time_left(deadline: dt.datetime, now: dt.datetime) -> TimeLeft:
    """The time left from `now` to `deadline` (both aware). The deadline instant itself is still
    in time (a proposal is accepted up to and including `closes_at`): 30 seconds before it or at
    it → 0 minutes; a microsecond after it → closed. 3 days 5 hours → 3 days; 1 day exactly →
    1 day; 23 h 59 min → 23 hours; 1 hour exactly → 1 hour; 59 min 59 s → 59 minutes."""
    if deadline.tzinfo is None or now.tzinfo is None:
        raise ValueError("the deadline and the present must be aware datetimes")
    left = deadline - now
    if left < dt.timedelta(0):
        return TimeLeft("closed", 0)
    if left >= LAST_DAY:
        return TimeLeft("days", left // LAST_DAY)
    hour = dt.timedelta(hours=1)
    if left >= hour:
        return TimeLeft("hours", left // hour)
    return TimeLeft("minutes", left // dt.timedelta(minutes=1))
