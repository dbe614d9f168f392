from django.contrib import admin

from kikin.core.admin import ReadOnlyAdmin

from .models import BudgetFrame


@admin.register(BudgetFrame)
class BudgetFrameAdmin(ReadOnlyAdmin):
    """Read-only: the lines come from the budget-frame data (`load_budget_frames`)."""

    list_display = [
        "program_code",
        "fiscal_year",
        "budget",
        "draft",
        "kind",
        "amount_text",
        "unit",
        "amount_yen",
        "source",
        "seed_line",
    ]
    list_filter = ["ministry", "budget", "kind", "fiscal_year"]
    search_fields = ["program_code", "program_ja", "program_en"]
