"""A prize challenge from registration to the final ranking, in real headless Chromium: an
individual signs up with an anonymous team, submits an entry, watches it being evaluated in the
sandbox, finds it on the leaderboard; the agency closes the stage; the final ranking on the
hidden part is public."""

import datetime as dt

import pytest

from kikin.accounts.models import Role
from kikin.challenges import services
from kikin.challenges.models import Submission
from kikin.core.timeutil import today_jst
from tests import factories as f
from tests.browser.sessions import login
from tests.challenges.helpers import RANDOM_ENTRY, load, needs_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_sandbox]


def test_registration_to_the_final_ranking(browser, live_server, page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    challenge = load()
    base = live_server.url

    # An individual signs up and registers an anonymous team.
    page.goto(f"{base}/challenges/{challenge.slug}/")
    assert "試験コンテスト" in page.inner_text("h1")
    page.click("text=チームを登録")
    page.fill("input[name=username]", "anon-entrant")
    page.fill("input[name=password]", "a-long-enough-pass-42")
    page.fill("input[name=handle]", "nightowl")
    page.check("input[name=anonymous]")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/team/")
    assert "nightowl" in page.inner_text("h1")

    # The entry: one Python file.
    entry = tmp_path / "my_optimiser.py"
    entry.write_bytes(RANDOM_ENTRY)
    stage = challenge.stages.get(code="preliminary")
    form = page.locator("#stage-preliminary form.entry-form")
    form.locator(f"input[name=s{stage.pk}-file]").set_input_files(str(entry))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/submissions/*/")

    # The worker (run at once in the tests) took it from the fair queue; the page shows it.
    page.wait_for_selector("#status.status-ok", timeout=30000)
    assert Submission.objects.get().status == "ok"
    assert services.evaluate_next() is None  # nothing left in the queue
    score = page.inner_text("#public-score")
    assert score == Submission.objects.get().public_text and len(score.split(".")[1]) == 6
    page.screenshot(path=str(tmp_path / "submission.png"), full_page=True)

    # The public leaderboard, in real time.
    page.goto(f"{base}/challenges/{challenge.slug}/stages/preliminary/board/")
    row = page.locator("#public-board tbody tr").first
    assert "nightowl" in row.inner_text() and row.locator("td").first.inner_text().strip() == "1"
    assert page.locator("#final-ranking").count() == 0  # the hidden part stays hidden

    # The agency closes the stage on its page.
    officer = f.user(Role.AGENCY)
    ctx, staff = login(browser, live_server, officer)
    staff.goto(f"{base}/challenges/{challenge.slug}/manage/")
    today = today_jst()
    staff.fill(f"input[name=r{stage.pk}-opens_on]", (today - dt.timedelta(days=5)).isoformat())
    staff.fill(f"input[name=r{stage.pk}-closes_on]", (today - dt.timedelta(days=1)).isoformat())
    staff.locator("#manage-preliminary + form button").click()
    staff.wait_for_selector(".messages")
    ctx.close()

    # Now everyone sees the final ranking on the hidden part.
    page.goto(f"{base}/challenges/{challenge.slug}/stages/preliminary/board/")
    final = page.locator("#final-ranking tbody tr").first
    assert "nightowl" in final.inner_text()
    hidden = Submission.objects.get().hidden_score
    assert format(hidden, ".6f") in final.inner_text()
    page.screenshot(path=str(tmp_path / "final.png"), full_page=True)
