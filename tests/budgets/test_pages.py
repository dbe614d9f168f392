"""The budget-frame pages: public lines with 令和 labels and exact yen; for the ministry and the
agency only, the post-5G fund's budget against the commitments and payments of its awards."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from kikin.accounts.models import Role
from kikin.awards import services
from kikin.awards.models import Award
from kikin.budgets.services import load_budget_frames
from kikin.programs.models import Program, ResearchItem, Theme
from tests import factories as f
from tests.factories import adopted

pytestmark = pytest.mark.django_db

OKU = 10**8


def claim_line(day, amount):
    return {
        "category": "personnel",
        "description": "研究員人件費",
        "incurred_on": day,
        "amount_yen": amount,
    }


@pytest.fixture
def frames(plan):
    load_budget_frames()
    return plan


@pytest.fixture
def spending(frames, clock):
    """Awards under the post-5G fund, with budget ledgers, a directive, claims and payments; and one
    award moved to another program, which must count nowhere here. Returns the expected sums by
    fiscal year, worked out from the figures put in, not from the ledgers."""
    plan = frames
    p1, app1, ministry, agency = adopted(
        plan, "1-a1", requested=(1_000_000_001, 900_000_000, 800_000_007)
    )
    a1 = services.create_award(actor=agency, proposal=p1)
    p2, app2, _m, agency2 = adopted(
        plan,
        "1-c8",
        set_value=None,
        requested=(500_000_000, 500_000_003),
        eligible=(1_000_000_000, 1_000_000_006),
    )
    a2 = services.create_award(actor=agency2, proposal=p2)
    p3, app3, _m3, agency3 = adopted(
        plan, "1-a1", requested=(2_000_000_000, 2_000_000_000, 2_000_000_000)
    )
    a3 = services.create_award(actor=agency3, proposal=p3)
    fy = a1.start_date.year
    assert a2.start_date.year == fy and a2.rate == "1/2" and a1.rate == "1"
    clock(dt.date(fy + 1, 5, 1))  # the costs below have been incurred
    services.record_directive(
        actor=ministry,
        award=a1,
        issued_on=a1.start_date,
        effective_from=a1.start_date,
        fiscal_year=fy,
        amount_yen=-123_456_789,
        note="予算削減の指示",
    )
    pay1 = services.approve_claim(
        actor=agency,
        claim=services.submit_claim(
            actor=app1, award=a1, fiscal_year=fy, lines=[claim_line(a1.start_date, 300_000_001)]
        ),
    )
    pay2 = services.approve_claim(
        actor=agency2,
        claim=services.submit_claim(
            actor=app2, award=a2, fiscal_year=fy, lines=[claim_line(a2.start_date, 100_000_001)]
        ),
    )
    pay3 = services.approve_claim(
        actor=agency2,
        claim=services.submit_claim(
            actor=app2,
            award=a2,
            fiscal_year=fy + 1,
            lines=[claim_line(dt.date(fy + 1, 5, 1), 77_777_777)],
        ),
    )
    # Submitted but not approved: no payment yet.
    services.submit_claim(
        actor=app1,
        award=a1,
        fiscal_year=fy + 1,
        lines=[claim_line(dt.date(fy + 1, 5, 1), 5_000_000)],
    )
    # Money under another program's theme.
    services.approve_claim(
        actor=agency3,
        claim=services.submit_claim(
            actor=app3, award=a3, fiscal_year=fy, lines=[claim_line(a3.start_date, 999_999_999)]
        ),
    )
    other = Program.objects.create(
        code="other-fund",
        title_ja="別の基金",
        title_en="Another fund",
        start_date=dt.date(2020, 4, 1),
        end_date=dt.date(2035, 3, 31),
    )
    item = ResearchItem.objects.create(
        program=other, number=1, symbol="①", title_ja="項目", title_en="Item", period_months=36
    )
    other_theme = Theme.objects.create(
        program=other, item=item, code="z1", title_ja="別テーマ", title_en="Other"
    )
    Award.objects.filter(pk=a3.pk).update(theme=other_theme)

    assert (pay1.amount_yen, pay2.amount_yen, pay3.amount_yen) == (
        300_000_001,
        50_000_000,
        38_888_888,
    )  # 1/2, truncated
    committed = {
        fy: 1_000_000_001 - 123_456_789 + 500_000_000,
        fy + 1: 900_000_000 + 500_000_003,
        fy + 2: 800_000_007,
    }
    paid = {fy: 300_000_001 + 50_000_000, fy + 1: 38_888_888}
    return {
        "fy": fy,
        "committed": committed,
        "paid": paid,
        "ministry": ministry,
        "agency": agency,
        "applicant": app1,
    }


def test_public_list_shows_reiwa_labels_exact_yen_and_the_seed_line(client, frames):
    response = client.get(reverse("budgets:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="{reverse("budgets:list")}">予算</a>' in html  # the nav link
    assert "令和7年度" in html and "令和6年度" in html and "令和3年度" in html
    assert "FY2025" in html  # English beside
    # 1,617億円 with the exact yen on hover, its GX share inside it, and the seed line as the source.
    assert '<span class="yen" title="161,700,000,000円">1,617億円</span>' in html
    assert '（うちGX <span class="yen" title="150,200,000,000円">1,502億円</span>）' in html
    assert "002</span> 77行: 1,617億円" in html
    # The prior year's figure in brackets: 98億円（120億円）.
    assert '（<span class="yen" title="12,000,000,000円">120億円</span>）' in html
    # 百万円 lines in 億円 with the exact yen: 5,152百万円 = 51.52億円.
    assert '<span class="yen" title="5,152,000,000円">51.52億円</span>' in html
    assert "004</span> 29行: 5,152百万円" in html
    assert (
        "当初（案）" in html
        and "補正" in html
        and "基金" in html
        and "出資" in html
        and "交付金" in html
    )
    # 内数: the child names its parent; the fund total is cumulative across budgets.
    assert "の内数）" in html
    assert '<span class="yen" title="989,200,000,000円">9,892億円</span>' in html
    # Nobody sees commitments here.
    assert "契約・交付決定額" not in html


def test_list_in_english_keeps_the_japanese_beside(client, frames):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("budgets:list")).content.decode()
    assert "FY2025" in html and "令和7年度" in html
    assert '<span class="yen" title="161,700,000,000円">¥161.7bn</span>' in html
    assert "(of which GX" in html


def test_unknown_program_is_404(client, frames):
    assert client.get(reverse("budgets:program", args=["no-such-program"])).status_code == 404


@pytest.mark.parametrize("who", ["ministry", "agency"])
def test_staff_see_budget_against_commitments_and_payments(client, spending, who):
    client.force_login(spending[who])
    response = client.get(reverse("budgets:program", args=["post5g"]))
    assert response.status_code == 200
    fy = spending["fy"]
    years = {y.fiscal_year: y for y in response.context["years"]}
    assert set(years) == {2025, 2026, fy, fy + 1, fy + 2}
    for year, y in years.items():
        assert y.committed_yen == spending["committed"].get(year, 0), year
        assert y.paid_yen == spending["paid"].get(year, 0), year
    assert (years[2025].budget_yen, years[2026].budget_yen) == (
        315_400_000_000,
        673_800_000_000,
    )  # 1,617 + 1,537; 6,738億円
    # Cumulative, as a fund.
    last = years[fy + 2]
    assert last.cumulative_budget_yen == 989_200_000_000
    assert last.cumulative_committed_yen == sum(spending["committed"].values())
    assert last.cumulative_paid_yen == sum(spending["paid"].values())
    html = response.content.decode()
    assert html.count("<svg") == 2  # by year, and cumulative
    assert "億円" in html
    for amount in [*spending["committed"].values(), *spending["paid"].values()]:
        assert f'title="{amount:,}円"' in html
    assert f'title="{sum(spending["committed"].values()):,}円"' in html


@pytest.mark.parametrize("who", ["anonymous", "applicant", "reviewer"])
def test_others_do_not_see_commitments(client, spending, who):
    if who == "applicant":
        client.force_login(spending["applicant"])
    elif who == "reviewer":
        client.force_login(f.reviewer())
    response = client.get(reverse("budgets:program", args=["post5g"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "years" not in response.context and "chart" not in response.context
    assert "<svg" not in html and "契約・交付決定額" not in html and "支払額" not in html
    assert f'title="{spending["committed"][spending["fy"]]:,}円"' not in html
    assert (
        '<span class="yen" title="161,700,000,000円">1,617億円</span>' in html
    )  # the lines themselves are public


def test_staff_page_of_a_program_kikin_does_not_run(client, frames):
    client.force_login(f.user(Role.AGENCY))
    response = client.get(reverse("budgets:program", args=["energy-saving-semi-1"]))
    html = response.content.decode()
    assert "<svg" not in html and "years" not in response.context
    assert "kikinで管理していない" in html
    assert reverse("budgets:program", args=["energy-saving-semi"]) in html  # its 内数 parent


def test_pages_cost_a_constant_number_of_queries(client, spending, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        client.get(reverse("budgets:list"))
    client.force_login(spending["agency"])
    # session, user, lines, the three sums by fiscal year (budget, commitments, payments), and
    # the navigation's inbox count (one query for every section and the unread notifications)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("budgets:program", args=["post5g"]))
    assert response.status_code == 200


def test_budget_lines_export_in_exact_yen(client, db):
    import io

    from openpyxl import load_workbook

    from kikin.budgets.services import load_budget_frames

    load_budget_frames()
    response = client.get("/budgets/?format=xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 36
    amounts = [r[7] for r in rows[1:]]
    assert 991_600_000_000 in amounts  # 令和6年度補正 9,916億円 (seed 002 line 15)
    assert all(isinstance(a, int) for a in amounts)
