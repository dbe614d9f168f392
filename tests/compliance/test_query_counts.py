"""Constant-queries tests of the compliance lists: the implementer's awards (`compliance:home`)
and the ministry's queue of prior consultations (with those answered recently) issue as many
queries at 8 rows as at 2. (The agency's list has its own test in test_pages.py.)"""

import datetime as dt
import itertools

import pytest
from django.urls import reverse

from kikin.compliance import services
from tests import factories as f
from tests.awards.test_query_counts import add_awards
from tests.query_counts import assert_constant_queries

from .helpers import make_award, report

pytestmark = pytest.mark.django_db

D = dt.date
_seq = itertools.count(1)


def sent(w, n, *, answer_some=False):
    """`n` planned acts of `w`'s award sent to the ministry; every other one answered."""
    made = []
    for _ in range(n):
        k = next(_seq)
        c = services.record_planned_act(
            actor=w.applicant,
            award=w.award,
            act="joint_rd",
            description="共同研究",
            counterparty=f"相手方{k}",
            country="KR",
            planned_date=D(2026, 6, 1) + dt.timedelta(days=k),
            ministry_requested=True,
        )
        c = services.send_consultation(actor=w.applicant, consultation=c)
        if answer_some and k % 2:
            services.answer_consultation(actor=w.ministry, consultation=c, answer="no_objection")
        made.append(c)
    return made


def test_ministry_queue_is_constant(world, plan, client):
    w = world
    first = sent(w, 2)
    other = make_award(plan)
    client.force_login(w.ministry)
    assert_constant_queries(
        client,
        reverse("compliance:ministry"),
        lambda: sent(w, 3, answer_some=True) + sent(other, 5, answer_some=True),
        small=[c.counterparty for c in first],
        large=lambda more: [c.counterparty for c in more],
    )


def test_implementer_home_is_constant(world, client):
    w = world
    report(w, D(2025, 6, 1))
    services.request_report(actor=w.agency, award=w.award, committee_date=D(2026, 9, 1))
    built = {
        "award": w.award,
        "implementer": w.applicant,
        "agency": w.agency,
        "themes": [f.theme("1-a1"), f.theme("2-d1"), f.theme("1-c8")],
    }
    first = [w.award, *add_awards(built, 1, organisation=w.award.organisation)]
    client.force_login(w.applicant)
    assert_constant_queries(
        client,
        reverse("compliance:home"),
        lambda: add_awards(built, 6, organisation=w.award.organisation),
        small=[a.number for a in first],
        large=lambda more: [a.number for a in first + more],
    )
