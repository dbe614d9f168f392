"""Compute pools and allocations: agency-only writes, never more hours than the pool has (under a
row lock, also when two officers allocate at once), schedules inside both periods."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from kikin.accounts.models import OrganisationCategory
from kikin.compute import services
from kikin.compute.models import Allocation, PlannedMonth

from .helpers import geniac_award

pytestmark = pytest.mark.django_db


def pool_for(award, agency, hours=1_000, **kw):
    data = {
        "name": "GENIAC H100 pool",
        "provider": "Google Cloud",
        "accelerator_type": "H100",
        "hours_bought": hours,
        "price_per_hour_yen": 3_000,
        "starts_on": award.start_date,
        "ends_on": award.period_end,
        "call": award.call,
    }
    data.update(kw)
    return services.create_pool(actor=agency, **data)


def test_award_dates_and_rate_from_the_rules(plan, staff):
    award, _app = geniac_award(plan, staff)
    assert award.rate == "2/3" and award.period_months == 6
    fixed, _ = geniac_award(plan, staff, call_key="2023-11", category=OrganisationCategory.SME)
    assert fixed.rate == "1" and fixed.rate_label == "定額"
    large, _ = geniac_award(plan, staff, category=OrganisationCategory.LARGE)
    assert large.rate == "1/2"


def test_only_the_agency_writes_pools_and_allocations(plan, staff):
    award, applicant = geniac_award(plan, staff)
    for actor in (applicant, staff.ministry, staff.reviewer):
        with pytest.raises(PermissionDenied):
            pool_for(award, actor)
    pool = pool_for(award, staff.agency)
    for actor in (applicant, staff.ministry):
        with pytest.raises(PermissionDenied):
            services.allocate(actor=actor, pool=pool, award=award, hours=10)
    a = services.allocate(actor=staff.agency, pool=pool, award=award, hours=10)
    with pytest.raises(PermissionDenied):
        services.change_allocation(
            actor=staff.ministry, allocation=a, hours=5, starts_on=a.starts_on, ends_on=a.ends_on
        )
    with pytest.raises(PermissionDenied):
        services.change_pool_hours(actor=applicant, pool=pool, hours_bought=5_000, note="追加購入")


def test_allocations_never_exceed_the_pool(plan, staff):
    a1, _ = geniac_award(plan, staff)
    a2, _ = geniac_award(plan, staff)
    a3, _ = geniac_award(plan, staff)
    pool = pool_for(a1, staff.agency, hours=1_000)
    first = services.allocate(actor=staff.agency, pool=pool, award=a1, hours=600)
    assert first.code == a1.number and (first.starts_on, first.ends_on) == (
        a1.start_date,
        a1.period_end,
    )
    services.allocate(actor=staff.agency, pool=pool, award=a2, hours=400)  # exactly what is left
    with pytest.raises(ValidationError) as exc:
        services.allocate(actor=staff.agency, pool=pool, award=a3, hours=1)
    assert "hours" in exc.value.message_dict and "0" in exc.value.message_dict["hours"][0]
    with pytest.raises(ValidationError) as exc:
        services.change_allocation(
            actor=staff.agency,
            allocation=first,
            hours=601,
            starts_on=first.starts_on,
            ends_on=first.ends_on,
        )
    assert "hours" in exc.value.message_dict
    services.change_allocation(
        actor=staff.agency,
        allocation=first,
        hours=500,
        starts_on=first.starts_on,
        ends_on=first.ends_on,
    )
    services.allocate(actor=staff.agency, pool=pool, award=a3, hours=100)
    assert sum(Allocation.objects.filter(pool=pool).values_list("hours", flat=True)) == 1_000
    # The pool cannot shrink below what is allocated; it may grow.
    with pytest.raises(ValidationError):
        services.change_pool_hours(actor=staff.agency, pool=pool, hours_bought=999, note="返却")
    services.change_pool_hours(actor=staff.agency, pool=pool, hours_bought=1_500, note="追加購入")
    # One allocation per developer and pool.
    with pytest.raises(ValidationError) as exc:
        services.allocate(actor=staff.agency, pool=pool, award=a1, hours=1)
    assert "award" in exc.value.message_dict


def test_schedule_by_month_and_periods(plan, staff):
    award, _ = geniac_award(plan, staff)
    pool = pool_for(award, staff.agency)
    start = award.start_date
    with pytest.raises(ValidationError) as exc:
        services.allocate(
            actor=staff.agency,
            pool=pool,
            award=award,
            hours=300,
            monthly={start: 100, start.replace(month=start.month + 1): 100},
        )
    assert "monthly" in exc.value.message_dict  # 200 planned for 300
    with pytest.raises(ValidationError) as exc:
        services.allocate(
            actor=staff.agency,
            pool=pool,
            award=award,
            hours=300,
            starts_on=start - dt.timedelta(days=1),
            ends_on=start + dt.timedelta(days=30),
        )
    assert "starts_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.allocate(
            actor=staff.agency,
            pool=pool,
            award=award,
            hours=100,
            monthly={dt.date(start.year + 1, 1, 1): 100},
        )
    assert any(k.startswith("monthly.") for k in exc.value.message_dict)
    a = services.allocate(
        actor=staff.agency,
        pool=pool,
        award=award,
        hours=300,
        starts_on=start,
        ends_on=start + dt.timedelta(days=75),
        monthly={
            start: 100,
            start.replace(month=start.month + 1): 150,
            start.replace(month=start.month + 2): 50,
        },
    )
    assert list(PlannedMonth.objects.filter(allocation=a).values_list("hours", flat=True)) == [
        100,
        150,
        50,
    ]


def test_pool_needs_a_geniac_call_or_a_cycle(plan, staff):
    award, _ = geniac_award(plan, staff)
    with pytest.raises(ValidationError) as exc:
        pool_for(award, staff.agency, call=None)
    assert "call" in exc.value.message_dict
    pool = pool_for(award, staff.agency, call=None, cycle_label="Cycle 2")
    assert pool.cycle_label == "Cycle 2"


def test_pool_of_another_call_is_refused(plan, staff):
    award, _ = geniac_award(plan, staff)
    other, _ = geniac_award(plan, staff, call_key="2023-11")
    pool = pool_for(award, staff.agency)
    with pytest.raises(ValidationError) as exc:
        services.allocate(actor=staff.agency, pool=pool, award=other, hours=1)
    assert "award" in exc.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_two_officers_allocating_the_last_hours_at_once(plan, staff):
    """Both ask for 600 of 1,000 hours at the same moment: the pool's row lock (PostgreSQL) or
    the write lock (SQLite) lets exactly one through."""
    a1, _ = geniac_award(plan, staff)
    a2, _ = geniac_award(plan, staff)
    pool = pool_for(a1, staff.agency, hours=1_000)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(award):
        try:
            barrier.wait(timeout=10)
            services.allocate(actor=staff.agency, pool=pool, award=award, hours=600)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in (a1, a2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["ok", "refused"], (connection.vendor, outcomes)
    assert Allocation.objects.filter(pool=pool).count() == 1
