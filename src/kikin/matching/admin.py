"""The admin shows the matching board and the events read only: writes go through the pages and
their services."""

from django.contrib import admin

from kikin.core.admin import ReadOnlyAdmin

from .models import CommunityEvent, DataOffer, DataRequest, Introduction


@admin.register(DataOffer)
class DataOfferAdmin(ReadOnlyAdmin):
    list_display = ["title", "holder_name", "is_open", "created_at"]
    list_filter = ["is_open"]


@admin.register(DataRequest)
class DataRequestAdmin(ReadOnlyAdmin):
    list_display = ["title", "award", "is_open", "created_at"]
    list_filter = ["is_open"]


@admin.register(Introduction)
class IntroductionAdmin(ReadOnlyAdmin):
    list_display = ["offer", "request", "outcome", "introduced_at", "decided_at"]
    list_filter = ["outcome"]


@admin.register(CommunityEvent)
class CommunityEventAdmin(ReadOnlyAdmin):
    list_display = ["held_on", "title", "kind", "attendees"]
    list_filter = ["kind"]
