"""Research data (研究データ, `kikin.datasets`): the dataset registry as its pages show it, and
access requests.

Anyone reads published (and withdrawn, as a tombstone) datasets; a draft exists only for its
managing organisation's applicants and the staff. Anyone signed in asks for shared data under its
written conditions; the data manager checks each condition; the requester may withdraw a waiting
request. The data manager (or the agency) registers a dataset as a draft, publishes it once its
files are on the page, and withdraws it. Files are added and downloaded on the dataset's page
(every download is logged there). Reads go through `datasets.selectors`, writes through
`datasets.services`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from kikin.accounts.models import Organisation
from kikin.core.timeutil import today_jst
from kikin.datasets import selectors, services
from kikin.datasets.models import AccessRequest, Dataset, Licence
from kikin.datasets.permissions import can_decide_requests, can_view_log

from ..auth import public_or_token
from ..schemas import responses
from ._common import PageParams, page

PREFIX = ""
router = Router(tags=["datasets"])

IDENTIFIER = re.compile(r"^[-\w]{1,40}$")
CODE_PATTERN = r"^[-\w]{1,40}$"


class ConditionIO(Schema):
    code: str = Field("", max_length=40, description="Stable code; default c1, c2...")
    text_ja: str = Field(..., min_length=1, max_length=1000)
    text_en: str = Field("", max_length=1000)


class CreatorIO(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    affiliation: str = Field("", max_length=300)
    orcid: str = Field("", max_length=19, description="e.g. 0000-0002-1825-0097")


class DatasetFileOut(Schema):
    id: int
    name: str
    size_bytes: int | None
    content_type: str
    sha256: str
    status: str
    external: bool
    download_url: str = Field(
        ..., description="The page's download link (every download is logged there)"
    )


class DatasetOut(Schema):
    identifier: str
    doi: str
    title_ja: str
    title_en: str
    organisation: str
    platform: str | None
    program: str | None
    access_level: str
    embargo_until: dt.date | None
    licence: str
    state: str
    publication_year: int | None
    modified_at: dt.datetime


class MyAccessRequestOut(Schema):
    id: int
    state: str
    state_label: str


class DatasetDetailOut(DatasetOut):
    description_ja: str
    description_en: str
    creators: list[CreatorIO]
    publisher: str
    subjects: list[str]
    language: str
    resource_type: str
    version: str
    licence_url: str
    conditions: list[ConditionIO]
    conditions_version: int
    withdrawn_reason: str
    size_bytes: int
    published_at: dt.datetime | None
    level_in_force: str = Field(..., description="open once an embargo has ended")
    may_download: bool = Field(..., description="Whether the caller may download its files now")
    download_refusal: str = Field(..., description="Why not, in the request's language")
    my_request: MyAccessRequestOut | None
    files: list[DatasetFileOut]
    page_url: str


class DatasetPage(Schema):
    count: int
    items: list[DatasetOut]


class DatasetListParams(PageParams):
    access: Literal["open", "shared", "closed", "embargoed"] | None = None
    program: str | None = Field(None, pattern=CODE_PATTERN)
    platform: str | None = Field(None, pattern=CODE_PATTERN)
    mine: bool = Field(False, description="Only my organisation's datasets")


class DatasetIn(Schema):
    """A new dataset's metadata (DataCite kernel 4); it starts as a draft."""

    title_ja: str = Field(..., max_length=500)
    title_en: str = Field("", max_length=500)
    description_ja: str = Field("", max_length=20000)
    description_en: str = Field("", max_length=20000)
    creators: list[CreatorIO] = Field(..., max_length=200)
    publisher: str = Field(..., max_length=300)
    subjects: list[str] = Field(default_factory=list, max_length=50)
    language: str = Field("ja", max_length=8)
    resource_type: str = Field("", max_length=100)
    version: str = Field("", max_length=40)
    access_level: Literal["open", "shared", "closed", "embargoed"]
    embargo_until: dt.date | None = None
    licence: Literal[tuple(Licence.values)]  # type: ignore[valid-type]
    conditions: list[ConditionIO] = Field(default_factory=list, max_length=100)
    organisation_id: int | None = Field(
        None, ge=1, description="The managing organisation (the agency names it)"
    )


class WithdrawDatasetIn(Schema):
    reason: str = Field(..., max_length=5000)


class AccessRequestIn(Schema):
    purpose: str = Field(..., max_length=5000)
    accept_conditions: bool = Field(False, description="I accept the written conditions of use")
    declares_compliance: bool = Field(
        False,
        description="We comply with Japanese law and internationally accepted norms, "
        "past conduct included",
    )
    declares_no_foreign_influence: bool = Field(
        False, description="Our cyber security is not subject to foreign legal influence"
    )


