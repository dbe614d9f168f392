"""The yearly filings' search, sorting and filters (kikin.core.listing): Japanese and English,
sorts both ways, filters kept in every link, unknown values ignored, and an implementer who
never reaches the list."""

import pytest
from django.urls import reverse

from kikin.accounts.models import Organisation
from kikin.awards import services as awards
from kikin.outcomes.models import Filing, FilingState
from tests import factories as f
from tests.awards.test_query_counts import add_awards
from tests.outcomes.test_query_counts import with_outcomes

pytestmark = pytest.mark.django_db


def org(ja, en):
    return Organisation.objects.create(name_ja=ja, name_en=en, category="large")


@pytest.fixture
def world(plan):
    p, implementer, ministry, agency = f.adopted(plan)
    award = awards.create_award(actor=agency, proposal=p)
    w = {
        "award": award,
        "implementer": implementer,
        "agency": agency,
        "ministry": ministry,
        "themes": [f.theme("1-a1"), f.theme("2-d1"), f.theme("1-c8")],
    }
    w["quantum"] = with_outcomes(
        w, add_awards(w, 3, organisation=org("量子光学株式会社", "Quantum Optics KK"))
    )
    w["kana"] = with_outcomes(
        w, add_awards(w, 3, organisation=org("カタカナ電機株式会社", "Katakana Denki"))
    )
    w["own"] = with_outcomes(w, [award])
    # one filing a year later, to filter by
    Filing.objects.filter(award=w["kana"][0]).update(fiscal_year=2029)
    return w


def get(client, params=None, lang="ja"):
    response = client.get(reverse("outcomes:filings"), params or {}, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, (params, response.status_code)
    return response.content.decode()


def body(html):
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def head(html):
    return html.split("<thead>", 1)[1].split("</thead>", 1)[0]


def shown(html, awards):
    """The numbers of `awards` whose filing the table shows, in the table's order."""
    rows = body(html)
    found = [a.number for a in awards if f">{a.number}</a>" in rows]
    return sorted(found, key=lambda n: rows.index(f">{n}</a>"))


def every(w):
    return [*w["quantum"], *w["kana"], *w["own"]]


@pytest.mark.parametrize(
    ("q", "key"),
    [("量子光学", "quantum"), ("QUANTUM optics", "quantum"), ("ｶﾀｶﾅ　電機", "kana")],
)
def test_search_in_japanese_and_english(world, client, q, key):
    client.force_login(world["agency"])
    html = get(client, {"q": q, "sort": "award"})
    assert shown(html, every(world)) == sorted(a.number for a in world[key])
    assert f'value="{" ".join(q.split())}"' in html


def test_sort_both_ways_and_filters_kept(world, client):
    client.force_login(world["agency"])
    clones = sorted(a.number for a in [*world["quantum"], *world["kana"]])
    up = get(client, {"q": "clone", "sort": "award"})
    assert shown(up, every(world)) == clones
    assert 'aria-sort="ascending"><a href="?q=clone&amp;sort=-award">' in head(up)
    down = get(client, {"q": "clone", "sort": "-award"})
    assert shown(down, every(world)) == clones[::-1]
    assert 'aria-sort="descending"' in head(down)
    html = get(client, {"q": "clone", "state": "submitted", "year": "2028", "sort": "-award"})
    assert 'href="?q=clone&amp;state=submitted&amp;year=2028&amp;sort=organisation"' in head(html)
    assert '<option value="2028" selected>' in html and '<option value="2029">' in html
    expect = Filing.objects.filter(
        award__number__contains="CLONE", state=FilingState.SUBMITTED, fiscal_year=2028
    ).values_list("award__number", flat=True)
    assert shown(html, every(world)) == sorted(expect, reverse=True)


def test_fiscal_year_filter_and_the_empty_sentence(world, client):
    client.force_login(world["agency"])
    assert shown(get(client, {"year": "2029"}), every(world)) == [world["kana"][0].number]
    html = get(client, {"year": "2029", "q": "量子"})
    assert "選んだ条件" in body(html) and "「量子」" in body(html)
    html = get(client, {"q": "nowhere"}, lang="en")
    assert "Nothing matches “nowhere”." in body(html)


@pytest.mark.parametrize(
    "params",
    [{"sort": "sales_yen"}, {"state": "lost"}, {"year": "twenty"}, {"year": "1900"}, {"q": "_"}],
)
def test_bad_values_answer_200(world, client, params):
    client.force_login(world["agency"])
    html = get(client, params)
    if "q" not in params:
        assert len(shown(html, every(world))) == len(every(world))


def test_the_list_is_the_staffs_and_the_search_never_opens_it(world, client):
    """An implementer has no filings list (their filings are on their award's page), whatever
    the search asks; the ministry has the agency's list."""
    w = world
    client.force_login(w["implementer"])
    for params in ({}, {"q": "量子"}, {"q": w["award"].number}):
        assert client.get(reverse("outcomes:filings"), params).status_code == 404
    client.force_login(w["ministry"])
    html = get(client, {"q": "量子", "sort": "award"})
    assert shown(html, every(w)) == sorted(a.number for a in w["quantum"])
