"""Admin pieces shared by the apps: `ReadOnlyAdmin` and `AuditedAdmin`, defined with the audit
trail's admin (kikin.audit sits below core: core's workflow writes audit records).

The admins of the libraries are replaced here by read-only ones (their apps come before kikin's,
so they are registered by the time this runs): groups (their permissions are given nowhere
else), sign-in lockouts (lifted with `kikin manage axes_reset_username NAME`) and second-factor
devices (shown without their secret; reset through the user's page, audited)."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from kikin.audit.admin import AuditedAdmin, ReadOnlyAdmin, ReadOnlyTabularInline, ServiceForm

__all__ = ["AuditedAdmin", "ReadOnlyAdmin", "ReadOnlyTabularInline", "ServiceForm"]


def _replace(model, admin_class) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


class ReadOnlyGroupAdmin(ReadOnlyAdmin, GroupAdmin):
    pass


class ReadOnlyAccessAttemptAdmin(ReadOnlyAdmin, AccessAttemptAdmin):
    actions = None


class ReadOnlyAccessLogAdmin(ReadOnlyAdmin, AccessLogAdmin):
    actions = None


class ReadOnlyAccessFailureLogAdmin(ReadOnlyAdmin, AccessFailureLogAdmin):
    actions = None


class TOTPDeviceAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    search_fields = ["user__username"]


_replace(Group, ReadOnlyGroupAdmin)
_replace(AccessAttempt, ReadOnlyAccessAttemptAdmin)
_replace(AccessLog, ReadOnlyAccessLogAdmin)
_replace(AccessFailureLog, ReadOnlyAccessFailureLogAdmin)
_replace(TOTPDevice, TOTPDeviceAdmin)
