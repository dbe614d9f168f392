"""Cost claims (実績報告・支払請求): the implementer claims a fiscal year's costs; the agency
checks them (approves with the eligible cost of each line, or refuses with a reason). Evidence
files are attached on the award's page; a claim made here carries none."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404
from ninja import Field, Router, Schema, Status

from kikin.awards import services
from kikin.awards.models import CostClaim
from kikin.awards.selectors import awards_for_user, visible_award_or_404

from ..schemas import responses

PREFIX = ""
router = Router(tags=["claims"])

Category = Literal[
    "personnel",
    "equipment",
    "consumables",
    "travel",
    "outsourcing",
    "compute",
    "joint_research",
    "other",
]


class ClaimLineIn(Schema):
    category: Category
    description: str = Field(..., min_length=1, max_length=300)
    incurred_on: dt.date
    amount_yen: int = Field(..., ge=0, le=10**15)
    fixed_amount: bool = False


class ClaimLineOut(ClaimLineIn):
    id: int
    eligible_yen: int | None


class ClaimIn(Schema):
    fiscal_year: int = Field(..., ge=2000, le=2100)
    budget_kind: Literal["base", "acceleration", "continuation"] = "base"
    lines: list[ClaimLineIn] = Field(..., min_length=1, max_length=1000)


class ClaimOut(Schema):
    id: int
    award_id: int
    award_number: str
    fiscal_year: int
    budget_kind: str
    state: str
    state_label: str
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision_note: str
    total_yen: int
    lines: list[ClaimLineOut]


class CheckIn(Schema):
    approve: bool
    eligible: dict[int, int] = Field(
        default_factory=dict, description="line id → eligible yen (default: as claimed)"
    )
    note: str = Field("", max_length=5000, description="The reason, required to refuse")


def claim_out(c: CostClaim) -> dict:
    lines = list(c.lines.all())
    return {
        "id": c.pk,
        "award_id": c.award_id,
        "award_number": c.award.number,
        "fiscal_year": c.fiscal_year,
        "budget_kind": c.budget_kind,
        "state": c.state,
        "state_label": c.get_state_display(),
        "submitted_at": c.submitted_at,
        "decided_at": c.decided_at,
        "decision_note": c.decision_note,
        "total_yen": sum(line.amount_yen for line in lines),
        "lines": [
            {
                "id": line.pk,
                "category": line.category,
                "description": line.description,
                "incurred_on": line.incurred_on,
                "amount_yen": line.amount_yen,
                "fixed_amount": line.fixed_amount,
                "eligible_yen": line.eligible_yen,
            }
            for line in lines
        ],
    }


def _visible_claim(request, claim_id: int) -> CostClaim:
    claim = (
        CostClaim.objects.select_related("award")
        .prefetch_related("lines")
        .filter(pk=claim_id, award__in=awards_for_user(request.user))
        .first()
    )
    if claim is None:
        raise Http404
    return claim


@router.get(
    "/awards/{award_id}/claims",
    response=responses(list[ClaimOut]),
    summary="An award's claims",
)
def list_claims(request, award_id: int):
    award = visible_award_or_404(request.user, award_id)
    claims = award.claims.select_related("award").prefetch_related("lines").order_by("pk")
    return [claim_out(c) for c in claims]


@router.post(
    "/awards/{award_id}/claims",
    response=responses(ClaimOut, status=201),
    summary="Claim a fiscal year's costs (implementer)",
)
def create_claim(request, award_id: int, payload: ClaimIn):
    award = visible_award_or_404(request.user, award_id)
    claim = services.submit_claim(
        actor=request.user,
        award=award,
        fiscal_year=payload.fiscal_year,
        budget_kind=payload.budget_kind,
        lines=[line.model_dump() for line in payload.lines],
    )
    return Status(201, claim_out(_visible_claim(request, claim.pk)))


@router.get("/claims/{claim_id}", response=responses(ClaimOut), summary="A claim")
def get_claim(request, claim_id: int):
    return claim_out(_visible_claim(request, claim_id))


@router.post(
    "/claims/{claim_id}/check",
    response=responses(ClaimOut),
    summary="Check a claim: approve (with eligible costs) or refuse (agency)",
)
def check_claim(request, claim_id: int, payload: CheckIn):
    claim = _visible_claim(request, claim_id)
    if payload.approve:
        services.approve_claim(
            actor=request.user, claim=claim, eligible=payload.eligible, note=payload.note
        )
    else:
        services.refuse_claim(actor=request.user, claim=claim, reason=payload.note)
    return claim_out(_visible_claim(request, claim_id))
