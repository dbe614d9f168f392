"""The columns of the site's list exports, and what their rows need beyond the page's query.

Each list view keeps its own query (filters and permissions) and hands it here on `?format=`:
the rows gain only what the columns read (a join or a subquery, never a query per row).
"""

from __future__ import annotations

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from kikin.awards.models import Award, AwardForm, AwardState
from kikin.calls.models import BudgetLine, Proposal, ProposalState
from kikin.calls.permissions import applicant_status
from kikin.core.templatetags.kikin_format import item_symbol, pick
from kikin.core.timeutil import today_jst

from .tabular import Column

PROPOSALS_FILE = _("Proposal list")
AWARDS_FILE = _("Portfolio")
ADOPTIONS_FILE = _("Adopted proposals")


def filename(name) -> str:
    """`提案一覧_2026-11-24`: the list's name and today's date in Japan."""
    return f"{name}_{today_jst().isoformat()}"


def _pick(path: str):
    """The Japanese or English field of a pair (`call.title` → call.title_ja / call.title_en) in
    the language the export is written in, as the `pick` filter chooses on pages."""
    *parents, name = path.split(".")

    def get(row):
        for p in parents:
            row = getattr(row, p)
        return pick(row, name)

    return get


def _label(choices, attribute: str):
    """A choice's label, looked up in a dict (get_FOO_display rebuilds its dict every call)."""
    labels = dict(choices.choices)
    return lambda row: labels.get(getattr(row, attribute))


def _theme(theme) -> str:
    return f"{theme.item.symbol}({theme.code})"


# ---------------------------------------------------------------------------------------------
# Proposals (calls.views.proposal_list)


def proposal_rows(qs: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """The page's proposals with the total requested (Σ budget lines) as one subquery."""
    total = (
        BudgetLine.objects.filter(proposal=OuterRef("pk"))
        .order_by()
        .values("proposal")
        .annotate(s=Sum("requested_yen"))
        .values("s")[:1]
    )
    return qs.annotate(requested_yen=Subquery(total, output_field=IntegerField()))


def proposal_columns(*, applicant: bool) -> list[Column]:
    """An applicant sees the status a proposer is told (never the state of review) and no
    organisation column (it is their own); staff and reviewers see the state and the organisation."""
    columns = [
        Column(_("Receipt number"), "receipt_number"),
        Column(_("Title"), "title"),
        Column(_("Theme"), lambda p: _theme(p.theme)),
        Column(_("Call"), _pick("call.title")),
    ]
    if applicant:
        columns.append(Column(_("Status"), applicant_status))
    else:
        columns += [
            Column(_("Organisation"), _pick("organisation.name")),
            Column(_("State"), _label(ProposalState, "state")),
        ]
    return [
        *columns,
        Column(_("Submitted at"), "submitted_at", kind="date"),
        Column(_("Start date"), "start_date", kind="date"),
        Column(_("Period (months)"), "period_months", kind="int"),
        Column(_("Requested (yen)"), "requested_yen", kind="yen"),
    ]


# ---------------------------------------------------------------------------------------------
# Awards (awards.views.award_list)


def award_rows(qs: QuerySet[Award]) -> QuerySet[Award]:
    """The portfolio's awards (already with their figures) and their proposals' titles."""
    return qs.select_related("proposal")


AWARD_COLUMNS = [
    Column(_("Award"), "number"),
    Column(_("Theme"), lambda a: _theme(a.theme)),
    Column(_("Title"), "proposal.title"),
    Column(_("Organisation"), _pick("organisation.name")),
    Column(_("Form"), _label(AwardForm, "form")),
    Column(_("Subsidy rate"), "rate_fraction", kind="percent"),
    Column(_("Start date"), "start_date", kind="date"),
    Column(_("Period end"), "period_end", kind="date"),
    Column(_("Stage gate due"), "stage_gate_due", kind="date"),
    Column(_("State"), _label(AwardState, "state")),
    Column(_("Budget (yen)"), "budget_yen", kind="yen"),
    Column(_("Paid (yen)"), "paid_yen", kind="yen"),
    Column(_("Next report"), "next_report", kind="date"),
    Column(_("Next stage gate"), "next_gate", kind="date"),
    Column(_("Reports overdue"), "reports_overdue", kind="int"),
    Column(_("Claims to check"), "claims_waiting", kind="int"),
]


# ---------------------------------------------------------------------------------------------
# Published adoptions (review.views.public_adoptions): only what the public page shows.


ADOPTION_COLUMNS = [
    Column(_("Call"), _pick("proposal.call.title")),
    Column(_("Theme"), lambda d: _theme(d.proposal.theme)),
    Column(
        _("Adopted as item"), lambda d: item_symbol(d.adopted_as_item) if d.adopted_as_item else ""
    ),
    Column(_("Title"), "proposal.title"),
    Column(_("Organisation (Japanese)"), "proposal.organisation.name_ja"),
    Column(_("Organisation (English)"), "proposal.organisation.name_en"),
    Column(_("Published"), "published_at", kind="date"),
]
