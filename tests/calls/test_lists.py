"""The proposal lists' search, sorting and filters (kikin.core.listing): the staff's list, the
applicant's own and a call's selection panel. Japanese and English text alike (full-width and
half-width, upper and lower case), sorts both ways, filters kept in every link, unknown values
ignored, and a search that never shows a person what the list would not."""

import datetime as dt
import itertools
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kikin.accounts.models import Organisation, Role
from kikin.calls.models import Proposal, ProposalState
from kikin.calls.permissions import applicant_status
from kikin.calls.selectors import APPLICANT_STATUSES, applicant_status_q
from tests import factories as f

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def org(ja, en):
    return Organisation.objects.create(name_ja=ja, name_en=en, category="large")


def proposals(call, organisation, creator, rows):
    """Proposals of `organisation` in `call`: (title, state[, notified]) each, with receipt
    numbers in the order given."""
    theme = call.themes.order_by("pk").first()
    now = timezone.now()
    made = []
    for row in rows:
        title, state, *notified = row
        k = next(_seq)
        made.append(
            Proposal(
                call=call,
                theme=theme,
                organisation=organisation,
                created_by=creator,
                state=state,
                language="ja",
                receipt_number=f"{call.key}-{70000 + k:05d}" if state != "draft" else "",
                title=title,
                submitted_at=None if state == "draft" else now - dt.timedelta(minutes=k),
                result_notified_at=now if notified and notified[0] else None,
            )
        )
    return Proposal.objects.bulk_create(made)


@pytest.fixture
def world(plan):
    call = f.open_call(plan, themes=("1-a1",))
    other_call = f.open_call(plan, themes=("2-d1",))
    ai = org("AI推論研究所", "AI Inference Lab")
    kana = org("コダマ通信株式会社", "Kodama Telecom")
    ours = f.applicant(ai)
    theirs = f.applicant(kana)
    p = {}
    (p["quantum"], p["chip"], p["draft"]) = proposals(
        call,
        ai,
        ours,
        [
            ("量子暗号通信の実証", ProposalState.SUBMITTED),
            ("推論チップの試作", ProposalState.IN_REVIEW),
            ("書きかけの提案", ProposalState.DRAFT),
        ],
    )
    (p["core"], p["their_quantum"]) = proposals(
        call,
        kana,
        theirs,
        [
            ("タイムスタンプ配信の高度化", ProposalState.ADOPTED, True),
            ("量子鍵配送の試験", ProposalState.FIRST_PASSED),
        ],
    )
    (p["later"],) = proposals(
        other_call, ai, ours, [("Ｂeyond 5G 基地局", ProposalState.REJECTED, True)]
    )
    return {
        "call": call,
        "other_call": other_call,
        "ours": ours,
        "theirs": theirs,
        "agency": f.user(Role.AGENCY),
        "p": p,
    }


def get(client, url, params=None, lang="ja"):
    response = client.get(url, params or {}, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


def body(html):
    """The table's rows (not the form, the headers nor the filters' choices)."""
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def head(html):
    """The table's header row."""
    return html.split("<thead>", 1)[1].split("</thead>", 1)[0]


def shown(html, w, *keys):
    rows = body(html)
    return [k for k in keys if w["p"][k].title in rows]


ALL = ("quantum", "chip", "draft", "core", "their_quantum", "later")


# --- The staff's list ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "keys"),
    [
        ("量子", ["quantum", "their_quantum"]),
        ("量子　実証", ["quantum"]),  # every word, the ideographic space between them
        ("ＡＩ", ["quantum", "chip", "later"]),  # full-width finds the organisation's AI
        ("ai inference", ["quantum", "chip", "later"]),  # English, any case
        ("ﾀｲﾑｽﾀﾝﾌﾟ", ["core"]),  # half-width katakana finds the title's タイムスタンプ
        ("KODAMA telecom", ["core", "their_quantum"]),  # the organisation's English name
        ("beyond", ["later"]),  # a full-width Ｂ in the title
        ("-700", ["quantum", "chip", "core", "their_quantum", "later"]),  # receipt numbers
    ],
)
def test_staff_search_in_japanese_and_english(world, client, q, keys):
    client.force_login(world["agency"])
    html = get(client, reverse("calls:proposal_list"), {"q": q})
    assert shown(html, world, *ALL) == keys  # never a draft


