"""Constant-queries tests of the challenges' list pages: the list of challenges and a stage's
leaderboard (with the final ranking the staff see before the stage closes) issue as many queries
at 8 rows as at 2."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kikin.challenges.models import Submission
from tests.challenges import helpers as h
from tests.query_counts import assert_constant_queries

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def challenges(n):
    made = []
    for _ in range(n):
        k = next(_seq)
        made.append(h.load(h.plan(slug=f"qc-hpo-{k}", code=f"qc-hpo-{k}")))
    return made


def test_challenge_list_is_constant(client, officer):
    first = challenges(2)
    for who in (None, officer):
        if who:
            client.force_login(who)
        assert_constant_queries(
            client,
            reverse("challenges:list"),
            lambda: challenges(3),
            small=[reverse("challenges:detail", args=[c.slug]) for c in first],
        )


def entrants(challenge, n):
    """`n` teams, each with three entries evaluated without fault on the open stage."""
    stage = challenge.stages.get(code="preliminary")
    now = timezone.now()
    teams = []
    for _ in range(n):
        k = next(_seq)
        team, user = h.team(challenge, f"team{k}")
        teams.append(team)
        Submission.objects.bulk_create(
            [
                Submission(
                    team=team,
                    stage=stage,
                    number=i,
                    file=f"challenges/qc/{k}-{i}.py",
                    file_name="entry.py",
                    size=100,
                    sha256="0" * 64,
                    submitted_by=user,
                    submitted_at=now - dt.timedelta(minutes=10 * k + i),
                    state="done",
                    status="ok",
                    public_score=Decimal(k % 5) / 10 + Decimal(i) / 100,
                    hidden_score=Decimal(k % 3) / 10,
                    evaluated_at=now,
                    is_final=i == 2,
                )
                for i in (1, 2, 3)
            ]
        )
    return teams


def test_board_is_constant(client, officer):
    challenge = challenges(1)[0]
    url = reverse("challenges:board", args=[challenge.slug, "preliminary"])
    first = entrants(challenge, 2)
    for who in (None, officer):  # the public board; the staff also see the final ranking
        if who:
            client.force_login(who)
        _, html = assert_constant_queries(
            client,
            url,
            lambda: entrants(challenge, 3),
            small=[t.handle for t in first],
            large=lambda more: [t.handle for t in more],
        )
    assert 'id="final-ranking"' in html
    assert html.count("<tr") >= 2 * 8
