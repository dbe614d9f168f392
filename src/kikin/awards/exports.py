"""The download of the portfolio (awards.views.award_list), registered with kikin.exports."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kikin.exports.columns import choice_label, pick_path, theme_label
from kikin.exports.registry import register
from kikin.exports.tabular import Column

from .models import Award, AwardForm, AwardState


def award_rows(qs: QuerySet[Award]) -> QuerySet[Award]:
    """The portfolio's awards (already with their figures) and their proposals' titles."""
    return qs.select_related("proposal")


AWARD_COLUMNS = [
    Column(_("Award"), "number"),
    Column(_("Theme"), lambda a: theme_label(a.theme)),
    Column(_("Title"), "proposal.title"),
    Column(_("Organisation"), pick_path("organisation.name")),
    Column(_("Form"), choice_label(AwardForm, "form")),
    Column(_("Subsidy rate"), "rate_fraction", kind="percent"),
    Column(_("Start date"), "start_date", kind="date"),
    Column(_("Period end"), "period_end", kind="date"),
    Column(_("Stage gate due"), "stage_gate_due", kind="date"),
    Column(_("State"), choice_label(AwardState, "state")),
    Column(_("Budget (yen)"), "budget_yen", kind="yen"),
    Column(_("Paid (yen)"), "paid_yen", kind="yen"),
    Column(_("Next report"), "next_report", kind="date"),
    Column(_("Next stage gate"), "next_gate", kind="date"),
    Column(_("Reports overdue"), "reports_overdue", kind="int"),
    Column(_("Claims to check"), "claims_waiting", kind="int"),
]

PORTFOLIO = register(
    "awards.portfolio", title=_("Portfolio"), columns=AWARD_COLUMNS, rows=award_rows
)
