"""Constant-queries tests for the award pages: the portfolio (`awards:list`) issues as many queries
for 5 awards as for 1, for the agency, the ministry (which adds the summary by item) and the
implementer; one theme's page (`awards:detail`) as many for 6 claims of 5 lines each as for one
claim of one line.

One award is made for real (an adopted proposal through `create_award`, a claim through
`submit_claim` and `approve_claim`); the rest are clones written with bulk_create, with their own
proposals, organisations, themes, budget entries, claims, lines, payments, stage-gate reviews and
progress reports (some overdue, some gates within 90 days), so that a foreign key, a reverse
relation or a figure read per row (an N+1) shows as a difference in the count.
"""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kikin.awards import services
from kikin.awards.models import (
    Award,
    AwardState,
    BudgetEntry,
    BudgetKind,
    ClaimLine,
    ClaimState,
    CostClaim,
    Payment,
    ProgressReport,
    StageGateReview,
)
from kikin.calls.models import Proposal, ProposalState
from kikin.core.timeutil import today_jst
from tests import factories as f
from tests.query_counts import assert_constant_queries

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def line(day, amount, **kw):
    return {
        "category": "personnel",
        "description": "研究員人件費",
        "incurred_on": day,
        "amount_yen": amount,
        **kw,
    }


@pytest.fixture
def world(plan, clock):
    """One real award with one approved claim of one line (and its payment), its implementer, an
    agency officer and a ministry officer."""
    p, implementer, ministry, agency = f.adopted(plan)
    award = services.create_award(actor=agency, proposal=p)
    clock(award.start_date)  # the award's first day: its first costs are incurred
    claim = services.submit_claim(
        actor=implementer,
        award=award,
        fiscal_year=award.start_date.year,
        lines=[line(award.start_date, 100_000_000)],
    )
    services.approve_claim(actor=agency, claim=claim)
    return {
        "award": award,
        "claim": claim,
        "implementer": implementer,
        "agency": agency,
        "ministry": ministry,
        "themes": [f.theme("1-a1"), f.theme("2-d1"), f.theme("1-c8")],
    }


