"""The access rules of shared data (000 lines 1871–1881; 001 lines 4136–4139), embargo dates and
the platform duties, exhaustively on small inputs."""

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kikin.rules import data_access as r
from kikin.rules.data_management import ip_committee_required, version_in_force
from kikin.rules.errors import RuleError

DAY = dt.date(2027, 6, 1)
OK = r.Screening(declares_compliance=True, declares_no_foreign_influence=True)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (DAY - dt.timedelta(days=1), "embargoed"),
        (DAY, "open"),
        (DAY + dt.timedelta(days=1), "open"),
    ],
)
def test_an_embargo_opens_on_its_date(on, expected):
    assert r.level_in_force("embargoed", DAY, on) == expected


def test_an_embargo_needs_a_date_and_levels_are_known():
    with pytest.raises(RuleError) as exc:
        r.level_in_force("embargoed", None, DAY)
    assert exc.value.field == "embargo_until"
    with pytest.raises(RuleError):
        r.level_in_force("public", None, DAY)
    for level in ("open", "shared", "closed"):
        assert r.level_in_force(level, DAY, DAY - dt.timedelta(days=400)) == level


def decide(level="shared", checks=None, screening=OK, on=DAY, until=None):
    conditions = ["c1", "c2", "c3"]
    return r.decide_request(
        level=level,
        embargo_until=until,
        on=on,
        conditions=conditions,
        checks=dict.fromkeys(conditions, True) if checks is None else checks,
        screening=screening,
    )


def test_every_condition_met_is_approved_without_discretion():
    assert decide() == r.AccessOutcome(True, "approved")


def test_an_unmet_condition_is_refused_and_named():
    out = decide(checks={"c1": True, "c2": False, "c3": False})
    assert (out.allowed, out.code, out.details) == (False, "conditions_unmet", ("c2", "c3"))


def test_every_condition_must_be_checked_and_only_those():
    with pytest.raises(RuleError) as exc:
        decide(checks={"c1": True, "c2": True})
    assert exc.value.field == "checks.c3"
    with pytest.raises(RuleError) as exc:
        decide(checks={"c1": True, "c2": True, "c3": True, "extra": True})
    assert exc.value.field == "checks.extra"


@pytest.mark.parametrize(
    ("on_register", "compliance", "no_foreign", "reasons"),
    [
        (True, True, True, ("on_register",)),
        (False, False, True, ("no_compliance",)),
        (False, True, False, ("foreign_influence",)),
        (True, False, False, ("on_register", "no_compliance", "foreign_influence")),
    ],
)
def test_excluded_parties_are_refused_with_the_reason_even_when_conditions_are_met(
    on_register, compliance, no_foreign, reasons
):
    screening = r.Screening(on_register, compliance, no_foreign)
    out = decide(screening=screening)
    assert (out.allowed, out.code, out.details) == (False, "excluded", reasons)
    assert r.may_become_data_manager(screening).details == reasons


@pytest.mark.parametrize(
    ("level", "until", "code"),
    [
        ("open", None, "no_request_needed"),
        ("closed", None, "closed"),
        ("embargoed", DAY, "embargoed"),
    ],
)
def test_only_shared_data_is_requested(level, until, code):
    out = decide(level=level, until=until, on=DAY - dt.timedelta(days=1))
    assert (out.allowed, out.code) == (False, code)


def test_an_embargo_ended_is_open_and_needs_no_request():
    assert decide(level="embargoed", until=DAY, on=DAY).code == "no_request_needed"


def download(level, *, manager=False, grant=False, register=False, on=DAY, until=None):
    return r.may_download(
        level=level,
        embargo_until=until,
        on=on,
        is_manager=manager,
        has_grant=grant,
        on_register=register,
    )


def test_download_matrix():
    before = DAY - dt.timedelta(days=1)
    for manager, grant, register in itertools.product([True, False], repeat=3):
        # The managing organisation always holds its data.
        for level in ("open", "shared", "closed"):
            out = download(level, manager=manager, grant=grant, register=register)
            expected = manager or level == "open" or (level == "shared" and grant and not register)
            assert out.allowed == expected, (level, manager, grant, register, out)
        out = download(
            "embargoed", manager=manager, grant=grant, register=register, on=before, until=DAY
        )
        assert out.allowed == manager
        assert download("embargoed", grant=grant, register=register, on=DAY, until=DAY).allowed
    assert download("shared").code == "request_needed"
    assert download("shared", grant=True, register=True).code == "excluded"
    assert download("embargoed", on=before, until=DAY).until == DAY


@given(
    level=st.sampled_from(r.LEVELS),
    checks=st.lists(st.booleans(), min_size=3, max_size=3),
    screening=st.builds(r.Screening, st.booleans(), st.booleans(), st.booleans()),
    offset=st.integers(-3, 3),
)
def test_approved_exactly_when_shared_all_met_and_not_excluded(level, checks, screening, offset):
    on = DAY + dt.timedelta(days=offset)
    out = decide(
        level=level,
        checks=dict(zip(["c1", "c2", "c3"], checks, strict=True)),
        screening=screening,
        on=on,
        until=DAY if level == "embargoed" else None,
    )
    expected = (
        r.level_in_force(level, DAY, on) == "shared"
        and all(checks)
        and not r.exclusion_reasons(screening)
    )
    assert out.allowed == expected


@pytest.mark.parametrize(
    ("fy", "payer", "allowed"),
    [
        (2029, "fund", True),
        (2030, "fund", False),
        (2030, "data_manager", True),
        (2029, "data_manager", True),
    ],
)
def test_the_fund_never_pays_for_storage_after_the_project(fy, payer, allowed):
    assert (
        r.storage_payer_allowed(fiscal_year=fy, last_project_year=2029, payer=payer).allowed
        is allowed
    )


def test_platform_duties_each_with_its_line():
    duties = r.platform_duties(
        sectors=["industry"],
        conditions_written=True,
        storage_committed=False,
        open_instructions=1,
        manager_screening=OK,
        unanswered_feedback=0,
    )
    status = {d.code: d.met for d in duties}
    assert status == {
        "industry_and_academia": False,
        "link_instructions": False,
        "storage_after_project": False,
        "conditions_written": True,
        "manager_not_excluded": True,
        "feedback_answered": True,
    }
    assert {d.code: d.line for d in duties}["manager_not_excluded"] == 1881
    met = r.platform_duties(
        sectors=["industry", "academia"],
        conditions_written=True,
        storage_committed=True,
        open_instructions=0,
        manager_screening=OK,
        unanswered_feedback=0,
    )
    assert all(d.met for d in met)
    none = r.platform_duties(
        sectors=[],
        conditions_written=False,
        storage_committed=False,
        open_instructions=0,
        manager_screening=None,
        unanswered_feedback=2,
    )
    assert not {d.code: d.met for d in none}["manager_not_excluded"]


def test_ip_committee_for_contracts_only():
    assert ip_committee_required("contract") and not ip_committee_required("grant")


def test_version_in_force_is_the_latest_submitted_by_then():
    t = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    versions = [(t, 1), (t + dt.timedelta(days=10), 2), (t + dt.timedelta(days=20), 3)]
    assert version_in_force(versions, t - dt.timedelta(seconds=1)) is None
    assert version_in_force(versions, t) == 1
    assert version_in_force(versions, t + dt.timedelta(days=15)) == 2
    assert version_in_force(list(reversed(versions)), t + dt.timedelta(days=30)) == 3
