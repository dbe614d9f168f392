"""Technology-leakage prevention (技術流出防止, 別紙3; seed 000_628dcc7e01f6f899.txt lines 6292–6523).

- `LeakageReport`: the implementer's report, at a committee of the agency, on its measures for
  its non-public core important technologies (コア重要技術等): (ア) access control, (イ) the staff
  with access, (ウ) the controls at its partners (lines 6400–6456); the agency assesses it.
- `Shortcoming`: opened when a report is assessed insufficient (改善点を指摘). If the fiscal year
  after the one in which it was pointed out ends without a sufficient response, the committee
  resolves on stopping the theme and asks for part of the money back (lines 6458–6462).
- `PriorConsultation`: an act toward another party or country that may need prior consultation
  with the ministry (事前相談, lines 6476–6515), the rules engine's verdict and the ministry's answer.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import User
from kikin.awards.models import Award


class ReportState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SUBMITTED = "submitted", _("Awaiting assessment")
    SUFFICIENT = "sufficient", _("Sufficient")
    INSUFFICIENT = "insufficient", _("Insufficient")


ASSESSED_STATES = (ReportState.SUFFICIENT, ReportState.INSUFFICIENT)


class LeakageReport(models.Model):
    """The implementer's report on its leakage-prevention measures for one committee."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="leakage_reports")
    committee_date = models.DateField(_("committee date"))
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    state = models.CharField(
        _("state"), max_length=12, choices=ReportState.choices, default=ReportState.REQUESTED
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    core_technologies = models.TextField(_("core important technologies (non-public)"), blank=True)
    access_control = models.TextField(_("(a) access control"), blank=True)
    staff_management = models.TextField(_("(b) management of staff with access"), blank=True)
    partner_controls = models.TextField(_("(c) controls at partners"), blank=True)
    staff_with_access = models.PositiveIntegerField(_("staff with access"), null=True, blank=True)
    partners_covered = models.TextField(
        _("partners covered"), blank=True, help_text=_("One partner a line.")
    )
    consultation_check = models.TextField(
        _("result of checking whether prior consultation was needed"),
        blank=True,
        help_text=_("Reported at each committee (000 lines 6512–6513)."),
    )
    submitted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["award", "committee_date"]
        verbose_name = _("leakage-prevention report")
        verbose_name_plural = _("leakage-prevention reports")
        indexes = [models.Index(fields=["state", "committee_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "committee_date"], name="one_leakage_report_per_committee"
            ),
            models.CheckConstraint(
                condition=Q(
                    state__in=[ReportState.SUFFICIENT, ReportState.INSUFFICIENT],
                    assessed_on__isnull=False,
                )
                | (
                    ~Q(state__in=[ReportState.SUFFICIENT, ReportState.INSUFFICIENT])
                    & Q(assessed_on__isnull=True)
                ),
                name="leakage_report_assessed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(state=ReportState.REQUESTED) | Q(submitted_at__isnull=False),
                name="leakage_report_submitted_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.award_id}/{self.committee_date.isoformat()}"

    @property
    def partner_list(self) -> list[str]:
        return [line.strip() for line in self.partners_covered.splitlines() if line.strip()]


class ShortcomingState(models.TextChoices):
    OPEN = "open", _("Open")
    FIXED = "fixed", _("Fixed")
    STOPPED = "stopped", _("Theme stopped")
    CONTINUED = "continued", _("Continued by the committee")


class Shortcoming(models.Model):
    """Shortcomings pointed out on an insufficient report, due by the end of the next fiscal year."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="leakage_shortcomings")
    opened_by = models.OneToOneField(
        LeakageReport, on_delete=models.PROTECT, related_name="opened_shortcoming"
    )
    opened_on = models.DateField(_("pointed out on"))
    findings = models.TextField(_("findings"))
    due_date = models.DateField(_("due"), db_index=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ShortcomingState.choices, default=ShortcomingState.OPEN
    )
    closed_by = models.OneToOneField(
        LeakageReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_shortcoming",
    )
    closed_on = models.DateField(_("fixed on"), null=True, blank=True)
    decided_on = models.DateField(_("committee's resolution on"), null=True, blank=True)
    decision_reason = models.TextField(_("resolution"), blank=True)
    reclaim_yen = models.BigIntegerField(_("money to reclaim (yen)"), default=0)
    end_date = models.DateField(_("theme stopped from"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("leakage-prevention shortcoming")
        verbose_name_plural = _("leakage-prevention shortcomings")
        indexes = [models.Index(fields=["state", "due_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["award"], condition=Q(state="open"), name="one_open_shortcoming_per_award"
            ),
            models.CheckConstraint(
                condition=Q(due_date__gt=models.F("opened_on")), name="shortcoming_due_after_opened"
            ),
            models.CheckConstraint(
                condition=Q(reclaim_yen__gte=0), name="shortcoming_reclaim_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(state="stopped") | Q(reclaim_yen=0),
                name="shortcoming_reclaim_only_when_stopped",
            ),
        ]

    def __str__(self):
        return f"{self.award_id}: {self.opened_on.isoformat()} → {self.due_date.isoformat()}"

    @property
    def decided(self) -> bool:
        return self.state in {ShortcomingState.STOPPED, ShortcomingState.CONTINUED}

    def unfixed_by_due_date(self, today) -> bool:
        """Past its due date with no sufficient report by then, and not yet resolved on."""
        if self.decided or today <= self.due_date:
            return False
        return self.closed_on is None or self.closed_on > self.due_date


class Act(models.TextChoices):
    """Acts toward another party or country (000 lines 6494–6510); values = `rules.leakage.ACTS`."""

    TRANSFER_IP = "transfer_ip", _("Transfer of the IP or the business")
    PROVIDE = "provide", _("Providing the technology")
    JOINT_RD = "joint_rd", _("Joint R&D with another party")
    RD_ABROAD = "rd_abroad", _("R&D in another country")
    PRODUCTION_ABROAD = "production_abroad", _("Building or expanding a production site abroad")


class ConsultationState(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Not required")
    TO_SEND = "to_send", _("Required: not yet sent")
    SENT = "sent", _("Sent to the ministry")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsultationAnswer(models.TextChoices):
    NO_OBJECTION = "no_objection", _("No objection")
    OBJECTION = "objection", _("Objection")
    CONDITIONS = "conditions", _("No objection on conditions")


#: The rules engine's reason codes (`kikin.rules.leakage.prior_consultation_required`), as shown.
REASON_LABELS = {
    "act_transfer_ip": _("The act transfers the IP or the business"),
    "act_provide": _("The act provides the technology"),
    "act_joint_rd": _("The act is joint R&D with another party"),
    "act_rd_abroad": _("The act is R&D in another country"),
    "production_new_site": _("A new production site abroad"),
    "production_capacity_increase_over_10": _("The site's capacity grows by more than 10 percent"),
    "production_capacity_increase_10_or_less": _(
        "The site's capacity grows by 10 percent or less: not an act under the rule"
    ),
    "production_local_consumption_85": _(
        "85 percent or more of the output is consumed in that country: not an act under the rule"
    ),
    "forced_transfer_risk": _("A risk of forced technology transfer is known"),
    "counterparty_broke_norms_5y": _(
        "The other party broke UN resolutions or international norms in the last five years"
    ),
    "foreign_government_influence": _(
        "The other party acts under a foreign government's influence"
    ),
    "ministry_requested": _("The ministry asked for a consultation"),
    "no_risk_known": _("No risk is known and the ministry did not ask"),
}


class PriorConsultation(models.Model):
    """A planned act, whether it needs prior consultation (事前相談) and, if so, the ministry's answer."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="prior_consultations")
    act = models.CharField(_("act"), max_length=20, choices=Act.choices)
    description = models.TextField(_("what is planned"))
    carried_out_by = models.CharField(
        _("carried out by (group company, if not the implementer)"), max_length=200, blank=True
    )
    counterparty = models.CharField(_("other party"), max_length=200)
    country = models.CharField(
        _("country"),
        max_length=2,
        validators=[
            RegexValidator(r"^[A-Z]{2}$", _("A two-letter country code (ISO 3166), e.g. JP, US."))
        ],
    )
    planned_date = models.DateField(_("planned date"))
    new_site = models.BooleanField(_("a new production site"), default=False)
    capacity_increase_percent = models.DecimalField(
        _("capacity increase (%)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    local_consumption_percent = models.DecimalField(
        _("consumed in that country (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    forced_transfer_risk = models.BooleanField(
        _("a risk of forced technology transfer is known"), default=False
    )
    counterparty_broke_norms_5y = models.BooleanField(
        _("the other party broke UN resolutions or international norms in the last five years"),
        default=False,
    )
    foreign_government_influence = models.BooleanField(
        _("the other party acts under a foreign government's influence"), default=False
    )
    ministry_requested = models.BooleanField(
        _("the ministry asked for a consultation"), default=False
    )
    required = models.BooleanField(_("prior consultation required"))
    reasons = models.JSONField(_("reasons"), default=list)
    state = models.CharField(_("state"), max_length=12, choices=ConsultationState.choices)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answer = models.CharField(
        _("answer"), max_length=12, choices=ConsultationAnswer.choices, blank=True
    )
    answer_note = models.TextField(_("ministry's note"), blank=True)
    answered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["planned_date", "id"]
        verbose_name = _("prior consultation")
        verbose_name_plural = _("prior consultations")
        indexes = [
            models.Index(fields=["state", "planned_date"]),
            models.Index(fields=["award", "planned_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity_increase_percent__isnull=True)
                | Q(capacity_increase_percent__gte=0),
                name="consultation_capacity_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(local_consumption_percent__isnull=True)
                | (Q(local_consumption_percent__gte=0) & Q(local_consumption_percent__lte=100)),
                name="consultation_local_share_0_100",
            ),
            models.CheckConstraint(
                condition=Q(required=True, state__in=["to_send", "sent", "answered", "withdrawn"])
                | Q(required=False, state__in=["not_required", "withdrawn"]),
                name="consultation_state_follows_verdict",
            ),
            models.CheckConstraint(
                condition=~Q(state="answered") | ~Q(answer=""),
                name="consultation_answered_has_answer",
            ),
        ]

    def __str__(self):
        return f"{self.award_id}: {self.act} {self.counterparty} {self.planned_date.isoformat()}"

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASON_LABELS.get(code, code)) for code in self.reasons]
