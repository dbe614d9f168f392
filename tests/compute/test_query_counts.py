"""Constant-queries tests of the compute lists (staff): the pools, one pool's allocations, and
the alerts on the allocations running, each as many queries at 8 rows as at 2."""

import datetime as dt

import pytest
from django.urls import reverse

from kikin.compute import services
from tests.query_counts import assert_constant_queries

from .helpers import geniac_award
from .test_pools import pool_for

pytestmark = pytest.mark.django_db


def test_pools_list_is_constant(plan, staff, client):
    award, _app = geniac_award(plan, staff)
    for i in range(2):
        pool_for(award, staff.agency, name=f"プール{i}")
    client.force_login(staff.agency)
    assert_constant_queries(
        client,
        reverse("compute:pools"),
        lambda: [pool_for(award, staff.agency, name=f"プール{i}") for i in range(2, 8)],
        small=["プール0", "プール1"],
        large=[f"プール{i}" for i in range(8)],
    )


@pytest.fixture
def allocated(plan, staff):
    """A pool and 8 GENIAC awards, the first 2 allocated hours of it; `grow()` allocates the 6
    others."""
    awards = [geniac_award(plan, staff)[0] for _ in range(8)]
    pool = pool_for(awards[0], staff.agency, hours=10_000)

    def allocate(some):
        return [
            services.allocate(actor=staff.agency, pool=pool, award=a, hours=100 + i)
            for i, a in enumerate(some)
        ]

    first = allocate(awards[:2])
    return pool, awards, first, lambda: allocate(awards[2:])


@pytest.mark.parametrize("page", ["pool", "alerts"])
def test_allocation_lists_are_constant(allocated, staff, client, page):
    pool, awards, first, grow = allocated
    if page == "pool":
        url = reverse("compute:pool", args=[pool.pk])
    else:  # no use recorded: every allocation running is flagged as leaving its hours unused
        as_of = first[0].starts_on + dt.timedelta(days=20)
        url = reverse("compute:alerts") + f"?as_of={as_of.isoformat()}"
    client.force_login(staff.agency)
    assert_constant_queries(
        client,
        url,
        grow,
        small=[a.number for a in awards[:2]],
        large=[a.number for a in awards],
    )
