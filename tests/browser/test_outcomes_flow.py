"""After the work, in real headless Chromium: the implementer files a year's figures, the agency
checks them, computes the revenue payback, decides it, and the implementer downloads the notice.

The grant starts next fiscal year (the factories' proposals); the fund's clock is moved two years
on, once the award is made, the only thing this test moves.
"""

import datetime as dt
from io import BytesIO

import pytest
from pypdf import PdfReader

from kikin.awards import services as awards
from kikin.outcomes.models import Assessment, Filing, FilingState
from tests import factories as f
from tests.browser.sessions import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filing_check_payback_notice(browser, live_server, plan, clock, tmp_path):
    p, applicant, _ministry, agency = f.adopted(
        plan,
        "1-c8",
        set_value=None,
        requested=(500_000_000, 500_000_000),
        eligible=(1_000_000_000, 1_000_000_000),
    )
    award = awards.create_award(actor=agency, proposal=p)
    start = award.start_date.year
    later = clock(dt.date(start + 2, 5, 10))
    claim = awards.submit_claim(
        actor=applicant,
        award=award,
        fiscal_year=start,
        lines=[
            {
                "category": "personnel",
                "description": "研究員人件費",
                "incurred_on": award.start_date,
                "amount_yen": 1_000_000_000,
            }
        ],
    )
    awards.approve_claim(actor=agency, claim=claim)  # C = 500,000,000; B = D = 1,000,000,000

    # The implementer files FY start: sales 3.0e9, costs 1.5e9 + 0.3e9 → profit 1.2e9.
    ctx, page = login(browser, live_server, applicant)
    page.goto(f"{live_server.url}/outcomes/awards/{award.pk}/")
    form = page.locator("#filing-form")
    form.locator("select[name=fiscal_year]").select_option(str(start))
    form.locator("input[name=product_sales_yen]").fill("3,000,000,000")
    form.locator("input[name=cost_of_sales_yen]").fill("1500000000")
    form.locator("input[name=sga_yen]").fill("300000000")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    filing = Filing.objects.get(award=award, fiscal_year=start)
    assert filing.state == FilingState.SUBMITTED and filing.operating_profit_yen == 1_200_000_000
    assert page.locator(f"#filing-{filing.pk}").is_visible()
    ctx.close()

    # The agency accepts it, computes the payback and decides it.
    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/outcomes/awards/{award.pk}/")
    page.locator(f"#filing-{filing.pk} form[action$='/accept/'] button").click()
    page.wait_for_load_state()
    assert "state-checked" in page.locator(f"#filing-{filing.pk} td.state-checked").get_attribute(
        "class"
    )
    payback_form = page.locator("form[action$='/compute-payback/']")
    payback_form.locator("select[name=fiscal_year]").select_option(str(start))
    payback_form.locator("button").click()
    page.wait_for_load_state()
    assessment = Assessment.objects.get(award=award, kind="payback")
    # (1.2e9 − 1.0e9) × 5e8 / 1e9 = 1e8
    assert assessment.amount_yen == 100_000_000
    article = page.locator(f"#assessment-{assessment.pk}")
    assert "100,000,000円" in article.locator(".amount").inner_text()
    assert (
        article.locator(f"a[href='#filing-{filing.pk}']").count() >= 1
    )  # the input traced to its filing
    article.locator("input[name=pay_by]").fill((later + dt.timedelta(days=30)).isoformat())
    article.locator("form[action$='/decide/'] button").click()
    page.wait_for_load_state()
    assessment.refresh_from_db()
    assert assessment.number == f"PB-{start}-00001"
    page.screenshot(path=str(tmp_path / "outcomes.png"), full_page=True)
    ctx.close()

    # The implementer downloads the notice.
    ctx, page = login(browser, live_server, applicant)
    page.goto(f"{live_server.url}/outcomes/awards/{award.pk}/")
    link = page.locator(f"#assessment-{assessment.pk} a[href$='.pdf']")
    link.click()  # the notice is laid out in the background; its job page shows the download
    page.wait_for_selector("#job-status[data-state=done]")
    with page.expect_download() as download:
        page.click("#job-status a[download]")
    pdf = download.value.path().read_bytes()
    text = "".join(pg.extract_text() for pg in PdfReader(BytesIO(pdf)).pages)
    assert "収益納付通知書" in text and "100,000,000円" in text and assessment.number in text
    ctx.close()