class AccessRequestOut(Schema):
    id: int
    dataset: str
    dataset_title: str
    requester: str
    organisation: str | None
    purpose: str
    conditions_version: int
    conditions: list[ConditionIO]
    declares_compliance: bool
    declares_no_foreign_influence: bool
    state: str
    state_label: str
    checks: dict[str, bool]
    outcome: str
    note: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None


class AccessRequestPage(Schema):
    count: int
    items: list[AccessRequestOut]


class AccessRequestListParams(PageParams):
    which: Literal["mine", "to_check"] = Field(
        "mine", description="mine: the requests I made; to_check: those waiting for my check"
    )


class AccessDecisionIn(Schema):
    checks: dict[str, bool] = Field(
        default_factory=dict, description="condition code → met (true) or not (false)"
    )
    note: str = Field("", max_length=5000)


# ---------------------------------------------------------------------------------------------


def dataset_out(d: Dataset) -> dict:
    return {
        "identifier": d.identifier,
        "doi": d.doi,
        "title_ja": d.title_ja,
        "title_en": d.title_en,
        "organisation": d.organisation.name_ja,
        "platform": d.platform.code if d.platform_id else None,
        "program": d.program.code if d.program_id else None,
        "access_level": d.access_level,
        "embargo_until": d.embargo_until,
        "licence": d.licence,
        "state": d.state,
        "publication_year": d.publication_year,
        "modified_at": d.modified_at,
    }


def _request_brief(req) -> dict | None:
    if req is None:
        return None
    return {"id": req.pk, "state": req.state, "state_label": req.get_state_display()}


def dataset_detail(request, d: Dataset) -> dict:
    status = selectors.dataset_status(request.user, d, today_jst())
    decision = status["download"]

    def url(name, *args):
        return request.build_absolute_uri(reverse(name, args=args))

    return {
        **dataset_out(d),
        "description_ja": d.description_ja,
        "description_en": d.description_en,
        "creators": d.creators,
        "publisher": d.publisher,
        "subjects": d.subjects,
        "language": d.language,
        "resource_type": d.resource_type,
        "version": d.version,
        "licence_url": d.licence_url,
        "conditions": d.conditions,
        "conditions_version": d.conditions_version,
        "withdrawn_reason": d.withdrawn_reason,
        "size_bytes": d.size_bytes,
        "published_at": d.published_at,
        "level_in_force": status["level_in_force"],
        "may_download": decision.allowed,
        "download_refusal": "" if decision.allowed else services.refusal_message(decision, d),
        "my_request": _request_brief(status["latest_request"]),
        "files": [
            {
                "id": f.pk,
                "name": f.name,
                "size_bytes": f.size_bytes,
                "content_type": f.content_type,
                "sha256": f.sha256,
                "status": f.status,
                "external": f.is_external,
                "download_url": url("datasets:download", d.identifier, f.pk),
            }
            for f in d.files.all()
        ],
        "page_url": url("datasets:detail", d.identifier),
    }


def _dataset(request, identifier: str) -> Dataset:
    """A dataset the caller may see (the pages' rule), else 404."""
    if not IDENTIFIER.match(identifier):
        raise Http404
    return selectors.dataset_or_404(request.user, identifier)


def request_out(r: AccessRequest) -> dict:
    return {
        "id": r.pk,
        "dataset": r.dataset.identifier,
        "dataset_title": r.dataset.title_ja,
        "requester": r.requester.get_username(),
        "organisation": r.organisation.name_ja if r.organisation_id else None,
        "purpose": r.purpose,
        "conditions_version": r.conditions_version,
        "conditions": r.conditions_snapshot,
        "declares_compliance": r.declares_compliance,
        "declares_no_foreign_influence": r.declares_no_foreign_influence,
        "state": r.state,
        "state_label": r.get_state_display(),
        "checks": r.checks,
        "outcome": r.outcome,
        "note": r.note,
        "submitted_at": r.submitted_at,
        "decided_at": r.decided_at,
    }


def _visible_request(request, request_id: int) -> AccessRequest:
    """A request its requester, the dataset's data manager or the staff may read (as the
    request's page), else 404."""
    req = get_object_or_404(
        AccessRequest.objects.select_related("dataset", "requester", "organisation"),
        pk=request_id,
    )
    user = request.user
    if not (
        req.requester_id == user.pk
        or can_decide_requests(user, req.dataset)[0]
        or can_view_log(user, req.dataset)
    ):
        raise Http404
    return req


