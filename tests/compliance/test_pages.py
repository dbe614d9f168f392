"""The pages: each role sees its part, one organisation never sees another's records, and the
forms go through the services."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kikin.awards.models import AwardState
from kikin.compliance import services
from kikin.compliance.models import (
    ConsultationState,
    LeakageReport,
    PriorConsultation,
    ReportState,
    Shortcoming,
)
from kikin.core.timeutil import clock_at
from tests import factories as f
from tests.clients import BrowserLikeClient

from .helpers import MEASURES, make_award, report

pytestmark = pytest.mark.django_db

D = dt.date


def client_for(user) -> BrowserLikeClient:
    c = BrowserLikeClient()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        c.force_login(user)
    return c


def test_one_organisation_cannot_see_anothers_records(world, plan):
    r = report(world, D(2025, 9, 1))
    c = services.record_planned_act(
        actor=world.applicant,
        award=world.award,
        act="provide",
        description="技術提供",
        counterparty="X",
        country="CN",
        planned_date=D(2026, 6, 1),
        foreign_government_influence=True,
    )
    services.assess_report(
        actor=world.agency, report=r, sufficient=False, findings="不十分", assessed_on=D(2025, 9, 1)
    )
    s = Shortcoming.objects.get()
    other = make_award(plan)
    pages = [
        reverse("compliance:award", args=[world.award.pk]),
        reverse("compliance:report", args=[r.pk]),
        reverse("compliance:shortcoming", args=[s.pk]),
        reverse("compliance:consultation", args=[c.pk]),
    ]
    outsider = client_for(other.applicant)
    for url in pages:
        assert outsider.get(url).status_code == 404, url
    assert (
        outsider.post(
            reverse("compliance:award_action", args=[world.award.pk, "report"]),
            {**MEASURES, "committee_date": "2025-10-01"},
        ).status_code
        == 404
    )
    assert (
        outsider.post(reverse("compliance:consultation_action", args=[c.pk, "send"])).status_code
        == 404
    )
    home = outsider.get(reverse("compliance:home"))
    assert (
        world.award.number not in home.content.decode()
        and other.award.number in home.content.decode()
    )
    # The ministry and reviewers see no award's reports; an anonymous visitor is sent to log in.
    for user in (world.ministry, f.reviewer()):
        for url in pages[:3]:
            assert client_for(user).get(url).status_code == 404
    assert client_for(f.reviewer()).get(pages[3]).status_code == 404
    assert client_for(world.ministry).get(pages[3]).status_code == 404  # not sent to it yet
    assert client_for(None).get(pages[0]).status_code == 302
    # The implementer and the agency do see them.
    for user in (world.applicant, world.agency):
        for url in pages:
            assert client_for(user).get(url).status_code == 200, (user, url)


def test_implementer_reports_and_agency_assesses_through_the_pages(world, clock):
    app, agency = client_for(world.applicant), client_for(world.agency)
    r = agency.post(
        reverse("compliance:award_action", args=[world.award.pk, "request"]),
        {"committee_date": "2026-05-20"},
    )
    assert r.status_code == 302
    page = app.get(reverse("compliance:award", args=[world.award.pk]))
    assert 'value="2026-05-20"' in page.content.decode()  # the committee asked for, prefilled
    assert (
        "仮想化コアの制御ソフトウェア" in page.content.decode()
    )  # the application's declarations, prefilled
    bad = app.post(
        reverse("compliance:award_action", args=[world.award.pk, "report"]),
        {**MEASURES, "committee_date": "2024-05-20"},
    )
    assert bad.status_code == 400 and "before the work starts" in bad.content.decode()
    ok = app.post(
        reverse("compliance:award_action", args=[world.award.pk, "report"]),
        {**MEASURES, "committee_date": "2026-05-20"},
    )
    assert ok.status_code == 302
    rep = LeakageReport.objects.get(award=world.award)
    assert rep.state == ReportState.SUBMITTED and rep.partner_list == ["協力大学A", "試作会社B"]
    clock.today = D(2026, 5, 21)
    listing = agency.get(reverse("compliance:agency")).content.decode()
    assert reverse("compliance:report", args=[rep.pk]) in listing
    assert (
        app.post(
            reverse("compliance:report", args=[rep.pk]),
            {"sufficient": "1", "assessed_on": "2026-05-20"},
        ).status_code
        == 404
    )
    bad = agency.post(
        reverse("compliance:report", args=[rep.pk]),
        {"sufficient": "0", "findings": "", "assessed_on": "2026-05-20"},
    )
    assert bad.status_code == 400 and "Say what must be improved" in bad.content.decode()
    done = agency.post(
        reverse("compliance:report", args=[rep.pk]),
        {"sufficient": "0", "findings": "退職者管理が不十分", "assessed_on": "2026-05-20"},
    )
    assert done.status_code == 302
    s = Shortcoming.objects.get(award=world.award)
    assert s.due_date == D(2028, 3, 31)
    listing = agency.get(reverse("compliance:agency")).content.decode()
    assert "2028-03-31" in listing and "Overdue" not in listing
    page = app.get(reverse("compliance:award", args=[world.award.pk])).content.decode()
    assert "退職者管理が不十分" in page and "2028-03-31" in page


def test_committee_resolution_through_the_page(world, clock):
    fy = world.award.budget_entries.order_by("fiscal_year").first().fiscal_year
    from kikin.awards import services as awards

    with clock_at(D(fy, 4, 1)):  # claimed and paid on the day the cost was incurred
        claim = awards.submit_claim(
            actor=world.applicant,
            award=world.award,
            fiscal_year=fy,
            lines=[
                {
                    "category": "personnel",
                    "description": "人件費",
                    "incurred_on": D(fy, 4, 1),
                    "amount_yen": 50_000_000,
                }
            ],
        )
        awards.approve_claim(actor=world.agency, claim=claim)
    r = report(world, D(2025, 6, 1))
    services.assess_report(
        actor=world.agency, report=r, sufficient=False, findings="不十分", assessed_on=D(2025, 6, 1)
    )
    s = Shortcoming.objects.get()
    agency = client_for(world.agency)
    url = reverse("compliance:shortcoming", args=[s.pk])
    assert 'name="resolution"' not in agency.get(url).content.decode()  # not yet due
    clock.today = D(2027, 4, 1)
    listing = agency.get(reverse("compliance:agency")).content.decode()
    assert "Not fixed by the due date" in listing and url in listing and "Overdue" in listing
    page = agency.get(url).content.decode()
    assert 'name="resolution"' in page and "50,000,000円" in page
    assert client_for(world.applicant).post(url, {"resolution": "stop"}).status_code == 404
    too_much = agency.post(
        url,
        {
            "resolution": "stop",
            "decided_on": "2027-04-01",
            "reclaim_yen": "50000001",
            "reason": "中止",
        },
    )
    assert too_much.status_code == 400 and "money paid" in too_much.content.decode()
    done = agency.post(
        url,
        {
            "resolution": "stop",
            "decided_on": "2027-04-01",
            "reclaim_yen": "20000000",
            "reason": "翌年度も改善なし",
        },
    )
    assert done.status_code == 302
    world.award.refresh_from_db()
    assert world.award.state == AwardState.TERMINATED and world.award.end_date == D(2027, 4, 1)
    assert Shortcoming.objects.get().reclaim_yen == 20_000_000


def test_prior_consultation_through_the_pages(world, clock):
    app, ministry = client_for(world.applicant), client_for(world.ministry)
    data = {
        "act": "production_abroad",
        "description": "海外工場の増設",
        "counterparty": "子会社V",
        "country": "vn",
        "planned_date": "2026-05-01",
        "capacity_increase_percent": "10.01",
        "local_consumption_percent": "84.99",
        "forced_transfer_risk": "on",
    }
    r = app.post(reverse("compliance:award_action", args=[world.award.pk, "act"]), data)
    c = PriorConsultation.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("compliance:consultation", args=[c.pk])
    assert (
        c.required
        and c.country == "VN"
        and c.reasons == ["production_capacity_increase_over_10", "forced_transfer_risk"]
    )
    page = app.get(r["Location"]).content.decode()
    assert (
        "Prior consultation required" in page
        and "more than 10 percent" in page
        and "Send to the ministry" in page
    )
    assert (
        ministry.get(reverse("compliance:ministry"))
        .content.decode()
        .count(reverse("compliance:consultation", args=[c.pk]))
        == 0
    )
    assert (
        app.post(reverse("compliance:consultation_action", args=[c.pk, "send"])).status_code == 302
    )
    c.refresh_from_db()
    assert c.state == ConsultationState.SENT
    queue = ministry.get(reverse("compliance:ministry")).content.decode()
    assert reverse("compliance:consultation", args=[c.pk]) in queue
    bad = ministry.post(
        reverse("compliance:consultation_action", args=[c.pk, "answer"]),
        {"answer": "objection", "note": ""},
    )
    assert bad.status_code == 400
    assert (
        client_for(world.agency)
        .post(
            reverse("compliance:consultation_action", args=[c.pk, "answer"]),
            {"answer": "no_objection"},
        )
        .status_code
        == 404
    )
    ok = ministry.post(
        reverse("compliance:consultation_action", args=[c.pk, "answer"]),
        {"answer": "objection", "note": "移転のおそれ"},
    )
    assert ok.status_code == 302
    c.refresh_from_db()
    assert (c.state, c.answer, c.answer_note) == (
        ConsultationState.ANSWERED,
        "objection",
        "移転のおそれ",
    )
    # At 85 % consumed locally, the same investment needs no consultation.
    r = app.post(
        reverse("compliance:award_action", args=[world.award.pk, "act"]),
        {**data, "local_consumption_percent": "85"},
    )
    c2 = PriorConsultation.objects.latest("id")
    assert not c2.required and c2.state == ConsultationState.NOT_REQUIRED
    assert "Prior consultation not required" in app.get(r["Location"]).content.decode()
    # Too late to send: the page says so and the button is gone.
    r = app.post(
        reverse("compliance:award_action", args=[world.award.pk, "act"]),
        {**data, "planned_date": "2026-04-20"},
    )
    page = app.get(r["Location"]).content.decode()
    assert "Too late" in page and "Send to the ministry" not in page
    bad = app.post(
        reverse("compliance:award_action", args=[world.award.pk, "act"]), {**data, "country": "JP"}
    )
    assert bad.status_code == 400 and "another country" in bad.content.decode()


def test_role_entry_pages(world):
    assert client_for(world.agency).get(reverse("compliance:home"))["Location"] == reverse(
        "compliance:agency"
    )
    assert client_for(world.ministry).get(reverse("compliance:home"))["Location"] == reverse(
        "compliance:ministry"
    )
    assert client_for(f.reviewer()).get(reverse("compliance:home")).status_code == 404
    assert client_for(world.applicant).get(reverse("compliance:agency")).status_code == 404
    assert client_for(world.applicant).get(reverse("compliance:ministry")).status_code == 404
    assert client_for(world.agency).get(reverse("compliance:ministry")).status_code == 404


def _agency_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("compliance:agency")).status_code == 200
    return len(ctx.captured_queries)


def test_agency_list_costs_the_same_queries_for_one_award_or_three(world, plan, clock):
    def burden(w):
        r = report(w, D(2025, 6, 1))
        services.assess_report(
            actor=w.agency, report=r, sufficient=False, findings="不十分", assessed_on=D(2025, 6, 1)
        )
        report(w, D(2025, 7, 1))
        services.request_report(actor=w.agency, award=w.award, committee_date=D(2026, 9, 1))
        c = services.record_planned_act(
            actor=w.applicant,
            award=w.award,
            act="joint_rd",
            description="共同研究",
            counterparty="Y",
            country="KR",
            planned_date=D(2026, 6, 1),
            ministry_requested=True,
        )
        services.send_consultation(actor=w.applicant, consultation=c)

    burden(world)
    clock.today = D(2027, 4, 1)
    client = client_for(world.agency)
    one = _agency_queries(client)
    clock.today = D(2026, 4, 1)
    for _ in range(2):
        burden(make_award(plan))
    clock.today = D(2027, 4, 1)
    assert _agency_queries(client) == one
