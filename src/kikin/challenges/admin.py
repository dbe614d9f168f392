from django.contrib import admin

from kikin.core.admin import ReadOnlyAdmin

from .models import Challenge, PrizeAward, Stage, Submission, Team


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyAdmin):
    list_display = ["slug", "program", "total_prize_yen"]
    exclude = ["hidden_key"]


@admin.register(Stage)
class StageAdmin(ReadOnlyAdmin):
    list_display = ["challenge", "code", "opens_on", "closes_on", "board"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["challenge", "handle", "anonymous", "is_baseline"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["team", "stage", "number", "state", "status", "public_score", "submitted_at"]
    exclude = ["file"]


@admin.register(PrizeAward)
class PrizeAwardAdmin(ReadOnlyAdmin):
    list_display = ["prize", "team", "rank", "amount_yen", "paid_on"]
