"""An adopted proposal's award (契約 / 交付決定): a contract (委託) or a grant (助成) with its rate,
its budget by fiscal year, its dates, and the money: cost claims with their lines and evidence,
and payments that trace back to the lines.

The proposal-time contract cost, acceleration increases and continuation money are kept apart
(`BudgetEntry.kind`, `CostClaim.budget_kind`), because the R&D cost refund later counts only the
money received less acceleration and continuation money (000 lines 4534–4538).
"""

from __future__ import annotations

from fractions import Fraction

from django.db import models
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Organisation, User
from kikin.calls.models import Call, Proposal
from kikin.core.fields import ClockStamp
from kikin.core.files import generated_name
from kikin.programs.models import Theme


class AwardForm(models.TextChoices):
    CONTRACT = "contract", _("Contract (委託)")
    GRANT = "grant", _("Grant (助成)")


class AwardState(models.TextChoices):
    ACTIVE = "active", _("In progress")
    ENDED = "ended", _("Ended")
    TERMINATED = "terminated", _("Ended early")


class BudgetKind(models.TextChoices):
    BASE = "base", _("Proposal-time budget")
    ACCELERATION = "acceleration", _("Acceleration increase")
    REDUCTION = "reduction", _("Reduction")
    CONTINUATION = "continuation", _("Continuation work")


