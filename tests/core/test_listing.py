"""kikin.core.listing: the folding of search text, the words, the sort and filter parameters, the
links the headers make, and the search as the database runs it (NFKC and case alike in Python,
PostgreSQL and SQLite)."""

import sqlite3
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kikin.accounts.models import Organisation
from kikin.core.listing import (
    MAX_WORDS,
    Filter,
    ListSpec,
    Sort,
    fold,
    parse_sort,
    picked,
    query_string,
    register_sqlite_fold,
    search_filter,
    search_words,
)

# --- Folding and words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ＡＩ", "ai"),  # full-width Latin
        ("AI", "ai"),
        ("ｶﾀｶﾅ", "カタカナ"),  # half-width katakana, its voiced marks joined
        ("ｶﾞｲﾄﾞ", "ガイド"),
        ("２０２５年度", "2025年度"),
        ("Ｒ＆Ｄ", "r&d"),
        ("量子　暗号", "量子 暗号"),  # the ideographic space
        ("Straße", "straße"),
    ],
)
def test_fold_is_nfkc_then_lower_case(text, folded):
    assert fold(text) == folded


def test_fold_keeps_none():
    assert fold(None) is None


def test_words_are_cut_at_every_space_the_ideographic_one_too():
    assert search_words("ＡＩ　ｶﾀｶﾅ  量子\t暗号") == ["ai", "カタカナ", "量子", "暗号"]


def test_words_are_distinct_in_order_and_capped():
    assert search_words("AI ai ＡＩ 量子") == ["ai", "量子"]
    many = " ".join(f"w{i}" for i in range(MAX_WORDS + 5))
    assert search_words(many) == [f"w{i}" for i in range(MAX_WORDS)]


@pytest.mark.parametrize("text", [None, "", "   ", "\u3000\u3000"])
def test_no_words_in_blank_text(text):
    assert search_words(text) == []


# --- Sort and query strings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("title", ("title", False)),
        ("-title", ("title", True)),
        (" -title ", ("title", True)),
        ("bogus", None),
        ("-bogus", None),
        ("--title", None),
        ("-", None),
        ("", None),
        (None, None),
        ("title; drop table", None),
    ],
)
def test_parse_sort_accepts_only_the_allowed_keys(value, parsed):
    assert parse_sort(value, {"title", "year"}) == parsed


def test_query_string_replaces_removes_and_encodes():
    params = {"q": "量子 暗号", "state": "submitted", "sort": "title"}
    assert (
        query_string(params) == "q=%E9%87%8F%E5%AD%90+%E6%9A%97%E5%8F%B7&state=submitted&sort=title"
    )
    assert query_string(params, sort="-title", state="") == (
        "q=%E9%87%8F%E5%AD%90+%E6%9A%97%E5%8F%B7&sort=-title"
    )
    assert query_string({}, page=2) == "page=2"
    assert query_string(params, q=None, state=None, sort=None) == ""


# --- A listing as the URL asks for it (no database: fixed choices) --------------------------

SPEC = ListSpec(
    search=("name_ja", "name_en"),
    sorts={"name": Sort("Name", "name_ja"), "country": Sort("Country", "country")},
    default_sort="name",
    filters=(
        Filter("category", "Category", (("large", "Large"), ("sme", "SME"))),
        Filter("country", "Country", (("JP", "Japan"),), shown=lambda request: False),
    ),
)


def listing(query: str = ""):
    request = RequestFactory().get("/list/" + (f"?{query}" if query else ""))
    return SPEC.apply(request, Organisation.objects.all())


def test_default_sort_marks_its_header_ascending_and_links_to_descending():
    lst = listing()
    assert (lst.sort, lst.descending, lst.sort_param) == ("name", False, "")
    h = lst.header("name")
    assert h["aria_sort"] == "ascending" and h["href"] == "?sort=-name"
    other = lst.header("country")
    assert other["aria_sort"] == "" and other["href"] == "?sort=country"


def test_a_descending_sort_links_back_to_ascending():
    lst = listing("sort=-country")
    assert (lst.sort, lst.descending) == ("country", True)
    assert lst.header("country") == {
        "label": "Country",
        "href": "?sort=country",
        "aria_sort": "descending",
    }
    assert lst.header("name")["aria_sort"] == ""


