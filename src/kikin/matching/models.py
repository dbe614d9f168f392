"""Data-holder matching and community events of GENIAC (001 lines 1–29, 259–272): the development
acceleration supporter's work for the developers of themes with compute support.

* **Data offered** (`DataOffer`): data a holder offers, with its conditions of use.
* **Data wanted** (`DataRequest`): data a developer (an `Award` of a theme with compute support)
  wants.
* An **introduction** (`Introduction`): the supporter puts the two in touch; the parties' answer
  (agreed, declined) is recorded.
* **Community events** (`CommunityEvent`): seminars with experts, developer exchange and
  developer–user matching, with their attendance.

The tables kept the names they had in `kikin.compute` (`compute_dataoffer`, …): the models moved
here in the migrations' state only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Organisation, User
from kikin.awards.models import Award
from kikin.core.fields import ClockStamp


class DataOffer(models.Model):
    """Data a holder offers to developers, with its conditions of use."""

    holder_name = models.CharField(_("data holder"), max_length=200)
    holder = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_offers",
        verbose_name=_("holder (registered organisation)"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    conditions = models.TextField(_("conditions of use"))
    is_open = models.BooleanField(_("open"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "compute_dataoffer"
        ordering = ["-created_at", "-id"]
        verbose_name = _("data offered")

    def __str__(self):
        return self.title


class DataRequest(models.Model):
    """Data a developer wants."""

    award = models.ForeignKey(
        Award, on_delete=models.PROTECT, related_name="data_requests", verbose_name=_("developer")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    is_open = models.BooleanField(_("open"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "compute_datarequest"
        ordering = ["-created_at", "-id"]
        verbose_name = _("data wanted")

    def __str__(self):
        return self.title


class IntroductionOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    AGREED = "agreed", _("Agreed")
    DECLINED = "declined", _("Declined")


class Introduction(models.Model):
    """The supporter introduces a developer who wants data to a holder who offers it."""

    offer = models.ForeignKey(DataOffer, on_delete=models.PROTECT, related_name="introductions")
    request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="introductions")
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=IntroductionOutcome.choices,
        default=IntroductionOutcome.PENDING,
    )
    note = models.TextField(_("note"), blank=True)
    introduced_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    introduced_at = ClockStamp(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "compute_introduction"
        ordering = ["-introduced_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "request"], name="one_introduction_per_pair")
        ]


class EventKind(models.TextChoices):
    SEMINAR = "seminar", _("Seminar")
    EXCHANGE = "exchange", _("Developer exchange")
    MATCHING = "matching", _("Matching event")


class CommunityEvent(models.Model):
    """A community event (seminars with experts, developer exchange, developer–user matching; 001 lines 259–272)."""

    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    attendees = models.PositiveIntegerField(_("attendees"), default=0)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "compute_communityevent"
        ordering = ["-held_on", "-id"]
        verbose_name = _("community event")

    def __str__(self):
        return self.title
