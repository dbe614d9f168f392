"""Each request's id (in the response header and in every log line written meanwhile), bodies
refused by their declared size before they are read, the Content-Security-Policy on pages, and
the health check."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse

from kikin.ops.logs import JsonFormatter, RequestIdFilter
from kikin.ops.middleware import BodySizeLimitMiddleware, RequestIdMiddleware

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "kikin"


def test_every_response_carries_a_request_id(client):
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    assert client.get("/", HTTP_X_REQUEST_ID="lb-1234abcd")["X-Request-ID"] == "lb-1234abcd"
    bad = client.get("/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert bad != "<script>" and re.fullmatch(r"[0-9a-f]{32}", bad)


def test_log_lines_written_during_a_request_carry_its_id_as_json():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("kikin.test.requests")
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    def view(request):
        log.info("saving %s", "the draft", extra={"proposal": 17})
        from django.http import HttpResponse

        return HttpResponse("ok")

    try:
        response = RequestIdMiddleware(view)(RequestFactory().get("/x"))
        log.info("outside")
    finally:
        log.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["request_id"] == response["X-Request-ID"]
    assert inside["message"] == "saving the draft" and inside["proposal"] == 17
    assert inside["level"] == "INFO" and inside["logger"] == "kikin.test.requests"
    assert outside["request_id"] == "-"


class Unreadable(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


@pytest.mark.parametrize(
    ("path", "length", "refused"),
    [
        ("/proposals/1/attachments/", 30 * 2**20, True),  # over the 25 MB default
        ("/proposals/1/attachments/", 20 * 2**20, False),
        ("/compute/pools/1/", 300 * 2**20, False),  # usage reports may be large
        ("/compute/pools/1/", 600 * 2**20, True),
    ],
)
def test_a_body_over_its_paths_limit_is_refused_before_it_is_read(path, length, refused):
    request = RequestFactory().generic("POST", path, content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(length)
    request.META["wsgi.input"] = Unreadable()
    reached = []
    response = BodySizeLimitMiddleware(lambda r: reached.append(r) or "passed on")(request)
    if refused:
        assert response.status_code == 413 and not reached
        assert "MB" in response.content.decode()
    else:
        assert response == "passed on"


def test_a_large_upload_is_refused_through_the_whole_stack(client, settings):
    settings.KIKIN_MAX_REQUEST_BYTES = 1000
    response = client.post("/accounts/login/", {"username": "x" * 2000, "password": "y"})
    assert response.status_code == 413


def test_pages_have_a_content_security_policy_that_allows_no_inline_script(client):
    response = client.get(reverse("programs:list"))
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp


def test_no_template_served_to_a_browser_has_an_inline_script_or_handler():
    offenders = []
    for path in TEMPLATES.rglob("templates/**/*.html"):
        text = path.read_text()
        if path.name.endswith("_pdf.html") or path.name == "packet.html":
            continue  # laid out by WeasyPrint, never served as a page
        for match in re.finditer(r"<script\b[^>]*>", text):
            # A data block (JSON-LD, JSON) is never executed: no script policy applies to it.
            if re.search(r'type="application/(ld\+)?json"', match.group(0)):
                continue
            if "src=" not in match.group(0):
                offenders.append(f"{path}: {match.group(0)}")
        offenders += [f"{path}: {m}" for m in re.findall(r"\son[a-z]+=", text)]
        offenders += [f"{path}: javascript:" for _ in re.findall(r"javascript:", text)]
    assert offenders == []


def test_health_reports_each_part(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue", "storage"}
    assert all(c["ok"] for c in body["checks"].values())


def test_health_is_503_naming_the_failed_part_without_its_secrets(client, monkeypatch):
    from kikin.ops import health

    def broken():
        raise ConnectionError("amqp://kikin:s3cret@mq.internal:5672// refused")

    monkeypatch.setitem(health.CHECKS, "queue", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["queue"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": body["checks"]["queue"]["ms"],
    }
    assert body["checks"]["database"]["ok"] and "s3cret" not in response.content.decode()
