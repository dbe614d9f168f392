"""Helpers shared by the resource modules (not a resource itself: it defines no router)."""

from __future__ import annotations

from ninja import Field, Schema

MAX_LIMIT = 200


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


def page(qs, params: PageParams, out) -> dict:
    """{count, items} of one page of a queryset: two queries, plus what `out` reads (prefetched)."""
    count = qs.count()
    rows = list(qs[params.offset : params.offset + params.limit])
    return {"count": count, "items": [out(r) for r in rows]}
