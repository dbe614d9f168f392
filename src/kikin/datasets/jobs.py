"""Long research-data work in the background worker (`kikin.jobs`): the checksum check of the
files, opening the embargoes whose date has come, and rebuilding the search index. A daily
Celery beat task (`kikin.datasets.daily`, in CELERY_BEAT_SCHEDULE) queues the first two, once a
day each (the job's key is the day); the staff can queue a check from the integrity page and
follow its progress on the job's page."""

from __future__ import annotations

from kikin.jobs.registry import job_handler

VERIFY = "datasets.verify_checksums"
LIFT_EMBARGOES = "datasets.lift_embargoes"
REBUILD_SEARCH = "datasets.rebuild_search_index"


@job_handler(VERIFY, atomic=False)
def verify_checksums(job, progress):
    """{"limit": N}: the N files checked longest ago (all by default). Each file's check is its own
    transaction, so a long run holds none open and what was checked stays checked."""
    from .services import verify_checksums as verify

    progress(0, 1, "")
    return verify(limit=job.params.get("limit"), progress=progress)


@job_handler(LIFT_EMBARGOES)
def lift_embargoes(job, progress):
    from .services import lift_ended_embargoes

    return {"lifted": lift_ended_embargoes(actor=job.requested_by)}


@job_handler(REBUILD_SEARCH, atomic=False)
def rebuild_search_index(job, progress):
    from .search import rebuild

    progress(0, 1, "")
    counts = rebuild()
    progress(1, 1, "")
    return counts


def queue_daily(today=None) -> list:
    """Queue today's checksum check and embargo opening (once a day: the key is the day)."""
    from kikin.core.timeutil import today_jst
    from kikin.jobs.services import enqueue_job

    day = (today or today_jst()).isoformat()
    return [
        enqueue_job(kind=VERIFY, params={}, requested_by=None, key=f"{VERIFY}:{day}"),
        enqueue_job(
            kind=LIFT_EMBARGOES, params={}, requested_by=None, key=f"{LIFT_EMBARGOES}:{day}"
        ),
    ]


def _register_beat_task():
    from kikin.celery import app

    @app.task(name="kikin.datasets.daily", ignore_result=True)
    def daily() -> int:
        return len(queue_daily())

    return daily


daily = _register_beat_task()
