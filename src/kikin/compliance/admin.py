"""Read-only admin: every change goes through the services, which write the audit trail."""

from django.contrib import admin

from kikin.core.admin import ReadOnlyAdmin

from .models import LeakageReport, PriorConsultation, Shortcoming


@admin.register(LeakageReport)
class LeakageReportAdmin(ReadOnlyAdmin):
    list_display = [
        "award",
        "committee_date",
        "fiscal_year",
        "state",
        "staff_with_access",
        "submitted_at",
        "assessed_on",
    ]
    list_filter = ["state", "fiscal_year"]
    search_fields = ["award__number", "award__organisation__name_ja"]
    date_hierarchy = "committee_date"


@admin.register(Shortcoming)
class ShortcomingAdmin(ReadOnlyAdmin):
    list_display = [
        "award",
        "opened_on",
        "due_date",
        "state",
        "closed_on",
        "decided_on",
        "reclaim_yen",
    ]
    list_filter = ["state"]
    search_fields = ["award__number", "award__organisation__name_ja"]


@admin.register(PriorConsultation)
class PriorConsultationAdmin(ReadOnlyAdmin):
    list_display = [
        "award",
        "act",
        "counterparty",
        "country",
        "planned_date",
        "required",
        "state",
        "answer",
    ]
    list_filter = ["state", "act", "required", "answer"]
    search_fields = ["award__number", "counterparty"]
