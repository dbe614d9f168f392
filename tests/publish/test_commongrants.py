"""CommonGrants: every answer validated by the protocol's own models (common-grants-sdk), and the
SDK's own client reading kikin through Django's WSGI application."""

import datetime as dt
import json

import httpx
import pytest
from common_grants_sdk.schemas.pydantic.models import OpportunityBase, OppStatusOptions
from common_grants_sdk.schemas.pydantic.responses import (
    OpportunitiesListResponse,
    OpportunitiesSearchResponse,
    OpportunityResponse,
)
from common_grants_sdk.schemas.pydantic.responses.error import Error
from django.utils import timezone

from kikin.calls.models import Call
from kikin.publish.selectors import opportunity_id
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = "/common-grants/opportunities"
SEARCH = "/common-grants/opportunities/search"


@pytest.fixture
def calls(plan):
    now = timezone.now()
    open_ = f.open_call(plan, themes=("1-a1", "1-c8"), key="cg-open", budget_yen=12_000_000_000)
    closed = f.open_call(
        plan,
        themes=("1-g3",),
        key="cg-closed",
        budget_yen=None,
        opens=now - dt.timedelta(days=60),
        closes=now - dt.timedelta(days=30),
    )
    future = f.open_call(
        plan,
        themes=("1-a1",),
        key="cg-future",
        budget_yen=3_000_000_000,
        opens=now + dt.timedelta(days=30),
        closes=now + dt.timedelta(days=60),
    )
    return {"open": open_, "closed": closed, "future": future}


def search(client, body, **headers):
    return client.post(SEARCH, data=json.dumps(body), content_type="application/json", **headers)


def items_by_key(response_model):
    return {o.custom_fields["callKey"].value: o for o in response_model.items}


def test_list_is_valid_paginated_and_shows_every_status(client, calls):
    r = client.get(LIST, {"page": 1, "pageSize": 100})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    body = OpportunitiesListResponse.model_validate(r.json())
    total = Call.objects.count()
    assert body.pagination_info.total_items == total
    by_key = items_by_key(body)
    assert by_key["cg-open"].status.value == OppStatusOptions.OPEN
    assert by_key["cg-closed"].status.value == OppStatusOptions.CLOSED
    assert by_key["cg-future"].status.value == OppStatusOptions.FORECASTED
    # pages: 2 per page cover everything once
    seen = []
    pages = -(-total // 2)
    for page in range(1, pages + 1):
        b = OpportunitiesListResponse.model_validate(
            client.get(LIST, {"page": page, "pageSize": 2}).json()
        )
        assert b.pagination_info.total_pages == pages
        seen += [str(o.id) for o in b.items]
    assert len(seen) == len(set(seen)) == total


def test_an_opportunity_carries_yen_jst_dates_and_the_theme_keys(client, calls):
    call = calls["open"]
    r = client.get(f"{LIST}/{opportunity_id(call)}")
    assert r.status_code == 200
    opp = OpportunityResponse.model_validate(r.json()).data
    assert opp.funding.total_amount_available.amount == "12000000000"
    assert opp.funding.total_amount_available.currency == "JPY"
    # (a1) 75億円 × the variable rate (at most 100 %), (c8) 150億円: the largest is published
    assert opp.funding.max_award_amount.amount == "15000000000"
    local = timezone.localtime(call.closes_at, dt.timezone(dt.timedelta(hours=9)))
    assert opp.key_dates.close_date.date == local.date()
    assert opp.key_dates.close_date.time == local.time().replace(microsecond=0)
    assert "+09:00" in opp.key_dates.close_date.description
    assert opp.custom_fields["closesAt"].value.endswith("+09:00")
    assert opp.custom_fields["themeKeys"].value == ["1-a1", "1-c8"]
    assert opp.custom_fields["titleJa"].value == "試験公募"
    assert opp.title == "試験公募"  # Japanese first
    assert opp.source is not None and str(opp.source).endswith(f"/calls/{call.pk}/")
    raw = r.json()["data"]
    assert "keyDates" in raw and "lastModifiedAt" in raw  # the protocol's camelCase wire names
    assert None not in raw.values()  # optional properties are left out, never null


def test_english_when_the_client_asks_for_it(client, calls):
    r = client.get(f"{LIST}/{opportunity_id(calls['open'])}", HTTP_ACCEPT_LANGUAGE="en")
    opp = OpportunityResponse.model_validate(r.json()).data
    assert opp.title == "Test call"
    assert r["Content-Language"] == "en"


def test_a_call_with_a_total_per_call_theme_publishes_no_largest_award(client, calls):
    # (g3) has a total for all adoptions of a call, not a cap per proposal
    opp = OpportunityResponse.model_validate(
        client.get(f"{LIST}/{opportunity_id(calls['closed'])}").json()
    ).data
    assert opp.funding.max_award_amount is None
    assert opp.funding.total_amount_available is None  # the call states no total


def test_search_filters_by_status_theme_and_money(client, calls):
    r = search(
        client,
        {
            "filters": {
                "status": {"operator": "in", "value": ["open", "forecasted"]},
                "customFilters": {"themeKey": {"operator": "in", "value": ["1-a1"]}},
                "totalFundingAvailableRange": {
                    "operator": "between",
                    "value": {
                        "min": {"amount": "5000000000", "currency": "JPY"},
                        "max": {"amount": "20000000000", "currency": "JPY"},
                    },
                },
            },
            "pagination": {"page": 1, "pageSize": 50},
        },
    )
    assert r.status_code == 200
    body = OpportunitiesSearchResponse.model_validate(r.json())
    keys = set(items_by_key(body))
    assert "cg-open" in keys
    assert not keys & {"cg-closed", "cg-future"}  # closed; below the range
    assert body.filter_info.errors == []
    for o in body.items:
        assert o.status.value in {"open", "forecasted"}
        assert "1-a1" in o.custom_fields["themeKeys"].value


def test_search_text_close_date_range_and_sorting(client, calls):
    closed = timezone.localtime(calls["closed"].closes_at).date()
    r = search(
        client,
        {
            "search": "試験",
            "filters": {
                "closeDateRange": {
                    "operator": "between",
                    "value": {"min": str(closed), "max": str(closed)},
                }
            },
        },
    )
    body = OpportunitiesSearchResponse.model_validate(r.json())
    assert set(items_by_key(body)) == {"cg-closed"}
    r = search(
        client,
        {
            "search": "試験公募",
            "sorting": {"sortBy": "keyDates.closeDate", "sortOrder": "asc"},
            "pagination": {"page": 1, "pageSize": 10},
        },
    )
    body = OpportunitiesSearchResponse.model_validate(r.json())
    order = [o.custom_fields["callKey"].value for o in body.items]
    assert order == ["cg-closed", "cg-open", "cg-future"]
    assert body.sort_info.sort_by == "keyDates.closeDate" and body.sort_info.sort_order == "asc"
    r = search(
        client,
        {"search": "試験公募", "sorting": {"sortBy": "funding.totalAmountAvailable"}},
    )
    order = [
        o.custom_fields["callKey"].value
        for o in OpportunitiesSearchResponse.model_validate(r.json()).items
    ]
    assert order == ["cg-open", "cg-future", "cg-closed"]  # desc; no total comes last


def test_filters_that_cannot_apply_are_reported_not_fatal(client, calls):
    r = search(
        client,
        {
            "filters": {
                "maxAwardAmountRange": {
                    "operator": "between",
                    "value": {
                        "min": {"amount": "1", "currency": "USD"},
                        "max": {"amount": "2", "currency": "USD"},
                    },
                },
                "customFilters": {"agency": {"operator": "eq", "value": "x"}},
            },
            "sorting": {"sortBy": "custom", "customSortBy": "nope"},
        },
    )
    assert r.status_code == 200
    body = OpportunitiesSearchResponse.model_validate(r.json())
    assert any("maxAwardAmountRange" in e for e in body.filter_info.errors)
    assert any("customFilters.agency" in e for e in body.filter_info.errors)
    assert body.sort_info.errors and body.sort_info.sort_by == "lastModifiedAt"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"pagination": {"page": 0}}).encode(),
        json.dumps({"filters": {"status": {"operator": "between", "value": ["open"]}}}).encode(),
        json.dumps({"sorting": {"sortBy": "height"}}).encode(),
    ],
)
def test_a_bad_search_is_a_400_in_the_protocol_error_shape(client, calls, body):
    r = client.post(SEARCH, data=body, content_type="application/json")
    assert r.status_code == 400
    err = Error.model_validate(r.json())
    assert err.status == 400 and err.message


