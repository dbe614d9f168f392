"""Reads of research data, each returning what the user may see, at a constant number of queries
per page."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Role
from kikin.awards.models import Award
from kikin.calls.selectors import proposals_for_user
from kikin.core.listing import Filter, ListSpec, Sort, choice_order, picked
from kikin.programs.models import Program
from kikin.rules import data_access as access_rules
from kikin.rules import data_management as dm_rules

from . import search as search_index
from .models import (
    AccessEvent,
    AccessLevel,
    AccessRequest,
    DataCreation,
    DataManagementPlanVersion,
    DataPlatform,
    Dataset,
    DatasetState,
    FacilityUse,
    Feedback,
    FileStatus,
    Hub,
    InstructionState,
    PlatformKpi,
    RequestState,
    SearchEntry,
    SearchKind,
)
from .permissions import can_view_dataset, is_staff


def datasets_for_user(user) -> QuerySet[Dataset]:
    """Published datasets for everyone; drafts to their managers and the staff too."""
    qs = Dataset.objects.select_related("organisation", "platform", "program")
    visible = Q(state=DatasetState.PUBLISHED)
    if is_staff(user):
        visible |= Q(state=DatasetState.DRAFT)
    elif (
        getattr(user, "is_authenticated", False)
        and user.role == Role.APPLICANT
        and (user.organisation_id)
    ):
        visible |= Q(state=DatasetState.DRAFT, organisation_id=user.organisation_id)
    return qs.filter(visible)


def _program_choices(qs: QuerySet[Dataset]) -> list[tuple[str, str]]:
    """Every program, by its code (a link may name one: ``?program=post5g``)."""
    ja = (get_language() or "ja").startswith("ja")
    return [
        (p.code, p.title_ja if ja or not p.title_en else p.title_en)
        for p in Program.objects.order_by("code")
    ]


def _platform_choices(qs: QuerySet[Dataset]) -> list[tuple[str, str]]:
    """Every data platform, by its code (its page links to ``?platform=<code>``)."""
    ja = (get_language() or "ja").startswith("ja")
    return [
        (p.code, p.name_ja if ja or not p.name_en else p.name_en)
        for p in DataPlatform.objects.order_by("code")
    ]


def _has_organisation(request) -> bool:
    return bool(getattr(request.user, "is_authenticated", False) and request.user.organisation_id)


#: The list of datasets (`datasets:list`); the catalogue's search of words across datasets,
#: proposals and adopted themes is `search` (``/search/``).
DATASET_LIST = ListSpec(
    search=(
        "identifier",
        "title_ja",
        "title_en",
        "organisation__name_ja",
        "organisation__name_en",
        "platform__name_ja",
        "platform__name_en",
    ),
    sorts={
        "identifier": Sort(_("Identifier"), "identifier"),
        "title": Sort(_("Dataset title"), picked("title")),
        "access": Sort(_("Access level"), choice_order(AccessLevel, "access_level")),
        "manager": Sort(_("Data manager"), picked("organisation__name")),
        "modified": Sort(_("Last changed"), "modified_at"),
    },
    default_sort="-modified",
    filters=(
        Filter("access", _("Access level"), AccessLevel.choices, "access_level"),
        Filter("program", _("Program"), _program_choices, "program__code"),
        Filter("platform", _("Data platform"), _platform_choices, "platform__code"),
        Filter(
            "mine",
            _("Our organisation's"),
            (("1", _("Our organisation's")),),
            lambda qs, value, request: qs.filter(organisation_id=request.user.organisation_id),
            shown=_has_organisation,
            checkbox=True,
        ),
    ),
    search_label=_("Words in this list"),
)


def dataset_or_404(user, identifier: str) -> Dataset:
    """A dataset the user may see (withdrawn ones stay as a tombstone), else 404."""
    dataset = (
        Dataset.objects.select_related(
            "organisation", "platform__data_manager", "program", "award__proposal"
        )
        .filter(identifier=identifier)
        .first()
    )
    if dataset is None or not can_view_dataset(user, dataset):
        raise Http404
    return dataset


def requests_to_check(user) -> QuerySet[AccessRequest]:
    """Requests waiting for the check of the data manager the user acts for."""
    if not (getattr(user, "is_authenticated", False) and user.organisation_id):
        return AccessRequest.objects.none()
    return (
        AccessRequest.objects.filter(
            state=RequestState.SUBMITTED, dataset__organisation_id=user.organisation_id
        )
        .select_related("dataset", "requester", "organisation")
        .order_by("submitted_at", "id")
    )


def my_requests(user) -> QuerySet[AccessRequest]:
    if not getattr(user, "is_authenticated", False):
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(requester=user).select_related("dataset")


def access_log(dataset: Dataset) -> QuerySet[AccessEvent]:
    return dataset.events.select_related("user", "file", "request").order_by("-at", "-id")


def dataset_status(user, dataset: Dataset, today: dt.date) -> dict:
    """What a page shows about access for this user: the level in force, the download decision,
    the user's latest request."""
    from .services import download_decision

    latest = (
        AccessRequest.objects.filter(dataset=dataset, requester=user).order_by("-id").first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    return {
        "level_in_force": access_rules.level_in_force(
            dataset.access_level, dataset.embargo_until, today
        ),
        "download": download_decision(user, dataset),
        "latest_request": latest,
    }


# ---------------------------------------------------------------------------------------------
# Data management plans


def plan_versions(award: Award) -> list[DataManagementPlanVersion]:
    return list(
        DataManagementPlanVersion.objects.filter(plan__award=award)
        .select_related("submitted_by")
        .order_by("-number")
    )


def plan_at_gates(award: Award) -> list[dict]:
    """For each stage gate, the plan version in force on its day (held, else scheduled): what the
    committee sees; None where no plan had been submitted by then."""
    from kikin.core.timeutil import jst_end_of

    versions = [(v.submitted_at, v) for v in plan_versions(award)]
    out = []
    for gate in award.gate_reviews.all().order_by("number"):
        day = gate.held_on or gate.scheduled_for
        out.append({"gate": gate, "version": dm_rules.version_in_force(versions, jst_end_of(day))})
    return out


#: The special modes of a theme (its plan's `modes`) under which the award builds a data platform.
PLATFORM_MODES = ("data_platform", "data_use_demonstration")


def platform_modes(award: Award) -> tuple[str, ...]:
    """The modes of the award's theme, as the terms in force for it declare, that make it build a
    data platform (theme (g4)'s `data_platform`, 000 lines 1795–1890; GENIAC's data-use
    demonstrations, 001 lines 4121–4143)."""
    from kikin.awards.selectors import award_spec

    return tuple(m for m in award_spec(award).modes if m in PLATFORM_MODES)


def awards_and_plans(user) -> QuerySet[Award]:
    """Awards with their latest plan version number (0: none yet) and their IP committees, those
    without a plan first."""
    from django.db.models import IntegerField, Subquery, Value
    from django.db.models.functions import Coalesce

    from kikin.awards.selectors import awards_for_user

    from .models import IPCommittee

    latest = (
        DataManagementPlanVersion.objects.filter(plan__award=OuterRef("pk"))
        .order_by("-number")
        .values("number")[:1]
    )
    committees = (
        IPCommittee.objects.filter(award=OuterRef("pk"))
        .order_by()
        .values("award")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return (
        awards_for_user(user)
        .annotate(
            plan_version=Coalesce(Subquery(latest, output_field=IntegerField()), Value(0)),
            n_ip_committees=Coalesce(Subquery(committees, output_field=IntegerField()), Value(0)),
        )
        .order_by("plan_version", "number")
    )


# ---------------------------------------------------------------------------------------------
# Platforms and their figures


def platforms() -> QuerySet[DataPlatform]:
    return DataPlatform.objects.select_related("data_manager", "program", "award").annotate(
        n_datasets=Count(
            "datasets", filter=Q(datasets__state=DatasetState.PUBLISHED), distinct=True
        )
    )


def platform_duties(platform: DataPlatform) -> list[access_rules.Duty]:
    from .services import active_exclusions

    sectors = platform.members.values_list("sector", flat=True)
    manager = None
    if platform.data_manager_id:
        manager = access_rules.Screening(
            on_register=active_exclusions()
            .filter(organisation_id=platform.data_manager_id)
            .exists(),
            declares_compliance=True,
            declares_no_foreign_influence=True,
        )
    return access_rules.platform_duties(
        sectors=list(sectors),
        conditions_written=bool(platform.conditions),
        storage_committed=platform.storage_committed,
        open_instructions=platform.instructions.exclude(state=InstructionState.FOLLOWED).count(),
        manager_screening=manager,
        unanswered_feedback=Feedback.objects.filter(
            platform=platform, responded_at__isnull=True
        ).count(),
    )


def metric_by_year(platform_ids) -> dict[tuple[int, str, int], int]:
    """(platform, metric, fiscal year) → count, for both metrics, in two aggregate queries."""
    out: dict[tuple[int, str, int], int] = defaultdict(int)
    for row in (
        FacilityUse.objects.filter(facility__hub__platform_id__in=platform_ids)
        .values("facility__hub__platform_id", "fiscal_year")
        .annotate(n=Sum("uses"))
    ):
        out[(row["facility__hub__platform_id"], "facility_uses", row["fiscal_year"])] = row["n"]
    for row in (
        DataCreation.objects.filter(hub__platform_id__in=platform_ids)
        .values("hub__platform_id", "fiscal_year")
        .annotate(n=Sum("items"))
    ):
        out[(row["hub__platform_id"], "data_items_created", row["fiscal_year"])] = row["n"]
    return out


@dataclass(frozen=True)
class KpiRow:
    kpi: PlatformKpi
    actual: int | None  # counted over the KPI's fiscal year; None: nothing recorded
    latest_year: int | None
    latest: int | None
    meets: bool

    @property
    def share_percent(self) -> int | None:
        if self.actual is None:
            return None
        return self.actual * 100 // self.kpi.target


def platform_kpis(platform_ids=None) -> list[dict]:
    """Per platform with KPIs: each KPI against the figures recorded for its fiscal year, and the
    latest year's figure. Four queries, whatever the number of sites and years."""
    kpis = list(
        PlatformKpi.objects.select_related("platform", "platform__program").order_by(
            "platform__code", "fiscal_year", "metric"
        )
    )
    if platform_ids is not None:
        kpis = [k for k in kpis if k.platform_id in set(platform_ids)]
    figures = metric_by_year({k.platform_id for k in kpis})
    by_platform: dict[int, dict] = {}
    for k in kpis:
        years = sorted(fy for (p, m, fy) in figures if p == k.platform_id and m == k.metric)
        actual = figures.get((k.platform_id, k.metric, k.fiscal_year))
        latest_year = years[-1] if years else None
        entry = by_platform.setdefault(k.platform_id, {"platform": k.platform, "rows": []})
        entry["rows"].append(
            KpiRow(
                kpi=k,
                actual=actual,
                latest_year=latest_year,
                latest=figures.get((k.platform_id, k.metric, latest_year)) if latest_year else None,
                meets=actual is not None and actual >= k.target,
            )
        )
    return list(by_platform.values())


def platform_sites(platform: DataPlatform) -> tuple[list[dict], list[int]]:
    """Each site with its facilities, instruments, uses and data created by fiscal year."""
    hubs = list(
        Hub.objects.filter(platform=platform)
        .select_related("organisation", "parent")
        .annotate(
            n_facilities=Count("facilities", distinct=True),
            n_instruments=Sum("facilities__instruments"),
        )
    )
    uses: dict[int, dict[int, int]] = defaultdict(dict)
    for row in (
        FacilityUse.objects.filter(facility__hub__platform=platform)
        .values("facility__hub_id", "fiscal_year")
        .annotate(n=Sum("uses"))
    ):
        uses[row["facility__hub_id"]][row["fiscal_year"]] = row["n"]
    created: dict[int, dict[int, int]] = defaultdict(dict)
    for row in DataCreation.objects.filter(hub__platform=platform).values(
        "hub_id", "fiscal_year", "items"
    ):
        created[row["hub_id"]][row["fiscal_year"]] = row["items"]
    years = sorted({fy for d in (*uses.values(), *created.values()) for fy in d})
    return [
        {
            "hub": h,
            "cells": [(uses[h.pk].get(fy), created[h.pk].get(fy)) for fy in years],
        }
        for h in hubs
    ], years


def files_needing_attention() -> QuerySet:
    from .models import DatasetFile

    return DatasetFile.objects.filter(
        status__in=[FileStatus.MISMATCH, FileStatus.MISSING, FileStatus.UNREACHABLE]
    ).select_related("dataset")


# ---------------------------------------------------------------------------------------------
# Search

RESULTS_LIMIT = 50
#: Matches are counted up to this many ("1,000 or more" past it): counting every match of a
#: common word would read every one of its rows.
COUNT_LIMIT = 1000


def _visible_entries(user) -> Q:
    """Public entries, the proposals the user may read (calls.selectors.proposals_for_user) and
    the draft datasets of their organisation (or every draft for the staff)."""
    q = Q(public=True)
    if not getattr(user, "is_authenticated", False):
        return q
    q |= Q(kind=SearchKind.PROPOSAL, object_id__in=proposals_for_user(user).order_by().values("pk"))
    if is_staff(user):
        q |= Q(kind=SearchKind.DATASET)
    elif user.organisation_id:
        q |= Q(kind=SearchKind.DATASET, organisation_id=user.organisation_id)
    return q


def search(user, text: str, *, kind: str = "", limit: int = RESULTS_LIMIT) -> dict:
    """Entries matching every word of `text` that `user` may see, best first (PostgreSQL:
    ts_rank over the tsvector; SQLite: newest first), with the total count."""
    words = search_index.query_tokens(text)
    if not words:
        return {"words": [], "results": [], "total": 0, "more": False}
    qs = SearchEntry.objects.filter(_visible_entries(user)).defer("vector", "tokens")
    if kind in SearchKind.values:
        qs = qs.filter(kind=kind)
    if search_index.is_postgresql():
        query = " ".join(words)
        qs = qs.extra(where=["vector @@ plainto_tsquery('simple', %s)"], params=[query])
        total = qs[: COUNT_LIMIT + 1].count()  # counted without ranking
        ranked = qs.annotate(
            rank=RawSQL("ts_rank(vector, plainto_tsquery('simple', %s))", (query,))
        )
        results = list(ranked.order_by("-rank", "-updated_at")[:limit])
    else:
        for w in words:
            qs = qs.filter(
                Q(tokens__startswith=f"{w} ")
                | Q(tokens__contains=f" {w} ")
                | Q(tokens__endswith=f" {w}")
                | Q(tokens=w)
            )
        total = qs[: COUNT_LIMIT + 1].count()
        results = list(qs.order_by("-updated_at")[:limit])
    return {
        "words": words,
        "results": results,
        "total": min(total, COUNT_LIMIT),
        "more": total > COUNT_LIMIT,
    }
