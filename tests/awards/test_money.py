"""Awards, claims and payments at the rules' boundaries, and the stage gate's end date."""

import datetime as dt
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kikin.awards import selectors, services
from kikin.awards.models import AwardForm, AwardState, BudgetKind, ClaimState
from kikin.rules.schedule import end_if_gate_failed
from tests import factories as f
from tests.factories import adopted
from tests.security.files import tiny_pdf

pytestmark = pytest.mark.django_db


def line(day, amount, **kw):
    return {
        "category": "personnel",
        "description": "研究員人件費",
        "incurred_on": day,
        "amount_yen": amount,
        **kw,
    }


def test_contract_award_from_an_adopted_proposal(plan):
    p, _app, _m, agency = adopted(plan)
    award = services.create_award(actor=agency, proposal=p)
    assert award.form == AwardForm.CONTRACT and award.rate == "1"
    assert award.proposal_contract_yen == 3_000_000_000
    assert award.period_end == dt.date(p.start_date.year + 3, 3, 31)
    assert award.stage_gate_due == dt.date(p.start_date.year + 1, 10, 1)  # 18 months
    assert award.system_technology
    assert award.gate_reviews.get().scheduled_for == award.stage_gate_due
    with pytest.raises(ValidationError):
        services.create_award(actor=agency, proposal=p)  # one award per proposal


def test_grant_payment_is_eligible_times_rate_truncated_plus_fixed_lines(plan, clock):
    # (c8): a grant at 1/2.
    p, app, _m, agency = adopted(
        plan,
        "1-c8",
        set_value=None,
        requested=(500_000_000, 500_000_000),
        eligible=(1_000_000_000, 1_000_000_000),
    )
    award = services.create_award(actor=agency, proposal=p)
    clock(award.last_day)  # today is the work's last day: every date below has passed
    assert award.form == AwardForm.GRANT and award.rate_fraction == Fraction(1, 2)
    fy = award.start_date.year
    claim = services.submit_claim(
        actor=app,
        award=award,
        fiscal_year=fy,
        lines=[
            line(award.start_date, 100_000_001),
            line(award.start_date, 20_000_000, category="joint_research", fixed_amount=True),
        ],
    )
    lines = list(claim.lines.all())
    payment = services.approve_claim(actor=agency, claim=claim, eligible={lines[0].pk: 99_999_999})
    assert payment.eligible_yen == 119_999_999
    assert (
        payment.amount_yen == 49_999_999 + 20_000_000
    )  # 99,999,999 × 1/2 = 49,999,999.5 → 49,999,999
    assert [line.eligible_yen for line in claim.lines.all()] == [99_999_999, 20_000_000]


def test_claims_outside_the_period_or_above_the_budget_are_refused(plan, clock):
    p, app, _m, agency = adopted(plan)
    award = services.create_award(actor=agency, proposal=p)
    clock(award.last_day)  # today is the work's last day: every date below has passed
    fy = award.start_date.year
    with pytest.raises(ValidationError) as exc:
        services.submit_claim(
            actor=app,
            award=award,
            fiscal_year=fy,
            lines=[line(award.start_date - dt.timedelta(days=1), 1)],
        )
    assert "lines.1.incurred_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.submit_claim(
            actor=app, award=award, fiscal_year=fy, lines=[line(award.start_date, 1_000_000_001)]
        )
    assert "lines" in exc.value.message_dict and "1,000,000,000" in " ".join(
        exc.value.message_dict["lines"]
    )
    # Exactly the budget is accepted; then nothing is left.
    services.submit_claim(
        actor=app, award=award, fiscal_year=fy, lines=[line(award.start_date, 1_000_000_000)]
    )
    with pytest.raises(ValidationError):
        services.submit_claim(
            actor=app, award=award, fiscal_year=fy, lines=[line(award.start_date, 1)]
        )
    with pytest.raises(ValidationError) as exc:
        services.submit_claim(
            actor=app, award=award, fiscal_year=fy + 5, lines=[line(award.start_date, 1)]
        )
    assert "fiscal_year" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.submit_claim(
            actor=f.applicant(), award=award, fiscal_year=fy, lines=[line(award.start_date, 1)]
        )


def test_eighty_percent_boundary(plan, clock):
    p, app, _m, agency = adopted(plan, requested=(1_500_000_000, 1_000_000_000, 500_000_000))
    award = services.create_award(actor=agency, proposal=p)
    clock(award.last_day)  # today is the work's last day: every date below has passed
    fy = award.start_date.year
    services.approve_claim(
        actor=agency,
        claim=services.submit_claim(
            actor=app, award=award, fiscal_year=fy, lines=[line(award.start_date, 1_500_000_000)]
        ),
    )
    limit_day = dt.date(fy + 2, 1, 1)
    # 24億円 = 80 % of 30億円: 15億 booked; 9億 more up to the limit day is allowed, 9億 + 1 is not.
    with pytest.raises(ValidationError) as exc:
        services.submit_claim(
            actor=app, award=award, fiscal_year=fy + 1, lines=[line(limit_day, 900_000_001)]
        )
    assert "80" in " ".join(exc.value.message_dict["lines"])
    services.submit_claim(
        actor=app, award=award, fiscal_year=fy + 1, lines=[line(limit_day, 900_000_000)]
    )
    # A cost the day after the limit is not counted against the 80 %.
    services.submit_claim(
        actor=app,
        award=award,
        fiscal_year=fy + 1,
        lines=[line(limit_day + dt.timedelta(days=1), 100_000_000)],
    )