def test_unknown_or_malformed_ids_are_404_and_bad_paging_is_400(client, calls):
    for path in (f"{LIST}/00000000-0000-0000-0000-000000000000", f"{LIST}/17", f"{LIST}/%00"):
        r = client.get(path)
        assert r.status_code == 404
        assert Error.model_validate(r.json()).status == 404
    r = client.get(LIST, {"page": "zero"})
    assert r.status_code == 400 and Error.model_validate(r.json()).errors
    assert client.get(SEARCH).status_code == 405
    assert client.post(LIST).status_code == 405


def test_ids_are_stable_across_a_reload_of_the_plan(client, calls):
    before = opportunity_id(calls["open"])
    call = Call.objects.select_related("program").get(pk=calls["open"].pk)
    assert opportunity_id(call) == before
    assert before.version == 5


def test_the_sdk_client_reads_kikin(calls, live_wsgi_client):
    """The SDK's own client (httpx) talks to kikin's WSGI application, no server needed."""
    from common_grants_sdk.client import Client
    from common_grants_sdk.client.config import Config

    client = Client(config=Config(base_url="http://testserver", api_key="unused"))
    client.http = live_wsgi_client
    listed = client.opportunities.list(page=1, page_size=100)
    assert not listed.errors
    assert {o.custom_fields["callKey"].value for o in listed.items} >= {"cg-open", "cg-future"}
    found = client.opportunities.search(search="試験公募", status=[OppStatusOptions.OPEN])
    assert [o.custom_fields["callKey"].value for o in found.items] == ["cg-open"]
    one = client.opportunities.get(opportunity_id(calls["future"]))
    assert isinstance(one, OpportunityBase) and one.status.value == OppStatusOptions.FORECASTED


@pytest.fixture
def live_wsgi_client():
    """httpx over Django's WSGI application; like Django's test client, a request's start and
    end do not close the database connection (that would end the test's transaction)."""
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with httpx.Client(
            transport=httpx.WSGITransport(app=get_wsgi_application()),
            base_url="http://testserver",
        ) as c:
            yield c
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
