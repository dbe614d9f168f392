"""The background worker mails each notification (never the request that made it)."""

from kikin.jobs.registry import job_handler

from .services import MAIL_JOB, mail_notification


@job_handler(MAIL_JOB)
def mail(job, progress):
    progress(0, 1)
    return mail_notification(job.params["notification"])
