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

from kikin.rules import plan as plan_rules
from kikin.rules.money import parse_rate


class Program(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    purpose_ja = models.TextField(_("purpose (Japanese)"), blank=True)
    purpose_en = models.TextField(_("purpose (English)"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), help_text=_("No period, continuation or payment runs past it."))
    output_target_percent = models.PositiveSmallIntegerField(_("output target (%)"), default=80)
    outcome_target_percent = models.PositiveSmallIntegerField(_("outcome target (%)"), default=50)
    source = models.CharField(_("source document"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")

    def __str__(self):
        return self.title_ja


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
            models.UniqueConstraint(fields=["program", "effective_date"], name="one_revision_per_day"),
        ]
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")

    def __str__(self):
        return f"{self.effective_date:%Y-%m-%d} {self.note_ja}"


class ResearchItem(models.Model):
    """研究開発項目 ①–④."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1), MaxValueValidator(9)])
    symbol = models.CharField(_("symbol"), max_length=2)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    support_ja = models.CharField(_("forms of support"), max_length=50, blank=True)
    period_months = models.PositiveSmallIntegerField(_("default period (months)"))
    stage_gate_months = models.PositiveSmallIntegerField(_("default stage gate (months)"), null=True, blank=True)
    first_review = models.BooleanField(
        _("ministry's first review"), default=True,
        help_text=_("Item ④ (human resources) skips the ministry's first review."),
    )
    excluded_from_targets = models.BooleanField(
        _("excluded from the fund's targets"), default=False,
        help_text=_("Leading research ③ and human resources ④ count in neither target."),
    )
    seed_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)

    class Meta:
        ordering = ["program", "number"]
        constraints = [models.UniqueConstraint(fields=["program", "number"], name="one_item_number")]
        verbose_name = _("R&D item")
        verbose_name_plural = _("R&D items")

    def __str__(self):
        return f"{self.symbol} {self.title_ja}"


class Theme(models.Model):
    """開発テーマ, e.g. ①(a1). Its terms change with plan revisions: see ThemeTerms."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="themes")
    item = models.ForeignKey(ResearchItem, on_delete=models.PROTECT, related_name="themes")
    code = models.CharField(_("code"), max_length=16)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    area = models.CharField(_("area"), max_length=8, blank=True)
    area_title_ja = models.CharField(_("area (Japanese)"), max_length=200, blank=True)
    area_title_en = models.CharField(_("area (English)"), max_length=200, blank=True)
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    seed_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["item__number", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="one_theme_code_per_item")]
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
    if not isinstance(value, list):
        raise ValidationError(_("Rates are a list such as [\"1/2\"]."))
    for rate in value:
        try:
            parse_rate(rate)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class ThemeTerms(models.Model):
    """A theme's terms as one plan revision states them."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="terms")
    revision = models.ForeignKey(PlanRevision, on_delete=models.PROTECT, related_name="theme_terms")
    support = models.CharField(_("form of support"), max_length=16, choices=SupportForm.choices)
    rates = models.JSONField(_("subsidy rates"), default=list, blank=True, validators=[_validate_rates])
    rates_by_call = models.JSONField(_("subsidy rates by call and applicant"), default=dict, blank=True)
    rates_by_project_year = models.JSONField(_("subsidy rates by project year"), default=list, blank=True)
    cap_kind = models.CharField(_("kind of cap"), max_length=16, choices=CapKind.choices)
    cap_base_yen = models.BigIntegerField(_("cap (yen)"), null=True, blank=True)
    cap_tranches_yen = models.JSONField(_("caps by stage gate (yen)"), default=list, blank=True)
    cap_by_call_yen = models.JSONField(_("caps by call (yen)"), default=dict, blank=True)
    cap_options = models.JSONField(_("caps by scope"), default=list, blank=True)
    cap_pool = models.CharField(_("shared cap pool"), max_length=16, blank=True)
    cap_seed_line = models.PositiveIntegerField(_("cap source line"), null=True, blank=True)
    cap_note_ja = models.TextField(_("cap note (Japanese)"), blank=True)
    cap_note_en = models.TextField(_("cap note (English)"), blank=True)
    period_months = models.PositiveSmallIntegerField(_("period (months)"))
    period_months_by_call = models.JSONField(_("period by call (months)"), default=dict, blank=True)
    stage_gate_months = models.PositiveSmallIntegerField(_("stage gate after (months)"), null=True, blank=True)
    stage_gate_earliest_months = models.PositiveSmallIntegerField(_("earliest stage gate (months)"), null=True, blank=True)
    gates = models.PositiveSmallIntegerField(_("number of stage gates"), default=1)
    system_technology = models.BooleanField(_("system technology (refund scheme)"), default=False)
    gx = models.BooleanField(_("GX theme"), default=False)
    note_ja = models.TextField(_("note (Japanese)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)

    class Meta:
        ordering = ["theme", "revision__effective_date"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "revision"], name="one_terms_per_revision"),
            models.CheckConstraint(condition=models.Q(cap_base_yen__isnull=True) | models.Q(cap_base_yen__gte=0), name="cap_not_negative"),
        ]
        verbose_name = _("theme terms")
        verbose_name_plural = _("theme terms")

    def __str__(self):
        return f"{self.theme.key} @ {self.revision.effective_date}"

    def clean(self):
        if self.theme_id and self.revision_id and self.theme.program_id != self.revision.program_id:
            raise ValidationError({"revision": _("The revision belongs to another program.")})
        if self.support == SupportForm.GRANT and not (self.rates or self.rates_by_call or self.rates_by_project_year):
            raise ValidationError({"rates": _("A grant theme needs its subsidy rate.")})
        if self.cap_kind in {CapKind.FIXED, CapKind.VARIABLE, CapKind.FIRST_GATE, CapKind.POOLED} and self.cap_base_yen is None:
            raise ValidationError({"cap_base_yen": _("This kind of cap needs an amount.")})
        if self.cap_kind == CapKind.TRANCHES and not self.cap_tranches_yen:
            raise ValidationError({"cap_tranches_yen": _("List the cap to each stage gate.")})
        if self.cap_kind == CapKind.CALL_TOTAL and not self.cap_by_call_yen:
            raise ValidationError({"cap_by_call_yen": _("Give the total for each call.")})

    @property
    def refund_scheme(self) -> bool:
        return self.as_spec().refund_scheme

    def as_spec(self) -> plan_rules.ThemeSpec:
        """These terms as the rules engine's ThemeSpec."""
        theme = self.theme
        return plan_rules.ThemeSpec(
            item=theme.item.number,
            code=theme.code,
            title_ja=theme.title_ja,
            title_en=theme.title_en,
            support=self.support,
            rates=tuple(parse_rate(r) for r in self.rates),
            cap=plan_rules.CapRule(
                kind=self.cap_kind,
                base_yen=self.cap_base_yen,
                tranches_yen=tuple(int(v) for v in self.cap_tranches_yen),
                by_call={k: int(v) for k, v in self.cap_by_call_yen.items()},
                options=tuple(
                    plan_rules.CapOption(o["key"], int(o["cap_yen"]), o.get("label_ja", ""), o.get("label_en", ""))
                    for o in self.cap_options
                ),
                pool=self.cap_pool,
                line=self.cap_seed_line,
                note_ja=self.cap_note_ja,
                note_en=self.cap_note_en,
            ),
            period_months=self.period_months,
            stage_gate_months=self.stage_gate_months,
            line=theme.seed_line or 0,
            parent=theme.parent.code if theme.parent_id else "",
            area=theme.area,
            system_technology=self.system_technology,
            gx=self.gx,
            stage_gate_earliest_months=self.stage_gate_earliest_months,
            gates=self.gates,
            rates_by_call={
                call: {cat: parse_rate(r) for cat, r in by_cat.items()} for call, by_cat in self.rates_by_call.items()
            },
            rates_by_project_year=tuple(parse_rate(r) for r in self.rates_by_project_year),
            period_months_by_call={k: int(v) for k, v in self.period_months_by_call.items()},
            note_ja=self.note_ja,
            note_en=self.note_en,
        )
