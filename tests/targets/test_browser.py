"""The targets pages in real headless Chromium: the charts draw, Japanese text shows, the figures
link to their lists. Screenshots go to the test's tmp_path (or KIKIN_SCREENSHOTS, to look at)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.browser.sessions import login
from tests.targets.test_figures import make_world, random_specs, write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shots(tmp_path) -> Path:
    return Path(os.environ.get("KIKIN_SCREENSHOTS") or tmp_path)


def test_dashboard_and_public_page_in_a_browser(browser, live_server, plan, tmp_path):
    world = make_world(plan)
    write(world, random_specs(world, random.Random(12), 80))
    out = shots(tmp_path)

    ctx, page = login(browser, live_server, world.agency)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    page.locator("header.site nav a[href='/outcomes/targets/']").click()
    page.wait_for_url("**/outcomes/targets/")
    assert page.locator("html").get_attribute("lang") == "ja"
    charts = page.locator("figure.chart svg")
    assert charts.count() == 4
    for i in range(4):
        box = charts.nth(i).bounding_box()
        assert box["width"] > 300 and box["height"] > 120  # drawn at a legible size
    assert (
        "令和2年度" in page.locator("figure.chart").nth(2).inner_html()
    )  # fiscal years in Japanese on the axis
    assert "ポスト５Ｇ" in page.content() or "ポスト5G" in page.content()
    page.screenshot(path=str(out / "targets-dashboard-ja.png"), full_page=True)

    # The denominator of the fund's target achievement opens the list of completed themes.
    headline = page.locator(".targets-headline .target-share").first
    completed = int(headline.locator(".ratio a").nth(1).inner_text())
    headline.locator(".ratio a").nth(1).click()
    page.wait_for_url("**figure=completed**")
    rows = page.locator("table.themes-behind tbody th[scope=row]")
    assert rows.count() == min(completed, 50)
    page.screenshot(path=str(out / "targets-themes-ja.png"), full_page=True)
    ctx.close()

    page = browser.new_page(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/adoptions/")
    page.locator("a[href='/outcomes/targets/public/']").click()
    page.wait_for_url("**/outcomes/targets/public/")
    assert page.locator("figure.chart svg").count() == 4
    assert "先導研究" in page.content()  # item titles, in Japanese
    page.screenshot(path=str(out / "targets-public-ja.png"), full_page=True)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "FY2020" in page.locator("figure.chart").nth(2).inner_html()
    page.screenshot(path=str(out / "targets-public-en.png"), full_page=True)
    page.close()
