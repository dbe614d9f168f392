"""The site's lists exported (`?format=xlsx|csv` on the page itself) and read back: the rows the
user may see on the page, all of them (not one page), with money as exact integers of yen, at a
number of queries that does not grow with the rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kikin.accounts.models import Role
from kikin.awards import services as awards
from kikin.calls.models import Proposal, ProposalState
from kikin.calls.services import submit_proposal
from kikin.core.timeutil import clock_at
from kikin.review import services as review
from tests import factories as f
from tests.exports.helpers import read_csv, read_xlsx, xlsx_rows

pytestmark = pytest.mark.django_db

ODD = (1_234_567_891, 987_654_321, 500_000_001)  # requested per year: 2,722,222,213 yen in all


def export(client, url, fmt, **params):
    response = client.get(url, {**params, "format": fmt})
    assert response.status_code == 200, (url, response.status_code)
    return read_csv(response) if fmt == "csv" else [list(r) for r in xlsx_rows(read_xlsx(response))]


def column(rows, header):
    i = rows[0].index(header)
    return [r[i] for r in rows[1:]]


@pytest.fixture
def two_organisations(plan):
    """Two organisations' applicants, each with a submitted proposal and a draft, in one call."""
    call = f.open_call(plan)
    ours, theirs = f.applicant(), f.applicant()
    made = {}
    for who, title in [(ours, "自社の光電融合"), (theirs, "他社の量子暗号")]:
        p = f.complete_proposal(who, call, title=title, requested=ODD)
        submit_proposal(actor=who, proposal=p, submission_key=f"k{p.pk}")
        f.complete_proposal(who, call, title=f"{title}（下書き）")
        made[who] = p
    return {
        "ours": ours,
        "theirs": theirs,
        "agency": f.user(Role.AGENCY),
        "reviewer": f.reviewer(),
        "our_proposal": made[ours],
        "their_proposal": made[theirs],
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_applicant_exports_only_their_own_proposals(client, two_organisations, fmt):
    w = two_organisations
    client.force_login(w["ours"])
    rows = export(client, reverse("calls:proposal_list"), fmt)
    assert rows[0] == [
        "受付番号",
        "提案名",
        "開発テーマ",
        "公募",
        "状況",
        "提出日",
        "開始日",
        "研究開発期間（か月）",
        "申請額（円）",
    ]
    assert sorted(column(rows, "提案名")) == ["自社の光電融合", "自社の光電融合（下書き）"]
    # The proposer is told "submitted", never the state of review; no organisation column.
    assert "組織" not in rows[0] and "状態" not in rows[0]
    submitted = next(r for r in rows[1:] if r[1] == "自社の光電融合")
    assert submitted[4] == "提出済み"
    requested = submitted[rows[0].index("申請額（円）")]
    assert requested == (str(sum(ODD)) if fmt == "csv" else sum(ODD))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_staff_export_every_submitted_proposal_with_state_and_organisation(
    client, two_organisations, fmt
):
    w = two_organisations
    client.force_login(w["agency"])
    rows = export(client, reverse("calls:proposal_list"), fmt)
    assert sorted(column(rows, "提案名")) == ["他社の量子暗号", "自社の光電融合"]  # never a draft
    assert set(column(rows, "組織")) == {
        w["our_proposal"].organisation.name_ja,
        w["their_proposal"].organisation.name_ja,
    }
    assert set(column(rows, "状態")) == {"提出済み"}
    assert column(rows, "申請額（円）") == [str(sum(ODD)) if fmt == "csv" else sum(ODD)] * 2
    # The page's filter applies to the export.
    assert export(client, reverse("calls:proposal_list"), fmt, state="adopted")[1:] == []


def test_a_reviewer_exports_only_assigned_proposals(client, two_organisations):
    w = two_organisations
    p = w["their_proposal"]
    review.decide_first_review(actor=f.user(Role.MINISTRY), proposal=p, passed=True, reason="合致")
    review.assign_reviewer(actor=w["agency"], proposal=p, reviewer=w["reviewer"])
    client.force_login(w["reviewer"])
    assert column(export(client, reverse("calls:proposal_list"), "csv"), "提案名") == [
        "他社の量子暗号"
    ]


def test_the_export_holds_every_row_not_one_page(client, plan):
    call = f.open_call(plan)
    who = f.applicant()
    p = f.complete_proposal(who, call)
    Proposal.objects.bulk_create(
        [
            Proposal(
                call=call,
                theme=p.theme,
                organisation=p.organisation,
                created_by=who,
                title=f"提案{i:03d}",
            )
            for i in range(59)
        ]
    )
    client.force_login(who)
    page = client.get(reverse("calls:proposal_list")).content.decode()
    assert "1 / 2" in page  # the page shows 50
    assert len(export(client, reverse("calls:proposal_list"), "csv")) == 1 + 60


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_portfolio_export_has_exact_yen(client, plan, fmt):
    p, implementer, _ministry, agency = f.adopted(plan, requested=ODD)
    award = awards.create_award(actor=agency, proposal=p)
    with clock_at(award.start_date):  # the cost is claimed on the day it was incurred
        claim = awards.submit_claim(
            actor=implementer,
            award=award,
            fiscal_year=award.start_date.year,
            lines=[
                {
                    "category": "personnel",
                    "description": "研究員人件費",
                    "incurred_on": award.start_date,
                    "amount_yen": 123_456_789,
                }
            ],
        )
        awards.approve_claim(actor=agency, claim=claim)
    other = f.adopted(plan, title="他社の案件")
    awards.create_award(actor=other[3], proposal=other[0])

    client.force_login(agency)
    rows = export(client, reverse("awards:list"), fmt)
    assert len(rows) == 3
    mine = next(r for r in rows[1:] if r[0] == award.number)
    record = dict(zip(rows[0], mine, strict=True))
    yen = (lambda n: str(n)) if fmt == "csv" else (lambda n: n)
    assert record["予算（円）"] == yen(sum(ODD))
    assert record["支払額（円）"] == yen(123_456_789)
    assert record["開発テーマ"] == "①(a1)" and record["提案名"] == "クラウド型コアの高度化"
    assert record["助成率"] == ("100%" if fmt == "csv" else 1.0)
    due = award.stage_gate_due
    assert record["ステージゲート審査の予定日"] == (
        due.isoformat() if fmt == "csv" else dt.datetime.combine(due, dt.time())
    )
    if fmt == "xlsx":
        sheet = read_xlsx(client.get(reverse("awards:list"), {"format": "xlsx"}))
        money = sheet.cell(row=2 + rows[1:].index(mine), column=rows[0].index("予算（円）") + 1)
        assert money.number_format == "#,##0" and money.data_type == "n"

    # The implementer's export holds only their own award.
    client.force_login(implementer)
    assert column(export(client, reverse("awards:list"), fmt), "採択案件") == [award.number]


def test_portfolio_export_keeps_the_filter(client, plan):
    p, _i, _m, agency = f.adopted(plan)
    award = awards.create_award(actor=agency, proposal=p)
    client.force_login(agency)
    url = reverse("awards:list")
    assert column(export(client, url, "csv"), "採択案件") == [award.number]
    assert export(client, url, "csv", show="overdue")[1:] == []  # its first report is not due yet


def test_reviewers_get_no_portfolio_export(client, plan):
    client.force_login(f.reviewer())
    assert client.get(reverse("awards:list"), {"format": "csv"}).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_public_adoptions_export_for_anyone(client, plan, fmt):
    p, _applicant, _ministry, agency = f.adopted(plan, title="公開される採択課題")
    unpublished = f.adopted(plan, title="まだ公表されない課題")[0]
    review.issue_notices(actor=agency, call=p.call)
    review.publish_adoptions(actor=agency, call=p.call)
    rows = export(client, reverse("public_adoptions"), fmt)  # no login
    assert column(rows, "提案名") == ["公開される採択課題"]
    assert unpublished.title not in str(rows)
    assert column(rows, "組織（日本語）") == [p.organisation.name_ja]
    assert column(rows, "組織（英語）") == [p.organisation.name_en]


@pytest.mark.parametrize("url_name", ["calls:proposal_list", "awards:list", "public_adoptions"])
def test_a_bad_format_is_a_clear_400(client, plan, url_name):
    client.force_login(f.user(Role.AGENCY))
    response = client.get(reverse(url_name), {"format": "pdf"})
    assert response.status_code == 400
    assert "format=xlsx" in response.content.decode() and "pdf" in response.content.decode()


@pytest.mark.parametrize("url_name", ["calls:proposal_list", "awards:list", "public_adoptions"])
def test_pages_link_to_their_exports(client, plan, url_name):
    client.force_login(f.user(Role.AGENCY))
    html = client.get(reverse(url_name)).content.decode()
    assert "format=xlsx" in html and "format=csv" in html


def test_export_queries_do_not_grow_with_rows(client, plan):
    """One award or three: the same queries (no query per row), for the portfolio's export."""
    p, _i, _m, agency = f.adopted(plan)
    awards.create_award(actor=agency, proposal=p)
    client.force_login(agency)
    url = reverse("awards:list")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            rows = export(client, url, "csv")
        return len(ctx.captured_queries), len(rows) - 1

    count()  # warm-up
    n1, rows1 = count()
    for _ in range(2):
        q, _a, _mi, ag = f.adopted(plan)
        awards.create_award(actor=ag, proposal=q)
    n3, rows3 = count()
    assert (rows1, rows3) == (1, 3)
    assert n3 == n1


def test_proposal_export_queries_do_not_grow_with_rows(client, two_organisations):
    w = two_organisations
    client.force_login(w["agency"])
    url = reverse("calls:proposal_list")
    export(client, url, "xlsx")
    with CaptureQueriesContext(connection) as ctx:
        export(client, url, "xlsx")
    n2 = len(ctx.captured_queries)
    p = f.complete_proposal(w["theirs"], w["their_proposal"].call, title="三件目")
    submit_proposal(actor=w["theirs"], proposal=p, submission_key="third")
    with CaptureQueriesContext(connection) as ctx:
        rows = export(client, url, "xlsx")
    assert len(rows) == 1 + 3 and len(ctx.captured_queries) == n2
    assert Proposal.objects.filter(state=ProposalState.SUBMITTED).count() == 3
