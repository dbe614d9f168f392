"""Reads of calls and proposals, each returning exactly the rows a user may see."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from kikin.accounts.models import Role

from .models import Call, Proposal, ProposalState


def open_calls(at=None) -> QuerySet[Call]:
    from django.utils import timezone

    at = at or timezone.now()
    return Call.objects.filter(opens_at__lte=at, closes_at__gte=at).order_by("closes_at")


def proposals_for_user(user, call: Call | None = None) -> QuerySet[Proposal]:
    """The proposals `user` may see: their organisation's; for ministry and agency staff every
    submitted one (never another organisation's draft); for a reviewer those assigned to them
    without a conflict of interest (conflicts are removed from assignments when declared, and
    refused when assigning)."""
    qs = Proposal.objects.select_related("call", "theme__item", "organisation")
    if call is not None:
        qs = qs.filter(call=call)
    if not user.is_authenticated:
        return qs.none()
    if user.role in {Role.MINISTRY, Role.AGENCY}:
        return qs.exclude(state=ProposalState.DRAFT)
    if user.role == Role.REVIEWER:
        return qs.filter(assignments__reviewer=user, state=ProposalState.IN_REVIEW)
    if user.organisation_id:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def state_counts(call: Call) -> dict[str, int]:
    """How many proposals of `call` are in each state (one query)."""
    rows = Proposal.objects.filter(call=call).values("state").annotate(n=Count("id"))
    counts = dict.fromkeys(ProposalState.values, 0)
    counts.update({r["state"]: r["n"] for r in rows})
    return counts


def call_summaries(calls) -> list[dict]:
    """Per call: counts by state and the pending decisions, in one query for all calls."""
    rows = (
        Proposal.objects.filter(call__in=calls)
        .values("call_id")
        .annotate(
            submitted=Count(
                "id", filter=~Q(state__in=[ProposalState.DRAFT, ProposalState.WITHDRAWN])
            ),
            pending=Count(
                "id",
                filter=Q(
                    state__in=[
                        ProposalState.SUBMITTED,
                        ProposalState.FIRST_PASSED,
                        ProposalState.IN_REVIEW,
                        ProposalState.RECOMMENDED,
                        ProposalState.NOT_RECOMMENDED,
                    ]
                ),
            ),
            adopted=Count("id", filter=Q(state=ProposalState.ADOPTED)),
        )
    )
    by_call = {r["call_id"]: r for r in rows}
    return [
        {"call": c, **by_call.get(c.pk, {"submitted": 0, "pending": 0, "adopted": 0})}
        for c in calls
    ]
