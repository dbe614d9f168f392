"""The admin shows the compute data read only: writes go through the pages and their services
(pools, allocations, imports, results); a benchmark is named, or its direction
corrected, here through `define_benchmark` (one audit record)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kikin.audit.admin import AuditedAdmin, ReadOnlyTabularInline, ServiceForm
from kikin.core.admin import ReadOnlyAdmin

from . import services
from .models import (
    Allocation,
    Benchmark,
    BenchmarkResult,
    ComputePool,
    EvaluationDeclaration,
    PlannedMonth,
    UsageImport,
    UsageRecord,
)


class PlannedMonthInline(ReadOnlyTabularInline):
    model = PlannedMonth
    readonly_fields = ["month", "hours"]


@admin.register(ComputePool)
class ComputePoolAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "call",
        "cycle_label",
        "provider",
        "accelerator_type",
        "hours_bought",
        "price_per_hour_yen",
        "starts_on",
        "ends_on",
    ]
    list_filter = ["provider", "accelerator_type"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["code", "pool", "award", "hours", "starts_on", "ends_on"]
    list_filter = ["pool"]
    search_fields = ["code", "award__number"]
    inlines = [PlannedMonthInline]


@admin.register(UsageImport)
class UsageImportAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "pool",
        "file_name",
        "rows_read",
        "rows_imported",
        "rows_already",
        "rows_bad",
        "uploaded_by",
    ]
    list_filter = ["pool"]


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = ["usage_id", "allocation", "day", "hours_milli", "fee_yen", "source", "line"]
    list_filter = ["pool"]
    search_fields = ["usage_id"]
    show_full_result_count = False
    list_select_related = ["allocation", "source"]


class BenchmarkForm(ServiceForm):
    title = _("Name a benchmark, or correct its direction")
    for_object = False

    name = forms.CharField(label=_("name"), required=False)
    higher_is_better = forms.BooleanField(label=_("higher is better"), required=False)
    description = forms.CharField(label=_("description"), widget=forms.Textarea, required=False)

    def save(self, *, actor):
        return services.define_benchmark(actor=actor, **self.cleaned_data)


@admin.register(Benchmark)
class BenchmarkAdmin(AuditedAdmin):
    list_display = ["name", "higher_is_better"]
    search_fields = ["name"]
    service_forms = {"define": BenchmarkForm}


@admin.register(BenchmarkResult)
class BenchmarkResultAdmin(ReadOnlyAdmin):
    list_display = ["award", "benchmark", "score", "evaluated_on", "model_version", "submitted_by"]
    list_filter = ["benchmark"]


@admin.register(EvaluationDeclaration)
class EvaluationDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["award", "declared_by", "declared_at"]
