"""Queueing background jobs and sending them to the worker.

`enqueue_job` is what an app calls; the worker's side (taking a job, running it, finishing it)
is `kikin.jobs.runner`. A job is sent to the broker only once the transaction that created it
has committed, so the worker never looks for a row it cannot see yet; a send that fails (broker
down) leaves the job queued, and `sweep_jobs` (every minute, from Celery beat) sends it again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from kikin.audit.services import record

from .models import Job, JobState
from .registry import handler_for

log = logging.getLogger(__name__)

#: A queued job never sent (its publish was lost) is sent again after this long.
SEND_GRACE = dt.timedelta(seconds=30)
#: A job is sent again at most this often while it waits or its worker's lease has lapsed.
RESEND_AFTER = dt.timedelta(minutes=2)


def enqueue_job(*, kind: str, params: dict, requested_by, key: str | None = None, label: str = ""):
    """Queue a job of `kind` with JSON-able `params` for `requested_by` (a user, or None for the
    system) and return it. With a `key`, asking again for the same kind and key returns the job
    made the first time (whatever its state) and queues nothing.

    Side effects: one `Job` row and one audit record (`jobs.enqueue`) in one transaction; the
    job is sent to the worker once that transaction commits. Where jobs run eagerly (the tests,
    `KIKIN_JOBS_EAGER`), it is run at once instead and returned finished."""
    handler_for(kind)  # KeyError for a kind no app handles: a programming error, said at once
    params = json.loads(json.dumps(params or {}, cls=DjangoJSONEncoder))
    key = (key or "").strip()
    if len(key) > Job._meta.get_field("key").max_length:
        raise ValueError("job key too long")
    with transaction.atomic():
        if key:
            existing = Job.objects.filter(kind=kind, key=key).first()
            if existing is not None:
                return existing
        fields = {
            "kind": kind,
            "key": key,
            "params": params,
            "requested_by": requested_by if getattr(requested_by, "pk", None) else None,
            "label": (label or "")[:200],
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        }
        try:
            with transaction.atomic():
                job = Job.objects.create(**fields)
        except IntegrityError:
            if not key:
                raise
            return Job.objects.get(kind=kind, key=key)  # the same key, asked at the same instant
        record(
            actor=requested_by,
            action="jobs.enqueue",
            obj=job,
            after={"kind": kind, "params": params, "key": key, "label": job.label},
        )
        if not settings.KIKIN_JOBS_EAGER:
            transaction.on_commit(lambda: send_job(job.pk), robust=True)
    if settings.KIKIN_JOBS_EAGER:
        from .runner import run_job

        run_job(job.pk)
        job.refresh_from_db()
    return job


def send_job(job_id: int) -> bool:
    """Publish the job to the broker; False (and logged) when the broker cannot be reached, in
    which case the sweep sends it again later."""
    from .tasks import run_job

    try:
        run_job.apply_async(
            args=[job_id], retry=True, retry_policy=settings.KIKIN_JOBS_PUBLISH_RETRY
        )
    except Exception:
        log.warning(
            "job %s could not be sent to the broker; the sweep will send it again",
            job_id,
            exc_info=True,
        )
        return False
    Job.objects.filter(pk=job_id).update(sent_at=timezone.now())
    return True


def sweep_jobs(*, now: dt.datetime | None = None) -> list[int]:
    """Send again the jobs that were lost: queued but never sent (or sent long ago and still not
    taken), and running under a lease that lapsed (their worker died). Returns their ids.

    Sending a job twice is harmless: a worker takes a job only while it is queued or its lease
    has lapsed, so the second message finds it taken or done and does nothing."""
    now = now or timezone.now()
    lost = Job.objects.filter(
        Q(state=JobState.QUEUED, sent_at__isnull=True, created_at__lt=now - SEND_GRACE)
        | Q(state=JobState.QUEUED, sent_at__lt=now - RESEND_AFTER)
        | Q(state=JobState.RUNNING, lease_until__lt=now)
        & (Q(sent_at__isnull=True) | Q(sent_at__lt=now - RESEND_AFTER))
    ).values_list("pk", flat=True)
    ids = list(lost.order_by("pk")[:1000])
    for pk in ids:
        if settings.KIKIN_JOBS_EAGER:
            from .runner import run_job

            run_job(pk)
        else:
            send_job(pk)
    if ids:
        log.info("sweep sent again %s job(s): %s", len(ids), ids[:20])
    return ids
