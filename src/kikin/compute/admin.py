"""The admin shows the compute data read-mostly: writes that carry rules (allocations, imports,
results) go through the pages and their services; benchmarks' direction and plain records may
be corrected here."""

from django.contrib import admin

from kikin.core.admin import ReadOnlyAdmin

from .models import (
    Allocation,
    Benchmark,
    BenchmarkResult,
    CommunityEvent,
    ComputePool,
    DataOffer,
    DataRequest,
    EvaluationDeclaration,
    Introduction,
    PlannedMonth,
    UsageImport,
    UsageRecord,
)


class PlannedMonthInline(admin.TabularInline):
    model = PlannedMonth
    extra = 0
    can_delete = False
    readonly_fields = ["month", "hours"]

    def has_add_permission(self, request, obj=None):
        return False


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


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    list_display = ["name", "higher_is_better"]
    search_fields = ["name"]


@admin.register(BenchmarkResult)
class BenchmarkResultAdmin(ReadOnlyAdmin):
    list_display = ["award", "benchmark", "score", "evaluated_on", "model_version", "submitted_by"]
    list_filter = ["benchmark"]


@admin.register(EvaluationDeclaration)
class EvaluationDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["award", "declared_by", "declared_at"]


@admin.register(DataOffer)
class DataOfferAdmin(admin.ModelAdmin):
    list_display = ["title", "holder_name", "is_open", "created_at"]
    list_filter = ["is_open"]


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    list_display = ["title", "award", "is_open", "created_at"]
    list_filter = ["is_open"]


@admin.register(Introduction)
class IntroductionAdmin(ReadOnlyAdmin):
    list_display = ["offer", "request", "outcome", "introduced_at", "decided_at"]
    list_filter = ["outcome"]


@admin.register(CommunityEvent)
class CommunityEventAdmin(admin.ModelAdmin):
    list_display = ["held_on", "title", "kind", "attendees"]
    list_filter = ["kind"]
