"""Files for upload tests: a real PDF, fakes and a zip bomb, all made here."""

from __future__ import annotations

import io
import zipfile

from kikin.core.demo import minimal_pdf


def tiny_pdf(text: str = "kikin") -> bytes:
    """A one-page PDF that pypdf opens."""
    return minimal_pdf(text)


def html_after_pdf_magic() -> bytes:
    return b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>"


def docx(parts: dict[str, bytes] | None = None) -> bytes:
    """A minimal Office Open XML word document."""
    parts = parts or {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def zip_bomb(uncompressed_mb: int = 200) -> bytes:
    """A `.docx`-shaped archive of a few hundred kilobytes that unpacks to `uncompressed_mb` MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(uncompressed_mb):
                member.write(block)
    return out.getvalue()
