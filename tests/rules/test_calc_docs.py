"""Every example in docs/calc.md is the command's real output."""

import io
import re
import sys
from pathlib import Path

import pytest

from kikin.rules import calc

DOC = Path(__file__).resolve().parents[2] / "docs" / "calc.md"
EXAMPLE = re.compile(
    r"^\$ echo '(?P<stdin>.*)' \| kikin calc (?P<name>\S+)\n(?P<expected>.*)$", re.MULTILINE
)
EXAMPLES = [m.groupdict() for m in EXAMPLE.finditer(DOC.read_text(encoding="utf-8"))]


def test_the_doc_has_an_example_per_name():
    assert {e["name"] for e in EXAMPLES} >= set(calc.COMMANDS)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_doc_example(example, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(example["stdin"]))
    code = calc.main([example["name"]])
    out, err = capsys.readouterr()
    assert (out or err).rstrip("\n") == example["expected"]
    assert code == (0 if out else 2)
