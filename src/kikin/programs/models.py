"""A fund's programs (事業), their dated plan revisions (研究開発計画の改定), R&D items
(研究開発項目 ①–④) and development themes (開発テーマ).

A theme's terms (form of support, subsidy rates, budget cap, period, stage-gate timing) belong to
a plan revision: what applied to a theme on a date is the terms of the latest revision in force
on that date (rules.md §1). The terms convert to the rules engine's `ThemeSpec`, so every
computation uses the same pure functions as `kikin calc`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kikin.core.fields import ClockStamp
from kikin.rules import plan as plan_rules


class ProgramKind(models.TextChoices):
    FUND = "fund", _("Fund")
    CHALLENGE = "challenge", _("Prize challenge")
    DATA_PLATFORM = "data_platform", _("Data platform")


class Program(models.Model):
    """A program as its plan file declares it (docs/plans.md). The program-wide rules (stage
    gates, money-back schemes, pools, targets, conditions) are kept as the plan file's tables in
    `rules` and read through `plan_rules()`; no rule is decided by the program's code."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=ProgramKind.choices, default=ProgramKind.FUND
    )
    ministry = models.CharField(_("ministry"), max_length=16, blank=True)
    agency_ja = models.CharField(_("agency (Japanese)"), max_length=200, blank=True)
    agency_en = models.CharField(_("agency (English)"), max_length=200, blank=True)
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    purpose_ja = models.TextField(_("purpose (Japanese)"), blank=True)
    purpose_en = models.TextField(_("purpose (English)"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(
        _("end date"),
        null=True,
        blank=True,
        help_text=_("No period, continuation or payment runs past it."),
    )
    end_line = models.PositiveIntegerField(_("end date source line"), null=True, blank=True)
    max_years = models.PositiveSmallIntegerField(_("at most (years)"), null=True, blank=True)
    size_yen = models.BigIntegerField(_("size (yen)"), null=True, blank=True)
    output_target_percent = models.PositiveSmallIntegerField(
        _("output target (%)"), null=True, blank=True
    )
    outcome_target_percent = models.PositiveSmallIntegerField(
        _("outcome target (%)"), null=True, blank=True
    )
    source = models.CharField(_("source document"), max_length=100, blank=True)
    note_ja = models.TextField(_("note (Japanese)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)
    rules = models.JSONField(_("program-wide rules"), default=dict, blank=True)
    descriptive = models.JSONField(_("description tables"), default=dict, blank=True)
    extension = models.JSONField(_("tables of its kind"), default=dict, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="program_ends_after_it_starts",
            ),
        ]
        verbose_name = _("program")
        verbose_name_plural = _("programs")

    def __str__(self):
        return self.title_ja

    def plan_rules(self) -> plan_rules.ProgramRules:
        """The program-wide rules of its plan (read once per instance)."""
        cached = getattr(self, "_plan_rules", None)
        if cached is None:
            cached = self._plan_rules = plan_rules.rules_from_tables(self.rules or {})
        return cached

    @property
    def title(self) -> str:
        from django.utils.translation import get_language

        return (
            self.title_en
            if (get_language() or "ja").startswith("en") and self.title_en
            else self.title_ja
        )


class PlanRevision(models.Model):
    """One dated revision of a program's plan (策定・改定), with its change note."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="revisions")
    effective_date = models.DateField(_("in force from"))
    note_ja = models.CharField(_("change note (Japanese)"), max_length=300)
    note_en = models.CharField(_("change note (English)"), max_length=300, blank=True)
    seed_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)

    class Meta:
        ordering = ["program", "effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "effective_date"], name="one_revision_per_day"
            ),
        ]
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")

    def __str__(self):
        return f"{self.effective_date:%Y-%m-%d} {self.note_ja}"


class ResearchItem(models.Model):
    """研究開発項目 ①–④."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(
        _("number"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    symbol = models.CharField(_("symbol"), max_length=2)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    support_ja = models.CharField(_("forms of support"), max_length=50, blank=True)
    period_months = models.PositiveSmallIntegerField(
        _("default period (months)"), null=True, blank=True
    )
    stage_gate_months = models.PositiveSmallIntegerField(
        _("default stage gate (months)"), null=True, blank=True
    )
    first_review = models.BooleanField(
        _("ministry's first review"),
        default=True,
        help_text=_("Item ④ (human resources) skips the ministry's first review."),
    )
    excluded_from_targets = models.BooleanField(
        _("excluded from the fund's targets"),
        default=False,
        help_text=_("Leading research ③ and human resources ④ count in neither target."),
    )
    intermediate_targets = models.BooleanField(_("intermediate milestones"), default=True)
    cap_exceedable = models.BooleanField(_("cap may be exceeded at selection"), default=False)
    director = models.BooleanField(
        _("program director per area"),
        default=False,
        help_text=_("A program director appointed for this area sets its policy and budget."),
    )
    budget_per_year_min_yen = models.BigIntegerField(
        _("area budget per year, at least (yen)"), null=True, blank=True
    )
    budget_per_year_max_yen = models.BigIntegerField(
        _("area budget per year, at most (yen)"), null=True, blank=True
    )
    budget_line = models.PositiveIntegerField(_("area budget source line"), null=True, blank=True)
    move_target = models.BooleanField(
        _("themes may be adopted as or moved into this item"), default=False
    )
    defaults = models.JSONField(_("defaults of its themes"), default=dict, blank=True)
    seed_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)

    class Meta:
        ordering = ["program", "number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="one_item_number")
        ]
        verbose_name = _("R&D item")
        verbose_name_plural = _("R&D items")

    def __str__(self):
        return f"{self.symbol} {self.title_ja}"


class Theme(models.Model):
    """開発テーマ, e.g. ①(a1). Its terms change with plan revisions: see ThemeTerms."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="themes")
    item = models.ForeignKey(ResearchItem, on_delete=models.PROTECT, related_name="themes")
    code = models.CharField(_("code"), max_length=16)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    area = models.CharField(_("area"), max_length=8, blank=True)
    area_title_ja = models.CharField(_("area (Japanese)"), max_length=200, blank=True)
    area_title_en = models.CharField(_("area (English)"), max_length=200, blank=True)
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    seed_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["item__number", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="one_theme_code_per_item")
        ]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self):
        return f"{self.item.symbol}({self.code}) {self.title_ja}"

    @property
    def key(self) -> str:
        """`1-a1`: the plan reuses codes across items, so the item number comes first."""
        return f"{self.item.number}-{self.code}"


class SupportForm(models.TextChoices):
    CONTRACT = "contract", _("Contract (委託)")
    GRANT = "grant", _("Grant (助成)")
    MIXED = "mixed", _("Contract and grant")


class CapKind(models.TextChoices):
    FIXED = "fixed", _("Cap per proposal")
    VARIABLE = "variable", _("Cap × variable rate")
    FIRST_GATE = "first_gate", _("Cap up to the first stage gate")
    TRANCHES = "tranches", _("Caps rising after each stage gate")
    CALL_TOTAL = "call_total", _("Total for all adoptions of a call")
    OPTIONS = "options", _("Cap by scope of the proposal")
    POOLED = "pooled", _("Total shared with other themes")
    NONE = "none", _("No figure in the plan")


def _validate_rates(value):
    """Kept for migration 0001, which named it on the rates column of the schema-1 terms."""
    from kikin.rules.money import parse_rate

    if not isinstance(value, list):
        raise ValidationError(_('Rates are a list such as ["1/2"].'))
    for rate in value:
        try:
            parse_rate(rate)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class ThemeTerms(models.Model):
    """A theme's terms as one plan revision states them: every attribute the plan file declares
    for the theme (support and rates, cap, period, gates, schemes, modes, conditions), kept as
    the plan file writes them and read through `as_spec()` by the rules engine."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="terms")
    revision = models.ForeignKey(PlanRevision, on_delete=models.PROTECT, related_name="theme_terms")
    attributes = models.JSONField(_("attributes"), default=dict)
    support = models.CharField(
        _("form of support"), max_length=16, choices=SupportForm.choices, editable=False
    )
    cap_kind = models.CharField(
        _("kind of cap"), max_length=16, choices=CapKind.choices, editable=False
    )
    #: The theme's special modes, space-separated and padded (" compute_support "), so that a
    #: query can find the themes of a mode on any database.
    modes_text = models.CharField(_("special modes"), max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["theme", "revision__effective_date"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "revision"], name="one_terms_per_revision"),
        ]
        verbose_name = _("theme terms")
        verbose_name_plural = _("theme terms")

    def __str__(self):
        return f"{self.theme.key} @ {self.revision.effective_date}"

    def clean(self):
        if self.theme_id and self.revision_id and self.theme.program_id != self.revision.program_id:
            raise ValidationError({"revision": _("The revision belongs to another program.")})
        try:
            plan_rules.theme_from_attributes(self.attributes)
        except plan_rules.PlanDataError as e:
            raise ValidationError({"attributes": str(e)}) from None

    def save(self, *args, **kwargs):
        spec = plan_rules.theme_from_attributes(self.attributes)
        self.support = spec.support
        self.cap_kind = spec.cap.label_kind
        self.modes_text = f" {' '.join(spec.modes)} " if spec.modes else ""
        self._spec = spec
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "support",
                "cap_kind",
                "modes_text",
            }
        super().save(*args, **kwargs)

    def as_spec(self) -> plan_rules.ThemeSpec:
        """These terms as the rules engine's ThemeSpec (parsed once per instance)."""
        spec = getattr(self, "_spec", None)
        if spec is None:
            spec = self._spec = plan_rules.theme_from_attributes(
                self.attributes, f"theme {self.theme_id} terms"
            )
        return spec

    # What the pages show of the terms, read from the spec.
    @property
    def refund_scheme(self) -> bool:
        return self.as_spec().refund_scheme

    @property
    def system_technology(self) -> bool:
        return self.as_spec().system_technology

    @property
    def gx(self) -> bool:
        return self.as_spec().gx

    @property
    def rates(self) -> list[str]:
        return [str(r) for r in self.as_spec().rates]

    @property
    def rates_by_call(self) -> dict:
        return self.attributes.get("rates_by_call", {})

    @property
    def rates_by_project_year(self) -> list[str]:
        return self.attributes.get("rates_by_project_year", [])

    @property
    def period_months(self) -> int:
        return self.as_spec().period_months

    @property
    def period_months_by_call(self) -> dict:
        return self.as_spec().period_months_by_call

    @property
    def stage_gate_months(self) -> int | None:
        return self.as_spec().stage_gate_months

    @property
    def stage_gate_earliest_months(self) -> int | None:
        return self.as_spec().stage_gate_earliest_months

    @property
    def cap(self) -> plan_rules.CapRule:
        return self.as_spec().cap

    @property
    def modes(self) -> tuple[str, ...]:
        return self.as_spec().modes


class ProgramEvaluation(models.Model):
    """The ministry's interim or post evaluation of a whole program (000 lines 5371–5377)."""

    class Kind(models.TextChoices):
        INTERIM = "interim", _("Interim evaluation")
        POST = "post", _("Post evaluation")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="evaluations")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    due_date = models.DateField(_("due about"))
    held_on = models.DateField(_("held on"))
    result = models.TextField(_("result"))
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = ClockStamp(auto_now_add=True)

    class Meta:
        ordering = ["program", "due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind", "due_date"], name="one_evaluation_per_due"
            )
        ]


class AreaDirector(models.Model):
    """The program director (PD) appointed for an area (an item whose plan declares `director`,
    Q-LEAP's technology areas, 004 line 278): sets the area's policy against fitting benchmarks,
    allocates its budget and manages its progress closely."""

    item = models.ForeignKey(ResearchItem, on_delete=models.CASCADE, related_name="directors")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="directed_areas"
    )
    appointed_on = models.DateField(_("appointed on"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    appointed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["item", "-appointed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=models.Q(ended_on__isnull=True),
                name="one_director_per_area",
            )
        ]


class AreaPolicy(models.Model):
    """An area's policy for one fiscal year, set by its program director: the policy, the
    benchmarks it is measured against, and the budget allocated to the area (Q-LEAP: 6–12億円 a
    year, 004 line 301)."""

    item = models.ForeignKey(ResearchItem, on_delete=models.CASCADE, related_name="policies")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    policy = models.TextField(_("policy"))
    benchmarks = models.TextField(_("benchmarks"))
    budget_yen = models.BigIntegerField(_("area budget (yen)"))
    set_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "fiscal_year"], name="one_policy_per_area_year"
            ),
            models.CheckConstraint(
                condition=models.Q(budget_yen__gte=0), name="area_budget_not_negative"
            ),
        ]
