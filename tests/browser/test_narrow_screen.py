"""On a phone (375 × 812) no page scrolls sideways: every page a crawl of each demo role reaches
(tests/security/crawl.py, following the links of the role's pages) is opened in real headless
Chromium, and the document is no wider than the screen. A wide table scrolls in a box of its
own, which the keyboard can reach and which is named after the table."""

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.a11y import (
    DEMO_ROLES,
    browser_context,
    build_stage,
    scroll_width,
    signed_in_client,
)
from tests.security.crawl import DOWNLOAD, crawl

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 375, 812
#: Each section's front, so that the crawl reaches into all of them.
STARTS = [
    "/",
    "/programs/",
    "/calls/",
    "/review/",
    "/awards/",
    "/compute/",
    "/compliance/",
    "/outcomes/assessments/",
    "/outcomes/targets/",
    "/budgets/",
    "/datasets/",
    "/challenges/",
    "/jobs/",
    "/exchange/",
    "/api/tokens/",
    "/inbox/notifications/",
]


def _pages(client, main_pages) -> list[str]:
    by_route, _forms = crawl(client, main_pages + STARTS, per_route=1)
    paths = {path for found in by_route.values() for path in found}
    return [*main_pages, *sorted(p for p in paths - set(main_pages) if not DOWNLOAD.search(p))]


def test_no_page_scrolls_sideways_at_375_px(browser, live_server):
    stage = build_stage()
    too_wide, opened = [], {}
    for role in ("anonymous", *DEMO_ROLES):
        client = signed_in_client(stage.users[role])
        paths = _pages(client, stage.main_pages[role])
        for lang in ("ja", "en"):
            # every page in Japanese; the main pages in English too (longer words)
            context = browser_context(
                browser, live_server, client, lang=lang, width=WIDTH, height=HEIGHT
            )
            page = context.new_page()
            page.set_default_timeout(15000)
            for path in paths if lang == "ja" else stage.main_pages[role]:
                try:
                    response = page.goto(f"{live_server.url}{path}")
                except PlaywrightError as e:
                    if "Download is starting" in str(e):  # a file (CSV, PDF): not a page
                        continue
                    raise
                if response is None or "html" not in response.headers.get("content-type", ""):
                    continue  # a feed, JSON
                opened[role] = opened.get(role, 0) + 1
                width = scroll_width(page)
                if width > WIDTH + 1:
                    too_wide.append(f"{role} {lang} {path}: {width}px")
            context.close()
    # the crawl reached into each role's pages (not just the home page)
    assert all(opened.get(role, 0) >= 20 for role in ("anonymous", *DEMO_ROLES)), opened
    assert not too_wide, f"pages wider than {WIDTH}px:\n" + "\n".join(too_wide)


def test_a_wide_table_scrolls_in_its_own_named_box(browser, live_server, plan):
    from tests import factories as f

    applicant = f.applicant()
    draft = f.complete_proposal(applicant, f.open_call(plan))
    context = browser_context(
        browser, live_server, signed_in_client(applicant), lang="ja", width=WIDTH, height=HEIGHT
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/proposals/{draft.pk}/edit/")
    assert scroll_width(page) <= WIDTH
    box = page.locator(".table-scroll:has(input[name=budget_fy])")
    assert box.get_attribute("role") == "region"
    assert box.get_attribute("tabindex") == "0"
    assert box.get_attribute("aria-label") == "年度別の予算（円）"  # the fieldset's legend
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # it scrolls, the page does not
    box.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # the arrow keys scroll the focused box (the browser may animate it: wait for it to move)
    page.wait_for_function(
        "() => document.querySelector('.table-scroll:has(input[name=budget_fy])').scrollLeft > 0",
        timeout=5000,
    )
    # On a wide screen the same table fits: no scrolling box, no extra stop for the keyboard.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function(
        "() => !document.querySelector('.table-scroll:has(input[name=budget_fy])')"
        ".hasAttribute('tabindex')"
    )
    assert box.get_attribute("role") is None
    context.close()