def add_awards(w, n, *, organisation=None):
    """`n` clones of the real award: each with its own (adopted) proposal, theme, organisation
    (or `organisation`), 3 budget entries, 2 claims of 2 lines (one approved and paid, one
    awaiting the check), a stage gate within 90 days on some, and an overdue progress report on
    others. Returns the new awards."""
    src = w["award"]
    sp = src.proposal
    today = today_jst()
    now = timezone.now()
    ks = [next(_seq) for _ in range(n)]
    orgs = [organisation or (src.organisation if k % 2 else f.organisation()) for k in ks]
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                call=sp.call,
                theme=w["themes"][k % 3],
                organisation=org,
                created_by=sp.created_by,
                state=ProposalState.ADOPTED,
                language=sp.language,
                receipt_number=f"{sp.call.key}-{80000 + k:05d}",
                title=f"{sp.title}（複製{k}）",
                abstract=sp.abstract,
                plan=sp.plan,
                start_date=sp.start_date,
                period_months=sp.period_months,
                set_value=sp.set_value,
                submitted_at=now,
                version_count=1,
            )
            for k, org in zip(ks, orgs, strict=True)
        ]
    )
    awards = Award.objects.bulk_create(
        [
            Award(
                proposal=p,
                call=p.call,
                theme=p.theme,
                organisation=p.organisation,
                number=f"A-CLONE-{k:05d}",
                form=src.form,
                rate=src.rate,
                rate_label=src.rate_label,
                start_date=src.start_date,
                period_months=src.period_months,
                period_end=src.period_end,
                stage_gate_due=src.stage_gate_due,
                stage_gate_earliest=src.stage_gate_earliest,
                proposal_contract_yen=src.proposal_contract_yen,
                system_technology=src.system_technology,
                created_by=src.created_by,
                state=AwardState.TERMINATED if k % 4 == 0 else AwardState.ACTIVE,
            )
            for k, p in zip(ks, proposals, strict=True)
        ]
    )
    BudgetEntry.objects.bulk_create(
        [
            BudgetEntry(
                award=a,
                fiscal_year=e.fiscal_year,
                kind=e.kind,
                amount_yen=e.amount_yen,
                effective_from=e.effective_from,
                note="clone",
                created_by=e.created_by,
            )
            for a in awards
            for e in src.budget_entries.all()
        ]
    )
    fy = src.start_date.year
    claims = CostClaim.objects.bulk_create(
        [
            CostClaim(
                award=a,
                fiscal_year=fy,
                state=state,
                submitted_at=now,
                created_by=w["implementer"],
                decided_by=w["agency"] if state == ClaimState.APPROVED else None,
                decided_at=now if state == ClaimState.APPROVED else None,
            )
            for a in awards
            for state in (ClaimState.APPROVED, ClaimState.SUBMITTED)
        ]
    )
    ClaimLine.objects.bulk_create(
        [
            ClaimLine(
                claim=c,
                category="equipment",
                description="試作機",
                incurred_on=src.start_date,
                amount_yen=10_000_000,
                eligible_yen=10_000_000 if c.state == ClaimState.APPROVED else None,
            )
            for c in claims
            for _ in range(2)
        ]
    )
    Payment.objects.bulk_create(
        [
            Payment(
                award=c.award,
                claim=c,
                fiscal_year=fy,
                budget_kind=BudgetKind.BASE,
                eligible_yen=20_000_000,
                rate=src.rate,
                amount_yen=20_000_000,
                approved_at=now,
            )
            for c in claims
            if c.state == ClaimState.APPROVED
        ]
    )
    StageGateReview.objects.bulk_create(
        [
            StageGateReview(
                award=a, number=1, scheduled_for=today + dt.timedelta(days=30 if k % 2 else 400)
            )
            for k, a in zip(ks, awards, strict=True)
        ]
    )
    ProgressReport.objects.bulk_create(
        [
            ProgressReport(award=a, due_date=today - dt.timedelta(days=10 + k))
            for k, a in zip(ks, awards, strict=True)
            if k % 2 == 0
        ]
        + [ProgressReport(award=a, due_date=today + dt.timedelta(days=180)) for a in awards]
    )
    return awards


def add_claims(w, *, claims=5, lines_each=5):
    """Bring the real award to 1 + `claims` claims of `lines_each` lines each: the real claim gets
    `lines_each - 1` more lines, and `claims` new claims in every state (the approved ones paid)."""
    award, first = w["award"], w["claim"]
    now = timezone.now()
    day = award.start_date
    ClaimLine.objects.bulk_create(
        [
            ClaimLine(
                claim=first,
                category="travel",
                description=f"出張{i}",
                incurred_on=day,
                amount_yen=1_000_000,
                eligible_yen=1_000_000,
            )
            for i in range(lines_each - 1)
        ]
    )
    states = [
        ClaimState.APPROVED,
        ClaimState.SUBMITTED,
        ClaimState.REFUSED,
        ClaimState.APPROVED,
        ClaimState.SUBMITTED,
    ]
    new = CostClaim.objects.bulk_create(
        [
            CostClaim(
                award=award,
                fiscal_year=day.year + i % 3,
                budget_kind=BudgetKind.BASE,
                state=states[i % len(states)],
                submitted_at=now,
                created_by=w["implementer"],
                decided_by=w["agency"]
                if states[i % len(states)] in {ClaimState.APPROVED, ClaimState.REFUSED}
                else None,
                decided_at=now if states[i % len(states)] != ClaimState.SUBMITTED else None,
                decision_note="証憑不足" if states[i % len(states)] == ClaimState.REFUSED else "",
            )
            for i in range(claims)
        ]
    )
    ClaimLine.objects.bulk_create(
        [
            ClaimLine(
                claim=c,
                category=cat,
                description=f"明細{c.pk}-{j}",
                incurred_on=dt.date(c.fiscal_year, 6, 1),
                amount_yen=2_000_000 + j,
                eligible_yen=2_000_000 + j if c.state == ClaimState.APPROVED else None,
                fixed_amount=False,
            )
            for c in new
            for j, cat in zip(
                range(lines_each),
                itertools.cycle(["personnel", "equipment", "compute", "travel", "other"]),
            )
        ]
    )
    Payment.objects.bulk_create(
        [
            Payment(
                award=award,
                claim=c,
                fiscal_year=c.fiscal_year,
                budget_kind=BudgetKind.BASE,
                eligible_yen=sum(2_000_000 + j for j in range(lines_each)),
                rate=award.rate,
                amount_yen=sum(2_000_000 + j for j in range(lines_each)),
                approved_at=now,
            )
            for c in new
            if c.state == ClaimState.APPROVED
        ]
    )
    return new


