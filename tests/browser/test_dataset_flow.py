"""A dataset from its registration to an approved request and a download, in real headless
Chromium: the data manager registers shared data with its written conditions, uploads a file and
publishes; another organisation's user asks; the manager checks each condition; the user
downloads the very bytes uploaded."""

import hashlib
import json

import pytest
from django.utils import translation

from kikin.datasets.models import AccessEvent, Dataset, RequestState
from tests import factories as f
from tests.browser.sessions import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTENT = b"timestamp_utc,node,event\n2027-05-01T03:00:00Z,amf-1,failover\n"


def test_dataset_to_approved_request_and_download(browser, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = f.applicant()
    user = f.applicant()

    # The data manager registers the dataset, uploads its file and publishes it.
    ctx, page = login(browser, live_server, manager)
    page.goto(f"{live_server.url}/datasets/new/")
    form = page.locator("#dataset-form")
    form.locator("[name=title_ja]").fill("障害切替ログ")
    form.locator("[name=title_en]").fill("Failover logs")
    form.locator("[name=creators]").fill("研究 太郎 / Taro Kenkyu / 試験大学")
    form.locator("[name=publisher]").fill("試験株式会社")
    form.locator("[name=subjects]").fill("5G, ログ")
    form.locator("[name=access_level]").select_option("shared")
    form.locator("[name=licence]").select_option("LicenseRef-conditions")
    form.locator("[name=conditions]").fill(
        "研究開発の目的に限り利用すること\n第三者に再配布しないこと"
    )
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/datasets/ds-*/")
    dataset = Dataset.objects.get()
    assert dataset.state == "draft" and len(dataset.conditions) == 2
    source = tmp_path / "failover.csv"
    source.write_bytes(CONTENT)
    upload = page.locator("#upload-form")
    upload.locator("input[type=file]").set_input_files(str(source))
    upload.locator("[name=sha256]").fill(hashlib.sha256(CONTENT).hexdigest())
    upload.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "failover.csv" in page.inner_text("#files")
    page.locator("#publish-form button").click()
    page.wait_for_load_state()
    dataset.refresh_from_db()
    assert dataset.state == "published"
    ld = json.loads(page.locator("script[type='application/ld+json']").inner_text())
    assert ld["@type"] == "Dataset" and ld["name"] == "障害切替ログ"
    ctx.close()

    # Another organisation's user asks for the data under the written conditions.
    ctx, page = login(browser, live_server, user)
    page.goto(f"{live_server.url}/datasets/{dataset.identifier}/")
    assert page.locator("a.download").count() == 0
    page.click("#request-access")
    form = page.locator("#request-form")
    form.locator("[name=purpose]").fill("障害切替アルゴリズムの評価")
    for name in ("accept_conditions", "declares_compliance", "declares_no_foreign_influence"):
        form.locator(f"[name={name}]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/datasets/requests/*/")
    request = dataset.requests.get()
    assert request.state == RequestState.SUBMITTED
    ctx.close()

    # The data manager checks each condition: all met, so the request is approved.
    ctx, page = login(browser, live_server, manager)
    page.goto(f"{live_server.url}/datasets/requests/")
    page.locator("#to-check a").first.click()
    page.wait_for_url(f"**/datasets/requests/{request.pk}/")
    for c in request.conditions_snapshot:
        page.locator(f"input[name=check_{c['code']}][value=met]").check()
    page.locator("#decide-form button[type=submit]").click()
    page.wait_for_load_state()
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED
    with translation.override("ja"):
        assert page.inner_text("#request-state").strip() == str(RequestState.APPROVED.label)
    page.screenshot(path=str(tmp_path / "decided.png"), full_page=True)
    ctx.close()

    # The user downloads the file: the bytes uploaded, and the download is logged.
    ctx, page = login(browser, live_server, user)
    page.goto(f"{live_server.url}/datasets/{dataset.identifier}/")
    with page.expect_download() as info:
        page.locator("a.download").first.click()
    path = info.value.path()
    with open(path, "rb") as got:
        assert got.read() == CONTENT
    assert info.value.suggested_filename == "failover.csv"
    ctx.close()
    assert AccessEvent.objects.filter(dataset=dataset, user=user, kind="downloaded").count() == 1
    assert AccessEvent.objects.filter(dataset=dataset, kind="granted").count() == 1