def test_the_search_and_its_terms_stay_in_the_box_and_an_empty_result_says_so(world, client):
    client.force_login(world["agency"])
    url = reverse("calls:proposal_list")
    html = get(client, url, {"q": "量子　チップ"})
    assert 'value="量子 チップ"' in html
    assert shown(html, world, *ALL) == []
    assert "「量子 チップ」に一致するものはありません。" in body(html)
    html = get(client, url, {"q": "nothing here"}, lang="en")
    assert "Nothing matches “nothing here”." in body(html)
    html = get(client, url, {"q": "zzz", "state": "adopted"}, lang="en")
    assert "Nothing matches “zzz” with the filters chosen (Status: Adopted" in body(html)


def test_staff_sorts_both_ways_with_aria_sort(world, client):
    client.force_login(world["agency"])
    url = reverse("calls:proposal_list")
    titles = sorted(world["p"][k].title for k in ALL if k != "draft")

    def order(html):
        rows = body(html)
        return sorted(titles, key=rows.index)

    up = get(client, url, {"sort": "title"})
    assert order(up) == titles
    assert re.search(r'<th scope="col" aria-sort="ascending"><a href="\?sort=-title">', up)
    down = get(client, url, {"sort": "-title"})
    assert order(down) == titles[::-1]
    assert re.search(r'<th scope="col" aria-sort="descending"><a href="\?sort=title">', down)
    assert down.count("aria-sort=") == 1
    # the state in the order of the selection: submitted before in review, adopted, rejected
    by_state = body(get(client, url, {"sort": "state"}))
    p = world["p"]
    positions = [by_state.index(p[k].title) for k in ("quantum", "their_quantum", "chip", "core")]
    assert positions == sorted(positions)


def test_filters_are_kept_in_every_link(world, client):
    client.force_login(world["agency"])
    call = world["call"]
    html = get(
        client,
        reverse("calls:proposal_list"),
        {"q": "量子", "state": "first_passed", "call": call.pk, "sort": "-receipt", "page": "1"},
    )
    assert shown(html, world, *ALL) == ["their_quantum"]
    kept = f"q=%E9%87%8F%E5%AD%90&amp;state=first_passed&amp;call={call.pk}"
    assert f'href="?{kept}&amp;sort=title"' in html  # a header: the other parameters kept
    assert f'href="?{kept}&amp;sort=receipt"' in html  # the current one, the other way
    assert 'name="sort" value="-receipt"' in html  # the search form keeps the sort
    assert f'<option value="{call.pk}" selected>' in html
    assert '<option value="first_passed" selected>' in html
    assert "format=csv" in html and "q=%E9%87%8F%E5%AD%90" in html.split("format=csv")[0][-300:]


def test_paging_keeps_search_filters_and_sort(world, client):
    w = world
    client.force_login(w["agency"])
    proposals(
        w["call"],
        w["ours"].organisation,
        w["ours"],
        [(f"量子中継器 {i}", ProposalState.SUBMITTED) for i in range(55)],
    )
    url = reverse("calls:proposal_list")
    html = get(client, url, {"q": "量子", "state": "submitted", "sort": "title"})
    assert "1 / 2" in html
    link = re.search(r'<nav class="pager">.*?href="\?([^"]+)"', html).group(1)
    assert "page=2" in link and "q=%E9%87%8F%E5%AD%90" in link
    assert "state=submitted" in link and "sort=title" in link
    page2 = get(client, url + "?" + link.replace("&amp;", "&"))
    assert "2 / 2" in page2 and "量子暗号通信の実証" in body(page2)


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "bogus"},
        {"sort": "-"},
        {"sort": "--title"},
        {"sort": "title,state"},
        {"state": "nope"},
        {"call": "abc"},
        {"call": "99999999"},
        {"call": "1 OR 1=1"},
        {"q": "%"},
        {"q": "_"},
        {"q": "\\"},
        {"q": "'; select 1; --"},
        {"q": "x" * 5000},
        {"page": "-3"},
        {"page": "x"},
    ],
)
def test_bad_values_answer_200_and_narrow_nothing_they_do_not_name(world, client, params):
    client.force_login(world["agency"])
    html = get(client, reverse("calls:proposal_list"), params)
    if "q" not in params:  # an unknown sort or filter shows the list as if it were not given
        assert shown(html, world, *ALL) == [k for k in ALL if k != "draft"]
    elif params["q"] in {"%", "_", "\\"}:  # LIKE's wildcards are plain characters
        assert shown(html, world, *ALL) == []


