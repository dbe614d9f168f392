"""An applicant signs in, starts, fills and submits a proposal with the keyboard alone (Tab,
Shift+Tab, typing, Space, Enter; never a click), in real headless Chromium."""

import os

import pytest

from kikin.calls.models import Proposal, ProposalState
from tests import factories as f
from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAKAGE = "開発環境への接続を社内網に限定する。"


@pytest.fixture
def keyboard_browser(browser):
    """Chromium whose date fields read month/day/year, whatever the machine's locale (the order
    of a date field's parts follows the browser's own language, not the page's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANG", "LC_"))}
    env["LANG"] = "en_US.UTF-8"
    b = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--lang=en-US"],
        env=env,
    )
    yield b
    b.close()


def test_an_applicant_submits_a_proposal_with_the_keyboard_only(
    keyboard_browser, live_server, plan
):
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    start = f.start_of_next_fy()
    context = keyboard_browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15000)

    def focused(selector: str) -> bool:
        return page.evaluate("s => document.activeElement.matches(s)", selector)

    def tab_to(selector: str, limit: int = 250) -> None:
        """Tab forward until `selector` has the focus, as a person would."""
        for _ in range(limit):
            page.keyboard.press("Tab")
            if focused(selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    def type_into(selector: str, text: str) -> None:
        tab_to(selector)
        page.keyboard.press("Control+A")  # what the field held is replaced
        page.keyboard.type(text)

    # Sign in.
    page.goto(f"{live_server.url}/accounts/login/?next=/calls/{call.pk}/")
    type_into("input[name=username]", applicant.username)
    type_into("input[name=password]", "pw")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/calls/{call.pk}/")

    # Start a proposal from the call's page.
    tab_to("form[action$='/start/'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    proposal = Proposal.objects.get(call=call, organisation=applicant.organisation)
    assert page.url.endswith(f"/proposals/{proposal.pk}/edit/")

    # Fill it in, field after field.
    type_into("input[name=title]", "キーボードだけで書いた提案")
    type_into("textarea[name=abstract]", "仮想化コアの処理性能を二倍にする。")
    type_into("textarea[name=plan]", "初年度に設計、次年度に試作、最終年度に実証する。")
    tab_to("input[name=start_date]")
    page.keyboard.type(start.strftime("%m%d%Y"))
    assert page.input_value("input[name=start_date]") == start.isoformat()
    type_into("input[name=period_months]", "36")
    for year in range(3):
        type_into("input[name=budget_fy]", str(start.year + year))
        type_into("input[name=budget_requested]", "900000000")
        type_into("input[name=budget_eligible]", "900000000")
        # Tab goes on from the row just filled: the next budget_fy is the next row's
    type_into("input[name=set_value]", "2.5")
    type_into("input[name=team_name]", "研究 太郎")
    tab_to("input[name=team_lead]")
    page.keyboard.press("Space")
    assert page.locator("input[name=team_lead]").first.is_checked()
    for name in (
        "leakage_core_technologies",
        "leakage_access_control",
        "leakage_staff_management",
        "leakage_partner_controls",
    ):
        type_into(f"textarea[name={name}]", LEAKAGE)
    page.wait_for_selector("#save-status .ready")  # the autosave found nothing missing

    # Submit, with Enter on the Submit button (and Enter on its question, if it asks one).
    page.on("dialog", lambda dialog: dialog.accept())
    tab_to("button[formaction$='/submit/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"**/proposals/{proposal.pk}/")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED
    assert proposal.title == "キーボードだけで書いた提案"
    assert [b.requested_yen for b in proposal.budget_lines.order_by("fiscal_year")] == [
        900_000_000
    ] * 3
    context.close()
