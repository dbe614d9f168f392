"""The pages of background jobs: my jobs, one job's progress (polled by htmx until it is done)
and its result file. Only the person who asked and staff see a job; others get 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.template.loader import select_template

from kikin.core.downloads import content_disposition
from kikin.core.paging import page_of

from . import selectors

#: How often the page asks for news of a running job, in seconds.
POLL_SECONDS = 1


def _result_template(job):
    """A kind may show its result its own way: `jobs/result/<kind, dots as _>.html`."""
    return select_template(
        [f"jobs/result/{job.kind.replace('.', '_')}.html", "jobs/result/default.html"]
    )


def _context(job) -> dict:
    return {"job": job, "result_template": _result_template(job), "poll_seconds": POLL_SECONDS}


@login_required
def job_list(request):
    page = page_of(selectors.jobs_of(request.user), request.GET.get("page"), 50)
    return render(request, "jobs/job_list.html", {"page": page})


@login_required
def job_page(request, pk: int):
    job = selectors.visible_job_or_404(request.user, pk)
    return render(request, "jobs/job.html", _context(job))


@login_required
def job_status(request, pk: int):
    """The status block alone, for htmx to swap in; it stops polling once the job is finished."""
    job = selectors.visible_job_or_404(request.user, pk)
    return render(request, "jobs/_status.html", _context(job))


@login_required
def job_file(request, pk: int):
    job = selectors.visible_job_or_404(request.user, pk)
    if job.state != "done" or not job.result_file:
        raise Http404
    response = FileResponse(job.result_file.open("rb"))
    response["Content-Disposition"] = content_disposition(job.result_name or "result")
    response["X-Content-Type-Options"] = "nosniff"
    return response
