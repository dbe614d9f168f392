"""Each role's inbox shows what waits for that person, the navigation counts it with the unread
notifications, and the home page costs the same number of queries however much waits."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kikin.accounts.models import Role
from kikin.awards import services as awards
from kikin.awards.models import ClaimState, CostClaim
from kikin.calls.services import submit_proposal
from kikin.inbox import selectors
from kikin.inbox.services import notify
from kikin.review import services as review
from tests import factories as f
from tests.inbox.conftest import claim_lines

pytestmark = pytest.mark.django_db


def section(user, key, today=None):
    return next(s for s in selectors.inbox_for(user, today) if s.key == key)


def submitted(plan, applicant=None):
    call = f.open_call(plan)
    applicant = applicant or f.applicant()
    p = f.complete_proposal(applicant, call, title=f"提案{call.pk}")
    submit_proposal(actor=applicant, proposal=p, submission_key=f"s{p.pk}")
    p.refresh_from_db()
    return p


def test_the_ministry_sees_screenings_and_approvals(plan):
    ministry, agency = f.user(Role.MINISTRY), f.user(Role.AGENCY)
    screening = submitted(plan)
    assert screening.theme.item.first_review
    assert [i.title for i in section(ministry, "screenings").items] == [
        f"{screening.receipt_number} {screening.title}"
    ]
    assert section(ministry, "screenings").items[0].due == screening.call.adoption_due_date
    assert section(ministry, "approvals").count == 0

    # the committee's decision recorded: the screening is done, the approval waits
    p = submitted(plan)
    review.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
    reviewer = f.reviewer()
    a = review.assign_reviewer(actor=agency, proposal=p, reviewer=reviewer)
    codes = [c.code for c in review.ensure_criteria(call=p.call)]
    review.save_review(
        actor=reviewer,
        assignment=a,
        scores=dict.fromkeys(codes, 4),
        comment="良い",
        recommendation="adopt",
        submit=True,
    )
    f.confirm_declarations(agency, p)
    f.close_call(p.call)  # the committee decides after the deadline
    review.record_decision(actor=agency, proposal=p, outcome="adopt", reason="採択")
    (approval,) = section(ministry, "approvals").items
    assert approval.url == f"/review/proposals/{p.pk}/"
    assert section(ministry, "screenings").count == 1
    # nobody else's inbox holds them
    assert selectors.waiting_count(agency) == 0
    assert selectors.waiting_count(ministry) == 2


def test_the_officer_sees_claims_overdue_reports_and_gates_within_90_days(world, clock):
    agency, award = world.agency, world.award
    clock(world.award.start_date)  # the cost is claimed on the day it was incurred
    claim = awards.submit_claim(
        actor=world.applicant,
        award=award,
        fiscal_year=award.start_date.year,
        lines=claim_lines(award),
    )
    (item,) = section(agency, "claims").items
    assert item.url == f"/awards/{award.pk}/" and award.number in item.title
    gate_day = award.stage_gate_due
    assert section(agency, "gates", gate_day - dt.timedelta(days=91)).count == 0
    (gate,) = section(agency, "gates", gate_day - dt.timedelta(days=90)).items
    assert gate.due == gate_day and gate.days_left == 90
    first_report = award.progress_reports.order_by("due_date").first()
    assert section(agency, "reports_overdue", first_report.due_date).count == 0
    (late,) = section(agency, "reports_overdue", first_report.due_date + dt.timedelta(days=1)).items
    assert late.days_left == -1
    awards.approve_claim(actor=agency, claim=claim)
    assert section(agency, "claims").count == 0


def test_a_reviewer_sees_their_assignments_with_the_due_date(plan):
    ministry, agency = f.user(Role.MINISTRY), f.user(Role.AGENCY)
    reviewer, other = f.reviewer(), f.reviewer()
    p = submitted(plan)
    review.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
    a = review.assign_reviewer(actor=agency, proposal=p, reviewer=reviewer)
    (item,) = section(reviewer, "assignments").items
    assert item.url == f"/review/assignments/{a.pk}/"
    assert item.due == p.call.adoption_due_date
    assert section(other, "assignments").count == 0
    codes = [c.code for c in review.ensure_criteria(call=p.call)]
    review.save_review(
        actor=reviewer,
        assignment=a,
        scores=dict.fromkeys(codes, 4),
        comment="良い",
        recommendation="adopt",
        submit=True,
    )
    assert section(reviewer, "assignments").count == 0


def test_an_applicant_sees_drafts_with_the_days_left(plan):
    applicant = f.applicant()
    colleague = f.user(Role.APPLICANT, applicant.organisation)
    stranger = f.applicant()
    call = f.open_call(plan, closes=timezone.now() + dt.timedelta(days=5, hours=1))
    draft = f.complete_proposal(applicant, call, title="下書きの提案")
    closed = f.open_call(
        plan,
        opens=timezone.now() - dt.timedelta(days=10),
        closes=timezone.now() + dt.timedelta(days=3),
    )
    late = f.complete_proposal(applicant, closed, title="締切後の提案")
    type(closed).objects.filter(pk=closed.pk).update(
        closes_at=timezone.now() - dt.timedelta(days=1)
    )
    items = section(colleague, "drafts").items  # the organisation's drafts
    assert [i.title for i in items] == ["下書きの提案"]
    assert items[0].url == f"/proposals/{draft.pk}/edit/" and items[0].days_left in (5, 6)
    assert section(stranger, "drafts").count == 0
    assert late.pk not in [i.url for i in items]


def test_home_pages_show_each_role_its_items_and_the_nav_counts(world, client, clock):
    clock(world.award.start_date)  # the cost is claimed on the day it was incurred
    claim = awards.submit_claim(
        actor=world.applicant,
        award=world.award,
        fiscal_year=world.award.start_date.year,
        lines=claim_lines(world.award),
    )
    notify(
        recipients=[world.agency],
        kind="test",
        obj=claim,
        subject="確認してください",
        url=f"/awards/{world.award.pk}/",
    )
    client.force_login(world.agency)
    page = client.get("/").content.decode()
    assert 'data-section="claims"' in page and world.award.number in page
    waiting = selectors.waiting_count(world.agency)
    assert f'data-testid="inbox-waiting">{waiting}<' in page
    assert f'data-testid="nav-inbox-count">{waiting + 1}<' in page
    assert 'data-testid="nav-unread-count">1<' in page and "確認してください" in page
    # another page shows the same counts in the navigation
    page = client.get("/calls/").content.decode()
    assert f'data-testid="nav-inbox-count">{waiting + 1}<' in page

    client.force_login(world.applicant)
    page = client.get("/").content.decode()
    assert 'data-section="drafts"' in page and 'data-section="claims"' not in page
    client.logout()
    page = client.get("/").content.decode()
    assert "nav-inbox-count" not in page and "data-section" not in page


def _queries(client, path="/"):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["ministry", "agency", "applicant"])
def test_home_and_notifications_cost_constant_queries(world, client, role):
    user = getattr(world, role)
    client.force_login(user)
    fy = world.award.start_date.year

    def grow(n):
        for _ in range(n):
            CostClaim.objects.create(
                award=world.award,
                fiscal_year=fy,
                state=ClaimState.SUBMITTED,
                submitted_at=timezone.now(),
                created_by=world.applicant,
            )
            notify(recipients=[user], kind="test", obj=world.award, subject="お知らせ")

    grow(1)
    _queries(client)  # warm caches (session, content types)
    small = (_queries(client), _queries(client, "/inbox/notifications/"))
    grow(30)
    large = (_queries(client), _queries(client, "/inbox/notifications/"))
    assert small == large


def test_the_navigation_counts_cost_one_query_for_any_role(world, django_assert_num_queries, clock):
    clock(world.award.start_date)  # the cost is claimed on the day it was incurred
    claim = awards.submit_claim(
        actor=world.applicant,
        award=world.award,
        fiscal_year=world.award.start_date.year,
        lines=claim_lines(world.award),
    )
    notify(recipients=[world.agency], kind="test", obj=claim, subject="確認してください")
    for user in (world.agency, world.ministry, world.applicant):
        with django_assert_num_queries(1):
            waiting, unread = selectors.nav_counts(user)
        assert waiting == sum(section.count for section in selectors.inbox_for(user))
        assert unread == selectors.unread_count(user)
    assert selectors.nav_counts(world.agency)[0] >= 1  # the claim to check
    assert selectors.nav_counts(world.agency)[1] == 1


def test_the_navigation_counts_each_section_up_to_its_cap(world, client, monkeypatch):
    """A badge says "99+" rather than counting thousands of rows on every page; below the cap
    the count is exact, and the inbox's own page counts everything."""
    from kikin.inbox import context_processors

    for n in range(3):
        notify(recipients=[world.agency], kind=f"test-{n}", obj=world.award, subject=f"件名 {n}")
    assert selectors.nav_counts(world.agency)[1] == 3
    assert selectors.nav_counts(world.agency, cap=2)[1] == 2
    assert selectors.nav_counts(world.agency, cap=10)[1] == 3

    client.force_login(world.agency)
    page = client.get("/calls/").content.decode()
    assert 'data-testid="nav-unread-count">3<' in page
    monkeypatch.setattr(context_processors, "NAV_CAP", 3)
    page = client.get("/calls/").content.decode()
    assert 'data-testid="nav-unread-count">2+<' in page
    assert 'href="/inbox/notifications/?show=unread"' in page
