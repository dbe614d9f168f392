"""What happens after the work: filings, money that comes back, final evaluations, practical use.

- `Filing`: an implementer's yearly figures after (and around) the work: sales for the R&D cost
  refund (000 lines 4566–4656), operating profit and spending for revenue payback (別紙1, lines
  5483–5535), the actual self-funded burden for the self-investment pledge (lines 4731–4741).
  The agency checks each filing; a checked filing is locked.
- `SetValueChange`: the cost-effectiveness set value raised during the work, or lowered where the
  ministry and the agency accept force majeure (lines 4542–4550).
- `Assessment`: one computation of money that comes back (refund, self-investment return or
  revenue payback) with every input as it was used and the filings it came from; decided, it
  gets a notice number and a notice (PDF, Japanese), and later the payment received.
- `FinalEvaluation` (事後評価): whether a completed theme met the targets set for it (lines 50–59).
- `PracticalUseCheck`: about three years after a theme ends, whether its technology reached
  practical use, with the evidence and who checked it (lines 67–71).
"""

from __future__ import annotations

from fractions import Fraction

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kikin.awards.models import Award
from kikin.core.fields import ClockStamp
from kikin.core.files import generated_name

User = settings.AUTH_USER_MODEL


def filing_evidence_path(instance, filename):
    return generated_name(f"filings/{instance.award_id}/{instance.fiscal_year}", filename)


def practical_evidence_path(instance, filename):
    return generated_name(f"practical-use/{instance.award_id}", filename)


class AccountingBasis(models.TextChoices):
    GOVERNMENT = "government", _("Japanese fiscal year (April–March)")
    OWN = "own", _("Own accounting year ending before 31 March")


class FilingState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, to be checked")
    RETURNED = "returned", _("Returned for correction")
    CHECKED = "checked", _("Checked")


