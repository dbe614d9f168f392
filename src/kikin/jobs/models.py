"""Background jobs: one row per piece of long work (a committee packet, an assignment run, a usage
import...), run by the worker, watched by the person who asked.

A job is queued by `kikin.jobs.services.enqueue_job`, taken by one worker at a time under a lease
(`lease_until`, renewed while it runs), and finished in one transaction together with the work's
own writes, so a job whose worker dies mid-way runs again and its work is done once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def result_path(job: Job, filename: str) -> str:
    """jobs/2027/09/<random>/<name>: the download name is kept, the folder is not guessable."""
    stamp = job.created_at or None
    folder = f"{stamp:%Y/%m}" if stamp else "undated"
    return f"jobs/{folder}/{uuid.uuid4().hex}/{filename}"


class Job(models.Model):
    kind = models.CharField(_("kind"), max_length=100)
    label = models.CharField(_("label"), max_length=200, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("requested by"),
    )
    key = models.CharField(_("idempotency key"), max_length=200, blank=True)
    #: The requester's language when they asked: messages and results are written in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=JobState.choices, default=JobState.QUEUED
    )
    progress_done = models.BigIntegerField(_("done"), default=0)
    progress_total = models.BigIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True, encoder=DjangoJSONEncoder)
    result_file = models.FileField(_("result file"), upload_to=result_path, blank=True)
    result_name = models.CharField(_("download name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent to the queue at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"], condition=~models.Q(key=""), name="job_unique_key"
            ),
            models.CheckConstraint(
                condition=models.Q(progress_done__gte=0, progress_total__gte=0),
                name="job_progress_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=JobState.values), name="job_state_known"
            ),
        ]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"]),
            models.Index(fields=["state", "sent_at"]),
        ]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.state in {JobState.DONE, JobState.FAILED}

    @property
    def percent(self) -> int | None:
        """Progress in whole percent, or None while the total is unknown."""
        if self.state == JobState.DONE:
            return 100
        if self.progress_total <= 0:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)

    def save_result_file(self, name: str, content) -> None:
        """Keep `content` (bytes, text or a file object) as the job's result file, downloaded
        under `name`. Written to the storage when the job finishes, in its final transaction."""
        self._pending_file = (name, content)
