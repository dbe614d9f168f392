"""The health check a load balancer or monitor asks: can this process reach the database, the
message broker and the file store? JSON, 200 when all can, 503 when one cannot; it names the
part and the kind of failure only (no addresses, no settings, no messages)."""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone()[0] == 1


def _broker() -> None:
    if settings.KIKIN_JOBS_EAGER:
        return  # jobs run in the process itself: there is no broker to reach
    from kikin.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _storage() -> None:
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name, "rb") as fh:
            assert fh.read() == b"ok"
    finally:
        default_storage.delete(name)


CHECKS = {"database": _database, "queue": _broker, "storage": _storage}


@never_cache
@require_GET
def health(request):
    results, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
            results[name] = {"ok": True}
        except Exception as exc:  # any failure is an unhealthy part; only its kind is shown
            healthy = False
            results[name] = {"ok": False, "error": type(exc).__name__}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )
