"""Reads for the inbox: what waits for each role, and a person's notifications.

Each role's inbox is a few sections; each section costs one query (its first `LIMIT` items,
each with the section's count), whatever the amount of data, so the home page and the
navigation cost a constant number of queries.

- ministry: first-review screenings, committee decisions to approve, set-value changes to
  decide, prior consultations to answer;
- agency officer: cost claims and yearly filings to check, progress reports overdue, stage gates
  within 90 days (or past their date and not held);
- reviewer: their assignments without a submitted review, due by the call's adoption decision
  (the 55-day limit);
- applicant: their organisation's drafts in calls still open, with the days left, and what is
  asked of them (filings returned, leakage-control reports requested, progress reports overdue).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Count, Q, QuerySet, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Role
from kikin.core import timeutil
from kikin.core.timeutil import JST

from .models import Notification

#: Items shown per section (the count says how many there are).
LIMIT = 20
#: An officer sees the stage gates due within this many days.
GATE_HORIZON_DAYS = 90


@dataclass
class Item:
    title: str
    url: str
    due: dt.date | None = None
    days_left: int | None = None
    note: str = ""


@dataclass
class Section:
    key: str
    label: str
    count: int
    items: list[Item] = field(default_factory=list)


def _days(due: dt.date | None, today: dt.date) -> int | None:
    return (due - today).days if due else None


@dataclass
class _Spec:
    key: str
    label: object
    qs: QuerySet
    make: object
    today: dt.date

    def section(self) -> Section:
        # The count over the whole section comes with its first rows (a window over the rows
        # before the limit): one query a section.
        rows = list(self.qs.annotate(inbox_total=Window(Count("pk")))[:LIMIT])
        count = rows[0].inbox_total if rows else 0
        return Section(self.key, str(self.label), count, [self.make(r, self.today) for r in rows])

    def count(self) -> int:
        return self.qs.order_by().count()


_section = _Spec


def _pick(obj) -> str:
    """`obj.title_en` when the page is in English and there is one, else `obj.title_ja`."""
    if (get_language() or "").startswith("en") and obj.title_en:
        return obj.title_en
    return obj.title_ja


def _award_title(award) -> str:
    return f"{award.number} {_pick(award.theme)}"


def _ministry(user, today) -> list[Section]:
    from kikin.calls.models import Proposal, ProposalState
    from kikin.compliance.models import ConsultationState, PriorConsultation
    from kikin.outcomes.models import ChangeState, SetValueChange

    proposals = Proposal.objects.select_related("call", "theme")
    return [
        _section(
            "screenings",
            _("First-review screenings"),
            proposals.filter(
                state=ProposalState.SUBMITTED, theme__item__first_review=True
            ).order_by("submitted_at", "pk"),
            lambda p, t: Item(
                f"{p.receipt_number} {p.title}",
                reverse("review:proposal", args=[p.pk]),
                p.call.adoption_due_date,
                _days(p.call.adoption_due_date, t),
            ),
            today,
        ),
        _section(
            "approvals",
            _("Committee decisions to approve"),
            proposals.filter(
                state__in=[ProposalState.RECOMMENDED, ProposalState.NOT_RECOMMENDED]
            ).order_by("call__closes_at", "pk"),
            lambda p, t: Item(
                f"{p.receipt_number} {p.title}",
                reverse("review:proposal", args=[p.pk]),
                p.call.adoption_due_date,
                _days(p.call.adoption_due_date, t),
                str(p.get_state_display()),
            ),
            today,
        ),
        _section(
            "set_values",
            _("Set-value changes to decide"),
            SetValueChange.objects.select_related("award__theme")
            .filter(state=ChangeState.PENDING)
            .order_by("requested_on", "pk"),
            lambda c, t: Item(
                _award_title(c.award),
                reverse("outcomes:award", args=[c.award_id]),
                note=f"{c.old_value} → {c.new_value}",
            ),
            today,
        ),
        _section(
            "consultations",
            _("Prior consultations to answer"),
            PriorConsultation.objects.select_related("award__theme")
            .filter(state=ConsultationState.SENT)
            .order_by("planned_date", "pk"),
            lambda c, t: Item(
                _award_title(c.award),
                reverse("compliance:consultation", args=[c.pk]),
                c.planned_date,
                _days(c.planned_date, t),
                str(c.get_act_display()),
            ),
            today,
        ),
    ]


def _agency(user, today) -> list[Section]:
    from kikin.awards.models import ClaimState, CostClaim, ProgressReport, StageGateReview
    from kikin.outcomes.models import Filing, FilingState

    return [
        _section(
            "claims",
            _("Cost claims to check"),
            CostClaim.objects.select_related("award__theme")
            .filter(state=ClaimState.SUBMITTED)
            .order_by("submitted_at", "pk"),
            lambda c, t: Item(
                _award_title(c.award),
                reverse("awards:detail", args=[c.award_id]),
                note=str(_("FY%(year)s") % {"year": c.fiscal_year}),
            ),
            today,
        ),
        _section(
            "filings",
            _("Yearly filings to check"),
            Filing.objects.select_related("award__theme")
            .filter(state=FilingState.SUBMITTED)
            .order_by("submitted_at", "pk"),
            lambda f, t: Item(
                _award_title(f.award),
                reverse("outcomes:award", args=[f.award_id]),
                note=str(_("FY%(year)s") % {"year": f.fiscal_year}),
            ),
            today,
        ),
        _section(
            "reports_overdue",
            _("Progress reports overdue"),
            ProgressReport.objects.select_related("award__theme")
            .filter(submitted_at__isnull=True, due_date__lt=today)
            .order_by("due_date", "pk"),
            lambda r, t: Item(
                _award_title(r.award),
                reverse("awards:detail", args=[r.award_id]),
                r.due_date,
                _days(r.due_date, t),
            ),
            today,
        ),
        _section(
            "gates",
            _("Stage gates within 90 days"),
            StageGateReview.objects.select_related("award__theme")
            .filter(
                outcome="",
                held_on__isnull=True,
                scheduled_for__lte=today + dt.timedelta(days=GATE_HORIZON_DAYS),
            )
            .order_by("scheduled_for", "pk"),
            lambda g, t: Item(
                _award_title(g.award),
                reverse("awards:detail", args=[g.award_id]),
                g.scheduled_for,
                _days(g.scheduled_for, t),
                str(_("Gate %(number)s") % {"number": g.number}),
            ),
            today,
        ),
    ]


def _reviewer(user, today) -> list[Section]:
    from kikin.calls.models import ProposalState
    from kikin.review.models import Assignment

    return [
        _section(
            "assignments",
            _("Reviews to write"),
            Assignment.objects.select_related("proposal__call")
            .filter(reviewer=user, proposal__state=ProposalState.IN_REVIEW)
            .filter(Q(review__isnull=True) | Q(review__submitted_at__isnull=True))
            .order_by("proposal__call__closes_at", "pk"),
            lambda a, t: Item(
                f"{a.proposal.receipt_number} {a.proposal.title}",
                reverse("review:review_form", args=[a.pk]),
                a.proposal.call.adoption_due_date,
                _days(a.proposal.call.adoption_due_date, t),
            ),
            today,
        )
    ]


def _applicant(user, today) -> list[Section]:
    from kikin.awards.models import ProgressReport
    from kikin.calls.models import Proposal, ProposalState
    from kikin.compliance.models import LeakageReport, ReportState
    from kikin.outcomes.models import Filing, FilingState

    org = user.organisation_id
    if org is None:
        return []
    now = timeutil.now()

    def draft(p, t):
        closes = timezone.localtime(p.call.closes_at, JST).date()
        return Item(
            p.title or str(_("(untitled)")),
            reverse("calls:proposal_edit", args=[p.pk]),
            closes,
            _days(closes, t),
            _pick(p.call),
        )

    return [
        _section(
            "drafts",
            _("Drafts, and the days left to submit them"),
            Proposal.objects.select_related("call")
            .filter(organisation_id=org, state=ProposalState.DRAFT, call__closes_at__gte=now)
            .order_by("call__closes_at", "pk"),
            draft,
            today,
        ),
        _section(
            "filings_returned",
            _("Filings returned for correction"),
            Filing.objects.select_related("award__theme")
            .filter(award__organisation_id=org, state=FilingState.RETURNED)
            .order_by("fiscal_year", "pk"),
            lambda f, t: Item(
                _award_title(f.award),
                reverse("outcomes:award", args=[f.award_id]),
                note=str(_("FY%(year)s") % {"year": f.fiscal_year}),
            ),
            today,
        ),
        _section(
            "reports_requested",
            _("Leakage-control reports requested"),
            LeakageReport.objects.select_related("award__theme")
            .filter(award__organisation_id=org, state=ReportState.REQUESTED)
            .order_by("committee_date", "pk"),
            lambda r, t: Item(
                _award_title(r.award),
                reverse("compliance:report", args=[r.pk]),
                r.committee_date,
                _days(r.committee_date, t),
            ),
            today,
        ),
        _section(
            "progress_due",
            _("Progress reports due"),
            ProgressReport.objects.select_related("award__theme")
            .filter(
                award__organisation_id=org,
                submitted_at__isnull=True,
                due_date__lte=today + dt.timedelta(days=30),
            )
            .order_by("due_date", "pk"),
            lambda r, t: Item(
                _award_title(r.award),
                reverse("awards:detail", args=[r.award_id]),
                r.due_date,
                _days(r.due_date, t),
            ),
            today,
        ),
    ]


ROLES = {
    Role.MINISTRY: _ministry,
    Role.AGENCY: _agency,
    Role.REVIEWER: _reviewer,
    Role.APPLICANT: _applicant,
}


def _specs(user, today: dt.date | None) -> list[_Spec]:
    if not getattr(user, "is_authenticated", False):
        return []
    build = ROLES.get(user.role)
    return build(user, today or timezone.localdate(timezone=JST)) if build else []


def inbox_for(user, today: dt.date | None = None) -> list[Section]:
    """The sections of what waits for `user`, by their role (none for someone signed out)."""
    return [spec.section() for spec in _specs(user, today)]


def waiting_count(user, today: dt.date | None = None) -> int:
    """How many things wait for `user` (the sum of the inbox's sections)."""
    return nav_counts(user, today)[0]


def nav_counts(user, today: dt.date | None = None, *, cap: int | None = None) -> tuple[int, int]:
    """(things waiting for `user`, their unread notifications) in one query whatever the role:
    the navigation shows both on every page. With `cap`, each section is counted up to `cap`
    rows only (a badge says "99+"; counting 18,000 claims to check on every page cost more
    than the rest of the query), so a figure at or above `cap` means "at least"."""
    if not getattr(user, "is_authenticated", False):
        return 0, 0
    counted = [spec.qs for spec in _specs(user, today)]
    counted.append(Notification.objects.filter(recipient=user, read_at__isnull=True))
    parts, params = [], []
    for qs in counted:
        inner = qs.order_by().values("pk")
        if cap is not None:
            inner = inner[:cap]
        sql, inner_params = inner.query.get_compiler(using=inner.db).as_sql()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{len(parts)})")
        params.extend(inner_params)
    with connections[counted[-1].db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        *waiting, unread = cursor.fetchone()
    return sum(waiting), unread


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
