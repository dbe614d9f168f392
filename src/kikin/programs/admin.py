from django.contrib import admin

from .models import PlanRevision, Program, ResearchItem, Theme, ThemeTerms


class PlanRevisionInline(admin.TabularInline):
    model = PlanRevision
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "title_ja", "start_date", "end_date"]
    inlines = [PlanRevisionInline]


@admin.register(ResearchItem)
class ResearchItemAdmin(admin.ModelAdmin):
    list_display = ["program", "symbol", "title_ja", "period_months", "stage_gate_months", "first_review"]
    list_filter = ["program"]


class ThemeTermsInline(admin.StackedInline):
    model = ThemeTerms
    extra = 0


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["code", "item", "title_ja", "parent"]
    list_filter = ["program", "item"]
    search_fields = ["code", "title_ja", "title_en"]
    inlines = [ThemeTermsInline]


@admin.register(ThemeTerms)
class ThemeTermsAdmin(admin.ModelAdmin):
    list_display = ["theme", "revision", "support", "cap_kind", "cap_base_yen", "period_months", "stage_gate_months"]
    list_filter = ["support", "cap_kind", "system_technology", "gx", "revision"]
