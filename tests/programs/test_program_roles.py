"""The program's own evaluations (000 lines 5371–5377) and Q-LEAP's program directors per
technology area (004 lines 278–301)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from tests import factories as f

from kikin.accounts.models import Role
from kikin.programs import services
from kikin.programs.models import Program
from kikin.programs.selectors import program_evaluations
from kikin.rules.plan import ProgramEvaluation
from kikin.rules.schedule import program_evaluation_due_dates

pytestmark = pytest.mark.django_db
D = dt.date


def test_the_plan_schedules_an_interim_evaluation_every_three_years_and_a_post_one():
    rule = ProgramEvaluation(interim_every_years=3, post=True)
    assert program_evaluation_due_dates(D(2020, 4, 13), D(2030, 3, 31), rule) == [
        ("interim", D(2023, 4, 13)),
        ("interim", D(2026, 4, 13)),
        ("interim", D(2029, 4, 13)),
        ("post", D(2030, 4, 1)),
    ]
    assert program_evaluation_due_dates(D(2020, 4, 13), D(2030, 3, 31), None) == []


def test_the_ministry_records_its_evaluations(plan):
    rows = program_evaluations(plan)
    assert [r["kind"] for r in rows] == ["interim", "interim", "interim", "post"]
    ministry, agency = f.user(Role.MINISTRY), f.user(Role.AGENCY)
    due = rows[0]["due"]
    with pytest.raises(PermissionDenied):
        services.record_program_evaluation(
            actor=agency, program=plan, kind="interim", due_date=due, held_on=due, result="良"
        )
    with pytest.raises(ValidationError) as e:
        services.record_program_evaluation(
            actor=ministry,
            program=plan,
            kind="interim",
            due_date=D(2024, 1, 1),
            held_on=due,
            result="良",
        )
    assert "due_date" in e.value.message_dict
    services.record_program_evaluation(
        actor=ministry,
        program=plan,
        kind="interim",
        due_date=due,
        held_on=D(2023, 6, 1),
        result="概ね順調",
    )
    assert program_evaluations(plan)[0]["record"].result == "概ね順調"


@pytest.fixture
def qleap(plan):
    return Program.objects.get(code="q-leap")


def test_a_program_director_per_area_sets_policy_and_budget(qleap):
    agency, pd, other = f.user(Role.AGENCY), f.user(Role.AGENCY), f.user(Role.AGENCY)
    area = qleap.items.get(number=1)
    services.appoint_area_director(actor=agency, item=area, user=pd, appointed_on=D(2025, 4, 1))
    policy = services.set_area_policy(
        actor=pd,
        item=area,
        fiscal_year=2026,
        policy="超伝導量子コンピュータの試作機を優先する。",
        benchmarks="量子ビット数、ゲート忠実度",
        budget_yen=8 * 10**8,
    )
    assert policy.budget_yen == 8 * 10**8
    for bad, field in ((5 * 10**8, "budget_yen"), (12 * 10**8 + 1, "budget_yen")):
        with pytest.raises(ValidationError) as e:
            services.set_area_policy(
                actor=pd, item=area, fiscal_year=2026, policy="x", benchmarks="y", budget_yen=bad
            )
        assert field in e.value.message_dict
    with pytest.raises(ValidationError) as e:  # the program ends with FY2027
        services.set_area_policy(
            actor=pd, item=area, fiscal_year=2028, policy="x", benchmarks="y", budget_yen=6 * 10**8
        )
    assert "fiscal_year" in e.value.message_dict
    with pytest.raises(PermissionDenied):
        services.set_area_policy(
            actor=other,
            item=area,
            fiscal_year=2026,
            policy="x",
            benchmarks="y",
            budget_yen=6 * 10**8,
        )
    # A new appointment ends the previous one.
    services.appoint_area_director(actor=agency, item=area, user=other, appointed_on=D(2026, 10, 1))
    assert services.current_director(area).user == other


def test_only_areas_the_plan_gives_a_director(qleap, plan):
    agency = f.user(Role.AGENCY)
    for item in (plan.items.get(number=1), qleap.items.get(number=4)):
        with pytest.raises(ValidationError):
            services.appoint_area_director(
                actor=agency, item=item, user=f.user(Role.AGENCY), appointed_on=D(2025, 4, 1)
            )
