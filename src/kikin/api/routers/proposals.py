"""Proposals: an applicant's own (list, read, start a draft, change it, submit, withdraw); the
staff and assigned reviewers read those the pages show them (`calls.selectors`,
`calls.permissions`). An applicant is told only what a proposer is told: never the state of
review, only draft / submitted / adopted / not adopted / withdrawn."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kikin.accounts.permissions import is_applicant
from kikin.calls import permissions, services
from kikin.calls.models import Call, Proposal, ProposalState
from kikin.calls.selectors import proposals_for_user

from ..schemas import responses
from ._common import PageParams, page

PREFIX = "/proposals"
router = Router(tags=["proposals"])


class BudgetLineIO(Schema):
    fiscal_year: int = Field(..., ge=2000, le=2100)
    requested_yen: int = Field(..., ge=0, le=10**15)
    eligible_cost_yen: int | None = Field(None, ge=0, le=10**15)


class TeamMemberIO(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    researcher_number: str = Field("", max_length=8)
    affiliation: str = Field("", max_length=200)
    role: str = Field("", max_length=100)
    is_lead: bool = False


class PartnerIO(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    country: str = Field("JP", min_length=2, max_length=2)
    relation: Literal["independent", "parent", "subsidiary"] = "independent"
    special_capability: str = ""


class ProposalOut(Schema):
    id: int
    call_id: int
    call_key: str
    theme: str
    organisation: str
    receipt_number: str | None
    title: str
    status: str = Field(
        ...,
        description="An applicant sees draft, submitted, adopted, "
        "not_adopted or withdrawn; staff and reviewers see the state of review.",
    )
    status_label: str
    submitted_at: dt.datetime | None
    updated_at: dt.datetime


class ProposalDetailOut(ProposalOut):
    language: str
    abstract: str
    plan: str
    start_date: dt.date | None
    period_months: int | None
    set_value: Decimal | None
    cap_option: str
    self_investment_yen: int | None
    continuation_plan: str
    leakage_core_technologies: str
    leakage_access_control: str
    leakage_staff_management: str
    leakage_partner_controls: str
    development_type: str
    benchmark_target: str
    compute_provider: str
    accelerator_type: str
    accelerator_hours: int | None
    version_count: int
    budget: list[BudgetLineIO]
    team: list[TeamMemberIO]
    partners: list[PartnerIO]


class ProposalPage(Schema):
    count: int
    items: list[ProposalOut]


class ProposalCreateIn(Schema):
    call_id: int = Field(..., ge=1)
    theme: str = Field(..., max_length=32, description="Theme key, e.g. 1-a1")


class ProposalPatchIn(Schema):
    """Only the fields sent are changed; a list sent replaces the rows."""

    title: str | None = Field(None, max_length=300)
    abstract: str | None = Field(None, max_length=20000)
    plan: str | None = Field(None, max_length=100000)
    language: Literal["ja", "en"] | None = None
    start_date: dt.date | None = None
    period_months: int | None = Field(None, ge=1, le=600)
    set_value: Decimal | None = Field(None, ge=0, le=9999, decimal_places=2)
    cap_option: str | None = Field(None, max_length=16)
    self_investment_yen: int | None = Field(None, ge=0, le=10**15)
    continuation_plan: str | None = Field(None, max_length=20000)
    leakage_core_technologies: str | None = Field(None, max_length=20000)
    leakage_access_control: str | None = Field(None, max_length=20000)
    leakage_staff_management: str | None = Field(None, max_length=20000)
    leakage_partner_controls: str | None = Field(None, max_length=20000)
    development_type: Literal["", "scratch", "continued", "fine_tuning"] | None = None
    benchmark_target: str | None = Field(None, max_length=20000)
    compute_provider: str | None = Field(None, max_length=100)
    accelerator_type: str | None = Field(None, max_length=100)
    accelerator_hours: int | None = Field(None, ge=0, le=2_000_000_000)
    budget: list[BudgetLineIO] | None = Field(None, max_length=50)
    team: list[TeamMemberIO] | None = Field(None, max_length=200)
    partners: list[PartnerIO] | None = Field(None, max_length=200)


class SubmitIn(Schema):
    submission_key: str = Field(
        ..., min_length=1, max_length=64, description="Idempotency key: the same key, one version"
    )


class SubmitOut(Schema):
    receipt_number: str
    version: int
    submitted_at: dt.datetime


class WithdrawIn(Schema):
    reason: str = Field("", max_length=2000)


_APPLICANT_STATUS = {
    ProposalState.DRAFT: "draft",
    ProposalState.WITHDRAWN: "withdrawn",
}


def _status(user, p: Proposal) -> tuple[str, str]:
    if is_applicant(user):
        if p.state in _APPLICANT_STATUS:
            code = _APPLICANT_STATUS[p.state]
        elif p.result_notified_at:
            code = "adopted" if p.state == ProposalState.ADOPTED else "not_adopted"
        else:
            code = "submitted"
        return code, str(permissions.applicant_status(p))
    return p.state, p.get_state_display()


def proposal_out(user, p: Proposal) -> dict:
    code, label = _status(user, p)
    return {
        "id": p.pk,
        "call_id": p.call_id,
        "call_key": p.call.key,
        "theme": p.theme.key,
        "organisation": p.organisation.name_ja,
        "receipt_number": p.receipt_number,
        "title": p.title,
        "status": code,
        "status_label": label,
        "submitted_at": p.submitted_at,
        "updated_at": p.updated_at,
    }


def proposal_detail(user, p: Proposal) -> dict:
    data = proposal_out(user, p)
    for name in services.DRAFT_FIELDS:
        data[name] = getattr(p, name)
    data["version_count"] = p.version_count
    # The rows as a version freezes them (calls.services.snapshot), one shape for both.
    content = services.snapshot(p)
    for rows in ("budget", "team", "partners"):
        data[rows] = content[rows]
    return data


def _visible(request, proposal_id: int) -> Proposal:
    """A proposal the user may read, else 404 (existence itself is confidential)."""
    proposal = get_object_or_404(
        Proposal.objects.select_related("call__program", "theme__item", "organisation"),
        pk=proposal_id,
    )
    if not permissions.can_view(request.user, proposal):
        raise Http404
    return proposal


@router.get("", response=responses(ProposalPage), summary="The proposals I may see")
def list_proposals(request, params: Query[PageParams]):
    qs = proposals_for_user(request.user).order_by("-updated_at", "-id")
    return page(qs, params, lambda p: proposal_out(request.user, p))


@router.get("/{proposal_id}", response=responses(ProposalDetailOut), summary="A proposal")
def get_proposal(request, proposal_id: int):
    return proposal_detail(request.user, _visible(request, proposal_id))


@router.post(
    "", response=responses(ProposalDetailOut, status=201), summary="Start a draft (applicant)"
)
def create_proposal(request, payload: ProposalCreateIn):
    call = get_object_or_404(Call, pk=payload.call_id)
    item, _sep, code = payload.theme.partition("-")
    theme = call.themes.filter(item__number=int(item) if item.isdigit() else -1, code=code).first()
    if theme is None:
        raise ValidationError({"theme": _("This theme is not open in this call.")})
    proposal = services.create_proposal(actor=request.user, call=call, theme=theme)
    return Status(201, proposal_detail(request.user, _visible(request, proposal.pk)))


@router.patch("/{proposal_id}", response=responses(ProposalDetailOut), summary="Change a draft")
def update_proposal(request, proposal_id: int, payload: ProposalPatchIn):
    proposal = _visible(request, proposal_id)
    data = payload.model_dump(exclude_unset=True)
    lists = {k: data.pop(k) for k in ("budget", "team", "partners") if k in data}
    for key, value in list(data.items()):
        if value is None and key not in {
            "start_date",
            "period_months",
            "set_value",
            "self_investment_yen",
            "accelerator_hours",
        }:
            data[key] = ""
    services.save_draft(actor=request.user, proposal=proposal, fields=data, **lists)
    return proposal_detail(request.user, _visible(request, proposal_id))


@router.post(
    "/{proposal_id}/submit",
    response=responses(SubmitOut),
    summary="Submit (idempotent by submission_key)",
)
def submit_proposal(request, proposal_id: int, payload: SubmitIn):
    proposal = _visible(request, proposal_id)
    version = services.submit_proposal(
        actor=request.user, proposal=proposal, submission_key=payload.submission_key
    )
    proposal.refresh_from_db()
    return {
        "receipt_number": proposal.receipt_number,
        "version": version.number,
        "submitted_at": version.submitted_at,
    }


@router.post("/{proposal_id}/withdraw", response=responses(ProposalOut), summary="Withdraw")
def withdraw_proposal(request, proposal_id: int, payload: WithdrawIn):
    proposal = _visible(request, proposal_id)
    services.withdraw_proposal(actor=request.user, proposal=proposal, reason=payload.reason)
    return proposal_out(request.user, _visible(request, proposal_id))
