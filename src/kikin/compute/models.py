"""GENIAC (g3) compute support (rules.md §6; 001 lines 1–85, 259–272; 000 lines 1689–1795, 4710–4730).

* A **compute pool** is the compute the program buys in bulk for a call or a cycle (cycle 1:
  Google Cloud, Microsoft Azure): a provider, an accelerator type, the accelerator-hours bought and
  the price of one hour in yen, for a period.
* An **allocation** gives an adopted developer (an `Award` of theme (g3)) hours of a pool for a
  period, with an optional plan by month; the allocations of a pool never exceed its hours.
* **Usage** comes from the provider's usage reports (CSV, `services.import_usage`): one row per
  provider line, kept once per pool by the provider's line id (`usage_id`), with the hours metered
  to a thousandth (stored as integer milli-hours, exact on every database) and the fee in yen.
  The subsidy is the fee × the developer's rate (`Award.rate`; 定額 = 1), truncated to the yen.
* The rules of the theme (000 lines 1760–1790): evaluate regularly and submit the results
  (`BenchmarkResult`), never train on the evaluation benchmarks' data sets
  (`EvaluationDeclaration`, required before any result), take part in the community.
* The development acceleration supporter's data-holder matching and community events are the
  app `kikin.matching`.

Hours bought and allocated are whole accelerator-hours; used hours are milli-hours.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import User
from kikin.awards.models import Award
from kikin.calls.models import Call
from kikin.core.fields import ClockStamp

#: One accelerator-hour in the stored unit (milli-hours).
MILLI = 1000


def milli_to_hours(milli: int | None) -> Decimal | None:
    """12345 milli-hours → Decimal("12.345") (exact)."""
    if milli is None:
        return None
    return (Decimal(int(milli)) / MILLI).quantize(Decimal("0.001"))


class ComputePool(models.Model):
    call = models.ForeignKey(
        Call,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="compute_pools",
        verbose_name=_("call"),
        help_text=_("The call whose developers use the pool (empty for a whole cycle)."),
    )
    cycle_label = models.CharField(
        _("cycle"),
        max_length=60,
        blank=True,
        help_text=_("e.g. “Cycle 1”, where the pool serves a whole cycle."),
    )
    name = models.CharField(_("name"), max_length=120)
    provider = models.CharField(
        _("provider"), max_length=100, help_text=_("e.g. Google Cloud, Microsoft Azure")
    )
    accelerator_type = models.CharField(
        _("accelerator type"), max_length=100, help_text=_("e.g. H100")
    )
    hours_bought = models.PositiveBigIntegerField(_("accelerator-hours bought"))
    price_per_hour_yen = models.PositiveBigIntegerField(_("price per accelerator-hour (yen)"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("compute pool")
        verbose_name_plural = _("compute pools")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours_bought__gt=0), name="compute_pool_hours_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="compute_pool_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(call__isnull=False) | ~models.Q(cycle_label=""),
                name="compute_pool_call_or_cycle",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def cost_yen(self) -> int:
        return self.hours_bought * self.price_per_hour_yen


class Allocation(models.Model):
    """Hours of a pool given to one developer (award). `code` is the number the provider's usage
    report carries in its `allocation` column (by default the award number)."""

    pool = models.ForeignKey(
        ComputePool, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("pool")
    )
    award = models.ForeignKey(
        Award, on_delete=models.PROTECT, related_name="compute_allocations", verbose_name=_("award")
    )
    code = models.CharField(_("allocation number"), max_length=60)
    hours = models.PositiveBigIntegerField(_("accelerator-hours allocated"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pool", "code"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "award"], name="one_allocation_per_award_and_pool"
            ),
            models.UniqueConstraint(fields=["pool", "code"], name="allocation_code_unique_in_pool"),
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="allocation_hours_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="allocation_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def last_day(self):
        """The last day usage counts: the allocation's end, or the award's actual end if earlier."""
        end = self.award.end_date
        return min(self.ends_on, end) if end else self.ends_on


class PlannedMonth(models.Model):
    """The hours an allocation plans to use in one month (the first day of the month)."""

    allocation = models.ForeignKey(
        Allocation, on_delete=models.CASCADE, related_name="planned_months"
    )
    month = models.DateField(_("month"))
    hours = models.PositiveBigIntegerField(_("planned accelerator-hours"))

    class Meta:
        ordering = ["allocation", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation", "month"], name="one_plan_per_allocation_month"
            )
        ]


class UsageImport(models.Model):
    """One usage report file received for a pool, with what became of its rows."""

    pool = models.ForeignKey(
        ComputePool, on_delete=models.PROTECT, related_name="imports", verbose_name=_("pool")
    )
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(_("size (bytes)"), default=0)
    method = models.CharField(_("method"), max_length=8, default="orm")
    rows_read = models.BigIntegerField(_("rows read"), default=0)
    rows_imported = models.BigIntegerField(_("rows imported"), default=0)
    rows_already = models.BigIntegerField(_("rows already imported"), default=0)
    rows_bad = models.BigIntegerField(_("bad rows"), default=0)
    errors = models.JSONField(_("first errors"), default=list, blank=True)
    same_file_as = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("same file as"),
    )
    seconds = models.DecimalField(_("seconds"), max_digits=10, decimal_places=3, default=0)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("usage import")
        verbose_name_plural = _("usage imports")

    def __str__(self):
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"

    @property
    def errors_shown(self) -> int:
        return len(self.errors)


class UsageRecord(models.Model):
    """One line of a provider's usage report.

    Written only by the import, a million rows at a time, so it carries no more indexes and
    database foreign-key checks than it needs: `pool` and `allocation` are served by the unique
    (pool, usage_id) and the (allocation, day) indexes; `pool` and `source` are not checked by the
    database (each check costs a trigger per row at commit, about 6 s a million), because the
    import takes both from the pool it holds locked and the import record it has just created;
    `allocation`, the one that comes from the file, is checked.
    """

    pool = models.ForeignKey(
        ComputePool,
        on_delete=models.PROTECT,
        related_name="usage",
        db_index=False,
        db_constraint=False,
    )
    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="usage", db_index=False
    )
    usage_id = models.CharField(_("provider's line id"), max_length=100)
    day = models.DateField(_("date"))
    hours_milli = models.BigIntegerField(_("accelerator-hours (thousandths)"))
    fee_yen = models.BigIntegerField(_("fee (yen)"))
    source = models.ForeignKey(
        UsageImport, on_delete=models.PROTECT, related_name="records", db_constraint=False
    )
    line = models.PositiveIntegerField(_("line in the file"))

    class Meta:
        ordering = ["allocation", "day", "id"]
        indexes = [models.Index(fields=["allocation", "day"])]
        constraints = [
            models.UniqueConstraint(fields=["pool", "usage_id"], name="usage_id_unique_in_pool"),
            models.CheckConstraint(
                condition=models.Q(hours_milli__gte=0), name="usage_hours_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(fee_yen__gte=0), name="usage_fee_not_negative"
            ),
        ]

    @property
    def hours(self) -> Decimal:
        return milli_to_hours(self.hours_milli)


class UsageDay(models.Model):
    """An allocation's use of one day: the sum of its usage records, kept by the import in the
    same transaction, so that the monthly table, the totals and the alerts read a few thousand
    rows rather than every provider line."""

    allocation = models.ForeignKey(
        Allocation, on_delete=models.CASCADE, related_name="usage_days", db_index=False
    )
    day = models.DateField(_("date"))
    hours_milli = models.BigIntegerField(_("accelerator-hours (thousandths)"))
    fee_yen = models.BigIntegerField(_("fee (yen)"))
    lines = models.PositiveIntegerField(_("provider lines"))

    class Meta:
        ordering = ["allocation", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation", "day"], name="one_usage_day_per_allocation"
            )
        ]


class Benchmark(models.Model):
    """A benchmark results are reported on: an existing one or one the developers set
    (000 lines 1763–1770). Lower-is-better benchmarks (e.g. an error rate) are marked so."""

    name = models.CharField(_("benchmark"), max_length=100, unique=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")

    def __str__(self):
        return self.name


class EvaluationDeclaration(models.Model):
    """The developer's declaration that no evaluation benchmark's data set was trained on
    (000 lines 1760–1762). Results may be submitted only after it."""

    award = models.OneToOneField(
        Award, on_delete=models.PROTECT, related_name="evaluation_declaration"
    )
    statement = models.TextField(_("statement"))
    declared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    declared_at = ClockStamp(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation data declaration")


class BenchmarkResult(models.Model):
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="benchmark_results")
    benchmark = models.ForeignKey(
        Benchmark, on_delete=models.PROTECT, related_name="results", verbose_name=_("benchmark")
    )
    score = models.DecimalField(_("score"), max_digits=14, decimal_places=4)
    evaluated_on = models.DateField(_("evaluated on"))
    model_version = models.CharField(_("model version"), max_length=100)
    note = models.TextField(_("note"), blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = ClockStamp(auto_now_add=True)

    class Meta:
        ordering = ["benchmark", "-evaluated_on", "-id"]
        indexes = [
            models.Index(fields=["benchmark", "award"]),
            models.Index(fields=["award", "-evaluated_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "benchmark", "model_version", "evaluated_on"],
                name="one_result_per_version_and_day",
            ),
        ]

    @property
    def score_text(self) -> str:
        """71.2500 → "71.25"; 80.0000 → "80" (the exact value, without trailing zeros)."""
        text = f"{self.score:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
