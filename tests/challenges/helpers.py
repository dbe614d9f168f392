"""A small challenge plan for the tests (cheap problems, stages at dates the test chooses), and
builders of teams and entries."""

from __future__ import annotations

import copy
import datetime as dt
import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kikin.core.timeutil import today_jst
from tests.security.files import tiny_pdf

needs_sandbox = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (scripts/system-deps)"
)

RANDOM_ENTRY = b"""
import random

def minimize(objective, bounds, budget, seed):
    rng = random.Random(seed)
    best_x, best_y = None, None
    for _ in range(budget):
        x = [rng.uniform(lo, hi) for lo, hi in bounds]
        y = objective(x)
        if best_y is None or y < best_y:
            best_x, best_y = x, y
    return best_x
"""

CENTRE_ENTRY = b"""
def minimize(objective, bounds, budget, seed):
    x = [(lo + hi) / 2 for lo, hi in bounds]
    objective(x)
    return x
"""

PDF = tiny_pdf("test")

BRANIN = {"name": "branin", "function": "branin", "part": "public", "budget": 12, "seed": 1}
BRANIN_HIDDEN = {
    "name": "branin-hidden",
    "function": "branin",
    "part": "hidden",
    "budget": 12,
    "seed": 2,
    "transform": "shift_rotate",
}
LIMITS = {"cpu_seconds": 10, "wall_seconds": 30, "memory_mb": 512, "output_kb": 16}


def plan(
    *,
    opens: dt.date | None = None,
    closes: dt.date | None = None,
    final_opens: dt.date | None = None,
    final_closes: dt.date | None = None,
    slug: str = "test-hpo",
    code: str = "test-hpo",
    daily_limit: int = 3,
    board: str = "realtime",
    tie: str = "earlier_submission",
) -> dict:
    """A two-stage code challenge like the HPO contest: an open round (top 2 advance) and finals
    (identity documents, a paper), a flat prize for the best 2 and a jury prize."""
    today = today_jst()
    opens = opens or today - dt.timedelta(days=1)
    closes = closes or today + dt.timedelta(days=10)
    final_opens = final_opens or closes + dt.timedelta(days=1)
    final_closes = final_closes or final_opens + dt.timedelta(days=10)
    evaluation = {
        "api": "minimize",
        "metric": "mean_normalised_regret",
        "tie": tie,
        "decimals": 6,
        "limits": dict(LIMITS),
        "problem": [dict(BRANIN), dict(BRANIN_HIDDEN)],
    }
    final_eval = copy.deepcopy(evaluation)
    final_eval["metric"] = "calls_to_target"
    final_eval["decimals"] = 3
    for p in final_eval["problem"]:
        p["target"] = "5"
    return {
        "schema": 2,
        "program": {
            "code": code,
            "kind": "challenge",
            "title_ja": "試験コンテスト",
            "title_en": "Test contest",
            "start_date": opens,
            "end_date": final_closes,
            "ministry": "meti",
            "source": "test",
            "line": 1,
        },
        "challenge": {
            "slug": slug,
            "total_prize_yen": 1_500_000,
            "total_line": 1,
            "anonymous_allowed": True,
            "ip": "open_source_on_award",
            "ip_ja": "入賞時にオープンソースで公開",
            "ip_en": "Winners' code is published as open source.",
            "ip_line": 1,
            "rules_ja": "目標と基準。",
            "rules_en": "Goal and criteria.",
            "stage": [
                {
                    "code": "preliminary",
                    "kind": "open",
                    "title_ja": "予選",
                    "title_en": "Preliminary",
                    "opens": opens,
                    "closes": closes,
                    "line": 1,
                    "entry": "code",
                    "daily_limit": daily_limit,
                    "board": board,
                    "advance": 2,
                    "evaluation": evaluation,
                },
                {
                    "code": "final",
                    "kind": "final",
                    "title_ja": "本戦",
                    "title_en": "Finals",
                    "opens": final_opens,
                    "closes": final_closes,
                    "line": 2,
                    "entry": "code",
                    "eligible": "qualified",
                    "board": "weekly",
                    "requires_identity": True,
                    "requires_paper": True,
                    "evaluation": final_eval,
                },
            ],
            "prize": [
                {
                    "code": "fastest",
                    "kind": "flat",
                    "basis": "ranking",
                    "stage": "final",
                    "count": 2,
                    "amount_yen": 500_000,
                    "title_ja": "最速賞",
                    "title_en": "Fastest",
                    "line": 3,
                },
                {
                    "code": "innovative",
                    "kind": "flat",
                    "basis": "jury",
                    "stage": "final",
                    "count": 2,
                    "amount_yen": 250_000,
                    "title_ja": "革新賞",
                    "title_en": "Innovative",
                    "line": 3,
                },
                {
                    "code": "honour",
                    "kind": "honour",
                    "basis": "organisers",
                    "title_ja": "特別賞",
                    "title_en": "Special prize",
                    "line": 4,
                },
            ],
            "rubric": [
                {"code": "novelty", "label_ja": "新規性", "label_en": "Novelty", "weight": 2},
                {"code": "clarity", "label_ja": "明快さ", "label_en": "Clarity"},
            ],
        },
    }


def load(data: dict | None = None, **kwargs):
    """The plan through the programs' own loader, as `load_plan` loads a plan file."""
    from kikin.challenges.models import Challenge
    from kikin.programs.services import load_program
    from kikin.rules.plan import parse_program

    program, _counts = load_program(parse_program(data or plan(**kwargs)))
    return Challenge.objects.get(program=program)


def upload(content: bytes = RANDOM_ENTRY, name: str = "entry.py") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def pdf(name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def team(challenge, handle: str, user=None, **kwargs):
    from kikin.challenges.services import register_team
    from tests import factories as f

    user = user or f.applicant()
    kwargs.setdefault("display_name", f"{handle} 株式会社")
    return register_team(actor=user, challenge=challenge, handle=handle, **kwargs), user
