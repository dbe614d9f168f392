"""Constant-queries tests of the public lists: the published adoptions, the Atom feed of calls
and the CommonGrants opportunities (the list and the search) issue as many queries at 8 rows as
at 2."""

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from kikin.accounts.models import Role
from kikin.calls.models import Call, ProposalState
from kikin.calls.services import submit_proposal
from kikin.review.models import Decision
from tests import factories as f
from tests.calls.test_query_counts import add_clones
from tests.query_counts import assert_constant_queries

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def test_public_adoptions_is_constant(plan, client):
    call = f.open_call(plan, themes=("1-a1", "2-d1"))
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    submit_proposal(actor=applicant, proposal=p, submission_key="qc-public-1")
    w = {
        "call": call,
        "other_call": f.open_call(plan, themes=("1-a1", "2-d1")),
        "proposal": p,
        "agency": f.user(Role.AGENCY),
        "ministry": f.user(Role.MINISTRY),
    }

    def published(n):
        """`n` adopted proposals with their decision published (every other one moved to
        another item), among as many not adopted."""
        made = []
        while len(made) < n:
            clones = add_clones(w, 7)
            adopted = [c for c in clones if c.state == ProposalState.ADOPTED][: n - len(made)]
            for i, c in enumerate(adopted):
                Decision.objects.filter(proposal=c).update(
                    published_at=timezone.now(), adopted_as_item=2 if i % 2 else None
                )
            made += adopted
        return made

    first = published(2)
    assert_constant_queries(
        client,
        reverse("public_adoptions"),
        lambda: published(6),
        small=[f'id="{c.receipt_number}"' for c in first],
        large=lambda more: [f'id="{c.receipt_number}"' for c in first + more],
    )


def calls(plan, n):
    return [
        f.open_call(plan, themes=("1-a1", "2-d1", "1-c8")[: 1 + k % 3], key=f"qc-pub-{k}")
        for k in (next(_seq) for _ in range(n))
    ]


def test_calls_feed_is_constant(plan, client):
    first = calls(plan, 2)
    assert_constant_queries(
        client,
        reverse("publish:calls_feed"),
        lambda: calls(plan, 6),
        small=[c.key for c in first],
        large=lambda more: [c.key for c in first + more],
    )


def test_opportunity_list_is_constant(plan, client):
    first = calls(plan, 2)
    assert_constant_queries(
        client,
        reverse("publish:cg_list") + "?pageSize=50",
        lambda: calls(plan, 6),
        small=[c.title_en for c in first],
        large=lambda more: [f'"totalItems": {Call.objects.count()}'],
    )


def test_opportunity_search_is_constant(plan, client):
    first = calls(plan, 2)
    assert_constant_queries(
        client,
        reverse("publish:cg_search"),
        lambda: calls(plan, 6),
        post={"search": "Test", "pagination": {"page": 1, "pageSize": 50}},
        small=[c.title_en for c in first],
        large=lambda more: [f'"totalItems": {len(first) + len(more)}'],
    )
