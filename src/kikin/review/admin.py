from django.contrib import admin

from .models import ConflictDeclaration, Criterion, ReviewerProfile


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "keywords", "max_load", "active"]
    list_filter = ["active"]
    search_fields = ["user__username", "keywords", "profile"]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["call", "order", "code", "label_ja", "weight", "max_score"]
    list_filter = ["call"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(admin.ModelAdmin):
    list_display = ["reviewer", "proposal", "organisation", "declared_by", "declared_at"]
    readonly_fields = ["declared_at"]
