"""The demo's research data: every access level with an approved request, the demo award's plan,
IP committee and platform, GENIAC's first data-use demonstration adoptees, the Materials DX
figures; loading it twice changes nothing."""

import pytest

from kikin.accounts.demo import load_demo_users
from kikin.awards.demo import load_demo_award
from kikin.calls.demo import load_demo_call
from kikin.datasets.demo import GENIAC_ADOPTEES, load_demo_datasets
from kikin.datasets.models import DataPlatform, Dataset, RequestState
from kikin.datasets.selectors import platform_duties, platform_kpis

pytestmark = pytest.mark.django_db


def test_demo_research_data(plan):
    load_demo_users()
    load_demo_call()
    award = load_demo_award()
    first = load_demo_datasets()
    assert load_demo_datasets() == first
    levels = set(Dataset.objects.filter(state="published").values_list("access_level", flat=True))
    assert levels == {"open", "shared", "closed", "embargoed"}
    shared = Dataset.objects.get(access_level="shared")
    assert shared.requests.get().state == RequestState.APPROVED
    assert award.data_plan.versions.count() == 1 and award.ip_committees.count() == 1
    adoptees = DataPlatform.objects.filter(code__startswith="geniac-data-use-1-")
    assert sorted(p.data_manager.name_ja for p in adoptees) == sorted(a[0] for a in GENIAC_ADOPTEES)
    assert {p.seed_line for p in adoptees} == {250, 253, 255}
    demo = DataPlatform.objects.get(code="demo-5gcore-ops")
    assert all(d.met for d in platform_duties(demo))
    kpis = {r.kpi.metric: r for r in platform_kpis()[0]["rows"]}
    assert kpis["facility_uses"].meets and not kpis["data_items_created"].meets
