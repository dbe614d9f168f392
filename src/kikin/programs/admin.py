"""Plans are loaded from plan files (`load_plan`): the admin shows them and writes nothing. A
later revision of a plan (with its changed terms) is added to the plan file and loaded."""

from django.contrib import admin

from kikin.audit.admin import ReadOnlyTabularInline
from kikin.core.admin import ReadOnlyAdmin

from .models import PlanRevision, Program, ResearchItem, Theme, ThemeTerms


class PlanRevisionInline(ReadOnlyTabularInline):
    model = PlanRevision


@admin.register(Program)
class ProgramAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "ministry", "title_ja", "start_date", "end_date"]
    list_filter = ["kind", "ministry"]
    inlines = [PlanRevisionInline]


@admin.register(ResearchItem)
class ResearchItemAdmin(ReadOnlyAdmin):
    list_display = [
        "program",
        "symbol",
        "title_ja",
        "period_months",
        "stage_gate_months",
        "first_review",
        "director",
    ]
    list_filter = ["program"]


@admin.register(Theme)
class ThemeAdmin(ReadOnlyAdmin):
    list_display = ["code", "item", "title_ja", "parent"]
    list_filter = ["program", "item"]
    search_fields = ["code", "title_ja", "title_en"]


@admin.register(ThemeTerms)
class ThemeTermsAdmin(ReadOnlyAdmin):
    list_display = ["theme", "revision", "support", "cap_kind", "modes_text"]
    list_filter = ["support", "cap_kind", "revision__program"]
