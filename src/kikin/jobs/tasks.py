"""The worker's tasks: run one job by id, and sweep up lost ones (Celery beat, every minute).

`run` is acknowledged only when it has returned (acks_late) and given back to the queue if the
worker process dies under it (reject_on_worker_lost); with a prefetch of one, a worker holds no
message it is not running. What keeps the work from being done twice is the job row's lease,
not the broker: see `kikin.jobs.runner`.
"""

from kikin.celery import app

from . import runner, services


@app.task(name="kikin.jobs.run", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job(job_id: int) -> str:
    return runner.run_job(int(job_id))


@app.task(name="kikin.jobs.sweep", ignore_result=True)
def sweep() -> int:
    return len(services.sweep_jobs())
