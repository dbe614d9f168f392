"""The downloads of the calls' lists (registered with kikin.exports): the public list of calls,
and the proposals a person may see."""

from __future__ import annotations

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kikin.core import timeutil
from kikin.core.templatetags.kikin_format import pick
from kikin.core.timeutil import JST
from kikin.exports.columns import choice_label, pick_path, theme_label
from kikin.exports.registry import register
from kikin.exports.tabular import Column

from .models import BudgetLine, Proposal, ProposalState
from .permissions import applicant_status

# ---------------------------------------------------------------------------------------------
# Calls (calls.views.call_list, public)


def _status(call) -> str:
    now = timeutil.now()
    if now < call.opens_at:
        return str(_("Not yet open"))
    return str(_("Open")) if now <= call.closes_at else str(_("Closed"))


CALL_COLUMNS = [
    Column(_("Program"), lambda c: pick(c.program, "title")),
    Column(_("Call key"), "key"),
    Column(_("Call"), lambda c: pick(c, "title")),
    Column(
        _("Opens (JST)"), lambda c: timezone.localtime(c.opens_at, JST).strftime("%Y-%m-%d %H:%M")
    ),
    Column(
        _("Closes (JST)"), lambda c: timezone.localtime(c.closes_at, JST).strftime("%Y-%m-%d %H:%M")
    ),
    Column(_("Budget total (yen)"), "budget_total_yen", kind="yen"),
    Column(_("Themes"), lambda c: " ".join(t.key for t in c.themes.all())),
    Column(_("Status"), _status),
]

CALLS = register("calls.calls", title=_("Calls"), columns=CALL_COLUMNS)


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
        Column(_("Theme"), lambda p: theme_label(p.theme)),
        Column(_("Call"), pick_path("call.title")),
    ]
    if applicant:
        columns.append(Column(_("Status"), applicant_status))
    else:
        columns += [
            Column(_("Organisation"), pick_path("organisation.name")),
            Column(_("State"), choice_label(ProposalState, "state")),
        ]
    return [
        *columns,
        Column(_("Submitted at"), "submitted_at", kind="date"),
        Column(_("Start date"), "start_date", kind="date"),
        Column(_("Period (months)"), "period_months", kind="int"),
        Column(_("Requested (yen)"), "requested_yen", kind="yen"),
    ]


PROPOSALS = register(
    "calls.proposals", title=_("Proposal list"), columns=proposal_columns, rows=proposal_rows
)
