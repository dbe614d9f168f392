"""Background jobs: queued idempotently, run once, refused or failed without leaking internals,
taken back from a dead worker, swept up when lost, and shown only to who asked and staff."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse
from django.utils import timezone

from kikin.accounts.models import Role
from kikin.audit.models import AuditRecord
from kikin.jobs import runner, services
from kikin.jobs.models import Job, JobState
from kikin.jobs.services import enqueue_job
from tests import factories

from . import handlers

pytestmark = pytest.mark.django_db


@pytest.fixture
def asker():
    return factories.user(Role.AGENCY)


def test_enqueue_runs_the_job_eagerly_and_keeps_its_result(asker):
    job = enqueue_job(kind="test.count", params={"n": 4}, requested_by=asker, label="Count")
    assert job.state == JobState.DONE
    assert job.result == {"message": "counted 4", "n": 4}
    assert (job.progress_done, job.progress_total) == (4, 4)
    assert job.message == "step 4"
    assert job.attempts == 1 and job.finished_at is not None
    assert AuditRecord.objects.filter(action="jobs.enqueue", object_id=str(job.pk)).count() == 1
    assert AuditRecord.objects.filter(action="test.count_done", object_id=str(job.pk)).count() == 1


def test_the_same_key_returns_the_same_job_and_does_the_work_once(asker):
    before = handlers.CALLS["count"]
    first = enqueue_job(kind="test.count", params={"n": 1}, requested_by=asker, key="k-1")
    again = enqueue_job(kind="test.count", params={"n": 9}, requested_by=asker, key="k-1")
    assert again.pk == first.pk and again.params == {"n": 1}
    assert handlers.CALLS["count"] == before + 1
    other_kind = enqueue_job(kind="test.file", params={}, requested_by=asker, key="k-1")
    assert other_kind.pk != first.pk


def test_a_job_done_is_not_redone(asker):
    job = enqueue_job(kind="test.count", params={"n": 1}, requested_by=asker)
    before = handlers.CALLS["count"]
    assert runner.run_job(job.pk) == "skipped"
    assert handlers.CALLS["count"] == before


def test_a_refusal_fails_the_job_with_the_reason_and_rolls_back_its_writes(asker):
    job = enqueue_job(kind="test.refuse", params={}, requested_by=asker)
    assert job.state == JobState.FAILED
    assert "Award ids are whole numbers." in job.error
    assert not AuditRecord.objects.filter(action="test.refuse_wrote").exists()
    assert (job.progress_done, job.message) == (1, "half")


def test_a_crash_fails_the_job_without_showing_internals(asker, client, caplog):
    job = enqueue_job(kind="test.crash", params={}, requested_by=asker)
    assert job.state == JobState.FAILED
    assert "DATABASE_URL" not in job.error and job.error
    assert "secret internals" in caplog.text  # logged for the staff (and Sentry / ADMINS mail)
    client.force_login(asker)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "DATABASE_URL" not in page and job.error in page


def test_unknown_kind_is_refused_at_once(asker):
    with pytest.raises(KeyError):
        enqueue_job(kind="no.such.kind", params={}, requested_by=asker)


def _running(job: Job, *, worker: str, lease: dt.timedelta) -> None:
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, worker=worker, lease_until=timezone.now() + lease, attempts=1
    )


@pytest.fixture
def queued(asker, settings):
    settings.KIKIN_JOBS_EAGER = False
    sent = []
    services_send = services.send_job
    services.send_job = sent.append
    try:
        job = enqueue_job(kind="test.count", params={"n": 2}, requested_by=asker)
    finally:
        services.send_job = services_send
    settings.KIKIN_JOBS_EAGER = True
    return job


def test_a_job_is_sent_only_after_its_transaction_commits(asker, settings, monkeypatch):
    settings.KIKIN_JOBS_EAGER = False
    sent = []
    monkeypatch.setattr(services, "send_job", sent.append)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        job = enqueue_job(kind="test.count", params={}, requested_by=asker)
        assert sent == []
    assert job.state == JobState.QUEUED and len(callbacks) == 1
    callbacks[0]()
    assert sent == [job.pk]


def test_a_job_held_by_a_live_worker_is_left_to_it(queued):
    _running(queued, worker="elsewhere:1:abc", lease=dt.timedelta(seconds=30))
    assert runner.run_job(queued.pk) == "skipped"
    queued.refresh_from_db()
    assert queued.state == JobState.RUNNING and queued.worker == "elsewhere:1:abc"


def test_a_lapsed_lease_is_taken_over_and_the_job_done_once(queued):
    _running(queued, worker="elsewhere:1:abc", lease=dt.timedelta(seconds=-1))
    assert runner.run_job(queued.pk) == "done"
    queued.refresh_from_db()
    assert queued.state == JobState.DONE and queued.attempts == 2
    assert (
        AuditRecord.objects.filter(action="test.count_done", object_id=str(queued.pk)).count() == 1
    )


def test_a_dead_worker_process_on_this_machine_is_taken_over_at_once(queued):
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    _running(queued, worker=f"{runner.HOST}:{gone.pid}:abc", lease=dt.timedelta(seconds=50))
    assert runner.run_job(queued.pk) == "done"
    _running(queued, worker=f"{runner.HOST}:{os.getpid()}:abc", lease=dt.timedelta(seconds=50))
    assert runner.run_job(queued.pk) == "skipped"  # this very process is alive: left to it


def test_a_run_that_lost_its_job_commits_nothing(queued, monkeypatch):
    real = handlers.count

    def taken_meanwhile(job, progress):
        out = real(job, progress)
        # another worker took it (here inside this run's transaction, so undone with it)
        Job.objects.filter(pk=job.pk).update(worker="other:2:def")
        return out

    from kikin.jobs import registry

    monkeypatch.setitem(
        registry._HANDLERS, "test.count", registry.Handler("test.count", taken_meanwhile)
    )
    assert runner.run_job(queued.pk) == "lost"
    assert not AuditRecord.objects.filter(
        action="test.count_done", object_id=str(queued.pk)
    ).exists()
    queued.refresh_from_db()
    assert queued.state == JobState.RUNNING and queued.result is None


def test_a_job_whose_worker_dies_each_time_is_failed_after_the_last_attempt(queued):
    _running(queued, worker="elsewhere:1:abc", lease=dt.timedelta(seconds=-1))
    Job.objects.filter(pk=queued.pk).update(attempts=runner.MAX_ATTEMPTS)
    assert runner.run_job(queued.pk) == "skipped"
    queued.refresh_from_db()
    assert queued.state == JobState.FAILED and str(runner.MAX_ATTEMPTS) in queued.error


def test_the_sweep_sends_lost_jobs_again(queued, settings, monkeypatch):
    settings.KIKIN_JOBS_EAGER = False
    sent = []
    monkeypatch.setattr(services, "send_job", sent.append)
    now = timezone.now()
    assert services.sweep_jobs(now=now) == []  # just queued: its message may be on the way
    later = now + services.SEND_GRACE + dt.timedelta(seconds=1)
    assert services.sweep_jobs(now=later) == [queued.pk] and sent == [queued.pk]
    Job.objects.filter(pk=queued.pk).update(sent_at=later)
    assert services.sweep_jobs(now=later + dt.timedelta(seconds=5)) == []  # sent just now
    _running(queued, worker="elsewhere:1:abc", lease=dt.timedelta(seconds=30))
    much_later = later + services.RESEND_AFTER + dt.timedelta(seconds=1)
    Job.objects.filter(pk=queued.pk).update(lease_until=much_later - dt.timedelta(seconds=1))
    assert services.sweep_jobs(now=much_later) == [queued.pk]  # its worker's lease lapsed
    settings.KIKIN_JOBS_EAGER = True
    done = enqueue_job(kind="test.count", params={}, requested_by=None)
    assert done.state == JobState.DONE
    settings.KIKIN_JOBS_EAGER = False
    assert done.pk not in services.sweep_jobs(now=much_later + dt.timedelta(hours=1))


def test_result_file_is_stored_and_downloaded_by_who_asked(asker, client):
    job = enqueue_job(kind="test.file", params={"who": "kikin"}, requested_by=asker)
    assert job.state == JobState.DONE and job.result_name == "結果_report.txt"
    assert job.result_file.name.startswith("jobs/")
    client.force_login(asker)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert reverse("jobs:file", args=[job.pk]) in page
    response = client.get(reverse("jobs:file", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hello kikin"
    assert "attachment" in response["Content-Disposition"]
    job.result_file.delete(save=False)


def test_only_who_asked_and_staff_see_a_job(asker, client):
    job = enqueue_job(kind="test.count", params={}, requested_by=asker, label="My count")
    other = factories.user(Role.AGENCY)
    staff = factories.user(Role.MINISTRY)
    staff.is_staff = True
    staff.save()
    urls = [reverse(name, args=[job.pk]) for name in ("jobs:detail", "jobs:status")]
    for url in urls:
        assert client.get(url).status_code == 302  # to the log-in page
    client.force_login(other)
    for url in [*urls, reverse("jobs:file", args=[job.pk])]:
        assert client.get(url).status_code == 404
    assert "My count" not in client.get(reverse("jobs:list")).content.decode()
    client.force_login(staff)
    assert client.get(urls[0]).status_code == 200
    client.force_login(asker)
    assert client.get(urls[0]).status_code == 200
    assert "My count" in client.get(reverse("jobs:list")).content.decode()


def test_the_status_polls_while_running_and_stops_when_done(queued, client, asker):
    client.force_login(asker)
    url = reverse("jobs:status", args=[queued.pk])
    waiting = client.get(url).content.decode()
    assert 'hx-trigger="every' in waiting and url in waiting
    Job.objects.filter(pk=queued.pk).update(
        state=JobState.RUNNING, progress_done=3, progress_total=12, message="Reading themes"
    )
    running = client.get(url).content.decode()
    assert 'value="3" max="12"' in running and "25%" in running and "Reading themes" in running
    runner.run_job(queued.pk)
    done = client.get(url).content.decode()
    assert "hx-trigger" not in done and "counted 2" in done


def test_progress_is_never_negative_and_the_row_says_so():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind="test.count", progress_done=-1)
