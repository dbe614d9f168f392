"""Reads of the selection. Reviews are confidential: these decide who sees which."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.calls.models import PeerReviews, Proposal, ProposalState

from .models import Assignment, Decision, Review

#: Proposal states in which the committee has decided (for PeerReviews.AFTER_DECISION).
DECIDED_BY_COMMITTEE = {
    ProposalState.RECOMMENDED,
    ProposalState.NOT_RECOMMENDED,
    ProposalState.ADOPTED,
    ProposalState.REJECTED,
}


def reviewer_sees_others(user, proposal: Proposal) -> bool:
    """Whether a reviewer may read the other reviewers' submitted reviews of `proposal`, as its
    call sets it (PeerReviews; by default once their own review is submitted)."""
    setting = proposal.call.peer_reviews
    if setting == PeerReviews.NEVER:
        return False
    if setting == PeerReviews.AFTER_DECISION:
        return proposal.state in DECIDED_BY_COMMITTEE
    return Review.objects.filter(
        assignment__proposal=proposal, assignment__reviewer=user, submitted_at__isnull=False
    ).exists()


def reviews_visible_to(user, proposal: Proposal) -> QuerySet[Review]:
    """Staff see every submitted review. A reviewer sees their own, and the others' submitted
    reviews when the call allows it (`reviewer_sees_others`); never their names (see
    `with_authors`). Applicants and outsiders see none."""
    qs = (
        Review.objects.filter(assignment__proposal=proposal)
        .select_related("assignment__reviewer")
        .prefetch_related("scores__criterion")
    )
    if not user.is_authenticated:
        return qs.none()
    if user.role in {Role.MINISTRY, Role.AGENCY}:
        return qs.filter(submitted_at__isnull=False)
    if user.role == Role.REVIEWER:
        own = qs.filter(assignment__reviewer=user)
        if reviewer_sees_others(user, proposal):
            return qs.filter(submitted_at__isnull=False) | own
        return own
    return qs.none()


def with_authors(reviews, user) -> list[Review]:
    """The reviews, each with `.author` as `user` may see it: staff see the reviewer's name; a
    reviewer sees “you” for their own and “Reviewer 1, 2 …” (by assignment) for the others."""
    reviews = list(reviews)
    staff = getattr(user, "role", None) in {Role.MINISTRY, Role.AGENCY}
    order = {aid: n for n, aid in enumerate(sorted({r.assignment_id for r in reviews}), 1)}
    for r in reviews:
        if staff:
            r.author = str(r.assignment.reviewer)
        elif r.assignment.reviewer_id == getattr(user, "pk", None):
            r.author = str(_("Your review"))
        else:
            r.author = str(_("Reviewer %(n)s") % {"n": order[r.assignment_id]})
    return reviews


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
