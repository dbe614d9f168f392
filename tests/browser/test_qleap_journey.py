"""Q-LEAP, a second program from its plan file, end to end in real headless Chromium: its call,
selection (no first review: the plan has none), award, a claim and a stage gate, with its
program director's area page; and none of the post-5G fund's rules on the way."""

import datetime as dt

import pytest

from kikin.accounts.models import OrganisationCategory, Role
from kikin.awards.models import Award, AwardState, CostClaim
from kikin.calls.models import Proposal, ProposalState
from kikin.programs import services as programs
from kikin.programs.models import Program
from tests import factories as f
from tests.browser.sessions import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_qleap_call_to_gate(browser, live_server, plan, tmp_path, clock):
    qleap = Program.objects.get(code="q-leap")
    call = f.open_call(qleap, themes=("1-br",), budget_yen=600_000_000)
    applicant = f.applicant(f.organisation(category=OrganisationCategory.ACADEMIA))
    ministry, agency = f.user(Role.MINISTRY), f.user(Role.AGENCY)
    reviewer = f.reviewer(keywords="量子シミュレータ")
    area = qleap.items.get(number=1)
    programs.appoint_area_director(
        actor=agency, item=area, user=agency, appointed_on=dt.date(2025, 4, 1)
    )
    start = f.start_of_next_fy()

    # Applicant: the form asks nothing of the post-5G fund (no leakage, no set value).
    ctx, page = login(browser, live_server, applicant)
    page.goto(f"{live_server.url}/calls/{call.pk}/")
    page.click(f"form[action$='/calls/{call.pk}/start/'] button")
    page.wait_for_url("**/edit/")
    assert page.locator("textarea[name=leakage_core_technologies]").count() == 0
    assert page.locator("input[name=set_value]").count() == 0
    page.fill("input[name=title]", "量子シミュレータのための誤り抑制手法")
    page.fill("textarea[name=abstract]", "量子シミュレータの誤りを抑える手法を開発する。")
    page.fill("textarea[name=plan]", "前半に理論、後半にFlagship試作機で実証する。")
    page.fill("input[name=start_date]", start.isoformat())
    page.fill("input[name=period_months]", "12")
    page.locator("input[name=budget_fy]").first.fill(str(start.year))
    page.locator("input[name=budget_requested]").first.fill("200000000")
    page.locator("input[name=team_name]").first.fill("量子 花子")
    page.locator("input[name=team_lead]").first.check()
    page.wait_for_selector("#save-status .ready")
    page.click("button[formaction$='/submit/']")
    page.wait_for_url("**/proposals/*/")
    proposal = Proposal.objects.get(organisation=applicant.organisation)
    assert proposal.state == ProposalState.SUBMITTED
    ctx.close()
    f.close_call(call)  # the deadline passes: the selection may decide

    # Agency: no first review for Q-LEAP; assign the reviewer.
    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/review/proposals/{proposal.pk}/")
    assert "一次採択審査を行いません" in page.inner_text("main")  # the plan sets no first review
    page.select_option("select[name=reviewer]", str(reviewer.pk))
    page.click("form[action$='/assign/'] button")
    page.wait_for_load_state()
    ctx.close()

    ctx, page = login(browser, live_server, reviewer)
    page.goto(f"{live_server.url}/review/mine/")
    page.click(f"text={proposal.title}")
    for field in page.locator("select[name^=score_]").all():
        field.select_option("4")
    page.select_option("select[name=recommendation]", "adopt")
    page.fill("textarea[name=comment]", "挑戦的で Flagship と相補的。")
    page.click("button[name=submit][value='1']")
    page.wait_for_selector(".ready")
    ctx.close()

    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/review/proposals/{proposal.pk}/")
    page.select_option("select[name=outcome]", "adopt")
    page.fill("form[action$='/decide/'] textarea[name=reason]", "領域の方針に合致する。")
    page.click("form[action$='/decide/'] button")
    page.wait_for_load_state()
    ctx.close()

    ctx, page = login(browser, live_server, ministry)
    page.goto(f"{live_server.url}/review/proposals/{proposal.pk}/")
    page.click("button[name=approve][value='1']")
    page.wait_for_load_state()
    ctx.close()
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ADOPTED

    # Agency: the award (a contract, as Q-LEAP's plan declares), paid from a claim.
    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/review/proposals/{proposal.pk}/")
    page.click(f"form[action$='/awards/from-proposal/{proposal.pk}/'] button")
    page.wait_for_url("**/awards/*/")
    award = Award.objects.get(proposal=proposal)
    assert award.form == "contract" and not award.system_technology
    assert award.period_end == dt.date(start.year + 1, 3, 31)
    assert page.locator("#continuation").count() == 0  # Q-LEAP's plan has no continuation R&D
    ctx.close()
    # the journey goes on 200 days into the work: the claim's cost and the gate lie before today
    clock(start + dt.timedelta(days=200))

    ctx, page = login(browser, live_server, applicant)
    page.goto(f"{live_server.url}/awards/{award.pk}/")
    page.fill("form[action$='/claim/'] input[name=fiscal_year]", str(start.year))
    page.locator("form[action$='/claim/'] input[name=description]").first.fill(
        "希釈冷凍機の保守部品"
    )
    page.locator("form[action$='/claim/'] input[name=incurred_on]").first.fill(
        (start + dt.timedelta(days=30)).isoformat()
    )
    page.locator("form[action$='/claim/'] input[name=amount]").first.fill("40000000")
    page.click("form[action$='/claim/'] button[type=submit]")
    page.wait_for_load_state()
    claim = CostClaim.objects.get(award=award)
    ctx.close()

    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/awards/{award.pk}/")
    page.click(
        f"form[action$='/approve/'] input[name=claim][value='{claim.pk}'] >> xpath=.. >> button"
    )
    page.wait_for_load_state()
    claim.refresh_from_db()
    assert claim.state == "approved" and claim.payment.amount_yen == 40_000_000

    # The stage gate, held early (Q-LEAP's gates may change or stop the work).
    held = start + dt.timedelta(days=200)
    gate = page.locator("#gate-form")
    gate.locator("input[name=held_on]").fill(held.isoformat())
    gate.locator("select[name=outcome]").select_option("fail")
    gate.locator("textarea[name=note]").fill("PDの評価により中止。")
    gate.locator("button[type=submit]").click()
    page.wait_for_load_state()
    award.refresh_from_db()
    # No post-5G rule: the plan sets no wind-down, so the work ends at the review itself.
    assert award.state == AwardState.TERMINATED and award.end_date == held

    # The area's program director follows the area's themes.
    page.goto(f"{live_server.url}/awards/areas/q-leap/1/")
    assert award.number in page.inner_text("#progress")
    page.screenshot(path=str(tmp_path / "area.png"), full_page=True)
    ctx.close()
