"""Each role's home shows what waits for them, and a notification reaches its reader in the app
and by mail, in real headless Chromium."""

import pytest
from django.core import mail

from kikin.awards import services as awards
from kikin.awards.models import ClaimState
from kikin.calls.services import submit_proposal
from kikin.core.timeutil import clock_at
from kikin.review import services as review
from tests import factories as f
from tests.browser.sessions import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_role_sees_its_inbox_and_a_notification_reaches_its_reader(browser, live_server, plan):
    proposal, applicant, ministry, agency = f.adopted(plan)
    applicant.email = "taro@example.jp"
    applicant.save(update_fields=["email"])
    award = awards.create_award(actor=agency, proposal=proposal)
    with clock_at(award.start_date):  # claimed on the day its first expense was incurred
        claim = awards.submit_claim(
            actor=applicant,
            award=award,
            fiscal_year=award.start_date.year,
            lines=[
                {
                    "category": "personnel",
                    "description": "研究員人件費",
                    "incurred_on": award.start_date,
                    "amount_yen": 2_000_000,
                }
            ],
        )
    # a second proposal, waiting for the ministry's first review
    other = f.applicant()
    second = f.complete_proposal(other, f.open_call(plan), title="二件目の提案")
    submit_proposal(actor=other, proposal=second, submission_key="second")
    second.refresh_from_db()
    # and a draft of the first applicant's organisation, in a call still open
    f.complete_proposal(applicant, f.open_call(plan), title="書きかけの提案")
    mail.outbox.clear()

    # The ministry: the screening waits on its home page.
    ctx, page = login(browser, live_server, ministry)
    page.goto(f"{live_server.url}/")
    screenings = page.locator("[data-section=screenings]")
    assert second.receipt_number in screenings.inner_text()
    assert int(page.inner_text("[data-testid=nav-inbox-count]")) >= 1
    ctx.close()

    review.decide_first_review(actor=ministry, proposal=second, passed=True, reason="合致")
    reviewer = f.reviewer()
    review.assign_reviewer(actor=agency, proposal=second, reviewer=reviewer)

    # The reviewer: the assignment and its due date.
    ctx, page = login(browser, live_server, reviewer)
    page.goto(f"{live_server.url}/")
    item = page.locator("[data-section=assignments] li").first
    assert second.receipt_number in item.inner_text()
    assert second.call.adoption_due_date.isoformat() in item.inner_text()
    assert page.inner_text("[data-testid=nav-unread-count]") == "1"  # told of the assignment
    ctx.close()

    # The officer: the claim to check; approving it pays it.
    ctx, page = login(browser, live_server, agency)
    page.goto(f"{live_server.url}/")
    assert award.number in page.locator("[data-section=claims]").inner_text()
    page.click("[data-section=claims] li a")
    page.wait_for_url(f"**/awards/{award.pk}/")
    page.locator(f"#claim-{claim.pk} button.primary").click()
    page.wait_for_load_state()
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    page.goto(f"{live_server.url}/")
    assert page.locator("[data-section=claims] li").count() == 0
    ctx.close()

    # The implementer: the draft with its days left, and the notification, read and marked read.
    ctx, page = login(browser, live_server, applicant)
    page.goto(f"{live_server.url}/")
    drafts = page.locator("[data-section=drafts]").inner_text()
    assert "書きかけの提案" in drafts and "日" in drafts
    assert page.inner_text("[data-testid=nav-unread-count]") == "1"
    page.click("a[href='/inbox/notifications/?show=unread']")
    note = page.locator("li.unread").first
    assert "経費請求が承認されました" in note.inner_text() and "2,000,000円" in note.inner_text()
    note.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.inner_text("[data-testid=nav-unread-count]") == "0"
    assert page.locator("li.unread").count() == 0
    ctx.close()

    # ... and by mail, sent by the background job, in Japanese
    (message,) = [m for m in mail.outbox if m.to == ["taro@example.jp"]]
    assert "経費請求が承認されました" in message.subject
    assert f"/awards/{award.pk}/" in message.body
