"""Uploaded documents: PDF and office files only, recognised by their first bytes, not their names."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_KINDS = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".docx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ".doc": (b"\xd0\xcf\x11\xe0", "application/msword"),
    ".xls": (b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel"),
    ".ppt": (b"\xd0\xcf\x11\xe0", "application/vnd.ms-powerpoint"),
}


def check_document(uploaded, *, field: str) -> tuple[str, str]:
    """(content type, sha256) of an accepted upload; ValidationError naming `field` otherwise."""
    name = uploaded.name
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in DOCUMENT_KINDS:
        raise ValidationError({field: _("“%(name)s”: only PDF and office files (%(kinds)s) are accepted.")
                               % {"name": name, "kinds": ", ".join(DOCUMENT_KINDS)}})
    if uploaded.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({field: _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": MAX_DOCUMENT_BYTES // 2**20}})
    magic, content_type = DOCUMENT_KINDS[ext]
    uploaded.seek(0)
    if uploaded.read(len(magic)) != magic:
        raise ValidationError({field: _("“%(name)s” is not a real %(ext)s file.") % {"name": name, "ext": ext}})
    uploaded.seek(0)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return content_type, digest.hexdigest()
