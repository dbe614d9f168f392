"""The selection's scores (000 lines 5165–5180; the scale is our design): a reviewer's weighted
score on 0–100 to three decimals, and the committee's mean."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from kikin.rules.scoring import committee_score, weighted_score


@dataclass(frozen=True)
class C:
    code: str
    weight: int
    max_score: int = 5


RUBRIC = [C("policy_fit", 1), C("technology", 2), C("feasibility", 2), C("cost", 1)]


def test_full_and_empty_marks():
    assert weighted_score(RUBRIC, dict.fromkeys([c.code for c in RUBRIC], 5)) == Decimal("100.000")
    assert weighted_score(RUBRIC, dict.fromkeys([c.code for c in RUBRIC], 0)) == Decimal("0.000")


def test_weights_count_and_the_third_decimal_rounds_half_up():
    # (1·4 + 2·5 + 2·3 + 1·2) / (6·5) = 22/30 = 73.3333… → 73.333
    values = {"policy_fit": 4, "technology": 5, "feasibility": 3, "cost": 2}
    assert weighted_score(RUBRIC, values) == Decimal("73.333")
    # 1/3 of 5 on one criterion of weight 3, max 3: 2/3·100 = 66.6666… → 66.667
    assert weighted_score([C("x", 3, 3)], {"x": 2}) == Decimal("66.667")
    # 0.0005 exactly rounds up: 1/200000 of 100 = 0.0005
    assert weighted_score([C("x", 1, 200_000)], {"x": 1}) == Decimal("0.001")


def test_a_missing_value_or_a_weightless_rubric_is_refused():
    with pytest.raises(KeyError):
        weighted_score(RUBRIC, {"policy_fit": 1})
    with pytest.raises(ValueError):
        weighted_score([C("x", 0)], {"x": 3})


def test_committee_score_is_the_mean_of_the_scores_given():
    assert committee_score([]) is None
    assert committee_score([None, None]) is None
    assert committee_score([Decimal("80.000")]) == Decimal("80.000")
    assert committee_score([Decimal("80.000"), None, Decimal("70.001")]) == Decimal("75.001")
    # (1.000 + 1.000 + 1.001) / 3 = 1.000333… → 1.000; (0.001 + 0.002) / 2 = 0.0015 → 0.002
    assert committee_score([Decimal(1), Decimal(1), Decimal("1.001")]) == Decimal("1.000")
    assert committee_score([Decimal("0.001"), Decimal("0.002")]) == Decimal("0.002")
