from decimal import Decimal
from itertools import product

import pytest

from kikin.rules.errors import MissingValueError, RuleError
from kikin.rules.leakage import ACTS, prior_consultation_required

GROUNDS = (
    "forced_transfer_risk",
    "counterparty_broke_norms_5y",
    "foreign_government_influence",
    "ministry_requested",
)
OTHER_ACTS = [a for a in ACTS if a != "production_abroad"]


@pytest.mark.parametrize("act", OTHER_ACTS)
@pytest.mark.parametrize("flags", list(product((False, True), repeat=4)))
def test_truth_table_for_acts_that_always_count(act, flags):
    grounds = dict(zip(GROUNDS, flags, strict=True))
    required, reasons = prior_consultation_required(act, **grounds)
    assert required is any(flags)
    if required:
        assert reasons == [f"act_{act}"] + [g for g, on in grounds.items() if on]
    else:
        assert reasons == ["no_risk_known"]


D = Decimal


@pytest.mark.parametrize(
    ("new_site", "capacity", "local", "risk", "required", "reasons"),
    [
        (False, D("10"), D("0"), True, False, ["production_capacity_increase_10_or_less"]),
        (False, D("10.0"), D("0"), True, False, ["production_capacity_increase_10_or_less"]),
        (
            False,
            D("10.01"),
            D("0"),
            True,
            True,
            ["production_capacity_increase_over_10", "forced_transfer_risk"],
        ),
        (
            False,
            D("50"),
            D("84.9"),
            True,
            True,
            ["production_capacity_increase_over_10", "forced_transfer_risk"],
        ),
        (False, D("50"), D("85"), True, False, ["production_local_consumption_85"]),
        (False, D("50"), D("100"), True, False, ["production_local_consumption_85"]),
        (True, None, D("84"), True, True, ["production_new_site", "forced_transfer_risk"]),
        (True, None, D("85"), True, False, ["production_local_consumption_85"]),
        (True, D("0"), D("0"), True, True, ["production_new_site", "forced_transfer_risk"]),
        (False, D("50"), D("0"), False, False, ["no_risk_known"]),
        (
            False,
            D("5"),
            D("0"),
            False,
            False,
            ["production_capacity_increase_10_or_less", "no_risk_known"],
        ),
        (True, None, D("90"), False, False, ["production_local_consumption_85", "no_risk_known"]),
    ],
)
def test_production_abroad(new_site, capacity, local, risk, required, reasons):
    got = prior_consultation_required(
        "production_abroad",
        capacity_increase_percent=capacity,
        local_consumption_percent=local,
        forced_transfer_risk=risk,
        new_site=new_site,
    )
    assert got == (required, reasons)


def test_production_abroad_ministry_request_alone_is_enough():
    assert prior_consultation_required(
        "production_abroad",
        capacity_increase_percent=D("20"),
        local_consumption_percent=D("10"),
        ministry_requested=True,
    ) == (True, ["production_capacity_increase_over_10", "ministry_requested"])


def test_production_abroad_needs_its_figures():
    with pytest.raises(MissingValueError) as e:
        prior_consultation_required("production_abroad", capacity_increase_percent=D("20"))
    assert e.value.field == "local_consumption_percent"
    with pytest.raises(MissingValueError) as e:
        prior_consultation_required("production_abroad", local_consumption_percent=D("20"))
    assert e.value.field == "capacity_increase_percent"


def test_bad_values_are_refused():
    with pytest.raises(RuleError) as e:
        prior_consultation_required("export")
    assert e.value.field == "act"
    with pytest.raises(RuleError) as e:
        prior_consultation_required(
            "production_abroad",
            capacity_increase_percent=D("20"),
            local_consumption_percent=D("101"),
        )
    assert e.value.field == "local_consumption_percent"
    with pytest.raises(RuleError) as e:
        prior_consultation_required(
            "production_abroad", capacity_increase_percent=D("-1"), local_consumption_percent=D("1")
        )
    assert e.value.field == "capacity_increase_percent"
