"""Error pages that show no internals, in Japanese with English beside, in every mode.

`handler400` … `handler500` (set in kikin.urls) render the templates 400.html … 500.html with
nothing but the request's language and an optional reason. With DEBUG on (the demo),
`SafeErrorPagesMiddleware` keeps Django's technical pages (settings, tracebacks, URL patterns)
away from users too, unless a developer asks for them with KIKIN_DEBUG_PAGES=1.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve

logger = logging.getLogger("kikin.errors")


def _page(request, status: int, reason: str = "") -> HttpResponse:
    try:
        body = loader.render_to_string(f"{status}.html", {"reason": reason}, request=None)
    except Exception:  # the page of last resort must not fail itself
        body = f"<h1>{status}</h1>"
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def bad_request(request, exception=None):
    return _page(request, 400)


def permission_denied(request, exception=None):
    return _page(request, 403)


def page_not_found(request, exception=None):
    return _page(request, 404)


def server_error(request):
    return _page(request, 500)


def csrf_failure(request, reason=""):
    """The CSRF check failed: most often a form left open past its session."""
    return _page(request, 403)


def show_technical_pages() -> bool:
    import os

    return settings.DEBUG and os.environ.get("KIKIN_DEBUG_PAGES", "") == "1"


class SafeErrorPagesMiddleware:
    """With DEBUG on, answer unknown addresses and view errors with the plain pages too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG and not show_technical_pages():
            try:
                resolve(request.path_info)
            except Resolver404:
                return _page(request, 404)
        return self.get_response(request)

    def process_exception(self, request, exception):
        return safe_exception_response(request, exception)


def safe_exception_response(request, exception) -> HttpResponse | None:
    """The plain page for a view's exception where Django would show a technical one (DEBUG),
    else None (Django's own handlers then render the same templates, report and log)."""
    if not settings.DEBUG or show_technical_pages():
        return None
    if isinstance(exception, Http404):
        return _page(request, 404)
    if isinstance(exception, PermissionDenied):
        return _page(request, 403)
    if isinstance(exception, BadRequest | SuspiciousOperation):
        return _page(request, 400)
    logger.error("Internal Server Error: %s", request.path, exc_info=sys.exc_info())
    signals.got_request_exception.send(sender=SafeErrorPagesMiddleware, request=request)
    return _page(request, 500)
