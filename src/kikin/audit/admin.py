from django.contrib import admin

from kikin.core.admin import ReadOnlyAdmin

from .models import AuditRecord, SignInRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "actor_role", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type", "actor_role"]
    search_fields = ["object_id", "note"]
    date_hierarchy = "at"


@admin.register(SignInRecord)
class SignInRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "succeeded", "user", "ip", "request_id"]
    list_filter = ["succeeded"]
    search_fields = ["username", "ip", "request_id"]
    date_hierarchy = "at"
