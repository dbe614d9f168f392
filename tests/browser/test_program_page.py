"""The program page in real headless Chromium: Japanese first, the English switch, the date."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_program_page_switches_language_and_date(live_server, page, plan, tmp_path):
    page.goto(f"{live_server.url}/programs/post5g/")
    assert page.locator("html").get_attribute("lang") == "ja"
    g3 = page.locator("#theme-1-g3")
    assert "245億円" in g3.inner_text()
    assert g3.locator(".yen").first.get_attribute("title").endswith("円")
    page.screenshot(path=str(tmp_path / "program-ja.png"))

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "¥24.5bn" in page.locator("#theme-1-g3").inner_text()

    page.fill("input[name=on]", "2024-01-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**on=2024-01-01")
    assert "earliest recorded terms" in page.locator(".notice").inner_text()
