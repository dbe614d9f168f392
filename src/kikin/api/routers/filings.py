"""Yearly filings (成果報告): the implementer files a fiscal year's figures; the agency checks
them (accepts, locking them, or returns them with what to correct)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404
from ninja import Field, Router, Schema, Status

from kikin.awards.selectors import visible_award_or_404
from kikin.outcomes import services
from kikin.outcomes.models import Filing
from kikin.outcomes.selectors import filings_to_check

from ..schemas import responses

PREFIX = ""
router = Router(tags=["filings"])

YEN = Field(0, ge=0, le=10**15)


class FilingIn(Schema):
    fiscal_year: int = Field(..., ge=2000, le=2100)
    basis: Literal["government", "own"] = "government"
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    consolidated: bool = False
    product_sales_yen: int = YEN
    other_sales_yen: int = YEN
    other_sales_breakdown: str = Field("", max_length=5000)
    cost_of_sales_yen: int = YEN
    sga_yen: int = YEN
    contribution_ratio: str = Field("1", max_length=24, description="e.g. 1, 3/4 or 0.6")
    deemed_profit: bool = False
    spending_after_yen: int = YEN
    self_burden_yen: int = YEN
    note: str = Field("", max_length=5000)


class FilingOut(Schema):
    id: int
    award_id: int
    award_number: str
    fiscal_year: int
    basis: str
    period_start: dt.date
    period_end: dt.date
    consolidated: bool
    product_sales_yen: int
    other_sales_yen: int
    other_sales_breakdown: str
    cost_of_sales_yen: int
    sga_yen: int
    contribution_ratio: str
    deemed_profit: bool
    spending_after_yen: int
    self_burden_yen: int
    note: str
    state: str
    state_label: str
    submitted_at: dt.datetime
    checked_at: dt.datetime | None
    check_note: str


class FilingCheckIn(Schema):
    accept: bool
    note: str = Field("", max_length=5000, description="What to correct, required to return")


def filing_out(f: Filing) -> dict:
    data = {name: getattr(f, name) for name in FilingOut.model_fields if hasattr(f, name)}
    data.update(
        award_number=f.award.number,
        state_label=f.get_state_display(),
    )
    return data


def _visible_filing(request, filing_id: int) -> Filing:
    filing = filings_to_check(request.user).filter(pk=filing_id).first()
    if filing is None:
        raise Http404
    return filing


@router.get("/filings", response=responses(list[FilingOut]), summary="Filings I may see")
def list_filings(request, state: Literal["submitted", "returned", "checked"] | None = None):
    return [filing_out(f) for f in filings_to_check(request.user, state)[:1000]]


@router.post(
    "/awards/{award_id}/filings",
    response=responses(FilingOut, status=201),
    summary="File (or correct) a fiscal year's figures (implementer)",
)
def file_year(request, award_id: int, payload: FilingIn):
    award = visible_award_or_404(request.user, award_id)
    data = payload.model_dump()
    fiscal_year = data.pop("fiscal_year")
    if data["basis"] == "government":
        data.pop("period_start"), data.pop("period_end")
    filing = services.submit_filing(
        actor=request.user, award=award, fiscal_year=fiscal_year, **data
    )
    return Status(201, filing_out(_visible_filing(request, filing.pk)))


@router.get("/filings/{filing_id}", response=responses(FilingOut), summary="A filing")
def get_filing(request, filing_id: int):
    return filing_out(_visible_filing(request, filing_id))


@router.post(
    "/filings/{filing_id}/check",
    response=responses(FilingOut),
    summary="Accept or return a filing (agency)",
)
def check(request, filing_id: int, payload: FilingCheckIn):
    filing = _visible_filing(request, filing_id)
    services.check_filing(
        actor=request.user, filing=filing, accept=payload.accept, note=payload.note
    )
    return filing_out(_visible_filing(request, filing_id))