def test_export_holds_the_rows_searched(world, client):
    client.force_login(world["agency"])
    response = client.get(reverse("calls:proposal_list"), {"q": "量子", "format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "量子暗号通信の実証" in text and "量子鍵配送の試験" in text
    assert "推論チップの試作" not in text


# --- The applicant's own list -------------------------------------------------------------------


def test_an_applicants_search_never_returns_another_organisations_proposal(world, client):
    w = world
    client.force_login(w["ours"])
    url = reverse("calls:proposal_list")
    html = get(client, url, {"q": "量子"})
    assert shown(html, w, *ALL) == ["quantum"]  # not their_quantum, of the other organisation
    for q in ("量子鍵配送", "コダマ", "kodama", "ﾀｲﾑｽﾀﾝﾌﾟ", w["p"]["core"].receipt_number):
        assert shown(get(client, url, {"q": q}), w, *ALL) == [], q
    # nor a filter, nor a sort, nor their call
    html = get(client, url, {"call": w["call"].pk, "sort": "organisation", "state": "adopted"})
    assert shown(html, w, *ALL) == ["quantum", "chip", "draft"]
    assert "aria-sort" in head(html) and "sort=organisation" not in head(html)
    assert "<form" not in head(html) and 'name="state"' not in html


def test_an_applicant_filters_by_the_status_they_are_told_never_the_state_of_review(world, client):
    w = world
    client.force_login(w["ours"])
    url = reverse("calls:proposal_list")
    assert shown(get(client, url, {"status": "submitted"}), w, *ALL) == ["quantum", "chip"]
    assert shown(get(client, url, {"status": "not_adopted"}), w, *ALL) == ["later"]
    assert shown(get(client, url, {"status": "draft"}), w, *ALL) == ["draft"]
    html = get(client, url, {"state": "in_review", "sort": "state"})  # not theirs to ask
    assert shown(html, w, *ALL) == ["quantum", "chip", "draft", "later"]
    assert 'name="state"' not in html and "In the second review" not in html
    assert "sort=state" not in head(html) and "sort=-state" not in head(html)


def test_the_status_filter_is_the_status_shown(world):
    """Every proposal is found under exactly the status `applicant_status` gives it."""
    for p in Proposal.objects.all():
        under = [
            v
            for v, _label in APPLICANT_STATUSES
            if Proposal.objects.filter(applicant_status_q(v), pk=p.pk).exists()
        ]
        labels = dict(APPLICANT_STATUSES)
        assert len(under) == 1 and str(labels[under[0]]) == str(applicant_status(p)), p.title


def test_an_applicant_searches_and_sorts_in_english(world, client):
    w = world
    client.force_login(w["ours"])
    url = reverse("calls:proposal_list")
    html = get(client, url, {"q": "ＴＥＳＴ CALL", "sort": "-receipt"}, lang="en")
    assert shown(html, w, *ALL) == ["quantum", "chip", "draft", "later"]
    rows = body(html)
    assert rows.index(w["p"]["later"].title) < rows.index(w["p"]["quantum"].title)
    assert 'aria-sort="descending"' in html and "Receipt number" in html
    html = get(client, url, {"q": "nothing"}, lang="en")
    assert "Nothing matches “nothing”." in html


# --- A call's selection panel -----------------------------------------------------------------


def test_call_panel_search_sort_and_filters(world, client):
    w = world
    client.force_login(w["agency"])
    url = reverse("review:call", args=[w["call"].pk])
    html = get(client, url, {"q": "量子"})
    assert shown(html, w, *ALL) == ["quantum", "their_quantum"]  # this call's only
    html = get(client, url, {"q": "量子", "sort": "-receipt"})
    rows = body(html)
    assert rows.index(w["p"]["their_quantum"].title) < rows.index(w["p"]["quantum"].title)
    # the counts' links narrow by state and keep the search and the sort
    assert 'href="?q=%E9%87%8F%E5%AD%90&amp;sort=-receipt&amp;state=adopted"' in html
    html = get(client, url, {"q": "量子", "state": "adopted"})
    assert "「量子」に一致するものはありません" in body(html)
    for params in ({"sort": "nope"}, {"state": "nope"}, {"q": "%"}):
        get(client, url, params)
