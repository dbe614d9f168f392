"""Constant queries: the adoption recommendation reads its call whatever the number of proposals.

One proposal of each theme is made for real (drafted, submitted, first review passed, assigned and
scored by the services); the others are clones of them written with bulk_create, each with its
budget lines, partners, an assignment and a submitted review, over a theme of a pool ((④(b), 000
line 5159) so the pools' room is computed too, and with proposals of another call already
recommended that take their share of the pool. A read made per proposal (an N+1) shows as a
difference in the count between 3 and 12 proposals.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kikin.accounts.models import Role, User
from kikin.calls.models import BudgetLine, Partner, Proposal, ProposalState
from kikin.calls.services import submit_proposal
from kikin.review import services
from kikin.review.models import AdoptionPlan, Assignment, Review
from kikin.rules.money import OKU
from tests import factories as f
from tests.query_counts import assert_constant_queries

pytestmark = pytest.mark.django_db

THEMES = ("1-a1", "4-b")

_seq = iter(range(1, 10**6))


def _real(plan, call, theme_key, requested, set_value):
    app = f.applicant()
    agency, ministry, reviewer = f.user(Role.AGENCY), f.user(Role.MINISTRY), f.reviewer()
    p = f.complete_proposal(
        app, call, theme_key, requested=requested, set_value=set_value, period_months=36
    )
    submit_proposal(actor=app, proposal=p, submission_key=f"qc-{p.pk}")
    if p.theme.item.first_review:
        services.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
    a = services.assign_reviewer(actor=agency, proposal=p, reviewer=reviewer)
    codes = [c.code for c in services.ensure_criteria(call=call)]
    services.save_review(
        actor=reviewer,
        assignment=a,
        scores=dict.fromkeys(codes, 4),
        comment="良い",
        recommendation="adopt",
        submit=True,
    )
    p.refresh_from_db()
    return p, agency


def _clones(sources, n, *, call, state, assigner):
    """`n` copies of `sources` (round robin) in `call` and `state`, each with its budget lines,
    a partner, and one assignment with a submitted, scored review."""
    now = timezone.now()
    made = []
    for i in range(n):
        src = sources[i % len(sources)]
        k = next(_seq)
        made.append(
            Proposal(
                call=call,
                theme=src.theme,
                organisation=f.organisation(),
                created_by=src.created_by,
                state=state,
                language=src.language,
                receipt_number=f"{call.key}-{80000 + k:05d}",
                title=f"{src.title}（複製{k}）",
                abstract=src.abstract,
                plan=src.plan,
                start_date=src.start_date,
                period_months=src.period_months,
                set_value=src.set_value,
                submitted_at=now - dt.timedelta(minutes=k),
                version_count=1,
                declarations=src.declarations,
            )
        )
    made = Proposal.objects.bulk_create(made)
    by_pk = {p.pk: p for p in sources}
    source_of = {p.pk: sources[i % len(sources)] for i, p in enumerate(made)}
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(
                proposal=p,
                fiscal_year=b.fiscal_year,
                requested_yen=b.requested_yen,
                eligible_cost_yen=b.eligible_cost_yen,
            )
            for p in made
            for b in by_pk[source_of[p.pk].pk].budget_lines.all()
        ]
    )
    Partner.objects.bulk_create(
        [Partner(proposal=p, name="協力社", country="JP", role="joint") for p in made]
    )
    reviewers = [f.reviewer() for _ in range(2)]
    assignments = Assignment.objects.bulk_create(
        [Assignment(proposal=p, reviewer=r, assigned_by=assigner) for p in made for r in reviewers]
    )
    Review.objects.bulk_create(
        [
            Review(
                assignment=a,
                comment="評価",
                recommendation="adopt",
                weighted_score=Decimal(50 + (a.proposal_id * 7 + a.reviewer_id) % 50),
                submitted_at=now,
            )
            for a in assignments
        ]
    )
    return made


@pytest.fixture
def world(plan):
    call = f.open_call(plan, themes=THEMES, budget_yen=60 * OKU)
    other = f.open_call(plan, themes=THEMES, budget_yen=60 * OKU)
    a1, agency = _real(plan, call, "1-a1", (OKU, OKU, OKU), "2.5")
    b, _agency = _real(plan, call, "4-b", (OKU, OKU, 0), None)
    f.close_call(call)  # the selection decides once the deadline has passed
    # Proposals of another call already recommended take their share of ④(b)'s pool.
    _clones([b, a1], 2, call=other, state=ProposalState.RECOMMENDED, assigner=agency)
    return {"call": call, "sources": [a1, b], "agency": agency}


def _recommend(w) -> tuple[int, AdoptionPlan]:
    with CaptureQueriesContext(connection) as ctx:
        plan = services.recommend_adoptions(actor=w["agency"], call=w["call"])
    return len(ctx.captured_queries), plan


def test_recommend_adoptions_issues_as_many_queries_for_12_proposals_as_for_3(world):
    w = world
    _clones(w["sources"], 1, call=w["call"], state=ProposalState.IN_REVIEW, assigner=w["agency"])
    small, plan_small = _recommend(w)  # 3 proposals in review
    _clones(w["sources"], 9, call=w["call"], state=ProposalState.IN_REVIEW, assigner=w["agency"])
    large, plan_large = _recommend(w)  # 12 proposals in review
    assert Proposal.objects.filter(call=w["call"], state=ProposalState.IN_REVIEW).count() == 12
    assert plan_small.proposal_ids and plan_large.proposal_ids
    assert len(plan_large.proposal_ids) >= len(plan_small.proposal_ids)
    assert small == large, (small, large)


# The list pages of the review: one proposal's panel (its assignments, the reviews, and every
# reviewer as a candidate with their conflicts) and the reviewer's own list of assignments.


def _reviewed_by(proposal, reviewers, assigner, *, submitted=True):
    """Assign each of `reviewers` to `proposal`, each with a review (submitted or draft)."""
    now = timezone.now()
    made = Assignment.objects.bulk_create(
        [Assignment(proposal=proposal, reviewer=r, assigned_by=assigner) for r in reviewers]
    )
    Review.objects.bulk_create(
        [
            Review(
                assignment=a,
                comment=f"評価{a.reviewer_id}",
                recommendation="adopt",
                weighted_score=Decimal(60 + a.reviewer_id % 40),
                submitted_at=now if submitted else None,
            )
            for a in made
        ]
    )
    return made


def test_proposal_panel_is_constant(world, client):
    w = world
    p = w["sources"][0]
    client.force_login(w["agency"])

    def grow():
        candidates = [f.reviewer() for _ in range(6)]
        assigned = [f.reviewer() for _ in range(6)]
        _reviewed_by(p, assigned, w["agency"])
        return candidates + assigned

    first = list(User.objects.filter(role=Role.REVIEWER))
    assert len(first) >= 2
    _, html = assert_constant_queries(
        client,
        reverse("review:proposal", args=[p.pk]),
        grow,
        small=[p.receipt_number],
        large=lambda more: [r.display_name for r in more],
    )
    assert html.count("評価") >= 7


def test_my_assignments_is_constant(world, client):
    w = world
    reviewer = f.reviewer()
    first = _clones(
        w["sources"], 2, call=w["call"], state=ProposalState.IN_REVIEW, assigner=w["agency"]
    )
    for q in first:
        _reviewed_by(q, [reviewer], w["agency"], submitted=False)

    def grow():
        more = _clones(
            w["sources"], 6, call=w["call"], state=ProposalState.IN_REVIEW, assigner=w["agency"]
        )
        for i, q in enumerate(more):
            if i % 2:
                _reviewed_by(q, [reviewer], w["agency"])
            else:
                Assignment.objects.create(proposal=q, reviewer=reviewer, assigned_by=w["agency"])
        return more

    client.force_login(reviewer)
    assert_constant_queries(
        client,
        reverse("review:mine"),
        grow,
        small=[q.receipt_number for q in first],
        large=lambda more: [q.receipt_number for q in first + more],
    )


def test_call_panel_is_constant(world, client):
    """The staff's panel of a call: each proposal's reviewers with their scores, the committee
    score and the rank, whatever the number of proposals and of reviewers each."""
    w = world
    call = w["call"]
    first = _clones(w["sources"], 2, call=call, state=ProposalState.IN_REVIEW, assigner=w["agency"])
    _reviewed_by(first[0], [f.reviewer()], w["agency"], submitted=False)

    def grow():
        more = _clones(
            w["sources"], 8, call=call, state=ProposalState.IN_REVIEW, assigner=w["agency"]
        )
        for q in more[:4]:  # more reviewers each, some reviews not yet submitted
            _reviewed_by(q, [f.reviewer() for _ in range(2)], w["agency"])
            _reviewed_by(q, [f.reviewer()], w["agency"], submitted=False)
        return more

    client.force_login(w["agency"])
    _n, html = assert_constant_queries(
        client,
        reverse("review:call", args=[call.pk]) + "?sort=-score",
        grow,
        small=[q.receipt_number for q in first],
        large=lambda more: [q.receipt_number for q in first + more],
    )
    assert "draft, not submitted" in html or "下書き（未提出）" in html
    assert html.count('class="reviewers"') == 12  # the 2 real proposals and 2 + 8 clones
