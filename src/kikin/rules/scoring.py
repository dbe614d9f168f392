"""The selection's scores: one reviewer's weighted score and the committee's mean.

Seed: 000_628dcc7e01f6f899.txt lines 5165–5180: the second review (二次採択審査) is made by NEDO or
the review committee it sets up, on technology (including practical use). The seed gives no
formula: the rubric (criteria, weights, highest scores) is the call's, and the scale below is our
design: Σ weight × score / Σ weight × highest score on 0–100, and the committee's score the mean
of the submitted reviews' scores, both to three decimals rounded half up (四捨五入).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

THOUSANDTH = Decimal("0.001")


class Criterion(Protocol):
    code: str
    weight: int
    max_score: int


def weighted_score(criteria: Iterable[Criterion], values: Mapping[str, int]) -> Decimal:
    """Σ weight × score / Σ weight × highest score, on a 0–100 scale, to three decimals (half
    up). Every criterion must have a value; a rubric whose weights are all zero is refused."""
    criteria = list(criteria)
    top = sum(c.weight * c.max_score for c in criteria)
    if top <= 0:
        raise ValueError("the rubric has no weight")
    got = sum(c.weight * values[c.code] for c in criteria)
    return (Decimal(got) * 100 / Decimal(top)).quantize(THOUSANDTH, rounding=ROUND_HALF_UP)


def committee_score(scores: Iterable[Decimal | None]) -> Decimal | None:
    """The mean of the reviews' weighted scores (None ones left out), to three decimals (half
    up), or None where there is none."""
    values = [s for s in scores if s is not None]
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(THOUSANDTH, rounding=ROUND_HALF_UP)


def ranking[K](scores: Mapping[K, Decimal | None]) -> dict[K, int]:
    """Each scored key's rank by its committee score, highest first, in the standard competition
    manner (equal scores share a rank and the next rank skips: 1, 2, 2, 4); keys without a score
    (None) have no rank and are left out. {a: 80, b: 75, c: 80, d: None} → {a: 1, c: 1, b: 3}."""
    scored = sorted(
        ((score, key) for key, score in scores.items() if score is not None),
        key=lambda pair: pair[0],
        reverse=True,
    )
    ranks: dict[K, int] = {}
    previous, rank = None, 0
    for position, (score, key) in enumerate(scored, 1):
        if score != previous:
            rank, previous = position, score
        ranks[key] = rank
    return ranks
