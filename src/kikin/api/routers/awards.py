"""Awards (contracts and grants): the implementer's own; the ministry's and the agency's all."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema

from kikin.awards.selectors import awards_for_user, visible_award_or_404

from ..schemas import responses
from ._common import PageParams, page

PREFIX = "/awards"
router = Router(tags=["awards"])


class AwardOut(Schema):
    id: int
    number: str
    proposal_id: int
    call_key: str
    theme: str
    organisation: str
    form: str
    rate: str
    state: str
    start_date: dt.date
    period_months: int
    period_end: dt.date
    stage_gate_due: dt.date | None
    end_date: dt.date | None


class AwardPage(Schema):
    count: int
    items: list[AwardOut]


def award_out(a) -> dict:
    return {
        "id": a.pk,
        "number": a.number,
        "proposal_id": a.proposal_id,
        "call_key": a.call.key,
        "theme": a.theme.key,
        "organisation": a.organisation.name_ja,
        "form": a.form,
        "rate": a.rate,
        "state": a.state,
        "start_date": a.start_date,
        "period_months": a.period_months,
        "period_end": a.period_end,
        "stage_gate_due": a.stage_gate_due,
        "end_date": a.end_date,
    }


@router.get("", response=responses(AwardPage), summary="Awards I may see")
def list_awards(request, params: Query[PageParams]):
    return page(awards_for_user(request.user).order_by("number"), params, award_out)


@router.get("/{award_id}", response=responses(AwardOut), summary="An award")
def get_award(request, award_id: int):
    return award_out(visible_award_or_404(request.user, award_id))
