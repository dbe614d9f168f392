"""Constant-queries tests of the research-data list pages: the datasets, the access requests, the
platforms (with their outcome figures), the data management plans and the excluded parties each
issue as many queries at 8 rows as at 2, for the role that sees them."""

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from kikin.accounts.models import Role
from kikin.awards import services as awards
from kikin.datasets.models import (
    DataManagementPlan,
    DataManagementPlanVersion,
    DataPlatform,
    ExcludedParty,
    IPCommittee,
    Metric,
    PlatformKpi,
)
from tests import factories as f
from tests.awards.test_query_counts import add_awards
from tests.datasets import helpers as h
from tests.query_counts import assert_constant_queries

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def test_dataset_list_is_constant(client):
    p = h.people()
    first = h.bulk_published(2, p.manager)
    url = reverse("datasets:list")

    def grow():
        more = h.bulk_published(6, p.manager, platform=None)
        more.append(h.published(p.manager, "shared"))
        more.append(h.published(p.manager, "embargoed"))
        return more

    assert_constant_queries(
        client,
        url,
        grow,
        small=[d.identifier for d in first],
        large=lambda more: [d.identifier for d in first + more],
    )
    client.force_login(p.manager)  # the data manager also sees the requests to check
    assert_constant_queries(client, url, lambda: h.bulk_published(6, p.manager))
    assert_constant_queries(client, url + "?mine=1", lambda: h.bulk_published(6, p.manager))


def test_request_list_is_constant(client):
    p = h.people()
    datasets = [h.published(p.manager, "shared") for _ in range(8)]
    requesters = [f.applicant() for _ in range(8)]
    first = [h.request(datasets[i], requesters[i]) for i in range(2)]
    mine = [h.request(d, p.user) for d in datasets[:2]]

    def grow_to_check():
        return [h.request(datasets[i], requesters[i]) for i in range(2, 8)]

    client.force_login(p.manager)  # the data manager: the requests waiting for the check
    assert_constant_queries(
        client,
        reverse("datasets:requests"),
        grow_to_check,
        small=[reverse("datasets:request", args=[r.pk]) for r in first],
        large=lambda more: [reverse("datasets:request", args=[r.pk]) for r in first + more],
    )
    client.force_login(p.user)  # a requester: their own requests
    assert_constant_queries(
        client,
        reverse("datasets:requests"),
        lambda: [h.request(d, p.user) for d in datasets[2:]],
        small=[reverse("datasets:request", args=[r.pk]) for r in mine],
        large=lambda more: [reverse("datasets:request", args=[r.pk]) for r in mine + more],
    )


def platforms(n, program):
    """`n` platforms, each with its data manager, every other one of `program`, with two KPIs."""
    made = DataPlatform.objects.bulk_create(
        [
            DataPlatform(
                code=f"qc-platform-{k}",
                name_ja=f"試験基盤{k}",
                name_en=f"Test platform {k}",
                data_manager=f.organisation(),
                program=program if k % 2 else None,
            )
            for k in (next(_seq) for _ in range(n))
        ]
    )
    PlatformKpi.objects.bulk_create(
        [
            PlatformKpi(
                platform=p,
                metric=metric,
                title_ja="施設利用件数",
                title_en="Facility uses",
                target=100,
                fiscal_year=2027,
                period_ja="令和9年度",
                period_en="FY2027",
            )
            for p in made
            for metric in (Metric.FACILITY_USES, Metric.DATA_ITEMS_CREATED)
        ]
    )
    return made


def test_platform_list_is_constant(plan, client):
    first = platforms(2, plan)
    assert_constant_queries(
        client,
        reverse("datasets:platforms"),
        lambda: platforms(6, plan),
        small=[f"kpis-{p.code}" for p in first],
        large=lambda more: [f"kpis-{p.code}" for p in first + more],
    )


def award_world(plan):
    p, implementer, _ministry, agency = f.adopted(plan)
    award = awards.create_award(actor=agency, proposal=p)
    return {
        "award": award,
        "implementer": implementer,
        "agency": agency,
        "themes": [f.theme("1-a1"), f.theme("2-d1"), f.theme("1-c8")],
    }


def with_plans(w, made):
    """Every other award gets a data plan of two versions and an IP committee."""
    now = timezone.now()
    given = made[::2]
    plans = DataManagementPlan.objects.bulk_create([DataManagementPlan(award=a) for a in given])
    DataManagementPlanVersion.objects.bulk_create(
        [
            DataManagementPlanVersion(
                plan=dp,
                number=n,
                manager_name="研究 太郎",
                manager_organisation="試験大学",
                access_policy="shared",
                retention="10年",
                submitted_by=w["implementer"],
                submitted_at=now,
            )
            for dp in plans
            for n in (1, 2)
        ]
    )
    IPCommittee.objects.bulk_create(
        [IPCommittee(award=a, established_on=now.date(), created_by=w["agency"]) for a in given]
    )
    return made


def test_plan_list_is_constant(plan, client):
    w = award_world(plan)
    first = with_plans(w, [w["award"], *add_awards(w, 1)])
    client.force_login(w["agency"])
    assert_constant_queries(
        client,
        reverse("datasets:plans"),
        lambda: with_plans(w, add_awards(w, 6)),
        small=[a.number for a in first],
        large=lambda more: [a.number for a in first + more],
    )


def test_excluded_list_is_constant(client):
    agency = f.user(Role.AGENCY)

    def parties(n):
        return ExcludedParty.objects.bulk_create(
            [
                ExcludedParty(
                    organisation=f.organisation() if k % 2 else None,
                    user=None if k % 2 else f.applicant(),
                    reason=f"理由{k}",
                    recorded_by=agency,
                    lifted_at=timezone.now() if k % 3 == 0 else None,
                    lifted_by=agency if k % 3 == 0 else None,
                )
                for k in (next(_seq) for _ in range(n))
            ]
        )

    first = parties(2)
    client.force_login(agency)
    assert_constant_queries(
        client,
        reverse("datasets:excluded"),
        lambda: parties(6),
        small=[p.reason for p in first],
        large=lambda more: [p.reason for p in first + more],
    )


def test_a_searched_sorted_filtered_dataset_list_is_constant(client):
    """Search, sort and filters (kikin.core.listing) add no query per row: ｄａｔａｓｅｔ in
    full-width letters, sorted by title, open data of the data manager's organisation."""
    p = h.people()
    first = h.bulk_published(3, p.manager)  # open, shared, closed
    url = (
        reverse("datasets:list")
        + "?q=%EF%BD%84%EF%BD%81%EF%BD%94%EF%BD%81%EF%BD%93%EF%BD%85%EF%BD%94&sort=-title"
        + "&access=open&mine=1"
    )
    client.force_login(p.manager)
    assert_constant_queries(
        client,
        url,
        lambda: h.bulk_published(9, p.manager),
        small=[first[0].identifier],
        large=lambda more: [d.identifier for d in first + more if d.access_level == "open"],
    )
