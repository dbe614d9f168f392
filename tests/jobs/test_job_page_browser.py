"""The job page in real Chromium, under the site's Content-Security-Policy: htmx polls the
status and shows the result when the worker has finished, with no script refused."""

from __future__ import annotations

import pytest

from kikin.accounts.models import Role
from kikin.jobs import runner
from kikin.jobs.services import enqueue_job
from tests import factories
from tests.browser.sessions import login

from . import handlers  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_job_page_follows_the_job_until_its_result(browser, live_server, settings):
    asker = factories.user(Role.AGENCY)
    settings.KIKIN_JOBS_EAGER = False
    job = enqueue_job(kind="test.count", params={"n": 5}, requested_by=asker, label="数える")
    settings.KIKIN_JOBS_EAGER = True
    ctx, page = login(browser, live_server, asker)
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    assert page.locator("#job-status").get_attribute("data-state") == "queued"
    runner.run_job(job.pk)  # the worker's part
    page.wait_for_selector("#job-status[data-state=done]", timeout=10000)
    assert "counted 5" in page.inner_text("#job-status")
    page.goto(f"{live_server.url}/jobs/")
    assert "数える" in page.inner_text("main")
    assert refused == []
    ctx.close()
