"""The REST API, version 1, at /api/v1/ (django-ninja). Its OpenAPI document is served at
/api/v1/openapi.json and kept in the repository as docs/openapi.json (`kikin manage api_schema`
writes it; a test checks it is current).

Each module of `kikin.api.routers` is one resource: it defines `router` (a ninja Router) and
`PREFIX`; they are found (modules whose name starts with _ are helpers) and mounted here in
name order, so a new resource is one new module. Endpoints read through the apps' selectors and permissions and
write through their services only: the API is another door to the same rooms, not a second path
to the database.
"""

from __future__ import annotations

import importlib
import pkgutil

from ninja import NinjaAPI

from . import errors, routers
from .auth import token_auth

DESCRIPTION = """kikin's API for systems: programs and calls (public), an applicant's own
proposals, a reviewer's own reviews, awards, cost claims and yearly filings, research datasets
and their access requests, prize challenges with a team's entries and the leaderboards, and the
background jobs one has asked for (reviewer assignment).

Authenticate with `Authorization: Bearer <token>`; a user makes tokens on the page
/api/tokens/. Answers and errors follow the request's Accept-Language (Japanese by default,
English with `Accept-Language: en`). Money is integer yen; dates are ISO 8601, times carry their
offset (Japan Standard Time, +09:00)."""


def build() -> NinjaAPI:
    api = NinjaAPI(
        title="kikin API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api-v1",
        auth=token_auth,
    )
    errors.install(api)
    for info in sorted(pkgutil.iter_modules(routers.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue  # helpers, not resources
        module = importlib.import_module(f"{routers.__name__}.{info.name}")
        api.add_router(module.PREFIX, module.router)
    return api


api = build()
