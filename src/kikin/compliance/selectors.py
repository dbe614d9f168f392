"""Reads of technology-leakage prevention, each a constant number of queries.

An organisation's reports and planned acts are confidential: an implementer sees only its own
organisation's awards; the agency sees every award; the ministry sees the consultations sent to it.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet

from kikin.accounts.models import Role
from kikin.awards.models import Award, AwardState

from .models import (
    ConsultationState,
    LeakageReport,
    PriorConsultation,
    ReportState,
    Shortcoming,
    ShortcomingState,
)


def awards_visible_to(user) -> QuerySet[Award]:
    """Awards whose leakage-prevention records the user may read: the implementer's own; all for
    the agency; none for anyone else."""
    qs = Award.objects.select_related("organisation", "theme__item")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.role == Role.AGENCY:
        return qs
    if user.role == Role.APPLICANT and user.organisation_id:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def reports_visible_to(user) -> QuerySet[LeakageReport]:
    return LeakageReport.objects.filter(award__in=awards_visible_to(user).values("pk"))


def consultations_visible_to(user) -> QuerySet[PriorConsultation]:
    """The implementer's own and, for the agency, all; for the ministry, those sent to it."""
    qs = PriorConsultation.objects.select_related("award__organisation", "award__theme__item")
    if getattr(user, "is_authenticated", False) and user.role == Role.MINISTRY:
        return qs.filter(state__in=[ConsultationState.SENT, ConsultationState.ANSWERED])
    return qs.filter(award__in=awards_visible_to(user).values("pk"))


def unfixed_q(today: dt.date) -> Q:
    """Shortcomings not fixed by their due date and not yet resolved on, as of `today`: still
    open after the due date, or fixed only after it."""
    return Q(state__in=[ShortcomingState.OPEN, ShortcomingState.FIXED], due_date__lt=today) & (
        Q(closed_on__isnull=True) | Q(closed_on__gt=F("due_date"))
    )


def unfixed_shortcomings(today: dt.date) -> QuerySet[Shortcoming]:
    """For the committee's decision: shortcomings not fixed by their due date."""
    return (
        Shortcoming.objects.filter(unfixed_q(today))
        .select_related("award__organisation", "award__theme__item", "opened_by", "closed_by")
        .order_by("due_date", "id")
    )


def awards_with_unfixed_shortcoming(today: dt.date) -> QuerySet[Award]:
    """Awards flagged for the committee: a shortcoming not fixed by its due date."""
    return Award.objects.filter(
        pk__in=Shortcoming.objects.filter(unfixed_q(today)).values("award_id")
    ).select_related("organisation")


def open_shortcomings() -> QuerySet[Shortcoming]:
    return (
        Shortcoming.objects.filter(state=ShortcomingState.OPEN)
        .select_related("award__organisation", "award__theme__item", "opened_by")
        .order_by("due_date", "id")
    )


def reports_to_assess() -> QuerySet[LeakageReport]:
    return (
        LeakageReport.objects.filter(state=ReportState.SUBMITTED)
        .select_related("award__organisation", "award__theme__item", "submitted_by")
        .order_by("committee_date", "id")
    )


def reports_outstanding() -> QuerySet[LeakageReport]:
    """Reports the agency asked for and has not received, on awards still running."""
    return (
        LeakageReport.objects.filter(state=ReportState.REQUESTED)
        .exclude(award__state=AwardState.TERMINATED)
        .select_related("award__organisation")
        .order_by("committee_date", "id")
    )


def consultations_to_answer() -> QuerySet[PriorConsultation]:
    return (
        PriorConsultation.objects.filter(state=ConsultationState.SENT)
        .select_related("award__organisation", "award__theme__item", "sent_by")
        .order_by("planned_date", "sent_at", "id")
    )


def recently_answered(limit: int = 20) -> list[PriorConsultation]:
    return list(
        PriorConsultation.objects.filter(state=ConsultationState.ANSWERED)
        .select_related("award__organisation", "answered_by")
        .order_by("-answered_at", "-id")[:limit]
    )


def award_page(award: Award, today: dt.date) -> dict:
    """Everything the award's page shows, in four queries."""
    reports = list(
        award.leakage_reports.select_related("submitted_by", "assessed_by").order_by(
            "-committee_date", "-id"
        )
    )
    shortcomings = list(
        award.leakage_shortcomings.select_related("opened_by", "closed_by").order_by(
            "-opened_on", "-id"
        )
    )
    consultations = list(
        award.prior_consultations.select_related("answered_by").order_by("-planned_date", "-id")
    )
    for s in shortcomings:
        s.flagged = s.unfixed_by_due_date(today)
        s.days_left = (s.due_date - today).days
    return {
        "reports_due": [r for r in reports if r.state == ReportState.REQUESTED],
        "reports": [r for r in reports if r.state != ReportState.REQUESTED],
        "shortcomings": shortcomings,
        "open_shortcoming": next(
            (s for s in shortcomings if s.state == ShortcomingState.OPEN), None
        ),
        "consultations": consultations,
    }
