"""The guides as data: one per role in Japanese and English, with the same sections and pictures in
both, covering what each role does, linking only to sections and pages that exist, showing only
screenshots that are there, and rendering no HTML of their own."""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, resolve

from kikin.help import selectors
from kikin.help.selectors import GuideError, parse

#: What each role's guide must explain (issue 13, point 9), by section anchor.
REQUIRED = {
    "applicant": {
        "find-call",
        "eligibility",
        "proposal",
        "attachments",
        "submit",
        "award",
        "claims",
        "progress",
        "outcomes",
    },
    "reviewer": {"assignments", "conflicts", "scoring", "blind-review", "deadlines"},
    "agency": {
        "calls",
        "first-review",
        "assignment",
        "committee",
        "awards",
        "claims",
        "stage-gates",
        "filings",
    },
    "ministry": {"screening", "approvals", "set-value", "consultations", "targets"},
}


def all_guides():
    return [
        selectors.guide(slug, lang) for slug in selectors.GUIDES for lang in selectors.LANGUAGES
    ]


def test_each_role_has_a_guide_in_japanese_and_english_with_the_same_sections_and_pictures():
    assert set(selectors.GUIDES) == set(REQUIRED)
    for slug in selectors.GUIDES:
        ja, en = selectors.guide(slug, "ja"), selectors.guide(slug, "en")
        assert ja.anchors == en.anchors, slug
        assert ja.pictures == en.pictures, slug
        assert ja.title != en.title
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja.title), ja.title
        # the Japanese guide is written in Japanese, not left in English
        for section in ja.sections:
            assert re.search(r"[\u3040-\u30ff]", section.html), (slug, section.anchor)


@pytest.mark.parametrize("slug", sorted(REQUIRED))
def test_each_guide_explains_what_its_role_does(slug):
    for lang in selectors.LANGUAGES:
        g = selectors.guide(slug, lang)
        assert REQUIRED[slug] <= set(g.anchors), (lang, REQUIRED[slug] - set(g.anchors))
        assert all(s.html.strip() for s in g.sections)
        assert g.pictures, "a guide shows the pages it explains"


def test_links_in_the_guides_go_to_sections_and_pages_that_exist():
    for g in all_guides():
        for link in g.links:
            if link.startswith("#"):
                assert g.section(link[1:]), (g.slug, g.language, link)
            elif link.startswith("guide:"):
                other, anchor = link[len("guide:") :].split("#")
                for lang in selectors.LANGUAGES:
                    assert selectors.guide(other, lang).section(anchor), (g.slug, link)
            elif link.startswith("/"):
                try:
                    resolve(link.split("?")[0].split("#")[0])
                except Resolver404:
                    pytest.fail(f"{g.slug} ({g.language}) links to {link}, which no page answers")
            else:
                assert link.startswith("https://"), link


def test_every_picture_a_guide_shows_is_a_screenshot_on_disk_and_none_is_left_over():
    shown = {(g.language, name) for g in all_guides() for name in g.pictures}
    for lang, name in shown:
        path = selectors.screenshot_path(lang, name)
        assert path.is_file(), f"{path} is missing: run tests/browser/test_guide_screenshots.py"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    on_disk = {(p.parent.name, p.name) for p in selectors.SCREENS_DIR.glob("*/*") if p.is_file()}
    assert on_disk == shown, f"screenshots no guide shows: {sorted(on_disk - shown)}"


def test_pictures_are_served_from_the_screenshots_of_their_language():
    for g in all_guides():
        html = "".join([g.intro, *(s.html for s in g.sections)])
        sources = re.findall(r'<img src="([^"]+)"', html)
        assert sources
        assert all(s.startswith(f"/static/help/screens/{g.language}/") for s in sources), sources


# ---------------------------------------------------------------------------------------------
# What a guide's Markdown may do


def _guide(body: str):
    return parse(f"# Title\n\nIntro.\n\n## Part {{#part}}\n\n{body}\n", "applicant", "en")


def test_raw_html_in_a_guide_is_shown_as_text_never_run():
    g = _guide('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n**bold**')
    html = g.sections[0].html
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=" in html
    assert "<strong>bold</strong>" in html


def test_a_script_link_is_not_made():
    html = _guide("[click](javascript:alert(1)) [data](data:text/html,hi)").sections[0].html
    assert "<a " not in html and "javascript:alert" in html  # left as text


@pytest.mark.parametrize(
    "body",
    [
        "[page](http://example.com/)",
        "[page](//example.com/)",
        "[page](mailto:someone@example.jp)",
        "[part](#nowhere)",
        "[guide](guide:nobody#part)",
        "![shot](../../settings.png)",
        "![shot](https://example.com/x.png)",
        "![shot](shot.svg)",
    ],
)
def test_links_and_pictures_other_than_the_guides_own_are_refused(body):
    with pytest.raises(GuideError):
        _guide(body)


@pytest.mark.parametrize(
    "text",
    [
        "No title\n\n## Part {#part}\n",
        "# Title\n\n## Part without an anchor\n",
        "# Title\n\n## Part {#Part_1}\n",
        "# Title\n\n## One {#part}\n\n## Two {#part}\n",
        "# Title\n\n# Another title\n",
    ],
)
def test_a_guide_that_breaks_the_conventions_is_an_error_when_read(text):
    with pytest.raises(GuideError):
        parse(text, "applicant", "en")


def test_links_the_guides_allow():
    g = _guide(
        "[calls](/calls/) [here](#part) [reviewer](guide:reviewer#scoring) "
        "[law](https://elaws.e-gov.go.jp/) ![shot](applicant-call.png)"
    )
    html = g.sections[0].html
    assert '<a href="/calls/"' in html and '<a href="#part">' in html
    assert '<a href="/help/reviewer/#scoring">' in html
    assert 'href="https://elaws.e-gov.go.jp/" rel="noopener"' in html
    assert 'src="/static/help/screens/en/applicant-call.png"' in html
    assert g.pictures == ("applicant-call.png",)
