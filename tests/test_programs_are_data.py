"""Programs are data: no Python file under src/kikin names a theme code or a program's date.

A theme behaves as its plan file declares (docs/plans.md); code asks a theme's attributes, never
"is this 1-g3?". This scans every string and every `date(...)` in the code (docstrings aside,
which cite the seeds) against the themes, calls and dates of every shipped plan file.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

from kikin.rules import plan

SRC = Path(__file__).resolve().parents[1] / "src" / "kikin"
CODE_IN_TEXT = re.compile(r"[（(]([a-z]\d+(?:-\d+)*)[）)]")


def _catalogue():
    keys, codes, dates = set(), set(), set()
    for program in plan.programs():
        for theme in program.themes:
            keys.add(theme.key)
            if any(ch.isdigit() for ch in theme.code) and len(theme.code) >= 2:
                codes.add(theme.code)
        dates |= {d for d in (program.start_date, program.end_date) if d}
        for call in program.calls:
            dates |= {call.opens, call.closes}
    return keys, codes, dates


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _findings():
    keys, codes, dates = _catalogue()
    iso = {d.isoformat() for d in dates}
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        where = path.relative_to(SRC.parent)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
            ):
                text = node.value
                if text in keys or text in codes:
                    found.append(f"{where}:{node.lineno}: theme {text!r}")
                for m in CODE_IN_TEXT.finditer(text):
                    if m.group(1) in codes:
                        found.append(
                            f"{where}:{node.lineno}: theme ({m.group(1)}) in {text[:60]!r}"
                        )
                if text in iso:
                    found.append(f"{where}:{node.lineno}: a program's date {text}")
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "date"
                and len(node.args) == 3
                and all(isinstance(a, ast.Constant) and isinstance(a.value, int) for a in node.args)
            ):
                day = dt.date(*(a.value for a in node.args))
                if day in dates:
                    found.append(f"{where}:{node.lineno}: a program's date {day}")
    return found


def test_the_scan_sees_what_it_looks_for(tmp_path, monkeypatch):
    """The check finds a theme code, a code in a message and a program date when they are there."""
    module = SRC / "_scan_probe.py"
    module.write_text(
        'import datetime as dt\nKEY = "1-g3"\nMSG = "Theme (g6) needs it."\nEND = dt.date(2030, 3, 31)\n',
        encoding="utf-8",
    )
    try:
        found = [f for f in _findings() if "_scan_probe" in f]
    finally:
        module.unlink()
    assert len(found) == 3, found


def test_no_python_file_names_a_theme_code_or_a_program_date():
    assert _findings() == []
