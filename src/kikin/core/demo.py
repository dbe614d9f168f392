"""The demo's choices (`demo.toml` beside this file; its themes are looked up by
`kikin.programs.demo.demo_theme`), its stand-in documents, and what every app's demo shares to
place its history relative to the day it is loaded (the fund's clock, `kikin.core.timeutil`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import tomllib
from collections.abc import Iterator
from functools import cache
from importlib import resources

from django.utils.translation import gettext as _

from . import timeutil


class DemoLeftOut(Exception):
    """A part of the demo that the load day cannot hold without contradicting it or its
    program's life (a program that has ended, or not enough of it left); its message says which
    and why, and the loader prints it and goes on with the other parts."""


@contextlib.contextmanager
def on(day: dt.date, hour: int = 10) -> Iterator[dt.date]:
    """Do what the wrapped code does on `day` at `hour` (JST), by the fund's clock: the demo's
    history is made through the services on the days it happened."""
    instant = dt.datetime.combine(day, dt.time(hour), tzinfo=timeutil.JST)
    with timeutil.clock_at(instant):
        yield day


@cache
def demo_choices() -> dict:
    return tomllib.loads(resources.files("kikin.core").joinpath("demo.toml").read_text("utf-8"))


def left_out(part: str, program, why: str) -> DemoLeftOut:
    """The notice of a part of the demo the load day cannot hold (`why`, in the user's words)."""
    return DemoLeftOut(
        _("%(part)s is left out of the demo loaded on %(today)s: %(why)s")
        % {"part": part, "today": timeutil.today().isoformat(), "why": why}
    )


def program_life(program) -> str:
    """A program's life as its plan file states it (`program`: a programs.Program)."""
    return _("%(program)s runs from %(a)s to %(b)s by its plan file") % {
        "program": program.code,
        "a": program.start_date.isoformat() if program.start_date else "…",
        "b": program.end_date.isoformat() if program.end_date else "…",
    }


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
