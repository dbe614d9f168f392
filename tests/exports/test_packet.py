"""The committee packet read back with pypdf: its pages, the award numbers and Japanese titles in
its text, a Noto CJK font embedded, 取扱注意 and "n / N" on every page; for ministry and agency
staff only; a constant number of queries however many themes."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from kikin.accounts.models import Role
from kikin.awards import selectors as award_selectors
from kikin.awards import services as awards
from kikin.awards.models import BudgetKind, StageGateReview
from kikin.awards.packet import packet_themes
from kikin.core.timeutil import clock_at
from tests import factories as f

pytestmark = pytest.mark.django_db

TITLES = ["クラウド型コアの高度化", "光電融合による省電力データセンター", "耐量子暗号の実装と評価"]


def line(day, amount, **kw):
    return {
        "category": "personnel",
        "description": "研究員人件費",
        "incurred_on": day,
        "amount_yen": amount,
        **kw,
    }


def theme_under_review(plan, title: str):
    """An award whose first gate was held (passed and accelerated), with a second gate to come;
    a paid claim on the proposal-time budget and one on the acceleration, a filed progress
    report and a yearly evaluation. Returns (award, its second gate, the agency officer)."""
    p, implementer, _ministry, agency = f.adopted(
        plan, title=title, requested=(1_234_567_891, 987_654_321, 500_000_001)
    )
    award = awards.create_award(actor=agency, proposal=p)
    with clock_at(award.stage_gate_due + dt.timedelta(days=1)):  # the day after the first gate
        fy = award.start_date.year
        awards.approve_claim(
            actor=agency,
            claim=awards.submit_claim(
                actor=implementer,
                award=award,
                fiscal_year=fy,
                lines=[line(award.start_date, 123_456_789)],
            ),
        )
        awards.decide_stage_gate(
            actor=agency,
            award=award,
            held_on=award.stage_gate_due,
            outcome="accelerate",
            note="計画以上の進捗",
            budget_change_yen=200_000_000,
            fiscal_year=fy + 1,
        )
        awards.approve_claim(
            actor=agency,
            claim=awards.submit_claim(
                actor=implementer,
                award=award,
                fiscal_year=fy + 1,
                budget_kind=BudgetKind.ACCELERATION,
                lines=[line(award.stage_gate_due + dt.timedelta(days=1), 50_000_000)],
            ),
        )
        report = award.progress_reports.order_by("due_date").first()
        awards.submit_progress_report(
            actor=implementer,
            report=report,
            summary="試作機の評価を終えた。",
            issues="量産化の検討",
        )
        awards.record_evaluation(
            actor=agency,
            award=award,
            fiscal_year=fy,
            outlook="on_track",
            comment="目標達成の見込みが高い。",
        )
        second = StageGateReview.objects.create(
            award=award, number=2, scheduled_for=award.stage_gate_due + dt.timedelta(days=365)
        )
    award.refresh_from_db()
    return award, second, agency


@pytest.fixture
def committee(plan):
    made = [theme_under_review(plan, t) for t in TITLES[:2]]
    return {"awards": [a for a, _g, _o in made], "gate": made[0][1], "agency": made[0][2]}


def packet_url(start: dt.date, end: dt.date) -> str:
    return reverse("awards:packet") + f"?from={start.isoformat()}&to={end.isoformat()}"


def read_pdf(response) -> PdfReader:
    """The packet the page queued, followed to its job and downloaded."""
    from tests.jobs.follow import body, follow_job

    download = follow_job(response.client, response)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in download["Content-Disposition"]
    return PdfReader(io.BytesIO(body(download)))


def test_packet_pdf_reads_back(client, committee):
    w = committee
    due = w["gate"].scheduled_for
    client.force_login(w["agency"])
    response = client.get(packet_url(due, due))
    pdf = read_pdf(response)
    pages = [page.extract_text() for page in pdf.pages]
    n = len(pages)
    assert n >= 3  # the cover and one page at least per theme
    for i, text in enumerate(pages, start=1):
        assert "取扱注意" in text, i  # confidential on every page
        assert f"{i} / {n}" in text, i
    text = "\n".join(pages)
    assert "総ページ数" in pages[0] and f"\n{n}\n" in pages[0].replace(
        " ", "\n"
    )  # the count on the cover
    for award in w["awards"]:
        assert award.number in pages[0]  # the agenda
        assert award.number in text and award.proposal.title in text
        assert award.theme.title_ja in text and award.organisation.name_ja in text
    assert TITLES[0] in text and TITLES[1] in text
    # Each theme starts on a page of its own, after the cover.
    starts = [
        next(i for i, t in enumerate(pages) if t.lstrip().startswith(f"{k} / 2")) for k in (1, 2)
    ]
    assert 0 < starts[0] < starts[1]
    assert "令和" in text and "年度" in text  # fiscal years as Japanese readers expect
    assert (
        "試作機の評価を終えた。" in text
        and "目標達成の見込みが高い。" in text
        and "計画以上の進捗" in text
    )
    assert "予算 Budget" in text  # the chart's legend, as text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in pdf.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("Noto" in name and "CJK" in name for name in fonts), fonts


def test_packet_money_is_exact_and_received_for_refund_matches_the_service(committee):
    award = committee["awards"][0]
    (theme,) = packet_themes(award_ids=[award.pk])
    assert (
        theme.received_for_refund == award_selectors.received_for_refund(award) == 123_456_789
    )  # not the acceleration
    assert theme.totals["paid"] == 123_456_789 + 50_000_000
    # The ledger shows the kinds the theme has: the proposal-time budget and the acceleration.
    assert theme.kinds == [("提案時", "Base"), ("加速", "Acceleration")]
    assert theme.totals["kinds"] == [1_234_567_891 + 987_654_321 + 500_000_001, 200_000_000]
    assert theme.totals["budget"] == sum(theme.totals["kinds"])
    assert [r["paid"] for r in theme.years] == [123_456_789, 50_000_000, 0]
    # The next gate is the one under review; the first, held, is an earlier review.
    assert theme.gate.number == 2 and [g.number for g in theme.earlier_gates] == [1]


def test_range_picks_awards_by_their_scheduled_gate(committee, plan):
    w = committee
    due = w["gate"].scheduled_for
    assert {t.award.pk for t in packet_themes(start=due, end=due)} == {a.pk for a in w["awards"]}
    assert packet_themes(start=due + dt.timedelta(days=1), end=due + dt.timedelta(days=30)) == []
    first = w["awards"][0].gate_reviews.get(number=1).scheduled_for
    (t1, _t2) = packet_themes(start=first, end=first)  # the held first gates: no earlier review
    assert t1.gate.number == 1 and t1.earlier_gates == [] and t1.gate.held_on


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.REVIEWER])
def test_others_get_404(client, committee, role):
    user = f.applicant() if role == Role.APPLICANT else f.reviewer()
    client.force_login(user)
    due = committee["gate"].scheduled_for
    assert client.get(packet_url(due, due)).status_code == 404
    assert client.get(reverse("awards:packet")).status_code == 404


def test_the_implementer_of_a_theme_gets_404_too(client, committee):
    award = committee["awards"][0]
    client.force_login(award.proposal.created_by)
    assert client.get(reverse("awards:packet") + f"?award={award.pk}").status_code == 404


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("awards:packet"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_form_and_its_errors(client, committee):
    client.force_login(f.user(Role.MINISTRY))
    page = client.get(reverse("awards:packet"))
    assert page.status_code == 200 and 'name="from"' in page.content.decode()
    bad = client.get(reverse("awards:packet") + "?from=2027-13-01&to=2027-10-01")
    assert bad.status_code == 400 and "2027-09-01" in bad.content.decode()
    backwards = client.get(reverse("awards:packet") + "?from=2027-10-01&to=2027-09-01")
    assert backwards.status_code == 400
    unknown = client.get(reverse("awards:packet") + "?numbers=A-NONE-1&award=999999")
    assert (
        unknown.status_code == 400
        and "A-NONE-1" in unknown.content.decode()
        and "999999" in unknown.content.decode()
    )
    assert client.get(reverse("awards:packet") + "?award=x").status_code == 400
    empty = client.get(packet_url(dt.date(2001, 1, 1), dt.date(2001, 1, 2)))
    assert empty.status_code == 200 and empty["Content-Type"].startswith("text/html")


def test_chosen_awards_by_number(client, committee):
    w = committee
    client.force_login(w["agency"])
    award = w["awards"][1]
    pdf = read_pdf(client.get(reverse("awards:packet"), {"numbers": award.number}))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert award.number in text and w["awards"][0].number not in text


def test_portfolio_links_to_the_packet_for_staff_only(client, committee):
    client.force_login(committee["agency"])
    assert reverse("awards:packet") in client.get(reverse("awards:list")).content.decode()
    client.force_login(committee["awards"][0].proposal.created_by)
    assert reverse("awards:packet") not in client.get(reverse("awards:list")).content.decode()


def test_packet_queries_do_not_grow_with_themes(
    client, committee, plan, django_assert_num_queries, monkeypatch
):
    # The packet is made by a job run eagerly here, whose progress is written at most twice a
    # second: a slower run would write it once more. Counted: the packet's own reads.
    monkeypatch.setattr("kikin.jobs.runner.PROGRESS_SECONDS", float("inf"))
    w = committee
    due = w["gate"].scheduled_for
    client.force_login(w["agency"])
    read_pdf(client.get(packet_url(due, due)))  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        read_pdf(client.get(packet_url(due, due)))
    two = len(ctx.captured_queries)
    theme_under_review(plan, TITLES[2])
    with django_assert_num_queries(two):
        pdf = read_pdf(client.get(packet_url(due, due)))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert all(t in text for t in TITLES)
