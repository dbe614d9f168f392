"""Fixtures: a clock the services and pages read as today (JST), and an award with its people."""

from __future__ import annotations

import datetime as dt

import pytest

from kikin.compliance import services, views

from .helpers import make_award


class Clock:
    def __init__(self, today: dt.date):
        self.today = today

    def __call__(self) -> dt.date:
        return self.today


@pytest.fixture
def clock(monkeypatch):
    """Today in Tokyo, as the services and pages see it (2026-04-01 unless a test moves it)."""
    c = Clock(dt.date(2026, 4, 1))
    monkeypatch.setattr(services, "today_jst", c)
    monkeypatch.setattr(views, "today_jst", c)
    return c


@pytest.fixture
def world(plan, clock):
    return make_award(plan)
