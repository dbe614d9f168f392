"""The demo never contradicts the day it is loaded (issue 13, item 8): loaded as of several days
(`load_demo --as-of`, the fund's clock), nothing presented as done is dated after that day, every
open deadline and every gate or report still to come lies after it, every filing is for a fiscal
year that has ended, and every theme lies inside its program's life (its plan file). Where the day
leaves no room for a part, the part is left out with a message naming the program, instead."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from kikin.awards.demo import DEMO_TITLE, QLEAP_TITLE
from kikin.awards.models import Award, ClaimLine, CostClaim, Payment
from kikin.calls.models import Call, Proposal
from kikin.core import timeutil
from kikin.core.fields import ClockStamp
from kikin.core.timeutil import jst_end_of
from kikin.outcomes.demo import CONTRACT_TITLE, GRANT_TITLE
from kikin.outcomes.models import Assessment, Filing
from kikin.programs.models import Program
from kikin.rules.fiscal import fiscal_year, fiscal_year_bounds

pytestmark = pytest.mark.django_db

#: Date columns of things done (an expense, a review held, a check made): never after the day.
DONE_ON = {
    "appointed_on",
    "assessed_on",
    "changed_on",
    "checked_on",
    "closed_on",
    "completed_on",
    "consulted_on",
    "decided_on",
    "established_on",
    "evaluated_on",
    "followed_on",
    "held_on",
    "incurred_on",
    "issued_on",
    "joined_on",
    "opened_on",
    "paid_on",
    "requested_on",
}
#: Date-time columns of what is planned, not done: they may lie after the day.
PLANNED_AT = {"closes_at", "opens_at", "reviews_due_at", "lease_until", "scheduled_at"}
#: Apps whose times are the system's own bookkeeping (the audit trail, jobs, sessions, mail).
BOOKKEEPING = {"audit", "jobs", "inbox", "sessions", "admin", "contenttypes", "axes"}


def _today() -> dt.date:
    return dt.datetime.now(timeutil.JST).date()


def _next(month: int, day: int) -> dt.date:
    today = _today()
    this_year = dt.date(today.year, month, day)
    return this_year if this_year > today else dt.date(today.year + 1, month, day)


def _two_years_ahead() -> dt.date:
    today = _today()
    return dt.date(today.year + 2, today.month, min(today.day, 28))


LOAD_DAYS = {
    "today": _today,
    "a 31 March": lambda: _next(3, 31),
    "a 1 April": lambda: _next(4, 1),
    "two years ahead": _two_years_ahead,
}


def load(day: dt.date) -> str:
    out = io.StringIO()
    call_command("load_demo", as_of=day, stdout=out)
    return out.getvalue()


def done_dates_after(day: dt.date) -> list[str]:
    """Every value of a column of something done that lies after `day` (JST), as text."""
    latest = jst_end_of(day)
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("kikin.") or model._meta.app_label in BOOKKEEPING:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField):
                stamped_by_machine = (field.auto_now or field.auto_now_add) and not isinstance(
                    field, ClockStamp
                )
                if field.name in PLANNED_AT or stamped_by_machine:
                    continue
                late = model.objects.filter(**{f"{field.name}__gt": latest})
            elif isinstance(field, models.DateField) and field.name in DONE_ON:
                late = model.objects.filter(**{f"{field.name}__gt": day})
            else:
                continue
            found += [
                f"{model.__name__}.{field.name} = {value}"
                for value in late.values_list(field.name, flat=True)[:3]
            ]
    return found


def check_the_demo_agrees_with(day: dt.date, output: str) -> None:
    assert done_dates_after(day) == []
    # the open call takes proposals after the day; every other demo call closed before it, and
    # each proposal was submitted while its call was open and decided after its deadline
    for call in Call.objects.filter(is_demo=True):
        closes = call.closes_at.astimezone(timeutil.JST).date()
        assert call.opens_at <= jst_end_of(day)
        if call.key == "demo":
            assert closes > day
        for p in Proposal.objects.filter(call=call, submitted_at__isnull=False):
            assert call.opens_at <= p.submitted_at <= call.closes_at, p
            decision = getattr(p, "decision", None)
            if decision is not None:
                assert decision.decided_at > call.closes_at, p
    # every award inside its program's life, started after its call opened and by the day
    for award in Award.objects.select_related("theme__program", "call"):
        program = award.theme.program
        assert program.start_date is None or program.start_date <= award.start_date, award
        assert program.end_date is None or award.period_end <= program.end_date, award
        assert award.call.opens_at.astimezone(timeutil.JST).date() <= award.start_date
        assert award.start_date <= day, award
        # what is still to come lies after the day; what was due by it has been done
        for report in award.progress_reports.all():
            if report.submitted_at is None:
                assert report.due_date > day, (award, report.due_date)
            else:
                assert report.due_date <= day, (award, report.due_date)
        for gate in award.gate_reviews.filter(held_on__isnull=True):
            assert gate.scheduled_for > day, (award, gate.scheduled_for)
    # money spent before it was claimed, claimed before it was paid
    for line in ClaimLine.objects.select_related("claim"):
        assert line.incurred_on <= line.claim.submitted_at.astimezone(timeutil.JST).date()
    for claim in CostClaim.objects.filter(decided_at__isnull=False):
        assert claim.submitted_at <= claim.decided_at
    assert all(p.approved_at <= jst_end_of(day) for p in Payment.objects.all())
    # figures only for fiscal years that have ended, filed after they ended
    for filing in Filing.objects.all():
        year_end = fiscal_year_bounds(filing.fiscal_year)[1]
        assert year_end < day and year_end < filing.submitted_at.astimezone(timeutil.JST).date()
    for assessment in Assessment.objects.filter(paid_on__isnull=False):
        assert assessment.decided_at.astimezone(timeutil.JST).date() <= assessment.paid_on <= day
    # a program that has ended holds no demo theme under way: it is left out, with a message
    for code, title in (("post5g", DEMO_TITLE), ("q-leap", QLEAP_TITLE)):
        program = Program.objects.get(code=code)
        under_way = Award.objects.filter(theme__program=program, proposal__title=title)
        if program.end_date is not None and program.end_date <= day:
            assert not under_way.exists()
            assert code in output and program.end_date.isoformat() in output
        else:
            assert under_way.exists(), output


@pytest.mark.parametrize("which", list(LOAD_DAYS))
def test_the_demo_loaded_on_a_day_never_contradicts_it(plan, which):
    day = LOAD_DAYS[which]()
    output = load(day)
    assert f"as of {day.isoformat()}" in output
    check_the_demo_agrees_with(day, output)
    if Program.objects.get(code="post5g").end_date > day + dt.timedelta(days=30):
        # the theme under way started in the past, with its claim paid
        award = Award.objects.get(proposal__title=DEMO_TITLE)
        assert award.start_date <= day < award.period_end
        assert award.payments.get().amount_yen == 173_300_000
        finished = Award.objects.filter(proposal__title__in=[CONTRACT_TITLE, GRANT_TITLE])
        assert finished.count() == 2 and all(a.last_day < day for a in finished)
        assert Filing.objects.filter(fiscal_year=fiscal_year(day) - 1).exists()


def test_loading_twice_on_the_same_day_changes_nothing(plan):
    day = _today()
    load(day)
    counted = [Call, Proposal, Award, CostClaim, ClaimLine, Payment, Filing, Assessment]
    before = {m.__name__: m.objects.count() for m in counted}
    check_the_demo_agrees_with(day, load(day))
    assert {m.__name__: m.objects.count() for m in counted} == before


def test_a_program_that_has_ended_leaves_its_parts_out_with_a_message(plan):
    """Loaded after the post-5G fund's end (its plan file): no open call and no theme under way,
    each left out with a message naming the program's life; the themes that finished while it
    ran are still there. Q-LEAP, ended too, likewise leaves its theme under way out."""
    post5g = Program.objects.get(code="post5g")
    day = post5g.end_date + dt.timedelta(days=10)
    output = load(day)
    assert not Call.objects.filter(key="demo").exists()
    assert not Award.objects.filter(proposal__title=DEMO_TITLE).exists()
    assert output.count(post5g.end_date.isoformat()) >= 2  # the open call, the theme under way
    assert Award.objects.filter(proposal__title__in=[CONTRACT_TITLE, GRANT_TITLE]).count() == 2
    check_the_demo_agrees_with(day, output)
