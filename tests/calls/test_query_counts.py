"""Constant-queries tests: the list pages issue as many queries for 5 proposals as for 1.

One proposal is made for real (drafted, checked and submitted by the services); the others are
clones of it written with bulk_create, spread over two calls, two themes, organisations and the
states of the selection, each with its budget lines, so that a foreign key, a reverse relation or
a template tag read per row (an N+1) shows as a difference in the count.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kikin.accounts.models import Role
from kikin.calls.models import BudgetLine, Proposal, ProposalState
from kikin.calls.services import submit_proposal
from kikin.review.models import Decision, FirstReview
from tests import factories as f
from tests.query_counts import assert_constant_queries

pytestmark = pytest.mark.django_db

#: States the clones run through: every stage a staff list shows.
CLONE_STATES = [
    ProposalState.FIRST_PASSED,
    ProposalState.IN_REVIEW,
    ProposalState.ADOPTED,
    ProposalState.REJECTED,
    ProposalState.SUBMITTED,
    ProposalState.FIRST_FAILED,
    ProposalState.RECOMMENDED,
]


@pytest.fixture
def world(plan):
    """Two open calls, an applicant with one submitted proposal, and an agency officer."""
    call = f.open_call(plan, themes=("1-a1", "2-d1"))
    other_call = f.open_call(plan, themes=("1-a1", "2-d1"))
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    submit_proposal(actor=applicant, proposal=p, submission_key="query-counts-1")
    p.refresh_from_db()
    assert p.state == ProposalState.SUBMITTED and p.receipt_number
    return {
        "call": call,
        "other_call": other_call,
        "applicant": applicant,
        "proposal": p,
        "agency": f.user(Role.AGENCY),
        "ministry": f.user(Role.MINISTRY),
    }


_clone_seq = iter(range(1, 10**6))


def add_clones(w, n, *, call=None, organisation=None):
    """`n` copies of the submitted proposal, in varied states, themes and calls, with budget lines,
    and a first review or a decision where their state implies one. Returns the new proposals."""
    src = w["proposal"]
    calls = [call] if call else [w["call"], w["other_call"]]
    themes = list(w["call"].themes.order_by("pk"))
    now = timezone.now()
    clones = []
    for _i in range(n):
        k = next(_clone_seq)
        c = calls[k % len(calls)]
        clones.append(
            Proposal(
                call=c,
                theme=themes[k % len(themes)],
                organisation=organisation or (src.organisation if k % 2 else f.organisation()),
                created_by=src.created_by,
                state=CLONE_STATES[k % len(CLONE_STATES)],
                language=src.language,
                receipt_number=f"{c.key}-{90000 + k:05d}",
                title=f"{src.title}（複製{k}）",
                abstract=src.abstract,
                plan=src.plan,
                start_date=src.start_date,
                period_months=src.period_months,
                set_value=src.set_value,
                submitted_at=now - dt.timedelta(minutes=k),
                version_count=1,
                result_notified_at=now if k % 3 == 0 else None,
            )
        )
    clones = Proposal.objects.bulk_create(clones)
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(
                proposal=p,
                fiscal_year=b.fiscal_year,
                requested_yen=b.requested_yen,
                eligible_cost_yen=b.eligible_cost_yen,
            )
            for p in clones
            for b in src.budget_lines.all()
        ]
    )
    FirstReview.objects.bulk_create(
        [
            FirstReview(
                proposal=p,
                passed=p.state != ProposalState.FIRST_FAILED,
                reason="施策目的に合致する。",
                decided_by=w["ministry"],
            )
            for p in clones
            if p.state != ProposalState.SUBMITTED
        ]
    )
    Decision.objects.bulk_create(
        [
            Decision(
                proposal=p,
                outcome="reject" if p.state == ProposalState.REJECTED else "adopt",
                reason="委員会の判断",
                decided_by=w["agency"],
            )
            for p in clones
            if p.state in {ProposalState.ADOPTED, ProposalState.REJECTED, ProposalState.RECOMMENDED}
        ]
    )
    return clones


def measure(client, url, *, expect=()):
    """(number of queries, html) of one GET, which must answer 200 and show every `expect`."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    for text in expect:
        assert text in html, (url, text)
    return len(ctx.captured_queries), html


def assert_constant(client, django_assert_num_queries, url, w, more, *, expect_one, expect_more):
    client.get(url)  # warm-up: the first request after login may fill per-process caches
    n1, _ = measure(client, url, expect=expect_one)
    clones = more()
    assert len(clones) == 4
    with django_assert_num_queries(n1):  # on failure, lists the queries of the second request
        measure(client, url, expect=expect_more(clones))
    return n1


