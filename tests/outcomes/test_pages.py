"""The outcomes pages: who sees what, bad input named and nothing saved, lists exported and read back."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from kikin.awards import services as awards
from kikin.outcomes import services, views
from kikin.outcomes.models import Filing
from tests import factories as f
from tests.factories import adopted

pytestmark = pytest.mark.django_db


@pytest.fixture
def grant(plan, monkeypatch):
    p, app, ministry, agency = adopted(
        plan,
        "1-c8",
        set_value=None,
        requested=(500_000_000, 500_000_000),
        eligible=(1_000_000_000, 1_000_000_000),
    )
    award = awards.create_award(actor=agency, proposal=p)
    later = dt.date(award.start_date.year + 2, 5, 1)
    monkeypatch.setattr(services, "today_jst", lambda: later)
    monkeypatch.setattr(views, "today_jst", lambda: later)
    return award, app, ministry, agency


def test_the_page_is_for_the_implementer_and_staff(client, grant):
    award, app, ministry, agency = grant
    url = f"/outcomes/awards/{award.pk}/"
    for user, status in (
        (app, 200),
        (ministry, 200),
        (agency, 200),
        (f.applicant(), 404),
        (f.user("reviewer"), 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status
    client.force_login(app)
    assert b'id="filing-form"' in client.get(url).content
    client.force_login(agency)
    page = client.get(url).content
    assert b'id="filing-form"' not in page and b"compute-payback" in page


def test_a_bad_filing_names_the_field_and_saves_nothing(client, grant):
    award, app, _m, agency = grant
    client.force_login(app)
    fy = award.start_date.year
    response = client.post(
        f"/outcomes/awards/{award.pk}/file/",
        {
            "fiscal_year": fy,
            "basis": "government",
            "product_sales_yen": "1,000",
            "other_sales_yen": "500",
            "other_sales_breakdown": "",
            "contribution_ratio": "3/2",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "other_sales_breakdown" in text and "contribution_ratio" in text
    assert not Filing.objects.exists()
    response = client.post(
        f"/outcomes/awards/{award.pk}/file/",
        {"fiscal_year": fy, "basis": "government", "product_sales_yen": "12億"},
        follow=True,
    )
    assert "product_sales_yen" in response.content.decode() and not Filing.objects.exists()
    client.post(
        f"/outcomes/awards/{award.pk}/file/",
        {
            "fiscal_year": fy,
            "basis": "government",
            "product_sales_yen": "1,234,567,891",
            "contribution_ratio": "3/4",
        },
    )
    filing = Filing.objects.get()
    assert filing.product_sales_yen == 1_234_567_891 and filing.contribution_ratio == "3/4"
    client.force_login(agency)
    client.post(
        f"/outcomes/awards/{award.pk}/return/", {"filing": filing.pk, "note": ""}, follow=True
    )
    filing.refresh_from_db()
    assert filing.state == "submitted"  # a return needs its reason


def test_filings_and_notices_export_with_exact_yen(client, grant):
    award, app, _ministry, agency = grant
    fy = award.start_date.year
    filing = services.submit_filing(
        actor=app,
        award=award,
        fiscal_year=fy,
        product_sales_yen=1_234_567_891,
        other_sales_yen=9,
        other_sales_breakdown="保守",
        cost_of_sales_yen=1,
    )
    services.check_filing(actor=agency, filing=filing, accept=True)
    client.force_login(agency)
    response = client.get("/outcomes/filings/?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    header, row = rows[0], rows[1]
    assert len(rows) == 2
    data = dict(zip(header, row, strict=True))
    sales = data["売上高（円）"] if "売上高（円）" in data else data["Sales (yen)"]
    assert sales == 1_234_567_900 and isinstance(sales, int)
    assert award.number in row
    response = client.get("/outcomes/filings/?format=csv&state=submitted")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    assert (
        len(list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))) == 1
    )  # header only: the filing is checked
    client.force_login(app)
    assert (
        client.get("/outcomes/filings/?format=csv").status_code == 404
    )  # the agency's work list only
