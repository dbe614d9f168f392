"""Request middleware of the runtime: the request id, and request bodies refused by their
declared size before anything reads them."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from .logs import request_id

#: An id given by the proxy in front (X-Request-ID) is kept if it looks like one.
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{8,100}\Z")


class RequestIdMiddleware:
    """Every request gets an id: the proxy's X-Request-ID if it has a sane one, else a new one.
    Log lines written while the request runs carry it, and so does the response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _GOOD_ID.match(given) else uuid.uuid4().hex
        request.id = rid
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


def body_limit(path: str) -> int:
    for prefix, limit in settings.KIKIN_REQUEST_BYTES_BY_PATH:
        if path.startswith(prefix):
            return limit
    return settings.KIKIN_MAX_REQUEST_BYTES


class BodySizeLimitMiddleware:
    """Refuse (413) a request whose Content-Length is over its path's limit, before the body is
    read, so that a huge upload costs neither memory nor disk. (A body sent without a length,
    chunked, is not read by Django at all.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return HttpResponse(_("Bad Content-Length."), status=400, content_type="text/plain")
        limit = body_limit(request.path_info)
        if length > limit:
            text = _("The request is too large: at most %(mb)s MB here.") % {
                "mb": f"{limit / 2**20:g}"
            }
            response = HttpResponse(text, status=413, content_type="text/plain; charset=utf-8")
            response["Connection"] = "close"
            return response
        return self.get_response(request)
