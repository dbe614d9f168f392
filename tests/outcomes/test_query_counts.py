"""Constant-queries tests of the outcomes' work lists: the yearly filings and the assessments of
money that comes back (with their notices) issue as many queries for 8 awards' rows as for 2, for
the agency and the ministry."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from kikin.awards import services as awards
from kikin.outcomes.models import (
    Assessment,
    AssessmentKind,
    AssessmentState,
    Filing,
    FilingState,
)
from tests import factories as f
from tests.awards.test_query_counts import add_awards
from tests.query_counts import assert_constant_queries

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)
FILING_STATES = [FilingState.SUBMITTED, FilingState.RETURNED, FilingState.CHECKED]
KINDS = [AssessmentKind.REFUND, AssessmentKind.SELF_INVESTMENT, AssessmentKind.PAYBACK]
ASSESSMENT_STATES = [AssessmentState.DRAFT, AssessmentState.DECIDED, AssessmentState.PAID]


@pytest.fixture
def world(plan):
    p, implementer, ministry, agency = f.adopted(plan)
    award = awards.create_award(actor=agency, proposal=p)
    return {
        "award": award,
        "implementer": implementer,
        "agency": agency,
        "ministry": ministry,
        "themes": [f.theme("1-a1"), f.theme("2-d1"), f.theme("1-c8")],
    }


def with_outcomes(w, made):
    """Each award gets one filing (in a varied state) and one assessment (in a varied kind and
    state, the decided ones with their notice number) for 2028."""
    now = timezone.now()
    ks = [next(_seq) for _ in made]
    filings = Filing.objects.bulk_create(
        [
            Filing(
                award=a,
                fiscal_year=2028,
                period_start=dt.date(2028, 4, 1),
                period_end=dt.date(2029, 3, 31),
                product_sales_yen=1_000_000 * k,
                cost_of_sales_yen=400_000 * k,
                state=FILING_STATES[k % 3],
                submitted_by=w["implementer"],
                submitted_at=now,
                checked_by=w["agency"] if k % 3 == 2 else None,
                checked_at=now if k % 3 == 2 else None,
            )
            for k, a in zip(ks, made, strict=True)
        ]
    )
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                award=a,
                kind=KINDS[k % 3],
                fiscal_year=2028,
                inputs={"rows": []},
                due_yen=100_000 * k,
                amount_yen=100_000 * k,
                state=ASSESSMENT_STATES[k % 3],
                number=f"QC-{k:05d}" if k % 3 else "",
                computed_by=w["agency"],
                computed_at=now,
                decided_by=w["agency"] if k % 3 else None,
                decided_at=now if k % 3 else None,
                pay_by=dt.date(2029, 9, 30) if k % 3 else None,
            )
            for k, a in zip(ks, made, strict=True)
        ]
    )
    for assessment, filing in zip(assessments, filings, strict=True):
        assessment.filings.add(filing)
    return made


@pytest.mark.parametrize("who", ["agency", "ministry"])
@pytest.mark.parametrize("page", ["outcomes:filings", "outcomes:assessments"])
def test_outcome_lists_are_constant(world, client, who, page):
    w = world
    first = with_outcomes(w, [w["award"], *add_awards(w, 1)])
    client.force_login(w[who])
    assert_constant_queries(
        client,
        reverse(page),
        lambda: with_outcomes(w, add_awards(w, 6)),
        small=[a.number for a in first],
        large=lambda more: [a.number for a in first + more],
    )


@pytest.mark.parametrize("who", ["agency", "ministry"])
def test_a_searched_sorted_filtered_filing_list_is_constant(world, client, who):
    """Search, sort and filters (kikin.core.listing) add no query per row: the filings of the
    clones (ＣＬＯＮＥ in full-width letters), sorted by organisation, of one year."""
    w = world
    first = with_outcomes(w, add_awards(w, 2))
    client.force_login(w[who])
    assert_constant_queries(
        client,
        reverse("outcomes:filings")
        + "?q=%EF%BC%A3%EF%BC%AC%EF%BC%AF%EF%BC%AE%EF%BC%A5&sort=-organisation&year=2028",
        lambda: with_outcomes(w, add_awards(w, 6)),
        small=[a.number for a in first],
        large=lambda more: [a.number for a in first + more],
    )
