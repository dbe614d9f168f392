"""The Content-Disposition header of a download, per RFC 6266, for Japanese file names."""

from __future__ import annotations

import re

from django.utils.encoding import escape_uri_path


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """An ASCII fallback name (non-ASCII dropped, runs of other characters made `_`), then the
    UTF-8 name: `attachment; filename="RF-2027-00001_.pdf"; filename*=UTF-8''RF-2027-00001_…`."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem.encode("ascii", "ignore").decode()).strip(
        "_"
    )
    ascii_name = f"{ascii_stem or 'download'}{dot}{ext}"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{escape_uri_path(filename)}"
