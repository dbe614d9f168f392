"""Calls for proposals (公募): which themes they are for, their window in JST and budget total."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kikin.programs.models import Program, Theme
from kikin.core.timeutil import JST

#: From the call's deadline to the adoption decision: at most 55 days (000 line 5187).
ADOPTION_LIMIT_DAYS = 55


class Call(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="calls")
    key = models.SlugField(_("key"), max_length=32, help_text=_("e.g. 2024-07 for the GENIAC call of July 2024"))
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    themes = models.ManyToManyField(Theme, related_name="calls", verbose_name=_("themes"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"), help_text=_("The last moment a proposal is accepted."))
    budget_total_yen = models.BigIntegerField(_("budget total (yen)"), null=True, blank=True)
    cycle = models.PositiveSmallIntegerField(_("cycle"), null=True, blank=True)
    note_ja = models.TextField(_("note (Japanese)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    seed_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo call"), default=False)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["program", "key"], name="one_call_key_per_program"),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="call_closes_after_it_opens"),
            models.CheckConstraint(
                condition=models.Q(budget_total_yen__isnull=True) | models.Q(budget_total_yen__gte=0),
                name="call_budget_not_negative",
            ),
        ]
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self):
        return self.title_ja

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("A call must close after it opens.")})
        if self.program_id and self.closes_at and self.closes_at.date() > self.program.end_date:
            raise ValidationError({"closes_at": _("A call cannot run past the program's end.")})

    def is_open(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at <= self.closes_at

    @property
    def deadline_date(self) -> dt.date:
        """The deadline as a date in Japan Standard Time."""
        return timezone.localtime(self.closes_at, JST).date()

    @property
    def adoption_due_date(self) -> dt.date:
        """The 55-day limit from the call's deadline to the adoption decision (000 line 5187)."""
        return self.deadline_date + dt.timedelta(days=ADOPTION_LIMIT_DAYS)
