from django.contrib import admin

from .models import Call


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["key", "title_ja", "opens_at", "closes_at", "budget_total_yen", "is_demo"]
    list_filter = ["program", "is_demo"]
    filter_horizontal = ["themes"]
