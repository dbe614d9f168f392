from django.contrib import admin

from kikin.core.admin import ReadOnlyAdmin

from .models import Job


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "label", "state", "requested_by", "attempts", "created_at")
    list_filter = ("state", "kind")
    search_fields = ("label", "key", "kind")
