"""Irreversible actions ask first, in real headless Chromium under the site's
Content-Security-Policy (kikin.js, no inline script): the question says what will happen;
dismissing it sends nothing and changes nothing, accepting it does the action. Shown for
submitting a proposal (the question on the submit button of a form that also saves the draft)
and for paying a claim."""

import datetime as dt

import pytest

from kikin.awards import services as awards
from kikin.awards.demo import move_back
from kikin.awards.models import ClaimState, Payment
from kikin.calls.models import Proposal, ProposalState
from kikin.core.timeutil import today_jst
from tests import factories as f
from tests.browser.sessions import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Dialogs:
    """Answers the page's dialogs as told, and keeps what they asked."""

    def __init__(self, page):
        self.asked: list[tuple[str, str]] = []
        self.accept = False
        page.on("dialog", self._answer)

    def _answer(self, dialog):
        self.asked.append((dialog.type, dialog.message))
        dialog.accept() if self.accept else dialog.dismiss()


def _no_policy_violation(page, console: list[str]) -> None:
    page.on("console", lambda m: console.append(m.text))


def test_submitting_a_proposal_asks_first(browser, live_server, plan):
    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    proposal = f.complete_proposal(applicant, call, title="確認してから提出する提案")
    ctx, page = login(browser, live_server, applicant, answer_dialogs=False)
    dialogs, console = Dialogs(page), []
    _no_policy_violation(page, console)
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/edit/")
    edit_url = page.url

    # Saving the draft asks nothing: only the submit button carries a question.
    page.click("#proposal-form button[type=submit]:not([formaction])")
    page.wait_for_load_state()
    assert dialogs.asked == []

    # Dismissed: nothing is sent.
    page.goto(edit_url)
    page.click("button[formaction$='/submit/']")
    page.wait_for_timeout(700)
    assert len(dialogs.asked) == 1
    kind, question = dialogs.asked[0]
    assert kind == "confirm"
    assert "受付番号" in question and "提出" in question  # it says what will happen, in Japanese
    assert page.url == edit_url
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DRAFT and not proposal.receipt_number

    # Accepted: submitted, with its receipt number.
    dialogs.accept = True
    page.click("button[formaction$='/submit/']")
    page.wait_for_url(f"**/proposals/{proposal.pk}/")
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.state == ProposalState.SUBMITTED and proposal.receipt_number
    assert len(dialogs.asked) == 2
    assert not [m for m in console if "Content Security Policy" in m], console
    ctx.close()


def test_paying_a_claim_asks_first(browser, live_server, plan):
    proposal, applicant, _ministry, agency = f.adopted(plan)
    award = awards.create_award(actor=agency, proposal=proposal)
    today = today_jst()
    award = move_back(award, dt.date(today.year - (1 if today.month < 4 else 0) - 1, 4, 1))
    claim = awards.submit_claim(
        actor=applicant,
        award=award,
        fiscal_year=award.start_date.year,
        lines=[
            {
                "category": "personnel",
                "description": "研究員人件費",
                "incurred_on": award.start_date + dt.timedelta(days=10),
                "amount_yen": 7_654_321,
            }
        ],
    )
    ctx, page = login(browser, live_server, agency, answer_dialogs=False)
    dialogs, console = Dialogs(page), []
    _no_policy_violation(page, console)
    page.goto(f"{live_server.url}/awards/{award.pk}/")
    pay = page.locator(f"#claim-{claim.pk} button.primary")

    # Dismissed: no payment.
    pay.click()
    page.wait_for_timeout(700)
    ((kind, question),) = dialogs.asked
    assert kind == "confirm" and "支払" in question and "取り消せません" in question
    claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED
    assert not Payment.objects.filter(claim=claim).exists()

    # Accepted: approved and paid in full (a contract), once.
    dialogs.accept = True
    with page.expect_navigation():
        pay.click()
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    assert Payment.objects.get(claim=claim).amount_yen == 7_654_321
    assert not [m for m in console if "Content Security Policy" in m], console
    ctx.close()
