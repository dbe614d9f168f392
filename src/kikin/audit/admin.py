"""The audit trail in the admin, read only, and the read-only admin the other apps use too
(kikin.core.admin.ReadOnlyAdmin)."""

from django.contrib import admin

from .models import AuditRecord, SignInRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that shows and never writes: changes go through the services (which keep the
    audit trail) or come from the loaders."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