def test_acceleration_lifts_the_eighty_percent_rule_and_is_kept_apart(plan, clock):
    p, app, _m, agency = adopted(plan, requested=(1_500_000_000, 1_000_000_000, 500_000_000))
    award = services.create_award(actor=agency, proposal=p)
    clock(award.last_day)  # today is the work's last day: every date below has passed
    fy = award.start_date.year
    services.approve_claim(
        actor=agency,
        claim=services.submit_claim(
            actor=app, award=award, fiscal_year=fy, lines=[line(award.start_date, 1_500_000_000)]
        ),
    )
    services.decide_stage_gate(
        actor=agency,
        award=award,
        held_on=dt.date(fy + 1, 9, 1),
        outcome="accelerate",
        budget_change_yen=400_000_000,
        fiscal_year=fy + 1,
    )
    award.refresh_from_db()
    assert award.accelerated
    services.approve_claim(
        actor=agency,
        claim=services.submit_claim(
            actor=app,
            award=award,
            fiscal_year=fy + 1,
            lines=[line(dt.date(fy + 1, 10, 1), 1_000_000_000)],
        ),
    )
    services.approve_claim(
        actor=agency,
        claim=services.submit_claim(
            actor=app,
            award=award,
            fiscal_year=fy + 1,
            budget_kind=BudgetKind.ACCELERATION,
            lines=[line(dt.date(fy + 1, 10, 2), 400_000_000)],
        ),
    )
    assert selectors.received_for_refund(award) == 2_500_000_000  # acceleration money kept apart


def test_failed_gate_sets_the_end_date(plan, clock):
    p, app, _m, agency = adopted(plan)
    award = services.create_award(actor=agency, proposal=p)
    clock(award.last_day)  # today is the work's last day: every date below has passed
    held = award.stage_gate_due - dt.timedelta(days=10)
    review_ = services.decide_stage_gate(
        actor=agency, award=award, held_on=held, outcome="fail", note="目標未達"
    )
    award.refresh_from_db()
    assert award.state == AwardState.TERMINATED
    rules = award.theme.program.plan_rules().stage_gate
    assert (
        award.end_date
        == review_.new_end_date
        == end_if_gate_failed(held, 36, award.period_end, rules)
    )
    assert (award.end_date.year * 12 + award.end_date.month) - (held.year * 12 + held.month) == 3
    # Costs after the new end date are outside the period.
    with pytest.raises(ValidationError) as exc:
        services.submit_claim(
            actor=app,
            award=award,
            fiscal_year=award.end_date.year
            if award.end_date.month >= 4
            else award.end_date.year - 1,
            lines=[line(award.end_date + dt.timedelta(days=1), 1)],
        )
    assert any(k.endswith("incurred_on") for k in exc.value.message_dict)


def test_only_agency_approves_and_only_ministry_directs(plan, clock):
    p, app, ministry, agency = adopted(plan)
    award = services.create_award(actor=agency, proposal=p)
    clock(award.last_day)  # today is the work's last day: every date below has passed
    claim = services.submit_claim(
        actor=app,
        award=award,
        fiscal_year=award.start_date.year,
        lines=[line(award.start_date, 10)],
    )
    with pytest.raises(PermissionDenied):
        services.approve_claim(actor=app, claim=claim)
    services.refuse_claim(actor=agency, claim=claim, reason="証憑なし")
    claim.refresh_from_db()
    assert claim.state == ClaimState.REFUSED
    with pytest.raises(PermissionDenied):
        services.record_directive(
            actor=agency,
            award=award,
            issued_on=award.start_date,
            effective_from=award.start_date,
            fiscal_year=award.start_date.year,
            amount_yen=-1,
            note="削減",
        )
    services.record_directive(
        actor=ministry,
        award=award,
        issued_on=award.start_date,
        effective_from=award.start_date,
        fiscal_year=award.start_date.year,
        amount_yen=-500_000_000,
        note="予算削減の指示",
    )
    assert selectors.budget_left(award, award.start_date.year, BudgetKind.BASE) == 500_000_000


def test_claim_evidence_is_checked_kept_and_only_shown_to_those_entitled(
    plan, client, settings, tmp_path, clock
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path
    p, app, _m, agency = adopted(plan)
    award = services.create_award(actor=agency, proposal=p)
    clock(award.last_day)  # today is the work's last day: every date below has passed
    with pytest.raises(ValidationError) as exc:
        services.submit_claim(
            actor=app,
            award=award,
            fiscal_year=award.start_date.year,
            lines=[
                line(award.start_date, 10, evidence=SimpleUploadedFile("receipt.pdf", b"GIF89a..."))
            ],
        )
    assert "lines.1.evidence" in exc.value.message_dict
    claim = services.submit_claim(
        actor=app,
        award=award,
        fiscal_year=award.start_date.year,
        lines=[
            line(
                award.start_date, 10, evidence=SimpleUploadedFile("領収書.pdf", tiny_pdf("receipt"))
            )
        ],
    )
    ln = claim.lines.get()
    client.force_login(agency)
    response = client.get(reverse("awards:evidence", args=[award.pk, ln.pk]))
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(f.applicant())
    assert client.get(reverse("awards:evidence", args=[award.pk, ln.pk])).status_code == 404
