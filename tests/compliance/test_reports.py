"""Leakage-prevention reports, shortcomings and the committee's resolution (000 lines 6400–6462)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from kikin.accounts.models import Role
from kikin.audit.models import AuditRecord
from kikin.awards import services as awards
from kikin.awards.models import AwardState
from kikin.compliance import selectors, services
from kikin.compliance.models import LeakageReport, ReportState, Shortcoming, ShortcomingState
from kikin.core.timeutil import clock_at
from kikin.rules.deadlines import shortcoming_due_date
from tests import factories as f

from .helpers import MEASURES, make_award, report

pytestmark = pytest.mark.django_db

D = dt.date


def actions(obj):
    return list(
        AuditRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.mark.parametrize(
    ("pointed_out", "due"),
    [
        (D(2026, 3, 31), D(2027, 3, 31)),  # last day of FY2025 → end of FY2026
        (D(2026, 4, 1), D(2028, 3, 31)),  # first day of FY2026 → end of FY2027
        (D(2026, 1, 15), D(2027, 3, 31)),
        (D(2025, 12, 31), D(2027, 3, 31)),
    ],
)
def test_due_date_is_the_end_of_the_next_fiscal_year(pointed_out, due):
    assert shortcoming_due_date(pointed_out) == due


@pytest.mark.parametrize(
    ("day", "due"), [(D(2026, 3, 31), D(2027, 3, 31)), (D(2026, 4, 1), D(2028, 3, 31))]
)
def test_insufficient_assessment_opens_a_shortcoming_due_at_the_fy_boundary(world, day, due):
    r = report(world, day)
    assert r.state == ReportState.SUBMITTED and r.fiscal_year == (2025 if day.month == 3 else 2026)
    services.assess_report(
        actor=world.agency,
        report=r,
        sufficient=False,
        findings="退職者の誓約が未取得",
        assessed_on=day,
    )
    s = Shortcoming.objects.get(award=world.award)
    assert (s.opened_on, s.due_date, s.state, s.opened_by_id) == (
        day,
        due,
        ShortcomingState.OPEN,
        r.pk,
    )
    r.refresh_from_db()
    assert r.state == ReportState.INSUFFICIENT and r.findings == "退職者の誓約が未取得"
    assert actions(r) == ["leakage.report_submit", "leakage.report_assess"]
    assert actions(s) == ["leakage.shortcoming_open"]


def test_a_later_sufficient_report_closes_the_shortcoming(world):
    first = report(world, D(2025, 10, 1))
    services.assess_report(
        actor=world.agency,
        report=first,
        sufficient=False,
        findings="取引先の管理が不十分",
        assessed_on=D(2025, 10, 1),
    )
    s = Shortcoming.objects.get(award=world.award)
    assert s.due_date == D(2027, 3, 31)
    # A second insufficient report does not restart the clock.
    second = report(world, D(2026, 2, 1))
    services.assess_report(
        actor=world.agency,
        report=second,
        sufficient=False,
        findings="まだ不十分",
        assessed_on=D(2026, 2, 1),
    )
    assert Shortcoming.objects.filter(award=world.award).count() == 1
    s.refresh_from_db()
    assert s.state == ShortcomingState.OPEN and s.due_date == D(2027, 3, 31)
    third = report(world, D(2026, 3, 15))
    services.assess_report(
        actor=world.agency, report=third, sufficient=True, assessed_on=D(2026, 3, 16)
    )
    s.refresh_from_db()
    assert (s.state, s.closed_by_id, s.closed_on) == (
        ShortcomingState.FIXED,
        third.pk,
        D(2026, 3, 16),
    )
    assert actions(s) == ["leakage.shortcoming_open", "leakage.shortcoming_fixed"]
    assert not selectors.unfixed_shortcomings(
        D(2030, 1, 1)
    ).exists()  # fixed in time: never for the committee
    # A new insufficient assessment opens a new shortcoming.
    fourth = report(world, D(2026, 4, 1))
    services.assess_report(
        actor=world.agency,
        report=fourth,
        sufficient=False,
        findings="再発",
        assessed_on=D(2026, 4, 1),
    )
    assert Shortcoming.objects.get(award=world.award, state=ShortcomingState.OPEN).due_date == D(
        2028, 3, 31
    )


def test_a_sufficient_report_for_the_same_committee_or_before_does_not_close(world):
    late = report(world, D(2025, 12, 1))
    earlier = report(world, D(2025, 11, 1))
    services.assess_report(
        actor=world.agency,
        report=late,
        sufficient=False,
        findings="不十分",
        assessed_on=D(2025, 12, 1),
    )
    services.assess_report(
        actor=world.agency, report=earlier, sufficient=True, assessed_on=D(2025, 12, 2)
    )
    assert Shortcoming.objects.get(award=world.award).state == ShortcomingState.OPEN


def test_report_checks_and_resubmission(world):
    with pytest.raises(ValidationError) as exc:
        services.submit_report(
            actor=world.applicant,
            award=world.award,
            committee_date=D(2025, 3, 31),
            **{**MEASURES, "access_control": " ", "staff_with_access": 0},
        )
    assert {"committee_date", "access_control", "staff_with_access"} <= set(exc.value.message_dict)
    r = report(world, D(2025, 9, 1))
    again = report(world, D(2025, 9, 1), staff_with_access=9)
    assert again.pk == r.pk and again.staff_with_access == 9
    assert LeakageReport.objects.filter(award=world.award).count() == 1
    with pytest.raises(ValidationError) as exc:  # not before the committee, not in the future
        services.assess_report(
            actor=world.agency, report=r, sufficient=True, assessed_on=D(2025, 8, 31)
        )
    assert "assessed_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.assess_report(
            actor=world.agency, report=r, sufficient=True, assessed_on=D(2026, 4, 2)
        )
    assert "assessed_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.assess_report(
            actor=world.agency, report=r, sufficient=False, findings="", assessed_on=D(2025, 9, 1)
        )
    assert "findings" in exc.value.message_dict
    services.assess_report(actor=world.agency, report=r, sufficient=True, assessed_on=D(2025, 9, 1))
    with pytest.raises(ValidationError):
        report(world, D(2025, 9, 1))  # assessed: final
    with pytest.raises(ValidationError):
        services.assess_report(
            actor=world.agency, report=r, sufficient=False, findings="x", assessed_on=D(2025, 9, 2)
        )


def test_requested_report_is_due_until_submitted(world):
    r = services.request_report(actor=world.agency, award=world.award, committee_date=D(2026, 6, 1))
    assert r.state == ReportState.REQUESTED and list(selectors.reports_outstanding()) == [r]
    with pytest.raises(ValidationError):
        services.request_report(actor=world.agency, award=world.award, committee_date=D(2026, 6, 1))
    filled = report(world, D(2026, 6, 1))
    assert filled.pk == r.pk and filled.state == ReportState.SUBMITTED
    assert not selectors.reports_outstanding().exists()
    assert list(selectors.reports_to_assess()) == [filled]


def test_report_roles(world):
    for actor in (world.agency, world.ministry, f.applicant(), f.reviewer()):
        with pytest.raises(PermissionDenied):
            services.submit_report(
                actor=actor, award=world.award, committee_date=D(2025, 9, 1), **MEASURES
            )
    r = report(world, D(2025, 9, 1))
    for actor in (world.applicant, world.ministry, f.reviewer()):
        with pytest.raises(PermissionDenied):
            services.assess_report(
                actor=actor, report=r, sufficient=True, assessed_on=D(2025, 9, 1)
            )
        with pytest.raises(PermissionDenied):
            services.request_report(actor=actor, award=world.award, committee_date=D(2026, 9, 1))


POINTED_OUT = D(2025, 6, 1)


def _unfixed(world, pointed_out=POINTED_OUT):
    r = report(world, pointed_out)
    services.assess_report(
        actor=world.agency,
        report=r,
        sufficient=False,
        findings="アクセス権者が多すぎる",
        assessed_on=pointed_out,
    )
    return Shortcoming.objects.get(award=world.award, state=ShortcomingState.OPEN)


def test_unfixed_flag_from_the_day_after_the_due_date(world, plan):
    s = _unfixed(world)
    assert s.due_date == D(2027, 3, 31)
    assert not selectors.unfixed_shortcomings(D(2027, 3, 31)).exists()
    assert list(selectors.unfixed_shortcomings(D(2027, 4, 1))) == [s]
    assert list(selectors.awards_with_unfixed_shortcoming(D(2027, 4, 1))) == [world.award]
    assert s.unfixed_by_due_date(D(2027, 4, 1)) and not s.unfixed_by_due_date(D(2027, 3, 31))
    # Another award's shortcoming, fixed in time: not flagged.
    other = make_award(plan)
    s2 = _unfixed(other, D(2025, 7, 1))
    fix = report(other, D(2026, 3, 1))
    services.assess_report(
        actor=other.agency, report=fix, sufficient=True, assessed_on=D(2026, 3, 1)
    )
    assert list(selectors.unfixed_shortcomings(D(2027, 4, 1))) == [s]
    assert s2.pk != s.pk


def test_fixed_late_still_goes_to_the_committee(world, clock):
    s = _unfixed(world)
    clock.today = D(2027, 5, 1)
    late = report(world, D(2027, 4, 10))
    services.assess_report(
        actor=world.agency, report=late, sufficient=True, assessed_on=D(2027, 4, 10)
    )
    s.refresh_from_db()
    assert s.state == ShortcomingState.FIXED and s.closed_on == D(2027, 4, 10)
    assert list(selectors.unfixed_shortcomings(D(2027, 5, 1))) == [s]
    services.decide_on_unfixed_shortcoming(
        actor=world.agency,
        shortcoming=s,
        resolution="continue",
        reason="遅れたが是正済み",
        decided_on=D(2027, 5, 1),
    )
    assert not selectors.unfixed_shortcomings(D(2027, 5, 1)).exists()


def _pay(world, amount):
    fy = world.award.budget_entries.order_by("fiscal_year").first().fiscal_year
    line = {
        "category": "personnel",
        "description": "人件費",
        "incurred_on": D(fy, 4, 1),
        "amount_yen": amount,
    }
    with clock_at(line["incurred_on"]):  # claimed and paid on the day the cost was incurred
        claim = awards.submit_claim(
            actor=world.applicant, award=world.award, fiscal_year=fy, lines=[line]
        )
        return awards.approve_claim(actor=world.agency, claim=claim)


def test_stop_the_theme_and_reclaim_within_the_money_paid(world, clock):
    _pay(world, 100_000_000)
    _pay(world, 23_456_789)
    paid = 123_456_789
    assert services.money_paid(world.award) == paid
    s = _unfixed(world)
    clock.today = D(2027, 4, 2)
    with pytest.raises(ValidationError) as exc:  # not before the due date has passed
        services.decide_on_unfixed_shortcoming(
            actor=world.agency,
            shortcoming=s,
            resolution="stop",
            reason="中止",
            decided_on=D(2027, 3, 31),
        )
    assert "shortcoming" in exc.value.message_dict
    for actor in (world.applicant, world.ministry):
        with pytest.raises(PermissionDenied):
            services.decide_on_unfixed_shortcoming(
                actor=actor,
                shortcoming=s,
                resolution="stop",
                reason="中止",
                decided_on=D(2027, 4, 1),
            )
    with pytest.raises(ValidationError) as exc:
        services.decide_on_unfixed_shortcoming(
            actor=world.agency,
            shortcoming=s,
            resolution="stop",
            reason="中止",
            decided_on=D(2027, 4, 1),
            reclaim_yen=paid + 1,
        )
    assert "reclaim_yen" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.decide_on_unfixed_shortcoming(
            actor=world.agency,
            shortcoming=s,
            resolution="stop",
            reason="中止",
            decided_on=D(2027, 4, 1),
            reclaim_yen=-1,
        )
    assert "reclaim_yen" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.decide_on_unfixed_shortcoming(
            actor=world.agency,
            shortcoming=s,
            resolution="continue",
            reason="継続",
            decided_on=D(2027, 4, 1),
            reclaim_yen=1,
        )
    assert "reclaim_yen" in exc.value.message_dict
    world.award.refresh_from_db()
    assert (
        world.award.state == AwardState.ACTIVE and world.award.end_date is None
    )  # refusals changed nothing
    services.decide_on_unfixed_shortcoming(
        actor=world.agency,
        shortcoming=s,
        resolution="stop",
        reason="翌年度も改善なし",
        decided_on=D(2027, 4, 1),
        reclaim_yen=paid,
        end_date=D(2027, 4, 30),
    )
    s.refresh_from_db()
    world.award.refresh_from_db()
    assert (s.state, s.reclaim_yen, s.decided_on, s.end_date) == (
        ShortcomingState.STOPPED,
        paid,
        D(2027, 4, 1),
        D(2027, 4, 30),
    )
    assert (world.award.state, world.award.end_date) == (AwardState.TERMINATED, D(2027, 4, 30))
    assert actions(world.award)[-1] == "award.terminate"
    assert actions(s)[-1] == "leakage.shortcoming_decide"
    with pytest.raises(ValidationError):  # once only
        services.decide_on_unfixed_shortcoming(
            actor=world.agency,
            shortcoming=s,
            resolution="continue",
            reason="x",
            decided_on=D(2027, 4, 2),
        )
    with pytest.raises(ValidationError):  # a stopped theme reports no more
        report(world, D(2027, 6, 1))


def test_stop_defaults_to_the_day_of_the_resolution_and_reclaims_nothing_without_payments(
    world, clock
):
    s = _unfixed(world)
    clock.today = D(2027, 4, 2)
    with pytest.raises(ValidationError) as exc:
        services.decide_on_unfixed_shortcoming(
            actor=world.agency,
            shortcoming=s,
            resolution="stop",
            reason="中止",
            decided_on=D(2027, 4, 1),
            reclaim_yen=1,
        )
    assert "reclaim_yen" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.decide_on_unfixed_shortcoming(
            actor=world.agency,
            shortcoming=s,
            resolution="stop",
            reason="中止",
            decided_on=D(2027, 4, 1),
            end_date=D(2030, 4, 1),
        )
    assert "end_date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.decide_on_unfixed_shortcoming(
            actor=world.agency,
            shortcoming=s,
            resolution="stop",
            reason=" ",
            decided_on=D(2027, 4, 1),
        )
    assert "reason" in exc.value.message_dict
    services.decide_on_unfixed_shortcoming(
        actor=world.agency,
        shortcoming=s,
        resolution="stop",
        reason="中止",
        decided_on=D(2027, 4, 1),
    )
    world.award.refresh_from_db()
    assert world.award.end_date == D(2027, 4, 1) and world.award.state == AwardState.TERMINATED


def test_database_keeps_one_open_shortcoming_per_award_and_no_negative_reclaim(world):
    s = _unfixed(world)
    other = report(world, D(2025, 8, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Shortcoming.objects.create(
            award=world.award,
            opened_by=other,
            opened_on=D(2025, 8, 1),
            findings="x",
            due_date=D(2027, 3, 31),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Shortcoming.objects.filter(pk=s.pk).update(state=ShortcomingState.STOPPED, reclaim_yen=-1)


def test_money_paid_counts_every_payment(world):
    assert services.money_paid(world.award) == 0
    _pay(world, 5)
    assert services.money_paid(world.award) == 5
    assert world.agency.role == Role.AGENCY
