"""Fixtures for the rules engine's tests: plain Python, no Django, no database."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kikin.rules.plan import CapRule, ThemeSpec


@pytest.fixture
def make_theme():
    """Build a ThemeSpec with only the fields a test cares about."""

    def build(item: int = 1, code: str = "x1", **kw) -> ThemeSpec:
        kw.setdefault("title_ja", code)
        kw.setdefault("title_en", code)
        kw.setdefault("support", "contract")
        kw.setdefault("rates", ())
        kw.setdefault("cap", CapRule(kind="none"))
        kw.setdefault("period_months", 36)
        kw.setdefault("stage_gate_months", 18)
        kw.setdefault("line", 1)
        kw["rates"] = tuple(Fraction(r) for r in kw["rates"])
        return ThemeSpec(item=item, code=code, **kw)

    return build