def measure(client, url, *, expect=()):
    """(number of queries, html) of one GET, which must answer 200 and show every `expect`."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    for text in expect:
        assert text in html, (url, text)
    return len(ctx.captured_queries), html


def assert_constant(client, django_assert_num_queries, url, more, *, expect_one, expect_more):
    client.get(url)  # warm-up: the first request after login may fill per-process caches
    n1, _ = measure(client, url, expect=expect_one)
    added = more()
    with django_assert_num_queries(n1):  # on failure, lists the queries of the second request
        _, html = measure(client, url, expect=expect_more(added))
    return n1, html


@pytest.mark.parametrize("who", ["agency", "ministry", "implementer"])
def test_portfolio_is_constant(world, client, django_assert_num_queries, who):
    w = world
    client.force_login(w[who])
    org = w["award"].organisation if who == "implementer" else None
    n, html = assert_constant(
        client,
        django_assert_num_queries,
        reverse("awards:list"),
        lambda: add_awards(w, 4, organisation=org),
        expect_one=[w["award"].number],
        expect_more=lambda awards: [w["award"].number] + [a.number for a in awards],
    )
    assert n > 0
    if who == "ministry":  # the summary by item, with the clones' gates within 90 days
        assert "A-CLONE-" in html.split('class="awards"')[0]
    if who == "implementer":  # another organisation's award stays out of the implementer's list
        other = add_awards(w, 1, organisation=f.organisation())[0]
        _, html = measure(client, reverse("awards:list"))
        assert other.number not in html


@pytest.mark.parametrize("show", ["overdue", "gates"])
def test_filtered_portfolio_is_constant(world, client, django_assert_num_queries, show):
    w = world
    client.force_login(w["agency"])
    today = today_jst()

    def shown(awards):
        if show == "overdue":
            keep = ProgressReport.objects.filter(
                award__in=awards, submitted_at__isnull=True, due_date__lt=today
            )
        else:
            keep = StageGateReview.objects.filter(
                award__in=awards,
                held_on__isnull=True,
                scheduled_for__lte=today + dt.timedelta(days=90),
            )
        numbers = sorted(set(keep.values_list("award__number", flat=True)))
        assert numbers  # the clones put some awards in the filter
        return numbers

    first = add_awards(w, 2)
    client.get(reverse("awards:list") + f"?show={show}")  # warm-up, as in assert_constant
    n1, html = measure(client, reverse("awards:list") + f"?show={show}", expect=shown(first))
    assert w["award"].number not in html  # the real award has no overdue report and no near gate
    more = add_awards(w, 6)
    expect = shown(first + more)
    with django_assert_num_queries(n1):
        measure(client, reverse("awards:list") + f"?show={show}", expect=expect)


@pytest.mark.parametrize("who", ["agency", "ministry", "implementer"])
def test_award_page_is_constant(world, client, django_assert_num_queries, who):
    w = world
    client.force_login(w[who])
    award = w["award"]
    url = reverse("awards:detail", args=[award.pk])
    n, html = assert_constant(
        client,
        django_assert_num_queries,
        url,
        lambda: add_claims(w),
        expect_one=[award.number, f'id="claim-{w["claim"].pk}"', "研究員人件費"],
        expect_more=lambda claims: (
            [f'id="claim-{c.pk}"' for c in claims] + [f"明細{c.pk}-4" for c in claims] + ["出張3"]
        ),
    )
    assert n > 0
    assert CostClaim.objects.filter(award=award).count() == 6
    assert ClaimLine.objects.filter(claim__award=award).count() == 30
    if who == "agency":  # the claims awaiting the check show their eligible inputs
        assert html.count('name="eligible_') == 2 * 5


@pytest.mark.parametrize("who", ["agency", "implementer"])
def test_a_later_page_costs_the_same_queries_as_the_first(world, client, who):
    """Pagination: page 3 of 120 awards issues as many queries as page 1."""
    w = world
    client.force_login(w[who])
    add_awards(w, 119, organisation=w["award"].organisation)
    url = reverse("awards:list")
    client.get(url)
    n1, _ = measure(client, url, expect=["1 / 3"])
    n3, _ = measure(client, url + "?page=3", expect=["3 / 3"])
    assert n3 == n1


@pytest.fixture
def listed(plan):
    """The real award without a claim of its own (its clones carry theirs), for the lists."""
    p, implementer, ministry, agency = f.adopted(plan)
    return {
        "award": services.create_award(actor=agency, proposal=p),
        "implementer": implementer,
        "agency": agency,
        "ministry": ministry,
        "themes": [f.theme("1-a1"), f.theme("2-d1"), f.theme("1-c8")],
    }


@pytest.mark.parametrize("who", ["agency", "implementer"])
def test_a_searched_sorted_filtered_portfolio_is_constant(listed, client, who):
    """Search, sort and filters (kikin.core.listing) add no query per row. The search is for
    ｃｌｏｎｅ in full-width letters; the sort by a figure computed in the query."""
    w = listed
    client.force_login(w[who])
    org = w["award"].organisation
    first = add_awards(w, 2, organisation=org)
    url = reverse("awards:list") + "?q=%EF%BD%83%EF%BD%8C%EF%BD%8F%EF%BD%8E%EF%BD%85&sort=-paid"
    url += f"&call={w['award'].call_id}&state=active" if who == "agency" else ""

    def found(awards):
        return [a.number for a in awards if who != "agency" or a.state == AwardState.ACTIVE]

    assert found(first)
    assert_constant_queries(
        client,
        url,
        lambda: add_awards(w, 6, organisation=org),
        small=found(first),
        large=lambda more: found(first + more),
    )


@pytest.mark.parametrize("who", ["agency", "ministry", "implementer"])
def test_the_claims_list_is_constant(listed, client, who):
    """The cost claims (awards:claims), searched, sorted by the amount claimed (a sum over the
    lines, in the query) and filtered: as many queries for 8 awards' claims as for 2."""
    w = listed
    client.force_login(w[who])
    org = w["award"].organisation
    first = add_awards(w, 2, organisation=org)

    def found(awards):
        return [f"#claim-{c.pk}" for c in CostClaim.objects.filter(award__in=awards)]

    url = reverse("awards:claims") + "?q=clone&sort=-claimed"
    assert_constant_queries(
        client,
        url,
        lambda: add_awards(w, 6, organisation=org),
        small=found(first),
        large=lambda more: found(first + more),
    )
    year = CostClaim.objects.values_list("fiscal_year", flat=True).first()
    assert_constant_queries(
        client,
        reverse("awards:claims") + f"?state=submitted&year={year}&budget=base&sort=award",
        lambda: add_awards(w, 6, organisation=org),
        large=lambda more: [
            f"#claim-{c.pk}"
            for c in CostClaim.objects.filter(award__in=more, state=ClaimState.SUBMITTED)
        ],
    )
