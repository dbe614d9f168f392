"""Award → claim → payment → stage gate failed → end date set, in real headless Chromium."""

import datetime as dt

import pytest

from kikin.awards.models import Award, AwardState, ClaimState
from kikin.rules.schedule import end_if_gate_failed
from tests import factories as f
from tests.browser.sessions import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_award_claim_payment_failed_gate(browser, live_server, plan, tmp_path, clock):
    proposal, applicant, _ministry, agency = f.adopted(plan)

    # Agency: make the contract from the adopted proposal.
    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/review/proposals/{proposal.pk}/")
    page.click(f"form[action$='/awards/from-proposal/{proposal.pk}/'] button")
    page.wait_for_url("**/awards/*/")
    award = Award.objects.get(proposal=proposal)
    assert award.number in page.inner_text("h1")
    ctx.close()
    # The fund's clock on the day the stage gate is held: the expenses claimed and the gate's
    # review are then in the past, as the services require.
    held = award.stage_gate_due - dt.timedelta(days=14)
    clock(held)

    # Implementer: claim costs of the first fiscal year.
    ctx, page = login(browser, live_server, applicant)
    page.goto(f"{live_server.url}/awards/{award.pk}/")
    form = page.locator("#claim-form")
    form.locator("input[name=fiscal_year]").fill(str(award.start_date.year))
    form.locator("input[name=incurred_on]").first.fill(award.start_date.isoformat())
    form.locator("input[name=description]").first.fill("研究員人件費")
    form.locator("input[name=amount]").first.fill("123456789")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    claim = award.claims.get()
    assert claim.state == ClaimState.SUBMITTED
    ctx.close()

    # Agency: approve and pay; then the stage gate fails.
    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/awards/{award.pk}/")
    page.locator(f"#claim-{claim.pk} button.primary").click()
    page.wait_for_load_state()
    claim.refresh_from_db()
    assert (
        claim.state == ClaimState.APPROVED and claim.payment.amount_yen == 123_456_789
    )  # a contract pays in full
    gate = page.locator("#gate-form")
    gate.locator("input[name=held_on]").fill(held.isoformat())
    gate.locator("select[name=outcome]").select_option("fail")
    gate.locator("textarea[name=note]").fill("中間目標未達")
    gate.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expected = end_if_gate_failed(
        held, 36, award.period_end, award.theme.program.plan_rules().stage_gate
    )
    assert page.inner_text("#end-date") == expected.isoformat()
    page.screenshot(path=str(tmp_path / "award.png"), full_page=True)
    ctx.close()

    award.refresh_from_db()
    assert award.state == AwardState.TERMINATED and award.end_date == expected
