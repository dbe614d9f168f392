"""A real Celery worker on RabbitMQ and PostgreSQL: a job whose worker process is killed
(SIGKILL) in the middle runs again and does its work once."""

from __future__ import annotations

import os
import signal

import pytest

from kikin.audit.models import AuditRecord
from kikin.jobs.models import Job, JobState
from kikin.jobs.services import enqueue_job
from tests import runtime

from . import handlers  # noqa: F401  (registers the test handlers here too)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def worker(tmp_path, settings):
    runtime.postgresql_or_skip()
    runtime.broker_or_skip()
    settings.KIKIN_JOBS_EAGER = False
    with runtime.queue_of_our_own() as queue:
        process = runtime.start_worker(tmp_path, queue=queue, database_url=runtime.database_url())
        try:
            runtime.wait_for(
                lambda: "ready" in process.output(), timeout=60, what="the worker", process=process
            )
            yield process
        finally:
            process.stop()


def test_a_job_killed_mid_way_runs_again_and_does_its_work_once(worker):
    job = enqueue_job(kind="test.slow", params={"steps": 12, "pause": 0.25}, requested_by=None)
    running = runtime.wait_for(
        lambda: Job.objects.filter(pk=job.pk, state=JobState.RUNNING, progress_done__gte=3).first(),
        timeout=60,
        what="the job to be half-way",
        process=worker,
    )
    pid = int(running.worker.split(":")[1])
    assert pid != worker.popen.pid  # the pool process running it, not the worker's parent
    os.kill(pid, signal.SIGKILL)
    done = runtime.wait_for(
        lambda: Job.objects.filter(pk=job.pk, state__in=[JobState.DONE, JobState.FAILED]).first(),
        timeout=90,
        what="the job to finish after the kill",
        process=worker,
    )
    assert done.state == JobState.DONE, done.error
    assert done.attempts == 2
    assert done.result == {"done_by_attempt": 2, "earlier": 1}
    assert AuditRecord.objects.filter(action="test.slow_done", object_id=str(job.pk)).count() == 1
    assert (done.progress_done, done.progress_total) == (12, 12)


def test_progress_is_seen_while_the_job_runs(worker):
    job = enqueue_job(kind="test.slow", params={"steps": 8, "pause": 0.3}, requested_by=None)
    seen = set()

    def watch():
        row = Job.objects.get(pk=job.pk)
        if row.state == JobState.RUNNING:
            seen.add(row.progress_done)
        return row.state == JobState.DONE

    runtime.wait_for(watch, timeout=60, what="the job", process=worker)
    assert len(seen) >= 3  # progress written from the worker while its transaction was open
