"""The datasets list's search, sorting and filters (kikin.core.listing), beside the catalogue's
own search (`/search/`, unchanged): Japanese and English, sorts both ways, filters kept in every
link (the platform's link among them), unknown values ignored, and drafts that a search never
shows to those who may not see them."""

import pytest
from django.urls import reverse

from kikin.datasets.models import DataPlatform
from tests import factories as f

from .helpers import bulk_published, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    p = people()
    platform = DataPlatform.objects.create(
        code="qc-optics", name_ja="量子光学データ基盤", name_en="Quantum optics data hub"
    )
    made = {
        "micro": bulk_published(
            1, p.manager, title_ja="電子顕微鏡画像", title_en="Electron micrographs"
        ),
        "kana": bulk_published(
            1, p.manager, title_ja="カタカナ表記の辞書", title_en="Katakana dictionary"
        ),
        "ai": bulk_published(
            1, p.manager, title_ja="AI学習用コーパス", title_en="Corpus for AI", platform=platform
        ),
        "draft": bulk_published(
            1, p.manager, title_ja="量子下書き", title_en="Quantum draft", state="draft"
        ),
        "other": bulk_published(
            1, p.user, title_ja="他機関の電子顕微鏡データ", title_en="Other micrographs"
        ),
    }
    return p, {k: v[0] for k, v in made.items()}


def get(client, params=None, lang="ja"):
    response = client.get(reverse("datasets:list"), params or {}, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, (params, response.status_code)
    return response.content.decode()


def body(html):
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def head(html):
    return html.split("<thead>", 1)[1].split("</thead>", 1)[0]


def shown(html, d):
    rows = body(html)
    found = [k for k, x in d.items() if f">{x.identifier}<" in rows]
    return sorted(found, key=lambda k: rows.index(f">{d[k].identifier}<"))


@pytest.mark.parametrize(
    ("q", "keys"),
    [
        ("電子顕微鏡", ["micro", "other"]),
        ("ELECTRON micrographs", ["micro"]),
        ("ｶﾀｶﾅ", ["kana"]),  # half-width katakana
        ("ａｉ", ["ai"]),  # full-width, lower case
        ("quantum OPTICS", ["ai"]),  # the platform's English name
        ("量子", ["ai"]),  # the platform's Japanese name; the draft is not public
        ("電子顕微鏡　他機関", ["other"]),  # every word
    ],
)
def test_search_in_japanese_and_english(w, client, q, keys):
    _p, d = w
    assert sorted(shown(get(client, {"q": q}), d)) == sorted(keys)


def test_a_search_never_shows_a_draft_to_those_who_may_not_see_it(w, client):
    p, d = w
    assert shown(get(client, {"q": "draft"}), d) == []  # signed out
    client.force_login(p.user)  # another organisation's applicant
    assert shown(get(client, {"q": "draft"}), d) == []
    assert shown(get(client, {"q": "quantum", "mine": "1"}), d) == []
    client.force_login(p.manager)  # its data manager
    assert shown(get(client, {"q": "draft"}), d) == ["draft"]
    html = get(client, {"q": "電子顕微鏡", "mine": "1"})
    assert shown(html, d) == ["micro"] and 'name="mine" value="1" checked' in html


def test_sort_both_ways_and_filters_kept(w, client):
    _p, d = w
    ids = sorted(x.identifier for k, x in d.items() if k != "draft")
    up = get(client, {"sort": "identifier"})
    assert [d[k].identifier for k in shown(up, d)] == ids
    assert 'aria-sort="ascending"><a href="?sort=-identifier">' in head(up)
    down = get(client, {"sort": "-identifier"})
    assert [d[k].identifier for k in shown(down, d)] == ids[::-1]
    html = get(client, {"q": "ai", "access": "open", "platform": "qc-optics", "sort": "-title"})
    kept = "q=ai&amp;access=open&amp;platform=qc-optics"
    assert f'href="?{kept}&amp;sort=title"' in head(html)  # the current sort, the other way
    assert f'href="?{kept}&amp;sort=modified"' in head(html)
    assert '<option value="qc-optics" selected>' in html and 'name="sort" value="-title"' in html


def test_titles_sort_in_the_pages_language(w, client):
    _p, d = w
    public = {k: x for k, x in d.items() if k != "draft"}
    en = shown(get(client, {"sort": "title"}, lang="en"), public)
    assert en == sorted(public, key=lambda k: public[k].title_en)
    ja = shown(get(client, {"sort": "title"}), public)
    assert ja == sorted(public, key=lambda k: public[k].title_ja)
    assert en != ja


def test_the_platforms_link_filters_the_list(w, client):
    _p, d = w
    platform = DataPlatform.objects.get(code="qc-optics")
    assert (
        f"{reverse('datasets:list')}?platform=qc-optics"
        in client.get(reverse("datasets:platform", args=[platform.code])).content.decode()
    )
    assert shown(get(client, {"platform": "qc-optics"}), d) == ["ai"]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "created_by"},
        {"access": "secret"},
        {"platform": "no-such"},
        {"program": "<script>"},
        {"mine": "1"},  # signed out: no organisation to narrow by
        {"mine": "yes"},
        {"q": "%"},
    ],
)
def test_bad_values_answer_200(w, client, params):
    _p, d = w
    html = get(client, params)
    if "q" not in params:
        assert len(shown(html, d)) == 4


def test_an_empty_result_says_so_with_the_words(w, client):
    html = get(client, {"q": "存在しない語"})
    assert "「存在しない語」に一致するものはありません。" in body(html)
    html = get(client, {"q": "nothing", "access": "closed"}, lang="en")
    assert "Nothing matches “nothing” with the filters chosen (Access level: Closed)." in body(html)


def test_the_catalogue_search_is_still_offered(w, client):
    html = get(client)
    assert f'action="{reverse("search")}"' in html
    client.force_login(f.user("agency"))
    assert client.get(reverse("search"), {"q": "電子顕微鏡"}).status_code == 200