class Award(models.Model):
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="award")
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="awards")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="awards")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="awards")
    number = models.CharField(_("award number"), max_length=40, unique=True)
    form = models.CharField(_("form"), max_length=10, choices=AwardForm.choices)
    rate = models.CharField(
        _("subsidy rate"), max_length=10, help_text=_("An exact fraction: 1, 2/3, 1/2 …")
    )
    rate_label = models.CharField(_("rate as shown"), max_length=10)
    start_date = models.DateField(_("start date"))
    period_months = models.PositiveSmallIntegerField(_("period (months)"))
    period_end = models.DateField(_("period end"))
    stage_gate_due = models.DateField(_("stage gate due"), null=True, blank=True)
    stage_gate_earliest = models.DateField(_("earliest stage gate"), null=True, blank=True)
    end_date = models.DateField(_("actual end"), null=True, blank=True)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=AwardState.choices,
        default=AwardState.ACTIVE,
        db_index=True,
    )
    conditions = models.TextField(_("conditions of adoption"), blank=True)
    adopted_as_item = models.PositiveSmallIntegerField(_("adopted as item"), null=True, blank=True)
    set_value = models.DecimalField(
        _("cost-effectiveness set value"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    pledged_self_investment_yen = models.BigIntegerField(
        _("pledged self-investment (yen)"), default=0
    )
    proposal_contract_yen = models.BigIntegerField(_("proposal-time cost (yen)"))
    system_technology = models.BooleanField(_("system technology (refund scheme)"), default=False)
    accelerated = models.BooleanField(_("budget increased (acceleration)"), default=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        indexes = [
            models.Index(fields=["state", "stage_gate_due"]),
            models.Index(fields=["organisation", "number"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposal_contract_yen__gte=0), name="award_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("start_date")),
                name="award_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def rate_fraction(self) -> Fraction:
        return Fraction(self.rate)

    @property
    def last_day(self):
        """The last day costs may be incurred: the actual end where set, else the period's end."""
        return self.end_date or self.period_end


class BudgetEntry(models.Model):
    """One entry of an award's budget ledger: the proposal-time budget of a fiscal year, an
    acceleration increase, a reduction (negative) or continuation money, effective from a date."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="budget_entries")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    kind = models.CharField(_("kind"), max_length=12, choices=BudgetKind.choices)
    amount_yen = models.BigIntegerField(_("amount (yen)"))
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["award", "fiscal_year", "effective_from", "id"]
        indexes = [models.Index(fields=["award", "fiscal_year", "kind"])]


class ClaimState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class CostClaim(models.Model):
    """A claim of costs for one fiscal year and one kind of budget (実績報告・支払請求)."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="claims")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    budget_kind = models.CharField(
        _("budget"), max_length=12, choices=BudgetKind.choices, default=BudgetKind.BASE
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ClaimState.choices, default=ClaimState.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["award", "fiscal_year", "id"]
        indexes = [models.Index(fields=["award", "state", "fiscal_year"])]


class CostCategory(models.TextChoices):
    PERSONNEL = "personnel", _("Personnel")
    EQUIPMENT = "equipment", _("Equipment")
    CONSUMABLES = "consumables", _("Consumables")
    TRAVEL = "travel", _("Travel")
    OUTSOURCING = "outsourcing", _("Outsourcing")
    COMPUTE = "compute", _("Compute")
    DATA_PREPARATION = "data_preparation", _("Data preparation (outsourced)")
    JOINT_RESEARCH = "joint_research", _("Joint research with academia")
    OTHER = "other", _("Other")


def evidence_path(instance, filename):
    """A generated name: the name the implementer gave is kept in `evidence_name`."""
    return generated_name(f"claims/{instance.claim_id}", filename)


class ClaimLine(models.Model):
    claim = models.ForeignKey(CostClaim, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(_("category"), max_length=16, choices=CostCategory.choices)
    description = models.CharField(_("description"), max_length=300)
    incurred_on = models.DateField(_("incurred on"))
    amount_yen = models.BigIntegerField(_("amount (yen)"))
    eligible_yen = models.BigIntegerField(
        _("eligible (yen)"), null=True, blank=True, help_text=_("Set by the agency's check.")
    )
    fixed_amount = models.BooleanField(
        _("fixed-amount line (定額)"),
        default=False,
        help_text=_(
            "Joint-research money to academic bodies inside a grant theme, paid in full (000 lines 4700–4704)."
        ),
    )
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=255, blank=True)

    class Meta:
        ordering = ["claim", "incurred_on", "id"]
        indexes = [models.Index(fields=["claim", "incurred_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_yen__gte=0), name="claim_line_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(eligible_yen__isnull=True)
                | (
                    models.Q(eligible_yen__gte=0)
                    & models.Q(eligible_yen__lte=models.F("amount_yen"))
                ),
                name="eligible_within_amount",
            ),
        ]


class Payment(models.Model):
    """The money paid for one approved claim: Σ eligible × rate (truncated) + fixed-amount lines."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="payments")
    claim = models.OneToOneField(CostClaim, on_delete=models.PROTECT, related_name="payment")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    budget_kind = models.CharField(_("budget"), max_length=12, choices=BudgetKind.choices)
    eligible_yen = models.BigIntegerField(_("eligible cost (yen)"))
    rate = models.CharField(_("rate"), max_length=10)
    amount_yen = models.BigIntegerField(_("paid (yen)"))
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["award", "fiscal_year", "id"]
        indexes = [models.Index(fields=["award", "fiscal_year", "budget_kind"])]


class GateOutcome(models.TextChoices):
    PASS = "pass", _("Pass")
    ACCELERATE = "accelerate", _("Pass and accelerate (budget increase)")
    SHRINK = "shrink", _("Pass and shrink")
    RESTRUCTURE = "restructure", _("Pass and restructure")
    MERGE = "merge", _("Pass and merge")
    MOVE_ITEM = "move_item", _("Move to another item (e.g. ① to ③ leading research)")
    FAIL = "fail", _("Fail")


class StageGateReview(models.Model):
    """ステージゲート審査 (000 lines 5288–5316)."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="gate_reviews")
    number = models.PositiveSmallIntegerField(_("gate"), default=1)
    scheduled_for = models.DateField(_("scheduled for"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=GateOutcome.choices, blank=True)
    budget_change_yen = models.BigIntegerField(_("budget change (yen)"), default=0)
    new_end_date = models.DateField(_("end date set"), null=True, blank=True)
    gx_commitment_confirmed = models.BooleanField(
        _("GX commitment confirmed"),
        null=True,
        blank=True,
        help_text=_(
            "GX themes: the implementer's commitment to social implementation, checked at each gate."
        ),
    )
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["award", "number"]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="one_review_per_gate")
        ]


class CapKind(models.TextChoices):
    PLAN = "plan", _("The plan's cap")
    APPROVED = "approved", _("Approved by the selection reviewers")
    TRANCHE = "tranche", _("Next total opened by a stage gate")
    ACCELERATION = "acceleration", _("Raised by acceleration at a stage gate")
    CHANGE = "change", _("Raised or cut by the ministry")


class CapEntry(models.Model):
    """One step of an award's cap ledger: the cap on the fund's share that holds from a date
    (000 lines 4799–4800): the plan's, the reviewers' approved amount (items ② ④, lines
    4958–4966), the next cumulative total a passed gate opens ((d1) (f2), lines 5025–5037,
    5099–5103), a raise by acceleration (lines 4968–4974) or a change (lines 4804–4808)."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="cap_entries")
    kind = models.CharField(_("kind"), max_length=16, choices=CapKind.choices)
    cap_yen = models.BigIntegerField(_("cap from then on (yen)"))
    scope = models.CharField(_("what it bounds"), max_length=20, default="proposal")
    gate_number = models.PositiveSmallIntegerField(_("up to gate"), null=True, blank=True)
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["award", "effective_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cap_yen__gte=0), name="cap_entry_not_negative"
            )
        ]


class Continuation(models.Model):
    """Continuation R&D (継続研究開発, 000 lines 4406–4420): approved after an end-of-term review
    only where the proposal foresaw it, at most three years and within the fund's life, with its
    own form of support, rate and budget decided when it is approved."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="continuation")
    form = models.CharField(_("form"), max_length=10, choices=AwardForm.choices)
    rate = models.CharField(_("rate"), max_length=10)
    start_date = models.DateField(_("starts"))
    end_date = models.DateField(_("ends"))
    budget_yen = models.BigIntegerField(_("budget (yen)"))
    note = models.TextField(_("reason"), blank=True)
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approved_at = ClockStamp(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="continuation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_yen__gte=0), name="continuation_budget_not_negative"
            ),
        ]

    @property
    def rate_fraction(self) -> Fraction:
        return Fraction(self.rate)


class MilestoneState(models.TextChoices):
    PENDING = "pending", _("Not yet due")
    ACHIEVED = "achieved", _("Achieved")
    MISSED = "missed", _("Not achieved")


class Milestone(models.Model):
    """An intermediate milestone (中間目標) set for a theme toward its final targets and tracked in
    its progress reports (000 lines 43–51; not for themes their plan exempts, such as (g3) and ④)."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=300)
    due_date = models.DateField(_("due"))
    state = models.CharField(
        _("state"), max_length=10, choices=MilestoneState.choices, default=MilestoneState.PENDING
    )
    reported_in = models.ForeignKey(
        "ProgressReport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="milestones",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["award", "due_date", "id"]


class Directive(models.Model):
    """A ministry directive (指示): a budget change for a theme, applied from its date."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="directives")
    issued_on = models.DateField(_("issued on"))
    effective_from = models.DateField(_("effective from"))
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    amount_yen = models.BigIntegerField(_("budget change (yen)"))
    note = models.TextField(_("note"))
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")


class ProgressReport(models.Model):
    """A periodic progress report (進捗報告), due every six months and at the end of the period."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="progress_reports")
    due_date = models.DateField(_("due"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    summary = models.TextField(_("progress"), blank=True)
    issues = models.TextField(_("issues and next steps"), blank=True)
    submitted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["award", "due_date"]
        constraints = [
            models.UniqueConstraint(fields=["award", "due_date"], name="one_report_per_due_date")
        ]
        indexes = [models.Index(fields=["submitted_at", "due_date"])]


class Outlook(models.TextChoices):
    ON_TRACK = "on_track", _("Targets within reach")
    AT_RISK = "at_risk", _("Targets at risk")
    OFF_TRACK = "off_track", _("Targets out of reach")


class YearlyEvaluation(models.Model):
    """The external committee's yearly evaluation (年1回程度, 000 lines 5262–5268)."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="evaluations")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    outlook = models.CharField(_("outlook for the targets"), max_length=12, choices=Outlook.choices)
    budget_needed = models.BooleanField(_("the budget is still needed"), default=True)
    team_sound = models.BooleanField(_("the team is sound"), default=True)
    comment = models.TextField(_("comment"))
    evaluated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    evaluated_at = ClockStamp(auto_now_add=True)

    class Meta:
        ordering = ["award", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["award", "fiscal_year"], name="one_evaluation_per_year")
        ]
