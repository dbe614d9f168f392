"""Accessibility, checked by axe-core in real headless Chromium: each role's main pages (home and
the page that person works on most) in Japanese and in English have no serious or critical
violation; the skip link comes first and takes the keyboard to the main content; every input of
the table-style forms is named by its column and row."""

import pytest

from tests.browser.a11y import (
    DEMO_ROLES,
    axe_violations,
    browser_context,
    build_stage,
    signed_in_client,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LANGUAGES = ("ja", "en")


def test_no_serious_or_critical_violation_on_each_roles_main_pages(browser, live_server):
    stage = build_stage()
    failures, checked = [], 0
    for role in ("anonymous", *DEMO_ROLES):
        client = signed_in_client(stage.users[role])
        for lang in LANGUAGES:
            context = browser_context(browser, live_server, client, lang=lang)
            page = context.new_page()
            page.set_default_timeout(15000)
            for path in stage.main_pages[role]:
                response = page.goto(f"{live_server.url}{path}")
                assert response.ok, f"{role} {lang} {path}: {response.status}"
                assert page.url == f"{live_server.url}{path}", f"{role} {lang} {path}: {page.url}"
                assert page.get_attribute("html", "lang") == lang
                failures += [f"{role} {lang} {path}: {v}" for v in axe_violations(page)]
                checked += 1
            context.close()
    assert checked == 2 * sum(len(pages) for pages in stage.main_pages.values())
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)


def test_the_skip_link_comes_first_and_every_table_input_is_named_by_column_and_row(
    browser, live_server, plan
):
    from kikin.awards import services as awards
    from tests import factories as f

    proposal, applicant, _ministry, agency = f.adopted(plan)
    award = awards.create_award(actor=agency, proposal=proposal)
    draft = f.complete_proposal(applicant, f.open_call(plan), title="書きかけの提案")
    client = signed_in_client(applicant)
    for lang, skip, names, claim_line in (
        (
            "en",
            "Skip to main content",
            [
                "Requested (yen), row 2",
                "Eligible cost (yen), row 3",
                "Researcher number (e-Rad), row 1",
                "PI, row 2",
                "Relation, row 1",
                "Supplies AI compute, row 1",
                "Corporate number (if any), row 1",
            ],
            "Amount (yen), row 2",
        ),
        (
            "ja",
            "本文へスキップ",
            ["申請額（円）（2行目）", "研究者番号(e-Rad)（1行目）"],
            "金額（円）（2行目）",
        ),
    ):
        context = browser_context(browser, live_server, client, lang=lang)
        page = context.new_page()
        page.goto(f"{live_server.url}/proposals/{draft.pk}/edit/")
        link = page.locator("a.skip-link")
        assert not _in_view(link)  # out of sight until it has the focus
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.evaluate("document.activeElement.textContent") == skip
        assert _in_view(link)
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.keyboard.press("Tab")  # on inside the content, not back to the menu
        assert page.evaluate("!!document.activeElement.closest('main')")

        for name in names:
            assert page.get_by_label(name, exact=True).count() == 1, name
        page.get_by_label(names[0], exact=True).fill("5")
        assert page.locator("input[name=budget_requested]").nth(1).input_value() == "5"
        page.goto(f"{live_server.url}/awards/{award.pk}/")
        assert page.get_by_label(claim_line, exact=True).count() == 1
        context.close()


def _in_view(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] + box["height"] > 0
