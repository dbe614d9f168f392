"""Reviewer assignment for a call, run by the background worker (the same job as the call
panel's button, `review.jobs.ASSIGN`): the agency asks, then follows the job at /jobs/{id}."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kikin.accounts.models import Role
from kikin.accounts.permissions import require_role
from kikin.calls.models import Call
from kikin.jobs.services import enqueue_job
from kikin.review import jobs as review_jobs

from ..schemas import responses
from .jobs import JobOut, job_out

PREFIX = ""
router = Router(tags=["assignments"])


class AssignIn(Schema):
    per_proposal: int = Field(3, ge=1, le=20)
    max_load: int | None = Field(None, ge=1, le=1000, description="Default: each reviewer's own")
    fair: bool = Field(False, description="First raise the lowest proposal's total")


@router.post(
    "/calls/{call_id}/assignments",
    response=responses(JobOut, status=202),
    summary="Assign reviewers to a call's proposals (agency), as a background job",
)
def assign(request, call_id: int, payload: AssignIn):
    require_role(request.user, Role.AGENCY)
    call = get_object_or_404(Call, pk=call_id)
    job = enqueue_job(
        kind=review_jobs.ASSIGN,
        params={"call": call.pk, **payload.model_dump()},
        requested_by=request.user,
        label=_("Reviewer assignment: %(call)s") % {"call": call},
    )
    return Status(202, job_out(job))
