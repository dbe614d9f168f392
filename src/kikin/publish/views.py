"""Public data: the CommonGrants routes, the Atom feed of calls.

The CommonGrants routes answer JSON in the protocol's shapes (camelCase, optional properties left
out rather than null); errors use its `Error` shape with the HTTP status. They are public and
read-only: no session, no CSRF token (a search is a POST with a JSON body, as the protocol says).
"""

from __future__ import annotations

import json
import uuid

from common_grants_sdk.schemas.pydantic.pagination import PaginatedQueryParams
from common_grants_sdk.schemas.pydantic.requests.opportunity import OpportunitySearchRequest
from common_grants_sdk.schemas.pydantic.responses import (
    OpportunitiesListResponse,
    OpportunitiesSearchResponse,
    OpportunityResponse,
)
from common_grants_sdk.schemas.pydantic.responses.error import Error
from common_grants_sdk.schemas.pydantic.responses.success import FilterInfo
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from pydantic import ValidationError

from kikin.core import timeutil

from . import commongrants as cg
from .selectors import published_calls


def _json(model, status: int = 200) -> JsonResponse:
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Language"] = "en" if cg._english() else "ja"
    return response


def _error(status: int, message: str, errors: list | None = None) -> JsonResponse:
    return _json(Error(status=status, message=message, errors=errors or []), status=status)


def _pydantic_errors(exc: ValidationError) -> list[dict]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
    ]


def _opportunities(request):
    now = timeutil.now()
    return [cg.to_opportunity(pc, now=now, request=request) for pc in published_calls()]


@require_GET
def opportunity_list(request):
    """GET /common-grants/opportunities?page=1&pageSize=10: every call, newest first."""
    try:
        params = PaginatedQueryParams.model_validate(
            {k: request.GET[k] for k in ("page", "pageSize") if k in request.GET}
        )
    except ValidationError as exc:
        return _error(400, _("Invalid pagination."), _pydantic_errors(exc))
    items, info = cg.paginate(_opportunities(request), params.page, params.page_size)
    return _json(
        OpportunitiesListResponse(status=200, message="Success", items=items, pagination_info=info)
    )


@csrf_exempt
@require_POST
def opportunity_search(request):
    """POST /common-grants/opportunities/search: search text, filters, sorting, pagination."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _error(400, _("The request body is not JSON."))
    if not isinstance(body, dict):
        return _error(400, _("The request body must be a JSON object."))
    try:
        search = OpportunitySearchRequest.model_validate(body)
    except ValidationError as exc:
        return _error(400, _("Invalid search request."), _pydantic_errors(exc))
    found, filter_errors = cg.apply_filters(_opportunities(request), search)
    ordered, sort_info = cg.sort(found, search)
    page, info = cg.paginate(ordered, search.pagination.page, search.pagination.page_size)
    filters = body.get("filters") if isinstance(body.get("filters"), dict) else {}
    return _json(
        OpportunitiesSearchResponse(
            status=200,
            message="Success",
            items=page,
            pagination_info=info,
            sort_info=sort_info,
            filter_info=FilterInfo[dict](filters=filters, errors=filter_errors),
        )
    )


@require_GET
def opportunity_detail(request, opportunity_id: str):
    """GET /common-grants/opportunities/{id}: one call with its details."""
    try:
        wanted = uuid.UUID(opportunity_id)
    except ValueError:
        return _error(404, _("No such opportunity."))
    now = timeutil.now()
    for pc in published_calls():
        if pc.id == wanted:
            opportunity = cg.to_opportunity(pc, now=now, request=request)
            return _json(
                OpportunityResponse(status=200, message="Success", data=cg.to_details(opportunity))
            )
    return _error(404, _("No such opportunity."))
