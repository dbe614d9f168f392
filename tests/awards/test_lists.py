"""The portfolio's and the cost claims' search, sorting and filters (kikin.core.listing):
Japanese and English text, sorts both ways with aria-sort, filters kept in every link, unknown
values ignored, and an implementer who never finds another organisation's award or claim."""

import re

import pytest
from django.urls import reverse

from kikin.accounts.models import Organisation, Role
from kikin.awards import services
from kikin.awards.models import AwardState, ClaimLine, ClaimState, CostClaim
from tests import factories as f
from tests.awards.test_query_counts import add_awards

pytestmark = pytest.mark.django_db


def org(ja, en):
    return Organisation.objects.create(name_ja=ja, name_en=en, category="large")


@pytest.fixture
def world(plan):
    """The real award of an implementer (with one clone of their own), two awards of 量子光学 and
    two of カタカナ電機, each clone with an approved and a submitted claim; themes ①(a1), ②(d1)
    and ①(c8) in turn."""
    p, implementer, ministry, agency = f.adopted(plan)
    award = services.create_award(actor=agency, proposal=p)
    w = {
        "award": award,
        "implementer": implementer,
        "agency": agency,
        "ministry": ministry,
        "themes": [f.theme("1-a1"), f.theme("2-d1"), f.theme("1-c8")],
    }
    w["quantum"] = add_awards(w, 2, organisation=org("量子光学株式会社", "Quantum Optics KK"))
    w["kana"] = add_awards(w, 2, organisation=org("カタカナ電機株式会社", "Katakana Denki"))
    w["own"] = add_awards(w, 1, organisation=award.organisation)
    return w


def get(client, url, params=None, lang="ja"):
    response = client.get(url, params or {}, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


def body(html):
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def head(html):
    return html.split("<thead>", 1)[1].split("</thead>", 1)[0]


def numbers(html, awards):
    """The award numbers of `awards` the table shows, in the table's order."""
    rows = body(html)
    found = [a.number for a in awards if f">{a.number}<" in rows]
    return sorted(found, key=lambda n: rows.index(f">{n}<"))


def every(w):
    return [w["award"], *w["quantum"], *w["kana"], *w["own"]]


# --- The portfolio ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expect"),
    [
        ("量子", lambda w: w["quantum"]),
        ("quantum OPTICS", lambda w: w["quantum"]),  # English, any case
        ("ｶﾀｶﾅ", lambda w: w["kana"]),  # half-width katakana
        ("ａ－ｃｌｏｎｅ", lambda w: [*w["quantum"], *w["kana"], *w["own"]]),  # full-width number
        ("量子　ｶﾀｶﾅ", lambda w: []),  # every word must match
    ],
)
def test_portfolio_search(world, client, q, expect):
    client.force_login(world["agency"])
    html = get(client, reverse("awards:list"), {"q": q, "sort": "number"})
    assert numbers(html, every(world)) == sorted(a.number for a in expect(world))


def test_portfolio_search_by_a_themes_title_in_either_language(world, client):
    client.force_login(world["agency"])
    c8 = [a for a in every(world) if a.theme.code == "c8"]
    assert c8
    for q in ("ＲＡＮ", "integration platform", "インテグレーション"):
        html = get(client, reverse("awards:list"), {"q": q, "sort": "number"})
        assert numbers(html, every(world)) == sorted(a.number for a in c8), q


def test_portfolio_sorts_both_ways(world, client):
    client.force_login(world["agency"])
    url = reverse("awards:list")
    clones = sorted(a.number for a in every(world) if "CLONE" in a.number)
    up = get(client, url, {"q": "clone"})  # the default: by number
    assert numbers(up, every(world)) == clones
    assert 'aria-sort="ascending"><a href="?q=clone&amp;sort=-number">' in head(up)
    down = get(client, url, {"q": "clone", "sort": "-number"})
    assert numbers(down, every(world)) == clones[::-1]
    assert 'aria-sort="descending"><a href="?q=clone&amp;sort=number">' in head(down)
    # a figure: equal budgets fall back to the primary key, so one way is the other reversed
    by_budget = numbers(get(client, url, {"sort": "budget"}), every(world))
    assert len(by_budget) == len(every(world))
    assert numbers(get(client, url, {"sort": "-budget"}), every(world)) == by_budget[::-1]


def test_portfolio_filters_kept_in_links(world, client):
    client.force_login(world["agency"])
    html = get(client, reverse("awards:list"), {"show": "gates", "q": "量子", "sort": "-paid"})
    kept = "q=%E9%87%8F%E5%AD%90&amp;show=gates"
    assert f'href="?{kept}&amp;sort=number"' in head(html)
    assert f'href="?{kept}&amp;sort=paid"' in head(html)  # the current sort, the other way
    # the quick links change the filter and keep the search and the sort
    assert 'href="?q=%E9%87%8F%E5%AD%90&amp;show=overdue&amp;sort=-paid"' in html
    assert 'href="?q=%E9%87%8F%E5%AD%90&amp;sort=-paid"' in html  # "All"
    assert 'name="sort" value="-paid"' in html
    assert '<option value="gates" selected>' in html


