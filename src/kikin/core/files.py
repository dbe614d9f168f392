"""Uploaded documents: PDF and office files only, checked by their content, stored under
generated names.

The declared type (the file's extension) must parse as that type:
- a PDF begins with %PDF- and pypdf opens it and counts its pages;
- an Office Open XML file (.docx, .xlsx, .pptx) is a zip archive whose directory is read first
  (nothing is unpacked before it passes): at most MAX_ZIP_MEMBERS members, at most
  MAX_UNPACKED_BYTES unpacked in all, no member compressed more than MAX_COMPRESSION_RATIO
  times (a zip bomb is refused), and the parts the type needs are there;
- a legacy office file (.doc, .xls, .ppt) has the compound-document header.
Markup where a document begins (HTML after %PDF-, for instance) is refused whatever the type.
Files are stored as <folder>/<random hex><extension> (`generated_name`); the name the person
gave is kept on the row for display and download.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 5_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
#: Members this small are not judged by their ratio (a few bytes compress any way at all).
RATIO_FLOOR_BYTES = 64 * 1024
MAX_NAME_LENGTH = 200

OOXML = "application/vnd.openxmlformats-officedocument"
DOCUMENT_KINDS = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".docx": (b"PK\x03\x04", f"{OOXML}.wordprocessingml.document"),
    ".xlsx": (b"PK\x03\x04", f"{OOXML}.spreadsheetml.sheet"),
    ".pptx": (b"PK\x03\x04", f"{OOXML}.presentationml.presentation"),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword"),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-excel"),
    ".ppt": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-powerpoint"),
}
#: The part each Office Open XML type cannot be without.
OOXML_MAIN_PART = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
MARKUP = re.compile(rb"<\s*(html|script|!doctype\s+html|svg|iframe|body)\b", re.IGNORECASE)


def extension(name: str) -> str:
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


def generated_name(folder: str, original: str) -> str:
    """Where an upload is stored: a random name with the (checked) extension, never the name
    the person gave."""
    ext = extension(original)
    return f"{folder}/{uuid.uuid4().hex}{ext if ext in DOCUMENT_KINDS else ''}"


def _refuse(field: str, name: str, why: str):
    raise ValidationError({field: _("“%(name)s”: %(why)s") % {"name": name[:100], "why": why}})


def _check_pdf(data: io.BytesIO, name: str, field: str) -> None:
    from pypdf import PdfReader

    try:
        reader = PdfReader(data, strict=False)
        if reader.is_encrypted:
            _refuse(field, name, _("the PDF is encrypted; send it without a password."))
        if len(reader.pages) < 1:
            raise ValueError("no pages")
    except ValidationError:
        raise
    except Exception:  # pypdf raises many kinds on a broken file: all mean "not a PDF"
        _refuse(field, name, _("this is not a PDF that can be opened."))


def _check_ooxml(data: io.BytesIO, ext: str, name: str, field: str) -> None:
    try:
        archive = zipfile.ZipFile(data)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        _refuse(field, name, _("this is not an Office file that can be opened."))
    if len(members) > MAX_ZIP_MEMBERS:
        _refuse(field, name, _("the file has too many parts."))
    unpacked = 0
    for m in members:
        unpacked += m.file_size
        ratio_too_high = (
            m.file_size > RATIO_FLOOR_BYTES
            and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1)
        )
        if ratio_too_high or unpacked > MAX_UNPACKED_BYTES:
            _refuse(
                field,
                name,
                _("the file unpacks to far more than its size (a zip bomb is refused)."),
            )
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(
        n.startswith(OOXML_MAIN_PART[ext]) for n in names
    ):
        _refuse(field, name, _("this is not a %(ext)s file.") % {"ext": ext})
    try:
        with archive.open("[Content_Types].xml") as part:
            head = part.read(64 * 1024)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        _refuse(field, name, _("this is not an Office file that can be opened."))
    if b"<Types" not in head:
        _refuse(field, name, _("this is not a %(ext)s file.") % {"ext": ext})


def check_document(uploaded, *, field: str) -> tuple[str, str]:
    """(content type, sha256) of an accepted upload; ValidationError naming `field` otherwise."""
    name = uploaded.name or ""
    ext = extension(name)
    if ext not in DOCUMENT_KINDS:
        raise ValidationError(
            {
                field: _("“%(name)s”: only PDF and office files (%(kinds)s) are accepted.")
                % {"name": name[:100], "kinds": ", ".join(DOCUMENT_KINDS)}
            }
        )
    if "\x00" in name or len(name) > MAX_NAME_LENGTH:
        _refuse(field, "…", _("the file name is too long or not valid."))
    if uploaded.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            {
                field: _("“%(name)s” is larger than %(mb)s MB.")
                % {"name": name, "mb": MAX_DOCUMENT_BYTES // 2**20}
            }
        )
    magic, content_type = DOCUMENT_KINDS[ext]
    uploaded.seek(0)
    head = uploaded.read(1024)
    if not head.startswith(magic):
        raise ValidationError(
            {field: _("“%(name)s” is not a real %(ext)s file.") % {"name": name, "ext": ext}}
        )
    if MARKUP.search(head):
        _refuse(field, name, _("the file holds web-page markup, not a document."))
    uploaded.seek(0)
    digest = hashlib.sha256()
    data = io.BytesIO()
    for chunk in uploaded.chunks():
        digest.update(chunk)
        data.write(chunk)
    data.seek(0)
    if ext == ".pdf":
        _check_pdf(data, name, field)
    elif ext in OOXML_MAIN_PART:
        _check_ooxml(data, ext, name, field)
    uploaded.seek(0)
    return content_type, digest.hexdigest()
