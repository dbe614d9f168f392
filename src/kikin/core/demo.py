"""The demo's choices (`demo.toml` beside this file; its themes are looked up by
`kikin.programs.demo.demo_theme`) and its stand-in documents."""

from __future__ import annotations

import io
import tomllib
from functools import cache
from importlib import resources


@cache
def demo_choices() -> dict:
    return tomllib.loads(resources.files("kikin.core").joinpath("demo.toml").read_text("utf-8"))


def minimal_pdf(text: str = "kikin") -> bytes:
    """A one-page PDF that opens (written by hand, with a correct cross-reference table): the
    demo's stand-in documents, which the upload check reads like any other."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()
