"""Calls for proposals (公募): public."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from kikin.calls.models import Call

from ..auth import public_or_token
from ..schemas import responses
from ._common import PageParams, page

PREFIX = "/calls"
router = Router(tags=["calls"], auth=public_or_token)


class CallOut(Schema):
    id: int
    program: str
    key: str
    title_ja: str
    title_en: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    budget_total_yen: int | None
    themes: list[str]
    is_open: bool


class CallPage(Schema):
    count: int
    items: list[CallOut]


def call_out(call: Call) -> dict:
    return {
        "id": call.pk,
        "program": call.program.code,
        "key": call.key,
        "title_ja": call.title_ja,
        "title_en": call.title_en,
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
        "budget_total_yen": call.budget_total_yen,
        "themes": [t.key for t in call.themes.all()],
        "is_open": call.is_open(),
    }


def _calls():
    return Call.objects.select_related("program").prefetch_related("themes__item")


@router.get("", response=responses(CallPage, public=True), summary="List calls, newest first")
def list_calls(request, params: Query[PageParams]):
    return page(_calls().order_by("-opens_at", "-pk"), params, call_out)


@router.get("/{call_id}", response=responses(CallOut, public=True), summary="A call")
def get_call(request, call_id: int):
    return call_out(get_object_or_404(_calls(), pk=call_id))
