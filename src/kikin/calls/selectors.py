"""Reads of calls and proposals, each returning exactly the rows a user may see."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Role
from kikin.core import timeutil
from kikin.core.listing import Filter, ListSpec, Sort, choice_order, picked

from .models import (
    Call,
    DevelopmentType,
    PartnerRelation,
    Proposal,
    ProposalState,
    ProposalVersion,
)


def open_calls(at=None) -> QuerySet[Call]:
    at = at or timeutil.now()
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


def programs_for_calls() -> QuerySet:
    """The programs a call may be opened for: funds whose plan lists themes, each with the
    number of its themes and the date of its latest plan revision (one query)."""
    from django.db.models import Max

    from kikin.programs.models import Program, ProgramKind

    return (
        Program.objects.filter(kind=ProgramKind.FUND)
        .annotate(
            n_themes=Count("themes", distinct=True),
            last_revision=Max("revisions__effective_date"),
        )
        .filter(n_themes__gt=0)
        .order_by("code")
    )


def call_editor_context(program, call: Call | None = None, *, posted_opening=None) -> dict:
    """What the officer's call editor shows beside the form: the plan revision in force on the
    call's opening day (whose terms its themes are proposed under), the program's items and
    themes with those terms, and for a saved call its proposals by theme and its documents.
    A constant number of queries whatever the number of themes."""
    from kikin.core import timeutil
    from kikin.core.timeutil import JST
    from kikin.programs.selectors import program_plan_on, revision_in_force

    opening = posted_opening or (call.opens_at if call is not None else None)
    on = opening.astimezone(JST).date() if opening else timeutil.today()
    by_theme: dict[int, int] = {}
    documents: list = []
    if call is not None:
        by_theme = dict(
            Proposal.objects.filter(call=call)
            .values_list("theme_id")
            .annotate(n=Count("id"))
            .values_list("theme_id", "n")
        )
        documents = list(call.documents.all())
    return {
        "program": program,
        "call": call,
        "plan_on": on,
        "revision": revision_in_force(program, on),
        "plan": program_plan_on(program, on),
        "proposals_by_theme": by_theme,
        "has_proposals": bool(by_theme),
        "documents": documents,
    }


def latest_version(proposal: Proposal) -> ProposalVersion | None:
    return proposal.versions.order_by("-number").first()


def submitted_attachment_keys(proposal: Proposal) -> set[tuple[str, str]]:
    """(file name, sha256) of every file a submitted version of `proposal` holds."""
    keys = set()
    for content in proposal.versions.values_list("content", flat=True):
        for row in (content or {}).get("attachments", ()):
            keys.add((row.get("name", ""), row.get("sha256", "")))
    return keys


#: The proposal's fields as its page shows them, section by section (in `DRAFT_FIELDS`' terms).
#: Budget, team, partners and attachments are tables of their own.
DOCUMENT_SECTIONS = (
    ("outline", _("Outline"), ("title", "language", "abstract", "plan")),
    ("period", _("Period"), ("start_date", "period_months")),
    (
        "money",
        _("Money and the cap"),
        (
            "set_value",
            "cap_option",
            "requested_to_first_gate_yen",
            "cap_excess_reason",
            "self_investment_yen",
            "gx_commitment",
            "continuation_plan",
        ),
    ),
    ("conditions", _("Application conditions"), ("declarations", "declaration_evidence")),
    (
        "leakage",
        _("Technology-leakage prevention"),
        (
            "leakage_core_technologies",
            "leakage_access_control",
            "leakage_staff_management",
            "leakage_partner_controls",
        ),
    ),
    (
        "compute",
        _("Compute plan"),
        (
            "development_type",
            "benchmark_target",
            "compute_provider",
            "accelerator_type",
            "accelerator_hours",
        ),
    ),
)
YEN_FIELDS = {"self_investment_yen", "requested_to_first_gate_yen"}
TEXT_FIELDS = {
    "abstract",
    "plan",
    "cap_excess_reason",
    "continuation_plan",
    "declaration_evidence",
    "leakage_core_technologies",
    "leakage_access_control",
    "leakage_staff_management",
    "leakage_partner_controls",
    "benchmark_target",
}
#: Keys of a version's content that are not fields to list (shown elsewhere on the page).
NOT_LISTED = {"theme", "budget", "team", "partners", "attachments"}


@dataclass(frozen=True)
class DocumentRow:
    name: str
    label: str
    value: object
    kind: str  # "text" (multi-line), "yen", "list" or "plain"


@dataclass(frozen=True)
class DocumentSection:
    key: str
    heading: str
    rows: list[DocumentRow]


@dataclass(frozen=True)
class ProposalDocument:
    """All of a proposal as its page shows it: the latest submitted version's content where
    there is one (never the working copy behind it), the working copy of a draft otherwise."""

    version: ProposalVersion | None
    content: dict
    sections: list[DocumentSection]
    budget: list[dict]
    requested_total_yen: int
    team: list[dict]
    partners: list[dict]
    attachments: list[dict] = field(default_factory=list)

    def _part(self, keys) -> list[DocumentSection]:
        return [s for s in self.sections if s.key in keys]

    @property
    def head(self) -> list[DocumentSection]:
        """The outline and the period (shown before the budget)."""
        return self._part({"outline", "period"})

    @property
    def money(self) -> list[DocumentSection]:
        return self._part({"money"})

    @property
    def tail(self) -> list[DocumentSection]:
        """The conditions, the technology-leakage plan, the compute plan and any other field."""
        return self._part({"conditions", "leakage", "compute", "other"})


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value is False


def proposal_field_label(name: str) -> str:
    """The field's label as the proposal's model names it (in the user's language)."""
    from django.core.exceptions import FieldDoesNotExist

    from kikin.core.feedback import field_label

    try:
        label = getattr(Proposal._meta.get_field(name), "verbose_name", None)
    except FieldDoesNotExist:
        label = None
    return label or field_label(name)


def _display(proposal: Proposal, name: str, value):
    """(display value, kind) of one field's stored value."""
    if name == "language":
        return {"ja": "日本語", "en": "English"}.get(value, value), "plain"
    if name == "development_type" and value:
        return (DevelopmentType(value).label if value in DevelopmentType.values else value), "plain"
    if name == "gx_commitment":
        return (_("Committed") if value else _("Not committed")), "plain"
    english = get_language() == "en"
    spec = proposal.theme_spec()
    if name == "cap_option" and value and spec and spec.cap.kind == "options":
        for option in spec.cap.options:
            if option.key == value:
                return (option.label_en if english else option.label_ja), "plain"
    if name == "declarations":
        rules = proposal.theme.program.plan_rules()
        texts = {
            c.code: (c.text_en if english else c.text_ja)
            for c in (*rules.conditions, *(spec.conditions if spec else ()))
        }
        return [texts.get(code, code) for code in value or ()], "list"
    if name in YEN_FIELDS:
        return value, "yen"
    if name in TEXT_FIELDS:
        return value, "text"
    if isinstance(value, (list, dict)):
        return value, "list" if isinstance(value, list) else "plain"
    return value, "plain"


def proposal_document(proposal: Proposal) -> ProposalDocument:
    """What the proposal's readers see of it (`permissions.can_view` decides who they are)."""
    version = latest_version(proposal)
    rows = {a.pk: a for a in proposal.attachments.all()}
    if version is not None:
        content = version.content or {}
        by_key = {(a.original_name, a.sha256): a for a in rows.values()}
        attachments = [
            {**row, "attachment": by_key.get((row.get("name"), row.get("sha256")))}
            for row in content.get("attachments", ())
        ]
    else:
        from .services import snapshot

        content = snapshot(proposal)
        attachments = [
            {"name": a.original_name, "size": a.size, "sha256": a.sha256, "attachment": a}
            for a in rows.values()
        ]
    listed = set(NOT_LISTED)
    sections = []
    for key, heading, names in DOCUMENT_SECTIONS:
        listed.update(names)
        if all(_empty(content.get(name)) for name in names):
            continue
        section_rows = []
        for name in names:
            value, kind = _display(proposal, name, content.get(name))
            section_rows.append(DocumentRow(name, proposal_field_label(name), value, kind))
        sections.append(DocumentSection(key, heading, section_rows))
    others = [
        DocumentRow(name, proposal_field_label(name), *_display(proposal, name, content[name]))
        for name in sorted(set(content) - listed)
        if not _empty(content[name])
    ]
    if others:
        sections.append(DocumentSection("other", _("Other"), others))
    relations = dict(PartnerRelation.choices)
    roles = {"joint": _("Joint R&D"), "adviser": _("Adviser")}
    partners = [
        {
            **p,
            "relation_label": relations.get(p.get("relation"), p.get("relation")),
            "role_label": roles.get(p.get("role"), p.get("role")),
        }
        for p in content.get("partners", ())
    ]
    budget = list(content.get("budget", ()))
    return ProposalDocument(
        version=version,
        content=content,
        sections=sections,
        budget=budget,
        requested_total_yen=sum(b.get("requested_yen") or 0 for b in budget),
        team=list(content.get("team", ())),
        partners=partners,
        attachments=attachments,
    )


# --- The lists of proposals: search, sort and filters (kikin.core.listing) -----------------

#: What the proposal lists search: the fields they show.
PROPOSAL_SEARCH = (
    "receipt_number",
    "title",
    "theme__code",
    "theme__title_ja",
    "theme__title_en",
    "call__title_ja",
    "call__title_en",
    "organisation__name_ja",
    "organisation__name_en",
)


#: The proposal's long texts, which no list shows: a page of the list leaves them unread.
LIST_DEFERRED = (
    "abstract",
    "plan",
    "continuation_plan",
    "declaration_evidence",
    "cap_excess_reason",
    "leakage_core_technologies",
    "leakage_access_control",
    "leakage_staff_management",
    "leakage_partner_controls",
    "benchmark_target",
)


def _call_choices(qs: QuerySet[Proposal]) -> list[tuple[int, str]]:
    """The calls of the proposals the person may see, latest first (one query)."""
    ja = (get_language() or "ja").startswith("ja")
    calls = Call.objects.filter(pk__in=qs.order_by().values("call_id")).order_by("-closes_at")
    return [(c.pk, c.title_ja if ja or not c.title_en else c.title_en) for c in calls]


#: The statuses an applicant is told (`permissions.applicant_status`), as filters: never the
#: state of review before the result is notified.
APPLICANT_STATUSES = (
    ("draft", _("Draft")),
    ("submitted", _("Submitted")),
    ("adopted", _("Adopted")),
    ("not_adopted", _("Not adopted")),
    ("withdrawn", _("Withdrawn")),
)


def applicant_status_q(value: str) -> Q:
    """The proposals `permissions.applicant_status` shows with the status `value`."""
    open_ = ~Q(state__in=[ProposalState.DRAFT, ProposalState.WITHDRAWN])
    return {
        "draft": Q(state=ProposalState.DRAFT),
        "withdrawn": Q(state=ProposalState.WITHDRAWN),
        "submitted": open_ & Q(result_notified_at__isnull=True),
        "adopted": Q(state=ProposalState.ADOPTED, result_notified_at__isnull=False),
        "not_adopted": open_
        & Q(result_notified_at__isnull=False)
        & ~Q(state=ProposalState.ADOPTED),
    }[value]


_PROPOSAL_SORTS = {
    "receipt": Sort(_("Receipt number"), "receipt_number"),
    "title": Sort(_("Title"), "title"),
    "theme": Sort(_("Theme"), "theme__item__number", "theme__code"),
    "call": Sort(_("Call"), picked("call__title")),
    "updated": Sort(_("Last changed"), "updated_at"),
}
_CALL_FILTER = Filter("call", _("Call"), _call_choices)

#: The staff's and the reviewers' list of proposals (every call).
PROPOSAL_LIST = ListSpec(
    search=PROPOSAL_SEARCH,
    sorts={
        **_PROPOSAL_SORTS,
        "organisation": Sort(_("Organisation"), picked("organisation__name")),
        "state": Sort(_("Status"), choice_order(ProposalState)),
    },
    default_sort="-updated",
    filters=(
        Filter("state", _("Status"), ProposalState.choices),
        _CALL_FILTER,
    ),
)

#: An applicant's own proposals: their statuses as they are told them, never sorted by the
#: state of review.
OWN_PROPOSAL_LIST = ListSpec(
    search=PROPOSAL_SEARCH,
    sorts=_PROPOSAL_SORTS,
    default_sort="-updated",
    filters=(
        Filter(
            "status",
            _("Status"),
            APPLICANT_STATUSES,
            lambda qs, value, request: qs.filter(applicant_status_q(value)),
        ),
        _CALL_FILTER,
    ),
)

#: One call's proposals on the selection's panel.
CALL_PROPOSAL_LIST = replace(
    PROPOSAL_LIST,
    default_sort="receipt",
    filters=(Filter("state", _("Status"), ProposalState.choices),),
)
