"""Finding the object a form names by a posted id: a malformed id is a 404, never a 500."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404


def posted_id(raw) -> int:
    """A posted id as an int (digits only, inside bigint); Http404 otherwise."""
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise Http404
    return int(text)


def posted_object_or_404(queryset, raw, **filters):
    """get_object_or_404(queryset, pk=<the posted id>, **filters), safe for any posted text."""
    return get_object_or_404(queryset, pk=posted_id(raw), **filters)
