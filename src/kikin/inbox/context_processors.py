"""The navigation's inbox count: unread notifications plus the things waiting for the person.

Computed only when a page shows it (lazily), and once per page: a view that has built the inbox
already (the home page) leaves its sections on the request and they are counted, not queried."""

import logging

from django.db import DatabaseError
from django.utils.functional import SimpleLazyObject

from . import selectors

log = logging.getLogger(__name__)


#: The navigation counts each section up to this many; beyond, its badge reads "99+".
NAV_CAP = 100


def _badge(n: int) -> int | str:
    return n if n < NAV_CAP else f"{NAV_CAP - 1}+"


def _counts(request) -> dict:
    user = request.user
    sections = getattr(request, "inbox_sections", None)
    try:
        if sections is not None:
            waiting, unread = sum(s.count for s in sections), selectors.unread_count(user)
        else:
            waiting, unread = selectors.nav_counts(user, cap=NAV_CAP)
    except DatabaseError:  # an error page about the database still renders, without counts
        log.warning("inbox counts unavailable", exc_info=True)
        return {"unread": "", "waiting": "", "total": ""}
    return {"unread": _badge(unread), "waiting": _badge(waiting), "total": _badge(unread + waiting)}


def inbox(request):
    if not getattr(getattr(request, "user", None), "is_authenticated", False):
        return {}
    return {"inbox_counts": SimpleLazyObject(lambda: _counts(request))}