class Filing(models.Model):
    """One fiscal year's figures of one award, filed by the implementer, checked by the agency."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="filings")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    basis = models.CharField(
        _("accounting year"),
        max_length=12,
        choices=AccountingBasis.choices,
        default=AccountingBasis.GOVERNMENT,
    )
    period_start = models.DateField(_("accounting period from"))
    period_end = models.DateField(_("accounting period to"))
    consolidated = models.BooleanField(
        _("consolidated figures (subsidiaries included)"), default=False
    )
    product_sales_yen = models.BigIntegerField(_("sales of the product (yen)"), default=0)
    other_sales_yen = models.BigIntegerField(
        _("other sales: installation, maintenance, services (yen)"), default=0
    )
    other_sales_breakdown = models.TextField(_("breakdown of other sales"), blank=True)
    cost_of_sales_yen = models.BigIntegerField(_("cost of sales (yen)"), default=0)
    sga_yen = models.BigIntegerField(
        _("selling, general and administrative costs (yen)"), default=0
    )
    contribution_ratio = models.CharField(
        _("contribution ratio"),
        max_length=24,
        default="1",
        help_text=_("The grant's share in the profit, as an exact fraction (1, 3/4, 0.6)."),
    )
    deemed_profit = models.BooleanField(
        _("profit deemed from the whole company (SME)"), default=False
    )
    spending_after_yen = models.BigIntegerField(
        _("spending on the work after its end (yen)"), default=0
    )
    self_burden_yen = models.BigIntegerField(_("self-funded burden (yen)"), default=0)
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to=filing_evidence_path, blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=FilingState.choices,
        default=FilingState.SUBMITTED,
        db_index=True,
    )
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.TextField(_("agency's note"), blank=True)

    class Meta:
        ordering = ["award", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "fiscal_year"], name="one_filing_per_award_year"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="filing_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    product_sales_yen__gte=0,
                    other_sales_yen__gte=0,
                    cost_of_sales_yen__gte=0,
                    sga_yen__gte=0,
                    spending_after_yen__gte=0,
                    self_burden_yen__gte=0,
                ),
                name="filing_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.award.number} FY{self.fiscal_year}"

    @property
    def sales_yen(self) -> int:
        return self.product_sales_yen + self.other_sales_yen

    @property
    def operating_profit_yen(self) -> int:
        """営業損益 = sales − cost of sales − SG&A (別紙1 A)."""
        return self.sales_yen - self.cost_of_sales_yen - self.sga_yen

    @property
    def ratio(self) -> Fraction:
        return Fraction(self.contribution_ratio)


class ChangeState(models.TextChoices):
    PENDING = "pending", _("Awaiting the ministry")
    APPLIED = "applied", _("Applied")
    REFUSED = "refused", _("Refused")


class SetValueChange(models.Model):
    """A change of the cost-effectiveness set value after adoption (000 lines 4542–4550)."""

    class Direction(models.TextChoices):
        RAISE = "raise", _("Raised during the work")
        LOWER = "lower", _("Lowered (force majeure accepted)")

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="set_value_changes")
    direction = models.CharField(_("change"), max_length=6, choices=Direction.choices)
    old_value = models.DecimalField(_("set value before"), max_digits=6, decimal_places=2)
    new_value = models.DecimalField(_("set value after"), max_digits=6, decimal_places=2)
    requested_on = models.DateField(_("requested on"))
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=8, choices=ChangeState.choices, default=ChangeState.PENDING
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["award", "requested_on", "pk"]


class AssessmentKind(models.TextChoices):
    REFUND = "refund", _("R&D cost refund")
    SELF_INVESTMENT = "self_investment", _("Self-investment return")
    PAYBACK = "payback", _("Revenue payback")


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("Computed, not decided")
    DECIDED = "decided", _("Decided, notice issued")
    PAID = "paid", _("Paid")


class Assessment(models.Model):
    """One computation of money that comes back, with its inputs frozen when decided."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(_("kind"), max_length=16, choices=AssessmentKind.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    inputs = models.JSONField(_("inputs"), default=dict)
    filings = models.ManyToManyField(Filing, related_name="assessments", blank=True)
    due_yen = models.BigIntegerField(_("due in all (yen)"), default=0)
    earlier_yen = models.BigIntegerField(_("already charged in earlier years (yen)"), default=0)
    amount_yen = models.BigIntegerField(_("amount of this notice (yen)"), default=0)
    state = models.CharField(
        _("state"),
        max_length=8,
        choices=AssessmentState.choices,
        default=AssessmentState.DRAFT,
        db_index=True,
    )
    number = models.CharField(_("notice number"), max_length=40, blank=True)
    computed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    pay_by = models.DateField(_("pay by"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_yen = models.BigIntegerField(_("paid (yen)"), null=True, blank=True)

    class Meta:
        ordering = ["award", "kind", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "kind", "fiscal_year"], name="one_assessment_per_kind_year"
            ),
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(number=""), name="notice_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_yen__gte=0, due_yen__gte=0, earlier_yen__gte=0),
                name="assessment_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.award.number} {self.kind} FY{self.fiscal_year}"


class FinalEvaluation(models.Model):
    """事後評価: whether a theme that completed its work met the targets set for it."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="final_evaluation")
    completed_on = models.DateField(_("work completed on"))
    met_targets = models.BooleanField(_("met the targets set for the theme"))
    comment = models.TextField(_("committee's comment"))
    evaluated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    evaluated_at = ClockStamp(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["completed_on"])]


class UseKind(models.TextChoices):
    PRODUCT = "product", _("Product or part on sale")
    SERVICE = "service", _("Service in operation")
    IN_HOUSE = "in_house", _("Used in own products or lines")
    LICENCE = "licence", _("Licensed to others")
    STANDARD = "standard", _("Adopted in a standard")


class PracticalUseCheck(models.Model):
    """A check, about three years after the theme ended, of whether its technology is in use."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="practical_use_checks")
    checked_on = models.DateField(_("checked on"))
    reached = models.BooleanField(_("practical use reached"))
    use_kind = models.CharField(
        _("kind of use"), max_length=10, choices=UseKind.choices, blank=True
    )
    evidence = models.TextField(_("evidence"))
    evidence_file = models.FileField(
        _("evidence file"), upload_to=practical_evidence_path, blank=True
    )
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["award", "-checked_on", "-pk"]
        indexes = [models.Index(fields=["reached", "checked_on"])]