def test_proposal_list_as_agency_is_constant(world, client, django_assert_num_queries):
    w = world
    client.force_login(w["agency"])
    n = assert_constant(
        client,
        django_assert_num_queries,
        reverse("calls:proposal_list"),
        w,
        lambda: add_clones(w, 4),
        expect_one=[w["proposal"].receipt_number],
        expect_more=lambda clones: (
            [w["proposal"].receipt_number] + [p.receipt_number for p in clones]
        ),
    )
    assert n > 0


def test_proposal_list_as_applicant_is_constant(world, client, django_assert_num_queries):
    w = world
    client.force_login(w["applicant"])
    org = w["applicant"].organisation
    assert_constant(
        client,
        django_assert_num_queries,
        reverse("calls:proposal_list"),
        w,
        lambda: add_clones(w, 4, organisation=org),
        expect_one=[w["proposal"].title],
        expect_more=lambda clones: [p.title for p in clones],
    )


def test_review_dashboard_is_constant(world, client, django_assert_num_queries):
    w = world
    client.force_login(w["agency"])
    assert_constant(
        client,
        django_assert_num_queries,
        reverse("review:dashboard"),
        w,
        lambda: add_clones(w, 4),
        expect_one=[reverse("review:call", args=[w["call"].pk])],
        expect_more=lambda clones: [reverse("review:call", args=[w["other_call"].pk])],
    )


def test_call_panel_is_constant(world, client, django_assert_num_queries):
    w = world
    client.force_login(w["agency"])
    call = w["call"]
    assert_constant(
        client,
        django_assert_num_queries,
        reverse("review:call", args=[call.pk]),
        w,
        lambda: add_clones(w, 4, call=call),
        expect_one=[w["proposal"].receipt_number],
        expect_more=lambda clones: [p.receipt_number for p in clones],
    )


@pytest.mark.parametrize("who", ["agency", "applicant"])
def test_a_later_page_costs_the_same_queries_as_the_first(world, client, who):
    """Pagination: page 3 of 120 proposals issues as many queries as page 1."""
    w = world
    client.force_login(w[who])
    add_clones(w, 119, organisation=w["applicant"].organisation)
    url = reverse("calls:proposal_list")
    client.get(url)
    n1, _ = measure(client, url, expect=["1 / 3"])
    n3, _ = measure(client, url + "?page=3", expect=["3 / 3"])
    assert n3 == n1


def test_call_list_is_constant(plan, client):
    """The public list of calls (with their themes): as many queries for 8 calls as for 2."""
    first = [f.open_call(plan, themes=("1-a1", "2-d1"), key=f"qc-call-{i}") for i in range(2)]

    def grow():
        return [
            f.open_call(plan, themes=("1-a1", "1-c8", "2-d1"), key=f"qc-call-{i}")
            for i in range(2, 8)
        ]

    assert_constant_queries(
        client,
        reverse("calls:list"),
        grow,
        small=[reverse("calls:detail", args=[c.pk]) for c in first],
        large=lambda more: [reverse("calls:detail", args=[c.pk]) for c in first + more],
    )
    client.force_login(f.applicant())
    assert_constant_queries(
        client,
        reverse("calls:list"),
        lambda: [f.open_call(plan, key=f"qc-call-{i}") for i in range(8, 14)],
    )


@pytest.mark.parametrize("who", ["agency", "applicant"])
def test_a_searched_sorted_filtered_proposal_list_is_constant(world, client, who):
    """Search, sort and filters (kikin.core.listing) add no query per row: as many queries for
    the clones found at 2 as at 8. The search is for （複製, full-width parenthesis and all."""
    w = world
    client.force_login(w[who])
    org = w["applicant"].organisation
    first = add_clones(w, 2, call=w["call"], organisation=org)
    narrow = "" if who == "agency" else "&status=submitted"
    url = (
        reverse("calls:proposal_list")
        + f"?q=%EF%BC%88%E8%A4%87%E8%A3%BD&sort=-title&call={w['call'].pk}{narrow}"
    )

    def found(clones):
        if who == "agency":
            return [p.receipt_number for p in clones]
        return [p.title for p in clones if not p.result_notified_at]

    assert found(first)
    _n, html = assert_constant_queries(
        client,
        url,
        lambda: add_clones(w, 6, call=w["call"], organisation=org),
        small=['aria-sort="descending"', *found(first)],
        large=lambda more: found(first + more),
    )
    rows = html.split("<tbody>")[1]
    assert f"{w['proposal'].title}</a>" not in rows  # not a clone: not found


def test_a_searched_sorted_call_panel_is_constant(world, client):
    w = world
    client.force_login(w["agency"])
    call = w["call"]
    first = add_clones(w, 2, call=call)
    url = reverse("review:call", args=[call.pk]) + "?q=%E8%A4%87%E8%A3%BD&sort=-receipt"
    assert_constant_queries(
        client,
        url,
        lambda: add_clones(w, 6, call=call),
        small=[p.receipt_number for p in first],
        large=lambda more: [p.receipt_number for p in first + more],
    )