def test_portfolio_state_filter(world, client):
    client.force_login(world["agency"])
    ended = [a for a in every(world) if a.state == AwardState.TERMINATED]
    html = get(client, reverse("awards:list"), {"state": "terminated"})
    assert numbers(html, every(world)) == sorted(a.number for a in ended)
    html = get(client, reverse("awards:list"), {"state": "terminated", "q": "zzz"}, lang="en")
    assert "Nothing matches “zzz” with the filters chosen (State: Ended early)." in body(html)


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "budget_yen"},
        {"sort": "-proposal__title"},
        {"show": "everything"},
        {"state": "x"},
        {"call": "abc"},
        {"q": "%"},
        {"page": "999"},
    ],
)
def test_portfolio_bad_values_answer_200(world, client, params):
    client.force_login(world["agency"])
    html = get(client, reverse("awards:list"), params)
    if "q" not in params:
        assert len(numbers(html, every(world))) == len(every(world))


def test_an_implementer_never_finds_another_organisations_award(world, client):
    w = world
    client.force_login(w["implementer"])
    url = reverse("awards:list")
    mine = sorted(a.number for a in [w["award"], *w["own"]])
    assert numbers(get(client, url), every(w)) == mine
    for q in ("量子", "quantum", "ｶﾀｶﾅ", w["quantum"][0].number):
        assert numbers(get(client, url, {"q": q}), every(w)) == [], q
    assert numbers(get(client, url, {"q": "clone"}), every(w)) == [w["own"][0].number]
    html = get(client, url, {"sort": "organisation", "call": w["award"].call_id})
    assert sorted(numbers(html, every(w))) == mine


# --- The cost claims ----------------------------------------------------------------------------


def claim_ids(html):
    return [int(n) for n in re.findall(r"#claim-(\d+)\"", body(html))]


def test_claims_to_check_search_sort_and_filters(world, client):
    w = world
    client.force_login(w["agency"])
    url = reverse("awards:claims")
    quantum = CostClaim.objects.filter(award__in=w["quantum"])
    html = get(client, url, {"state": "submitted", "q": "量子"})
    expect = set(quantum.filter(state=ClaimState.SUBMITTED).values_list("pk", flat=True))
    assert set(claim_ids(html)) == expect and len(expect) == 2
    assert '<option value="submitted" selected>' in html
    kept = "q=%E9%87%8F%E5%AD%90&amp;state=submitted"
    assert f'href="?{kept}&amp;sort=claimed"' in head(html)
    # the claimed amount sorts both ways (a third line makes one claim the largest)
    big = quantum.filter(state=ClaimState.APPROVED).first()
    line = big.lines.first()
    ClaimLine.objects.create(
        claim=big,
        category="travel",
        description="出張",
        incurred_on=line.incurred_on,
        amount_yen=5_000_000,
    )
    up = claim_ids(get(client, url, {"q": "量子", "sort": "claimed"}))
    down = claim_ids(get(client, url, {"q": "量子", "sort": "-claimed"}))
    assert up[-1] == big.pk and down[0] == big.pk and len(up) == 4
    assert down == up[::-1]  # equal amounts fall back to the primary key, reversed too
    html = get(client, url, {"q": "量子", "sort": "-claimed"})
    assert 'aria-sort="descending"' in head(html)
    html = get(client, url, {"q": "量子", "state": "refused"})
    assert "選んだ条件" in body(html) and "「量子」" in body(html)


def test_claims_fiscal_year_filter_and_bad_values(world, client):
    w = world
    client.force_login(w["agency"])
    url = reverse("awards:claims")
    years = sorted(set(CostClaim.objects.values_list("fiscal_year", flat=True)))
    html = get(client, url, {"year": years[0]})
    assert set(claim_ids(html)) == set(
        CostClaim.objects.filter(fiscal_year=years[0]).values_list("pk", flat=True)
    )
    assert f'<option value="{years[0]}" selected>' in html
    n_all = CostClaim.objects.count()
    for params in ({"year": "1999"}, {"year": "x"}, {"sort": "lines"}, {"budget": "?"}):
        assert len(claim_ids(get(client, url, params))) == n_all, params


def test_an_implementer_sees_only_their_claims(world, client):
    w = world
    client.force_login(w["implementer"])
    url = reverse("awards:claims")
    own = set(
        CostClaim.objects.filter(award__organisation=w["award"].organisation).values_list(
            "pk", flat=True
        )
    )
    assert set(claim_ids(get(client, url))) == own and own
    assert claim_ids(get(client, url, {"q": "量子"})) == []
    assert claim_ids(get(client, url, {"q": w["kana"][0].number})) == []
    html = get(client, url, lang="en")
    assert "Our cost claims" in html


def test_a_reviewer_has_no_claims_list(world, client):
    client.force_login(f.reviewer())
    assert client.get(reverse("awards:claims")).status_code == 404
    client.force_login(f.user(Role.MINISTRY))
    assert client.get(reverse("awards:claims")).status_code == 200


def test_the_portfolio_links_to_the_claims_to_check(world, client):
    client.force_login(world["agency"])
    html = get(client, reverse("awards:list"))
    assert f'href="{reverse("awards:claims")}?state=submitted"' in html
