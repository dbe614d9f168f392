"""The time left before a deadline, in words, for the call pages and the reviewers' list:
`{% load countdown %}{% countdown call.closes_at opens=call.opens_at %}`.

The count is `kikin.rules.deadlines.time_left` from the fund's clock (`kikin.core.timeutil.now`):
days, hours on the last day, minutes in the last hour, closed after. It is told in words (never
by colour alone), beside the deadline as a machine-readable <time>."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kikin.core import timeutil
from kikin.core.timeutil import JST
from kikin.rules.deadlines import TimeLeft, time_left

register = template.Library()


def left_text(left: TimeLeft, *, closed: str = "") -> str:
    """“3 days left”, “5 hours left”, “12 minutes left”, “Less than a minute left”; once the
    deadline has passed, `closed` (by default “Closed”)."""
    n = left.amount
    if left.closed:
        return closed or _("Closed")
    if left.unit == "days":
        return ngettext("%(n)s day left", "%(n)s days left", n) % {"n": n}
    if left.unit == "hours":
        return _("1 hour left") if n == 1 else _("%(n)s hours left") % {"n": n}
    if n == 0:
        return _("Less than a minute left")
    return _("1 minute left") if n == 1 else _("%(n)s minutes left") % {"n": n}


def opens_text(left: TimeLeft) -> str:
    """“Opens in 3 days”, “Opens in 5 hours”, “Opens in less than an hour”."""
    n = left.amount
    if left.unit == "days":
        return _("Opens in 1 day") if n == 1 else _("Opens in %(n)s days") % {"n": n}
    if left.unit == "hours":
        return _("Opens in 1 hour") if n == 1 else _("Opens in %(n)s hours") % {"n": n}
    return _("Opens in less than an hour")


def countdown_state(
    deadline: dt.datetime, *, opens: dt.datetime | None = None, now=None, closed: str = ""
) -> dict:
    """What the countdown shows at `now` (the fund's clock by default)."""
    now = now or timeutil.now()
    if opens is not None and now < opens:
        left = time_left(opens, now)
        state, text = "not_open", opens_text(left)
    else:
        left = time_left(deadline, now)
        state = "closed" if left.closed else ("last_day" if left.last_day else "open")
        text = left_text(left, closed=closed)
    return {
        "state": state,
        "text": text,
        "deadline": deadline,
        "deadline_jst": timezone.localtime(deadline, JST).strftime("%Y-%m-%d %H:%M"),
        "left": left,
    }


@register.inclusion_tag("calls/_countdown.html")
def countdown(deadline, opens=None, closed=""):
    """The time left before `deadline` (and, before `opens`, the time until it opens)."""
    if deadline is None:
        return {"state": "none"}
    return countdown_state(deadline, opens=opens, closed=closed)
