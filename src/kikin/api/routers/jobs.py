"""Background jobs the caller asked for (reviewer assignment, imports...): their state,
progress and result. Only the person who asked, and staff, see a job (kikin.jobs)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from kikin.jobs.selectors import visible_job_or_404

from ..schemas import responses

PREFIX = "/jobs"
router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str
    label: str
    state: str
    progress_done: int
    progress_total: int
    message: str
    result: dict | None
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


def job_out(job) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "label": job.label,
        "state": job.state,
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "message": job.message,
        "result": job.result,
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


@router.get("/{job_id}", response=responses(JobOut), summary="A job I asked for")
def get_job(request, job_id: int):
    return job_out(visible_job_or_404(request.user, job_id))
