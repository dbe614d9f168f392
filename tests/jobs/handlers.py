"""Job handlers used by the tests (imported by the test modules, and by the real worker a test
starts with `--include tests.jobs.handlers`)."""

import time

from django.core.exceptions import ValidationError

from kikin.audit.models import AuditRecord
from kikin.audit.services import record
from kikin.jobs.registry import job_handler

CALLS = {"count": 0}


@job_handler("test.count")
def count(job, progress):
    """Writes one audit record (the job's 'work') and reports progress on the way."""
    n = int(job.params.get("n", 3))
    for i in range(n):
        progress(i, n, f"step {i + 1}")
    CALLS["count"] += 1
    record(actor=job.requested_by, action="test.count_done", obj=job, after={"n": n})
    return {"message": f"counted {n}", "n": n}


@job_handler("test.refuse")
def refuse(job, progress):
    """Writes, then refuses: the write must be rolled back with the job."""
    progress(1, 2, "half")
    record(actor=None, action="test.refuse_wrote", obj=job)
    raise ValidationError({"numbers": "Award ids are whole numbers."})


@job_handler("test.crash")
def crash(job, progress):
    raise RuntimeError("secret internals: DATABASE_URL=postgres://u:p@h/db")


@job_handler("test.file", atomic=False)
def make_file(job, progress):
    job.save_result_file("結果 report.txt", "hello " + job.params.get("who", ""))
    return {"message": "made"}


@job_handler("test.slow")
def slow(job, progress):
    """Sleeps step by step (the worker test kills it in the middle), then writes once."""
    n = int(job.params.get("steps", 10))
    for i in range(n):
        progress(i, n, f"step {i + 1} of {n}")
        time.sleep(float(job.params.get("pause", 0.3)))
    record(actor=None, action="test.slow_done", obj=job, after={"attempt": job.attempts})
    return {
        "done_by_attempt": job.attempts,
        "earlier": AuditRecord.objects.filter(
            action="test.slow_done", object_id=str(job.pk)
        ).count(),
    }
