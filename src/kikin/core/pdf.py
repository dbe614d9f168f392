"""PDF documents from templates through WeasyPrint, with Japanese set in Noto CJK.

The machine's setup (`scripts/system-deps`) installs Debian's fonts-noto-cjk; `pdf.css` names
those faces first, so 令和 and 億円 come out as glyphs, not boxes. Every PDF the site makes goes
through `render_pdf`: one place sets the fonts, the page size (A4) and the base URL for images.
"""

from __future__ import annotations

from pathlib import Path

from django.http import HttpResponse
from django.template.loader import render_to_string

from .downloads import content_disposition

PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: The font stack for PDFs: Japanese first, then Latin fallbacks.
PDF_FONTS = '"Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "Noto Sans", sans-serif'


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    """The template rendered to HTML and laid out as an A4 PDF (bytes)."""
    from weasyprint import HTML  # imported late: it loads Pango, which the web pages do not need

    html = render_to_string(template, {**context, "pdf_fonts": PDF_FONTS}, request=request)
    return HTML(string=html, base_url=str(PACKAGE_DIR)).write_pdf()


def pdf_response(data: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """An HTTP response carrying a PDF; a Japanese file name is encoded per RFC 6266."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    return response
