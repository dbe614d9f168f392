"""The OpenAPI document: kept current in docs/openapi.json, and the API held to it by
schemathesis (generated requests as every role: no server error, every answer as documented)."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_docs_openapi_json_is_up_to_date():
    from django.utils import translation

    from kikin.api.management.commands.api_schema import schema_text

    with translation.override("en"):
        current = schema_text()
    assert DOC.read_text(encoding="utf-8") == current, (
        "docs/openapi.json is stale: run `KIKIN_ENV=demo kikin manage api_schema --output docs/openapi.json`"
    )


@pytest.mark.django_db
def test_the_schema_is_served(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert set(r.json()["paths"]) == set(json.loads(DOC.read_text(encoding="utf-8"))["paths"])


@pytest.mark.django_db
def test_the_docs_page_loads_its_swagger_from_this_site_under_the_csp(client):
    """The interactive docs come with their scripts from this site: the Content-Security-Policy
    (scripts from this site only) would block a CDN's, and the page would be blank."""
    import re

    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    html = r.content.decode()
    sources = re.findall(r'<script[^>]* src="([^"]+)"', html) + re.findall(
        r'<link[^>]* href="([^"]+)"', html
    )
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources)
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    for src in sources:
        assert client.get(src).status_code == 200, src


@pytest.fixture
def wsgi_app():
    """Django's WSGI application whose requests keep the test's database connection."""
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


EXAMPLES_PER_OPERATION = 12


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("role", ["applicant", "agency", "reviewer", "anonymous"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(world, wsgi_app, role):
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    headers = {"Accept-Language": "ja"}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {world['tokens'][role]}"
    checks = [
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
        content_type_conformance,
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 44
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers=headers, checks=checks)

        run()
