"""Running one job in the worker: take it under a lease, run its handler, finish it once.

1. **Take** (`_claim`): in one short transaction, the job row is locked and taken if it is
   queued, or running under a lease that has lapsed or whose worker process is gone; it is then
   `running`, held by this run (`worker`), with `lease_until` a minute ahead. A job done or failed
   is never run again; one held by a live worker is left to it.
2. **Run**: the handler runs in the requester's language. `progress(done, total, message)`
   updates the row, and in the worker a small thread renews the lease every few seconds with its
   own database connection, so the page shows progress while the handler's own transaction is
   still open.
3. **Finish** (`_finish`): in the same transaction as the handler's writes (for an atomic
   handler), the row is locked again, checked to be still held by this run, and marked done with
   its result and file. A run that lost its job (a lapsed lease taken by another worker) rolls
   back: whatever happens, the work is committed once.

A worker killed mid-way commits nothing: the broker gives the message again (acks_late,
reject_on_worker_lost) or the sweep sends it again once the lease lapses, and the job runs again
from the start.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from kikin.core.feedback import refusal_messages
from kikin.core.workflow import TransitionError

from .models import Job, JobState
from .registry import handler_for

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=60)
HEARTBEAT_SECONDS = 10.0
PROGRESS_SECONDS = 0.5
#: A job whose worker died this many times is failed rather than tried again.
MAX_ATTEMPTS = 3
HOST = socket.gethostname()


class LostJob(Exception):
    """The job was taken by another run while this one worked (its lease lapsed)."""


def _run_name() -> str:
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _holder_gone(worker: str) -> bool:
    """True when `worker` names a process of this machine that no longer runs."""
    host, _sep, rest = worker.partition(":")
    pid = rest.partition(":")[0]
    if host != HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _claim(job_id: int, me: str) -> Job | None:
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state in {JobState.DONE, JobState.FAILED}:
            return None
        if job.state == JobState.RUNNING:
            lapsed = job.lease_until is None or job.lease_until <= now
            if not lapsed and not _holder_gone(job.worker):
                return None
        if job.attempts >= MAX_ATTEMPTS:
            job.state = JobState.FAILED
            job.error = _("Stopped after %(n)s attempts: the worker stopped each time.") % {
                "n": job.attempts
            }
            job.finished_at, job.lease_until = now, None
            job.save(update_fields=["state", "error", "finished_at", "lease_until"])
            log.error("job %s (%s) failed after %s attempts", job.pk, job.kind, job.attempts)
            return None
        job.state = JobState.RUNNING
        job.worker = me
        job.lease_until = now + LEASE
        job.attempts += 1
        job.started_at = job.started_at or now
        job.save(update_fields=["state", "worker", "lease_until", "attempts", "started_at"])
    return job


class Reporter:
    """`progress(done, total, message)` for a handler, and the lease kept alive.

    In the worker (`threaded`), a thread with its own database connection writes the latest
    progress twice a second and renews the lease every HEARTBEAT_SECONDS, so neither waits for
    the handler's transaction. Run eagerly (tests), progress is written on the caller's
    connection and there is no lease to renew."""

    def __init__(self, job: Job, me: str, *, threaded: bool):
        self.job_id, self.me, self.threaded = job.pk, me, threaded
        self.done, self.total, self.message = 0, job.progress_total, ""
        self._dirty = False
        self._written_at = 0.0
        self._stop = threading.Event()
        self._thread = None

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        done = max(0, int(done))
        if total is not None:
            self.total = max(0, int(total))
        self.done = done
        if message is not None:
            self.message = str(message)[:500]
        self._dirty = True
        if not self.threaded and time.monotonic() - self._written_at >= PROGRESS_SECONDS:
            self._write(renew=False)

    def _write(self, *, renew: bool) -> None:
        fields = {}
        if self._dirty:
            self._dirty = False
            fields.update(progress_done=self.done, progress_total=self.total, message=self.message)
        if renew:
            fields["lease_until"] = timezone.now() + LEASE
        if fields:
            Job.objects.filter(pk=self.job_id, worker=self.me, state=JobState.RUNNING).update(
                **fields
            )
        self._written_at = time.monotonic()

    def start(self) -> None:
        if self.threaded:
            self._thread = threading.Thread(
                target=self._loop, name=f"job-{self.job_id}", daemon=True
            )
            self._thread.start()

    def _loop(self) -> None:
        renewed = time.monotonic()
        try:
            while not self._stop.wait(PROGRESS_SECONDS):
                renew = time.monotonic() - renewed >= HEARTBEAT_SECONDS
                try:
                    self._write(renew=renew)
                    if renew:
                        renewed = time.monotonic()
                except DatabaseError:  # SQLite busy while the handler writes: try again later
                    log.debug("job %s: progress not written this time", self.job_id)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


def _as_file(content) -> File:
    if isinstance(content, bytes):
        return ContentFile(content)
    if isinstance(content, str):
        return ContentFile(content.encode())
    if isinstance(content, File):
        return content
    return File(content)


def _finish(job: Job, me: str, result, reporter: Reporter) -> None:
    current = Job.objects.select_for_update().get(pk=job.pk)
    if current.state != JobState.RUNNING or current.worker != me:
        raise LostJob
    stored = None
    pending = getattr(job, "_pending_file", None)
    if pending is not None:
        name, content = pending
        name = get_valid_filename(os.path.basename(name)) or "result"
        current.result_file.save(name[-150:], _as_file(content), save=False)
        stored = current.result_file.name
        current.result_name = name[:200]
    try:
        current.state = JobState.DONE
        current.result = (
            result if isinstance(result, dict) else ({} if result is None else {"value": result})
        )
        current.progress_total = max(reporter.total, reporter.done)
        current.progress_done = current.progress_total
        current.message = reporter.message
        current.finished_at = timezone.now()
        current.lease_until = None
        current.error = ""
        current.save()
    except BaseException:
        if stored:
            current.result_file.storage.delete(stored)
        raise


def _failure_text(exc: BaseException) -> str:
    """A refusal's sentences, each naming its field by its label (in the language of the person
    who asked: the job runs in it); any other failure's text is for the staff's log only."""
    if isinstance(exc, ValidationError | PermissionDenied | TransitionError):
        return " ".join(refusal_messages(exc))
    return _("The job failed; the error has been reported to the staff.")


def run_job(job_id: int) -> str:
    """Run the job `job_id` if it is free to run; returns what became of it: "done", "failed",
    "requeued" (the database failed: the sweep sends it again), "lost" or "skipped"."""
    me = _run_name()
    job = _claim(job_id, me)
    if job is None:
        return "skipped"
    reporter = Reporter(job, me, threaded=not settings.KIKIN_JOBS_EAGER)
    reporter.start()
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            try:
                handler = handler_for(job.kind)
            except KeyError:
                raise RuntimeError(f"no handler for job kind {job.kind!r}") from None
            if handler.atomic:
                with transaction.atomic():
                    result = handler.func(job, reporter.progress)
                    _finish(job, me, result, reporter)
            else:
                result = handler.func(job, reporter.progress)
                with transaction.atomic():
                    _finish(job, me, result, reporter)
        return "done"
    except LostJob:
        log.warning("job %s was taken by another worker; this run's work is dropped", job_id)
        return "lost"
    except (OperationalError, InterfaceError):
        log.exception("job %s: database error; queued again", job_id)
        reporter.stop()
        Job.objects.filter(pk=job_id, worker=me, state=JobState.RUNNING).update(
            state=JobState.QUEUED, lease_until=None, sent_at=None
        )
        return "requeued"
    except Exception as exc:
        expected = isinstance(exc, (ValidationError, PermissionDenied))
        if expected:
            log.info("job %s (%s) refused: %s", job_id, job.kind, exc)
        else:
            log.exception("job %s (%s) failed", job_id, job.kind)
        reporter.stop()
        with translation.override(job.language or settings.LANGUAGE_CODE):
            text = _failure_text(exc)
        Job.objects.filter(pk=job_id, worker=me, state=JobState.RUNNING).update(
            state=JobState.FAILED,
            error=text,
            message=reporter.message,
            progress_done=reporter.done,
            progress_total=reporter.total,
            finished_at=timezone.now(),
            lease_until=None,
        )
        return "failed"
    finally:
        reporter.stop()
