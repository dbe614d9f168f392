"""One proposal from draft to published adoption, in real headless Chromium, role by role."""

import pytest

from kikin.accounts.models import Role
from kikin.calls.models import Proposal, ProposalState
from tests import factories as f
from tests.browser.sessions import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_draft_to_published_adoption(browser, live_server, plan, tmp_path):
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    ministry = f.user(Role.MINISTRY)
    agency = f.user(Role.AGENCY)
    reviewer = f.reviewer(keywords="クラウド, コアネットワーク")
    start = f.start_of_next_fy()

    # Applicant: start, fill (autosaved), submit.
    ctx, page = login(browser, live_server, applicant)
    page.goto(f"{live_server.url}/calls/{call.pk}/")
    page.click(f"form[action$='/calls/{call.pk}/start/'] button")
    page.wait_for_url("**/edit/")
    page.fill("input[name=title]", "クラウド型コアの高度化技術")
    page.fill("textarea[name=abstract]", "仮想化コアの処理性能を二倍にする。")
    page.fill("textarea[name=plan]", "初年度に設計、次年度に試作、最終年度に実証する。")
    page.fill("input[name=start_date]", start.isoformat())
    page.fill("input[name=period_months]", "36")
    for i in range(3):
        page.locator("input[name=budget_fy]").nth(i).fill(str(start.year + i))
        page.locator("input[name=budget_requested]").nth(i).fill("1000000000")
    page.fill("input[name=set_value]", "2.5")
    page.locator("input[name=team_name]").first.fill("研究 太郎")
    page.locator("input[name=team_lead]").first.check()
    for name in (
        "leakage_core_technologies",
        "leakage_access_control",
        "leakage_staff_management",
        "leakage_partner_controls",
    ):
        page.fill(f"textarea[name={name}]", "社内規程に基づき管理する。")
    page.wait_for_selector("#save-status .ready")  # the autosave answered: every rule met
    page.screenshot(path=str(tmp_path / "form.png"), full_page=True)
    page.click("button[formaction$='/submit/']")
    page.wait_for_url("**/proposals/*/")
    proposal = Proposal.objects.get(organisation=applicant.organisation)
    assert proposal.state == ProposalState.SUBMITTED
    assert proposal.receipt_number in page.inner_text("h1")
    ctx.close()
    f.close_call(call)  # the deadline passes: the selection may decide

    # Ministry: first review.
    ctx, page = login(browser, live_server, ministry)
    page.goto(f"{live_server.url}/review/proposals/{proposal.pk}/")
    page.fill("textarea[name=reason]", "政策目的に合致する。")
    page.click("button[name=passed][value='1']")
    page.wait_for_load_state()
    ctx.close()

    # Agency: assign the reviewer.
    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/review/proposals/{proposal.pk}/")
    page.select_option("select[name=reviewer]", str(reviewer.pk))
    page.click("form[action$='/assign/'] button")
    page.wait_for_load_state()
    ctx.close()

    # Reviewer: score and submit.
    ctx, page = login(browser, live_server, reviewer)
    page.goto(f"{live_server.url}/review/mine/")
    page.click(f"text={proposal.title}")
    for field in page.locator("select[name^=score_]").all():
        field.select_option("4")
    page.select_option("select[name=recommendation]", "adopt")
    page.fill("textarea[name=comment]", "実用化の見通しが明確。")
    page.click("button[name=submit][value='1']")
    page.wait_for_selector(".ready")
    ctx.close()

    # Agency: the committee's decision.
    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/review/proposals/{proposal.pk}/")
    page.select_option("select[name=outcome]", "adopt")
    page.fill("form[action$='/decide/'] textarea[name=reason]", "技術的優位性が高い。")
    page.click("form[action$='/decide/'] button")
    page.wait_for_load_state()
    ctx.close()

    # Ministry: approval.
    ctx, page = login(browser, live_server, ministry)
    page.goto(f"{live_server.url}/review/proposals/{proposal.pk}/")
    page.click("button[name=approve][value='1']")
    page.wait_for_load_state()
    ctx.close()

    # Agency: notices and publication.
    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/review/calls/{call.pk}/")
    page.click("form[action$='/notify/'] button")
    page.wait_for_load_state()
    page.click("form[action$='/publish/'] button")
    page.wait_for_load_state()
    ctx.close()

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ADOPTED and proposal.result_notified_at

    # The public page, seen by anyone.
    ctx = browser.new_context(locale="ja-JP")
    page = ctx.new_page()
    page.goto(f"{live_server.url}/adoptions/")
    assert "クラウド型コアの高度化技術" in page.inner_text("table")
    page.screenshot(path=str(tmp_path / "adoptions.png"))
    ctx.close()