def test_headers_keep_search_and_filters_and_drop_the_page():
    lst = listing("q=%EF%BC%A1%EF%BC%A9+lab&category=sme&page=3&sort=name&other=x")
    assert lst.q == "ＡＩ lab" and lst.words == ["ai", "lab"]
    assert lst.params == {"q": "ＡＩ lab", "category": "sme", "sort": "name"}
    href = lst.header("country")["href"]
    assert href == "?q=%EF%BC%A1%EF%BC%A9+lab&category=sme&sort=country"
    assert "page=" not in href and "other=" not in href
    assert lst.cleared == "sort=name"
    assert lst.query(page=2) == "q=%EF%BC%A1%EF%BC%A9+lab&category=sme&sort=name&page=2"


def test_unknown_values_are_ignored_never_an_error():
    lst = listing("sort=password&category=huge&country=JP")
    assert lst.sort == "name" and lst.sort_param == ""  # the default, as if not given
    assert lst.values == {}  # an unknown choice, and a filter hidden from this person
    assert not lst.active
    assert [f.key for f in lst.bound_filters] == ["category"]


def test_a_hidden_column_is_not_a_header():
    with pytest.raises(KeyError):
        listing().header("password")


def test_ordering_ends_with_the_primary_key_in_the_same_direction():
    def shape(order):
        return [(o.expression.name, o.descending, o.nulls_last) for o in order]

    assert shape(listing("sort=country").ordering()) == [
        ("country", False, True),
        ("pk", False, None),
    ]
    # descending on a column that is never NULL: a plain DESC (an index on it serves the sort)
    assert shape(listing("sort=-country").ordering()) == [
        ("country", True, None),
        ("pk", True, None),
    ]


def test_descending_puts_nulls_last_only_where_a_value_can_be_null():
    from kikin.calls.models import Proposal
    from kikin.core.listing import _nullable

    assert _nullable(Proposal, "start_date")  # a draft may have none yet
    assert not _nullable(Proposal, "updated_at")
    assert not _nullable(Proposal, "call__title_ja")  # through a relation that is never empty
    assert _nullable(Proposal, "no_such_field")  # unknown: the safe answer


def test_a_pair_sorts_in_the_page_language():
    with translation.override("ja"):
        assert str(picked("name")()) == "F(name_ja)"
    with translation.override("en"):
        text = str(picked("name")())
        assert "name_en" in text and "name_ja" in text


# --- The search in the database ---------------------------------------------------------------


@pytest.fixture
def orgs(db):
    made = {
        key: Organisation.objects.create(name_ja=ja, name_en=en, category="large")
        for key, ja, en in [
            ("ai", "AI推論研究所", "AI Inference Lab"),
            ("kana", "カタカナ工業", "Katakana Works"),
            ("quantum", "量子暗号通信", "Quantum Crypto"),
            ("percent", "100%子会社", "Wholly Owned"),
        ]
    }
    return made


def found(orgs, text):
    qs = search_filter(Organisation.objects.all(), ("name_ja", "name_en"), search_words(text))
    return {k for k, o in orgs.items() if qs.filter(pk=o.pk).exists()}


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("ＡＩ", {"ai"}),  # full-width finds half-width
        ("ai", {"ai"}),  # case
        ("ｶﾀｶﾅ", {"kana"}),  # half-width katakana finds full-width
        ("katakana WORKS", {"kana"}),  # every word, in any case
        ("量子　暗号", {"quantum"}),  # the ideographic space between words
        ("量子 lab", set()),  # every word must match
        ("crypto 量子", {"quantum"}),  # in either field
        ("%", {"percent"}),  # LIKE's wildcards are plain characters
        ("_", set()),
        ("", {"ai", "kana", "quantum", "percent"}),  # no words: no narrowing
    ],
)
def test_search_in_the_database(orgs, text, keys):
    assert found(orgs, text) == keys


def test_search_is_one_query_whatever_the_words(orgs):
    qs = search_filter(
        Organisation.objects.all(), ("name_ja", "name_en"), search_words("量子 暗号 crypto")
    )
    with CaptureQueriesContext(connection) as ctx:
        rows = list(qs)
    assert [o.pk for o in rows] == [orgs["quantum"].pk]
    assert len(ctx.captured_queries) == 1
    if connection.vendor == "postgresql":
        assert "normalize(" in ctx.captured_queries[0]["sql"]


def test_the_sqlite_function_folds_as_python_does():
    raw = sqlite3.connect(":memory:")
    register_sqlite_fold(None, SimpleNamespace(vendor="sqlite", connection=raw))
    got = raw.execute("select kikin_fold('ＡＩ ｶﾀｶﾅ'), kikin_fold(NULL)").fetchone()
    assert got == ("ai カタカナ", None)
    raw.close()