# ---------------------------------------------------------------------------------------------
# Datasets


@router.get(
    "/datasets",
    response=responses(DatasetPage, public=True),
    summary="List datasets, last changed first",
    auth=public_or_token,
)
def list_datasets(request, params: Query[DatasetListParams]):
    qs = selectors.datasets_for_user(request.user)
    if params.access:
        qs = qs.filter(access_level=params.access)
    if params.program:
        qs = qs.filter(program__code=params.program)
    if params.platform:
        qs = qs.filter(platform__code=params.platform)
    if params.mine:
        qs = qs.filter(organisation_id=getattr(request.user, "organisation_id", None) or -1)
    return page(qs.order_by("-modified_at", "-id"), params, dataset_out)


@router.get(
    "/datasets/{identifier}",
    response=responses(DatasetDetailOut, public=True),
    summary="A dataset: metadata, files, and whether I may download them",
    auth=public_or_token,
)
def get_dataset(request, identifier: str):
    return dataset_detail(request, _dataset(request, identifier))


@router.post(
    "/datasets",
    response=responses(DatasetDetailOut, status=201),
    summary="Register a dataset as a draft (an organisation's applicant, or the agency)",
)
def create_dataset(request, payload: DatasetIn):
    data = payload.model_dump()
    organisation = None
    org_id = data.pop("organisation_id")
    if org_id is not None:
        organisation = get_object_or_404(Organisation, pk=org_id)
    dataset = services.create_dataset(actor=request.user, fields=data, organisation=organisation)
    return Status(201, dataset_detail(request, _dataset(request, dataset.identifier)))


@router.post(
    "/datasets/{identifier}/publish",
    response=responses(DatasetDetailOut),
    summary="Publish a draft (its data manager, or the agency)",
)
def publish_dataset(request, identifier: str):
    dataset = _dataset(request, identifier)
    services.publish_dataset(actor=request.user, dataset=dataset)
    return dataset_detail(request, _dataset(request, identifier))


@router.post(
    "/datasets/{identifier}/withdraw",
    response=responses(DatasetDetailOut),
    summary="Withdraw a published dataset, leaving a tombstone (its data manager, or the agency)",
)
def withdraw_dataset(request, identifier: str, payload: WithdrawDatasetIn):
    dataset = _dataset(request, identifier)
    services.withdraw_dataset(actor=request.user, dataset=dataset, reason=payload.reason)
    return dataset_detail(request, _dataset(request, identifier))


# ---------------------------------------------------------------------------------------------
# Access requests


@router.post(
    "/datasets/{identifier}/access-requests",
    response=responses(AccessRequestOut, status=201),
    summary="Ask for shared data under its written conditions (anyone signed in)",
)
def request_access(request, identifier: str, payload: AccessRequestIn):
    dataset = _dataset(request, identifier)
    req = services.request_access(actor=request.user, dataset=dataset, **payload.model_dump())
    return Status(201, request_out(_visible_request(request, req.pk)))


@router.get(
    "/access-requests",
    response=responses(AccessRequestPage),
    summary="My access requests, or those waiting for my check as a data manager",
)
def list_access_requests(request, params: Query[AccessRequestListParams]):
    if params.which == "to_check":
        qs = selectors.requests_to_check(request.user)
    else:
        qs = selectors.my_requests(request.user).select_related("organisation", "requester")
        qs = qs.order_by("-submitted_at", "-id")
    return page(qs, params, request_out)


@router.get(
    "/access-requests/{request_id}",
    response=responses(AccessRequestOut),
    summary="An access request (its requester, the data manager, the staff)",
)
def get_access_request(request, request_id: int):
    return request_out(_visible_request(request, request_id))


@router.post(
    "/access-requests/{request_id}/withdraw",
    response=responses(AccessRequestOut),
    summary="Withdraw my waiting request",
)
def withdraw_access_request(request, request_id: int):
    req = _visible_request(request, request_id)
    services.withdraw_access_request(actor=request.user, request=req)
    return request_out(_visible_request(request, request_id))


@router.post(
    "/access-requests/{request_id}/decide",
    response=responses(AccessRequestOut),
    summary="Check each written condition, met or not: the outcome follows (the data manager)",
)
def decide_access_request(request, request_id: int, payload: AccessDecisionIn):
    req = _visible_request(request, request_id)
    services.decide_access_request(
        actor=request.user, request=req, checks=payload.checks, note=payload.note
    )
    return request_out(_visible_request(request, request_id))
