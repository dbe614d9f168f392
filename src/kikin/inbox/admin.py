"""Notifications in the admin, read only: the inbox's services write them."""

from django.contrib import admin

from kikin.core.admin import ReadOnlyAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "subject", "read_at", "mailed_at")
    list_filter = ("kind",)
    search_fields = ("subject", "recipient__username")
