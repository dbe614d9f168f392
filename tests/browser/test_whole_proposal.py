"""A proposal in real headless Chromium: a file removed and attached again, a refused save that
keeps what was typed, and, once submitted, the whole proposal (files, team, partners, the
technology-leakage plan) on the applicant's, the officer's and the reviewer's pages."""

from pathlib import Path

import pytest

from kikin.accounts.models import Role
from kikin.audit.models import AuditRecord
from kikin.calls.models import Proposal, ProposalState
from kikin.calls.services import create_proposal
from kikin.review import services as review
from tests import factories as f
from tests.browser.sessions import login
from tests.security.files import tiny_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAKAGE = "社内規程に基づき、開発環境への接続を限定する。"


def _pdf(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(tiny_pdf(name))
    return str(path)


def test_the_whole_proposal_from_the_form_to_the_reviewer(
    browser, live_server, plan, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    proposal = create_proposal(actor=applicant, call=call, theme=call.themes.get())
    start = f.start_of_next_fy()
    edit = f"{live_server.url}/proposals/{proposal.pk}/edit/"

    ctx, page = login(browser, live_server, applicant)
    page.goto(edit)
    # A file attached, removed (after the page's confirmation), and another attached.
    page.set_input_files("input[name=attachment]", _pdf(tmp_path, "wrong.pdf"))
    page.click("form[action$='/attachments/'] button")
    page.wait_for_selector("#attachments li a:has-text('wrong.pdf')")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#attachments button.remove-attachment")
    page.wait_for_load_state()
    assert "wrong.pdf" not in page.inner_text("#attachments")
    page.set_input_files("input[name=attachment]", _pdf(tmp_path, "plan.pdf"))
    page.click("form[action$='/attachments/'] button")
    page.wait_for_selector("#attachments li a:has-text('plan.pdf')")

    # Fill in; the period is mistyped: the save is refused and everything typed stays.
    page.fill("input[name=title]", "クラウド型コアの高度化技術")
    page.fill("textarea[name=abstract]", "仮想化コアの処理性能を二倍にする。")
    page.fill("textarea[name=plan]", "初年度に設計、次年度に試作、最終年度に実証する。")
    page.fill("input[name=start_date]", start.isoformat())
    for i in range(3):
        page.locator("input[name=budget_fy]").nth(i).fill(str(start.year + i))
        page.locator("input[name=budget_requested]").nth(i).fill(str(900_000_000 + i))
    page.fill("input[name=set_value]", "2.5")
    page.locator("input[name=team_name]").first.fill("研究 太郎")
    page.locator("input[name=team_lead]").first.check()
    page.locator("input[name=partner_name]").first.fill("協力大学")
    for name in (
        "leakage_core_technologies",
        "leakage_access_control",
        "leakage_staff_management",
        "leakage_partner_controls",
    ):
        page.fill(f"textarea[name={name}]", LEAKAGE)
    page.fill("input[name=period_months]", "三年")
    page.wait_for_selector("#save-status [data-field=period_months]")  # the autosave told
    with page.expect_navigation():
        page.click("#proposal-form button[type=submit]:not([formaction])")
    page.wait_for_selector("#error-period_months")
    assert "研究開発期間" in page.inner_text("#error-period_months")  # its label, in Japanese
    assert page.input_value("input[name=period_months]") == "三年"
    typed = [page.locator("input[name=budget_requested]").nth(i).input_value() for i in range(3)]
    assert typed == ["900000000", "900000001", "900000002"]
    assert page.locator("input[name=budget_fy]").nth(2).input_value() == str(start.year + 2)
    assert page.locator("input[name=team_name]").first.input_value() == "研究 太郎"
    assert page.locator("input[name=partner_name]").first.input_value() == "協力大学"
    assert page.input_value("input[name=start_date]") == start.isoformat()

    # Corrected and submitted.
    page.fill("input[name=period_months]", "36")
    page.wait_for_selector("#save-status .ready")
    page.click("button[formaction$='/submit/']")
    page.wait_for_url("**/proposals/*/")
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.state == ProposalState.SUBMITTED

    def whole(page):
        document = page.inner_text("#proposal-document")
        assert "plan.pdf" in document and "wrong.pdf" not in document
        assert "研究 太郎" in document and "協力大学" in document and LEAKAGE in document
        assert page.locator("#doc-attachments a:has-text('plan.pdf')").count() == 1

    whole(page)
    ctx.close()

    # The officer reads it and downloads the file (audited).
    ministry, agency = f.user(Role.MINISTRY), f.user(Role.AGENCY)
    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    whole(page)
    with page.expect_download() as info:
        page.click("#doc-attachments a:has-text('plan.pdf')")
    download = info.value
    assert download.suggested_filename == "plan.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    assert AuditRecord.objects.filter(
        action="proposal.attachment_download", actor=agency, object_id=str(proposal.pk)
    ).exists()
    ctx.close()

    # The assigned reviewer scores from the whole proposal.
    reviewer = f.reviewer()
    if proposal.theme.item.first_review:
        review.decide_first_review(actor=ministry, proposal=proposal, passed=True, reason="合致")
    review.assign_reviewer(actor=agency, proposal=proposal, reviewer=reviewer)
    ctx, page = login(browser, live_server, reviewer)
    page.goto(f"{live_server.url}/review/mine/")
    page.click("text=クラウド型コアの高度化技術")
    page.wait_for_selector("#proposal-document")
    whole(page)
    ctx.close()
