"""The rows of each exchange file for one user, read through the pages' own selectors."""

from __future__ import annotations

from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.utils import timezone

from kikin.accounts.models import Role
from kikin.calls.models import BudgetLine, TeamMember
from kikin.calls.permissions import applicant_status
from kikin.calls.selectors import proposals_for_user
from kikin.core.timeutil import JST
from kikin.review.models import Decision

from .csvio import guard
from .layouts import LAYOUTS, OUTCOME_TEXT, Col, write_cell


def _proposals(user):
    return proposals_for_user(user).select_related("call__program").order_by("pk")


def _local_date(at):
    return None if at is None else timezone.localtime(at, JST).date()


def _proposal_value(p, key: str, applicant: bool):
    if key == "id":
        return p.pk
    if key == "program":
        return p.call.program.code
    if key == "call":
        return p.call.key
    if key == "theme":
        return p.theme.key
    if key == "corporate_number":
        return p.organisation.corporate_number
    if key == "organisation":
        return p.organisation.name_ja
    if key == "state":
        # an applicant is told only what a proposer is told (never the state of review)
        return applicant_status(p) if applicant else p.get_state_display()
    return getattr(p, key)


def _cells(columns: list[Col], values: dict) -> list[str]:
    out = []
    for col in columns:
        text = write_cell(col, values.get(col.key))
        out.append(guard(text) if col.kind == "text" else text)
    return out


def export_rows(user, kind: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of the `kind` file as `user` may read it (Japanese headers)."""
    columns = LAYOUTS[kind]
    headers = [c.ja for c in columns]
    applicant = user.role == Role.APPLICANT
    rows = []
    if kind == "proposals":
        for p in _proposals(user).iterator(chunk_size=500):
            rows.append(
                _cells(columns, {c.key: _proposal_value(p, c.key, applicant) for c in columns})
            )
    elif kind == "members":
        members = (
            TeamMember.objects.filter(proposal__in=_proposals(user).values("pk"))
            .select_related("proposal")
            .order_by("proposal_id", "-is_lead", "id")
        )
        for m in members.iterator(chunk_size=2000):
            values = {c.key: getattr(m, c.key, None) for c in columns}
            values.update(id=m.proposal_id, title=m.proposal.title)
            rows.append(_cells(columns, values))
    elif kind == "budgets":
        lines = (
            BudgetLine.objects.filter(proposal__in=_proposals(user).values("pk"))
            .select_related("proposal")
            .order_by("proposal_id", "fiscal_year")
        )
        for b in lines.iterator(chunk_size=2000):
            values = {c.key: getattr(b, c.key, None) for c in columns}
            values.update(id=b.proposal_id, title=b.proposal.title)
            rows.append(_cells(columns, values))
    elif kind == "adoptions":
        total = (
            BudgetLine.objects.filter(proposal=OuterRef("proposal"))
            .order_by()
            .values("proposal")
            .annotate(s=Sum("requested_yen"))
            .values("s")[:1]
        )
        decisions = (
            Decision.objects.filter(proposal__in=_proposals(user).values("pk"))
            .select_related("proposal__call", "proposal__theme__item", "proposal__organisation")
            .annotate(requested_total=Subquery(total, output_field=IntegerField()))
            .order_by("proposal__receipt_number")
        )
        for d in decisions.iterator(chunk_size=1000):
            p = d.proposal
            values = {
                "receipt_number": p.receipt_number,
                "call": p.call.key,
                "theme": p.theme.key,
                "corporate_number": p.organisation.corporate_number,
                "organisation": p.organisation.name_ja,
                "title": p.title,
                "requested_yen": d.requested_total,
                "outcome": OUTCOME_TEXT.get(d.outcome, d.outcome),
                "conditions": d.conditions,
                "adopted_as_item": d.adopted_as_item,
                "reason": d.reason,
                "override_reason": d.override_reason,
                "committee_score": d.committee_score,
                "approved_at": _local_date(d.approved_at),
                "notified_at": _local_date(d.notified_at),
            }
            rows.append(_cells(columns, values))
    return headers, rows
