"""An officer opens a call in the app, in real headless Chromium: a theme, its dates and its
guidelines as a PDF; an applicant then finds it with the time left before its deadline and
downloads the guidelines."""

import datetime as dt

import pytest

from kikin.accounts.models import Role
from kikin.calls.models import Call, CallDocument
from kikin.core import timeutil
from tests import factories as f
from tests.browser.sessions import login
from tests.security.files import tiny_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _local(at: dt.datetime) -> str:
    return at.astimezone(timeutil.JST).strftime("%Y-%m-%dT%H:%M")


def test_an_officer_opens_a_call_and_an_applicant_downloads_its_guidelines(
    browser, live_server, plan, tmp_path
):
    officer = f.user(Role.AGENCY)
    applicant = f.applicant()
    theme = f.theme("1-a1")
    now = timeutil.now().replace(second=0, microsecond=0)
    opens, closes = now - dt.timedelta(hours=1), now + dt.timedelta(days=9, hours=12)
    guidelines = tmp_path / "公募要領.pdf"
    guidelines.write_bytes(tiny_pdf("Call guidelines"))

    # The officer: from the calls list to the program, then the call's form.
    ctx, page = login(browser, live_server, officer)
    page.goto(f"{live_server.url}/calls/")
    page.click("a[href='/calls/new/']")
    page.click("a[href='/calls/new/post5g/']")
    assert "計画" in page.inner_text("#plan-revision")
    page.fill("input[name=key]", "browser-1")
    page.fill("input[name=title_ja]", "ブラウザで作った公募")
    page.fill("input[name=title_en]", "A call made in the browser")
    page.check(f"input[name=themes][value='{theme.pk}']")
    page.fill("input[name=opens_at]", _local(opens))
    # First a deadline before the opening: refused, the field named by its label.
    page.fill("input[name=closes_at]", _local(opens - dt.timedelta(days=1)))
    page.click("#call-form button[type=submit]")
    page.wait_for_selector("#form-errors")
    assert "公募締切（JST）：公募締切は公募開始より後にしてください。" in page.inner_text(
        "#form-errors"
    )
    assert page.input_value("input[name=title_ja]") == "ブラウザで作った公募"  # nothing lost
    page.fill("input[name=closes_at]", _local(closes))
    page.click("#call-form button[type=submit]")
    page.wait_for_url("**/edit/")
    call = Call.objects.get(key="browser-1")
    assert list(call.themes.all()) == [theme] and call.closes_at == closes
    # Its guidelines, as a PDF.
    page.select_option("select[name=kind]", "guidelines")
    page.fill("#document-form input[name=title_ja]", "公募要領")
    page.set_input_files("input[name=document]", str(guidelines))
    page.click("#document-form button[type=submit]")
    page.wait_for_selector("#documents a:has-text('公募要領')")
    document = CallDocument.objects.get(call=call)
    assert document.original_name == "公募要領.pdf"
    ctx.close()

    # The applicant: the call on the list with its countdown, then the guidelines.
    ctx, page = login(browser, live_server, applicant)
    page.goto(f"{live_server.url}/calls/")
    row = page.locator("tr", has=page.locator(f"a[href='/calls/{call.pk}/']"))
    assert row.locator(".countdown").inner_text() == "残り9日"
    page.click(f"a[href='/calls/{call.pk}/']")
    assert page.locator(".facts .countdown").inner_text() == "残り9日"
    with page.expect_download() as info:
        page.click(f"a[href='/calls/{call.pk}/documents/{document.pk}/']")
    download = info.value
    assert download.suggested_filename == "公募要領.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(str(saved))
    assert saved.read_bytes() == guidelines.read_bytes()
    ctx.close()
