"""Search across datasets, proposals and adopted themes, in Japanese and English, showing each
visitor only what they may read (PostgreSQL full text over SudachiPy tokens; LIKE on SQLite)."""

import pytest
from django.test import Client

from kikin.datasets import search, selectors, services
from kikin.datasets.models import SearchEntry
from tests import factories as f

from .helpers import fields, people, published

pytestmark = pytest.mark.django_db


def keys(user, text, **kw):
    return [(e.kind, e.key or e.title) for e in selectors.search(user, text, **kw)["results"]]


def test_query_words_are_the_index_words():
    assert search.query_tokens("大規模言語モデルの評価") == ["大規模", "言語", "モデル", "評価"]
    assert set(search.query_tokens("言語モデル")) <= set(
        search.index_tokens("大規模言語モデルの評価").split()
    )
    assert search.query_tokens("Datasets of GPUs") == ["dataset", "gpu"]
    assert search.query_tokens("の、。") == []


def test_datasets_in_japanese_and_english():
    p = people()
    tem = published(
        p.manager,
        "open",
        title_ja="透過電子顕微鏡の画像データ",
        title_en="TEM images",
        description_ja="試料の観察結果。",
        subjects="",
    )
    other = published(
        p.manager,
        "shared",
        title_ja="半導体露光装置のログ",
        title_en="Lithography logs",
        description_ja="装置の稼働記録。",
        subjects="",
    )
    assert keys(None, "電子顕微鏡") == [("dataset", tem.identifier)]
    assert keys(None, "顕微鏡 画像") == [("dataset", tem.identifier)]
    assert keys(None, "lithography log") == [("dataset", other.identifier)]
    assert keys(None, "images") == [("dataset", tem.identifier)]  # plural folded
    assert keys(None, "顕微鏡 露光") == []  # every word must appear
    assert selectors.search(None, "データ")["total"] == 1
    assert keys(None, "TAKO") == []


def test_drafts_are_found_only_by_their_organisation_and_the_staff():
    p = people()
    d = services.create_dataset(
        actor=p.manager, fields=fields("open", title_ja="未公開の測定データ")
    )
    assert keys(None, "未公開") == [] and keys(p.user, "未公開") == []
    assert keys(p.colleague, "未公開") == [("dataset", d.identifier)]
    assert keys(p.agency, "未公開") == [("dataset", d.identifier)]


def test_a_withdrawn_dataset_leaves_the_index():
    p = people()
    d = published(p.manager, "open", title_ja="取り下げるデータ")
    assert keys(None, "取り下げる")
    services.withdraw_dataset(actor=p.manager, dataset=d, reason="誤り")
    assert keys(None, "取り下げる") == []


def test_proposals_only_to_those_who_may_read_them(plan, django_capture_on_commit_callbacks):
    from kikin.accounts.models import Role

    call = f.open_call(plan)
    applicant = f.applicant()
    with django_capture_on_commit_callbacks(execute=True):
        proposal = f.complete_proposal(applicant, call, title="量子暗号鍵配送の基地局実装")
    colleague = f.applicant(applicant.organisation)
    assert keys(colleague, "量子暗号") == [("proposal", "量子暗号鍵配送の基地局実装")]
    assert keys(f.applicant(), "量子暗号") == []
    assert keys(None, "量子暗号") == []
    # Staff see a proposal once it is submitted, never a draft.
    assert keys(f.user(Role.AGENCY), "量子暗号") == []
    from kikin.calls.services import submit_proposal

    with django_capture_on_commit_callbacks(execute=True):
        submit_proposal(actor=applicant, proposal=proposal, submission_key="s1")
    proposal.refresh_from_db()
    assert keys(f.user(Role.AGENCY), "量子暗号") == [("proposal", proposal.receipt_number)]


def test_published_adoptions_are_public(plan, django_capture_on_commit_callbacks):
    from kikin.review import services as review

    with django_capture_on_commit_callbacks(execute=True):
        p, _applicant, _ministry, agency = f.adopted(plan, title="ミリ波基地局の省電力化")
    assert [k for k, _ in keys(None, "ミリ波")] == []
    with django_capture_on_commit_callbacks(execute=True):
        review.issue_notices(actor=agency, call=p.call)
        review.publish_adoptions(actor=agency, call=p.call)
    assert [k for k, _ in keys(None, "ミリ波 省電力")] == ["adoption"]
    assert [k for k, _ in keys(None, "ミリ波", kind="proposal")] == []


def test_rebuild_recreates_every_entry(plan):
    p = people()
    published(p.manager, "open", title_ja="再構築のテスト")
    SearchEntry.objects.all().delete()
    counts = search.rebuild()
    assert counts["dataset"] == 1 and keys(None, "再構築")


def test_the_search_page(plan):
    p = people()
    d = published(p.manager, "open", title_ja="走行ロボットのセンサーデータ")
    page = Client().get("/search/", {"q": "ロボット センサー"}).content.decode()
    assert f"/datasets/{d.identifier}/" in page and "search-results" in page
    assert Client().get("/search/", {"q": ""}).status_code == 200
    assert Client().get("/search/", {"q": "x" * 5000}).status_code == 200


def test_the_states_whose_adoption_is_not_reindexed_follow_no_decision():
    """A submission skips re-reading the adoption's entry (search.BEFORE_ANY_DECISION): that
    holds only while those states are entered from undecided states alone."""
    from kikin.calls.workflow import TRANSITIONS
    from kikin.datasets.search import BEFORE_ANY_DECISION

    entering = [t for t in TRANSITIONS.values() if t.target in BEFORE_ANY_DECISION]
    assert {t.name for t in entering} >= {"submit", "resubmit"}
    for t in entering:
        assert set(t.sources) <= BEFORE_ANY_DECISION, t.name
