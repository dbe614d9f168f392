from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Organisation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("kikin", {"fields": ("role", "organisation", "display_name")}),
    )
    list_display = ["username", "display_name", "role", "organisation", "is_staff"]
    list_filter = ["role", "is_staff"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name_ja", "name_en", "category", "corporate_number"]
    list_filter = ["category"]
    search_fields = ["name_ja", "name_en", "corporate_number"]
