"""The guides' pages, the "Help" link of the navigation and the "?" links of the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template, TemplateSyntaxError

from kikin.help import selectors
from tests import factories as f

SRC = Path(__file__).resolve().parents[2] / "src" / "kikin"
ROLES = {
    "applicant": "applicant",
    "reviewer": "reviewer",
    "agency": "agency",
    "ministry": "ministry",
}
HELP_LINK = re.compile(r"\{%\s*help_link\s+(.*?)%\}")


def _person(role):
    if role == "applicant":
        return f.applicant()
    if role == "reviewer":
        return f.reviewer()
    return f.user(role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_guide_answers_for_everyone_signed_in_or_not(client, role):
    if role:
        client.force_login(_person(role))
    page = client.get("/help/")
    assert page.status_code == 200
    for slug in selectors.GUIDES:
        assert f'href="/help/{slug}/"' in page.content.decode()
        guide = client.get(f"/help/{slug}/")
        assert guide.status_code == 200
        html = guide.content.decode()
        for anchor in selectors.guide(slug, "ja").anchors:
            assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
    assert client.get("/help/nobody/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *ROLES])
def test_help_in_the_navigation_opens_ones_own_guide(client, role):
    if role:
        client.force_login(_person(role))
    html = client.get("/calls/").content.decode()
    (href,) = re.findall(r'<a href="([^"]*)" data-testid="nav-help">', html)
    assert href == (f"/help/{ROLES[role]}/" if role else "/help/")
    if role:
        index = client.get("/help/").content.decode()
        assert re.search(rf'<li class="mine"><a href="/help/{ROLES[role]}/">', index)


@pytest.mark.django_db
def test_a_guide_in_the_language_of_the_reader(client):
    ja = client.get("/help/reviewer/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    en = client.get("/help/reviewer/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert selectors.guide("reviewer", "ja").title in ja
    assert selectors.guide("reviewer", "en").title in en
    assert "/static/help/screens/ja/reviewer-scoring.png" in ja
    assert "/static/help/screens/en/reviewer-scoring.png" in en
    assert "ヘルプ" in ja and ">Help<" in en


def _render(user, source):
    return Template("{% load help_links %}" + source).render(Context({"user": user}))


@pytest.mark.django_db
def test_a_question_mark_leads_to_the_section_of_the_readers_own_guide():
    source = '{% help_link "applicant:claims" "agency:claims" %}'
    assert 'href="/help/agency/#claims"' in _render(f.user("agency"), source)
    assert 'href="/help/applicant/#claims"' in _render(f.applicant(), source)
    # a role the page names no section for, or no one signed in: the first
    assert 'href="/help/applicant/#claims"' in _render(f.user("ministry"), source)
    assert 'href="/help/applicant/#claims"' in _render(AnonymousUser(), source)
    link = _render(f.applicant(), source)
    assert 'class="help-link"' in link and 'aria-label="' in link and ">?</a>" in link


@pytest.mark.django_db
@pytest.mark.parametrize(
    "source",
    [
        '{% help_link "applicant:nowhere" %}',
        '{% help_link "nobody:claims" %}',
        '{% help_link "applicant" %}',
        "{% help_link %}",
    ],
)
def test_a_question_mark_to_nowhere_is_an_error(source):
    with pytest.raises(TemplateSyntaxError):
        _render(AnonymousUser(), source)


def test_every_question_mark_of_the_templates_leads_to_a_section_of_a_guide():
    found = {}
    for path in sorted(SRC.rglob("*.html")):
        for args in HELP_LINK.findall(path.read_text(encoding="utf-8")):
            targets = re.findall(r'"([^"]+)"', args)
            assert targets, f"{path}: {args}"
            found[path.relative_to(SRC)] = targets
            for target in targets:
                slug, anchor = target.split(":")
                for lang in selectors.LANGUAGES:
                    assert selectors.guide(slug, lang).section(anchor), f"{path}: {target}"
    # the pages each guide explains link to it
    linked = {t.split(":")[0] for targets in found.values() for t in targets}
    assert linked == set(selectors.GUIDES)
    assert len(found) >= 15, found


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "path", "target"),
    [
        (None, "/calls/", "/help/applicant/#find-call"),
        ("applicant", "/", "/help/applicant/#home"),
        ("reviewer", "/", "/help/reviewer/#home"),
        ("agency", "/", "/help/agency/#home"),
        ("ministry", "/", "/help/ministry/#home"),
        ("reviewer", "/review/mine/", "/help/reviewer/#assignments"),
        ("reviewer", "/review/profile/", "/help/reviewer/#expertise"),
        ("agency", "/review/", "/help/agency/#selection"),
        ("ministry", "/review/", "/help/ministry/#approvals"),
        ("ministry", "/compliance/ministry/", "/help/ministry/#consultations"),
        ("agency", "/outcomes/filings/", "/help/agency/#filings"),
        ("ministry", "/outcomes/targets/", "/help/ministry/#targets"),
    ],
)
def test_the_pages_link_to_the_part_of_the_guide_that_explains_them(client, role, path, target):
    if role:
        client.force_login(_person(role))
    page = client.get(path)
    assert page.status_code == 200
    assert f'class="help-link" href="{target}"' in page.content.decode()
