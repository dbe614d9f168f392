"""Following a page that queued a background job, as its person does: the redirect to the job's
page, the job (run eagerly in the tests) done, and its result file downloaded."""

from __future__ import annotations

from django.urls import resolve, reverse

from kikin.jobs.models import Job


def job_of(response) -> Job:
    """The job a response redirected to (its /jobs/<id>/ page)."""
    assert response.status_code == 302, getattr(response, "content", b"")[:500]
    match = resolve(response.url.split("?")[0])
    assert match.view_name == "jobs:detail", response.url
    return Job.objects.get(pk=match.kwargs["pk"])


def follow_job(client, response):
    """The job's page is shown with its result, and the result file is downloaded: returns the
    download's response (a FileResponse)."""
    job = job_of(response)
    assert job.state == "done", (job.state, job.error)
    page = client.get(response.url)
    assert page.status_code == 200
    download = reverse("jobs:file", args=[job.pk])
    assert download in page.content.decode()
    return client.get(download)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
