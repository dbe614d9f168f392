"""Reads of the selection. Reviews are confidential: these decide who sees which."""

from __future__ import annotations

from django.db.models import QuerySet

from kikin.accounts.models import Role
from kikin.calls.models import Proposal, ProposalState

from .models import Assignment, Decision, Review


def reviews_visible_to(user, proposal: Proposal) -> QuerySet[Review]:
    """Staff see every submitted review. A reviewer sees their own, and the others' submitted
    reviews only once their own is submitted. Applicants and outsiders see none."""
    qs = Review.objects.filter(assignment__proposal=proposal).select_related("assignment__reviewer").prefetch_related("scores__criterion")
    if not user.is_authenticated:
        return qs.none()
    if user.role in {Role.MINISTRY, Role.AGENCY}:
        return qs.filter(submitted_at__isnull=False)
    if user.role == Role.REVIEWER:
        own = qs.filter(assignment__reviewer=user)
        if own.filter(submitted_at__isnull=False).exists():
            return qs.filter(submitted_at__isnull=False) | own
        return own
    return qs.none()


def assignments_for_reviewer(user) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(reviewer=user, proposal__state=ProposalState.IN_REVIEW)
        .select_related("proposal__call", "proposal__theme__item", "review")
        .order_by("proposal__call__closes_at", "proposal_id")
    )


def published_adoptions() -> QuerySet[Decision]:
    """What the public may see: adoptions notified and published."""
    return (
        Decision.objects.filter(published_at__isnull=False, proposal__state=ProposalState.ADOPTED)
        .select_related("proposal__call", "proposal__theme__item", "proposal__organisation")
        .order_by("-published_at", "proposal__receipt_number")
    )
