"""Programs (事業) and their items and themes: public."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from kikin.programs.models import Program, Theme

from ..auth import public_or_token
from ..schemas import responses

PREFIX = "/programs"
router = Router(tags=["programs"], auth=public_or_token)


class ProgramOut(Schema):
    code: str
    title_ja: str
    title_en: str
    start_date: dt.date | None
    end_date: dt.date | None


class ThemeOut(Schema):
    key: str
    code: str
    title_ja: str
    title_en: str


class ItemOut(Schema):
    number: int
    symbol: str
    title_ja: str
    title_en: str
    themes: list[ThemeOut]


class ProgramDetailOut(ProgramOut):
    purpose_ja: str
    purpose_en: str
    items: list[ItemOut]


@router.get("", response=responses(list[ProgramOut], public=True), summary="List programs")
def list_programs(request):
    return list(Program.objects.order_by("code"))


@router.get(
    "/{code}", response=responses(ProgramDetailOut, public=True), summary="A program and its themes"
)
def get_program(request, code: str):
    program = get_object_or_404(Program, code=code)
    themes = list(Theme.objects.filter(program=program).select_related("item"))
    items = []
    for item in program.items.order_by("number"):
        items.append(
            {
                "number": item.number,
                "symbol": item.symbol,
                "title_ja": item.title_ja,
                "title_en": item.title_en,
                "themes": [
                    {"key": t.key, "code": t.code, "title_ja": t.title_ja, "title_en": t.title_en}
                    for t in themes
                    if t.item_id == item.pk
                ],
            }
        )
    return {
        **{f: getattr(program, f) for f in ProgramOut.model_fields},
        "purpose_ja": program.purpose_ja,
        "purpose_en": program.purpose_en,
        "items": items,
    }
