"""Reviews: a reviewer's own assignments (list, read with the proposal's submitted content, and
score). Conflicts of interest are checked as on the pages: a conflicted assignment is not found."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import Http404
from ninja import Field, Router, Schema

from kikin.accounts.models import Role
from kikin.accounts.permissions import require_role
from kikin.review import selectors, services
from kikin.review.conflicts import conflict_reasons
from kikin.review.models import Assignment

from ..schemas import responses

PREFIX = "/reviews"
router = Router(tags=["reviews"])


class CriterionOut(Schema):
    code: str
    label_ja: str
    label_en: str
    weight: int
    max_score: int


class ReviewOut(Schema):
    scores: dict[str, int]
    comment: str
    recommendation: str
    weighted_score: Decimal | None
    submitted_at: dt.datetime | None


class AssignmentOut(Schema):
    assignment_id: int
    proposal_id: int
    receipt_number: str | None
    title: str
    call_key: str
    theme: str
    review_submitted: bool


class AssignmentDetailOut(AssignmentOut):
    content: dict
    criteria: list[CriterionOut]
    review: ReviewOut | None


class ReviewIn(Schema):
    scores: dict[str, int] = Field(default_factory=dict)
    comment: str = Field("", max_length=20000)
    recommendation: Literal["", "adopt", "conditions", "reject"] = ""
    submit: bool = Field(False, description="true submits the review; a submitted review is final")


def _out(a: Assignment) -> dict:
    p = a.proposal
    review = getattr(a, "review", None)
    return {
        "assignment_id": a.pk,
        "proposal_id": p.pk,
        "receipt_number": p.receipt_number,
        "title": p.title,
        "call_key": p.call.key,
        "theme": p.theme.key,
        "review_submitted": bool(review and review.is_submitted),
    }


def _review_out(review) -> dict | None:
    if review is None:
        return None
    return {
        "scores": {s.criterion.code: s.value for s in review.scores.select_related("criterion")},
        "comment": review.comment,
        "recommendation": review.recommendation,
        "weighted_score": review.weighted_score,
        "submitted_at": review.submitted_at,
    }


def _own(request, assignment_id: int) -> Assignment:
    assignment = (
        Assignment.objects.select_related("proposal__call", "proposal__theme__item")
        .filter(pk=assignment_id, reviewer=request.user)
        .first()
    )
    if assignment is None or conflict_reasons(request.user, assignment.proposal):
        raise Http404
    return assignment


def _detail(request, assignment: Assignment) -> dict:
    proposal = assignment.proposal
    latest = proposal.versions.order_by("-number").first()
    criteria = services.ensure_criteria(call=proposal.call)
    assignment = Assignment.objects.select_related(
        "proposal__call", "proposal__theme__item", "review"
    ).get(pk=assignment.pk)
    return {
        **_out(assignment),
        "content": latest.content if latest else {},
        "criteria": [
            {
                "code": c.code,
                "label_ja": c.label_ja,
                "label_en": c.label_en,
                "weight": c.weight,
                "max_score": c.max_score,
            }
            for c in criteria
        ],
        "review": _review_out(getattr(assignment, "review", None)),
    }


@router.get("", response=responses(list[AssignmentOut]), summary="My assignments (reviewer)")
def list_assignments(request):
    require_role(request.user, Role.REVIEWER)
    return [_out(a) for a in selectors.assignments_for_reviewer(request.user)]


@router.get(
    "/{assignment_id}",
    response=responses(AssignmentDetailOut),
    summary="One assignment: the proposal as submitted, the rubric, my review",
)
def get_assignment(request, assignment_id: int):
    return _detail(request, _own(request, assignment_id))


@router.post(
    "/{assignment_id}",
    response=responses(AssignmentDetailOut),
    summary="Save or submit my review",
)
def save_review(request, assignment_id: int, payload: ReviewIn):
    assignment = _own(request, assignment_id)
    services.save_review(
        actor=request.user,
        assignment=assignment,
        scores=payload.scores,
        comment=payload.comment,
        recommendation=payload.recommendation,
        submit=payload.submit,
    )
    return _detail(request, assignment)
