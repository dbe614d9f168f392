"""Reads for the outcomes pages: an award's filings and assessments, the agency's work lists."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from kikin.awards.selectors import awards_for_user
from kikin.core.listing import Filter, ListSpec, Sort, choice_order, fiscal_year_choices, picked

from .labels import INPUT_LABELS
from .models import Assessment, AssessmentState, Filing, FilingState


def award_outcomes(award) -> dict:
    decided = Assessment.objects.filter(filings=OuterRef("pk")).exclude(state=AssessmentState.DRAFT)
    filings = list(
        Filing.objects.filter(award=award)
        .select_related("submitted_by", "checked_by")
        .annotate(under_notice=Exists(decided))
    )
    assessments = list(
        Assessment.objects.filter(award=award).select_related("computed_by", "decided_by")
    )
    for a in assessments:
        a.rows = labelled_rows(a)
    return {
        "filings": filings,
        "assessments": assessments,
        "changes": list(award.set_value_changes.select_related("requested_by", "decided_by")),
        "final_evaluation": getattr(award, "final_evaluation", None),
        "checks": list(award.practical_use_checks.select_related("checked_by")),
    }


def labelled_rows(assessment: Assessment) -> list[dict]:
    """The assessment's inputs with their labels, in the order the rule uses them."""
    rows = []
    for row in (assessment.inputs or {}).get("rows", []):
        rows.append({**row, "label": INPUT_LABELS.get(row["name"], row["name"])})
    return rows


def filings_to_check(user, state: str | None = None) -> QuerySet[Filing]:
    qs = Filing.objects.filter(award__in=awards_for_user(user)).select_related(
        "award__organisation", "award__theme__item"
    )
    if state in FilingState.values:
        qs = qs.filter(state=state)
    return qs.order_by("state", "-submitted_at", "pk")


#: The yearly filings (`outcomes:filings`): to check for the agency, an implementer's own.
FILING_LIST = ListSpec(
    search=(
        "award__number",
        "award__theme__code",
        "award__theme__title_ja",
        "award__theme__title_en",
        "award__organisation__name_ja",
        "award__organisation__name_en",
    ),
    sorts={
        "award": Sort(_("Award"), "award__number"),
        "organisation": Sort(_("Organisation"), picked("award__organisation__name")),
        "year": Sort(_("Fiscal year"), "fiscal_year"),
        "state": Sort(_("State"), choice_order(FilingState)),
        "submitted": Sort(_("Submitted"), "submitted_at"),
    },
    filters=(
        Filter("state", _("State"), FilingState.choices),
        Filter("year", _("Fiscal year"), fiscal_year_choices(), "fiscal_year"),
    ),
)


def assessments_for_user(user, kind: str | None = None) -> QuerySet[Assessment]:
    qs = Assessment.objects.filter(award__in=awards_for_user(user)).select_related(
        "award__organisation", "award__theme__item"
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-fiscal_year", "kind", "award__number")
