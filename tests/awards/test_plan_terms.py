"""Awards follow their theme's declared terms (000; rules.md §2, §4): the cap ledger opened by
gates and raised by acceleration or the ministry, continuation R&D end to end, intermediate
milestones, the GX commitment at each gate and the move into another item."""

import datetime as dt
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from kikin.awards import selectors, services
from kikin.awards.models import BudgetKind, CapKind, GateOutcome, MilestoneState
from kikin.programs.models import Program
from tests import factories as f
from tests.factories import adopted

pytestmark = pytest.mark.django_db
OKU = 10**8
US_ADVISER = {"name": "Example Inc.", "country": "US", "role": "adviser"}


def line(day, amount, category="personnel"):
    return {"category": category, "description": "研究費", "incurred_on": day, "amount_yen": amount}


def gate(agency, award, outcome="pass", **kw):
    held = kw.pop("held_on", award.stage_gate_due)
    return services.decide_stage_gate(
        actor=agency, award=award, held_on=held, outcome=outcome, **kw
    )


def test_a_growing_cap_opens_its_next_total_at_each_passed_gate(plan, clock):
    """(d1): 700億円 to the first gate, 3,300億円 in total to the second, 8,665億円 to the third
    (lines 5025–5037), opened by the gate decision in the award's ledger."""
    p, _app, _m, agency = adopted(
        plan,
        "2-d1",
        set_value=None,
        period_months=36,
        requested=(300 * OKU, 300 * OKU, 100 * OKU),
        partners=[US_ADVISER],
    )
    award = services.create_award(actor=agency, proposal=p)
    clock(award.last_day)  # today is the work's last day: its gates have been held
    first = services.current_cap(award)
    assert (first.kind, first.cap_yen, first.scope, first.gate_number) == (
        CapKind.PLAN,
        700 * OKU,
        "first_gate",
        1,
    )
    gate(agency, award)
    second = services.current_cap(award)
    assert (second.kind, second.cap_yen, second.gate_number) == (CapKind.TRANCHE, 3300 * OKU, 2)
    gate(agency, award, held_on=award.stage_gate_due + dt.timedelta(days=60))
    assert services.current_cap(award).cap_yen == 8665 * OKU


def test_a_failed_gate_opens_nothing(plan, clock):
    p, _app, _m, agency = adopted(
        plan,
        "2-d1",
        set_value=None,
        period_months=36,
        requested=(300 * OKU,) * 2,
        partners=[US_ADVISER],
    )
    award = services.create_award(actor=agency, proposal=p)
    clock(award.stage_gate_due)  # the day of the gate
    gate(agency, award, outcome="fail")
    assert services.current_cap(award).cap_yen == 700 * OKU


def test_acceleration_at_a_gate_and_a_directive_move_the_cap(plan, clock):
    """Acceleration approved at a gate raises the cap (lines 4968–4974); the ministry may raise
    or cut any budget (lines 4804–4808)."""
    p, _app, ministry, agency = adopted(
        plan, "2-a", set_value=None, period_months=36, requested=(100 * OKU,), eligible=(200 * OKU,)
    )
    award = services.create_award(actor=agency, proposal=p)
    clock(award.stage_gate_due)  # the day of the gate
    assert services.current_cap(award).cap_yen == 380 * OKU
    fy = award.start_date.year + 1
    gate(agency, award, outcome="accelerate", budget_change_yen=50 * OKU, fiscal_year=fy)
    raised = services.current_cap(award)
    assert (raised.kind, raised.cap_yen) == (CapKind.ACCELERATION, 430 * OKU)
    services.record_directive(
        actor=ministry,
        award=award,
        issued_on=award.start_date,
        effective_from=award.stage_gate_due + dt.timedelta(days=1),
        fiscal_year=award.start_date.year,
        amount_yen=-30 * OKU,
        note="予算の縮小",
    )
    cut = services.current_cap(award)
    assert (cut.kind, cut.cap_yen) == (CapKind.CHANGE, 400 * OKU)


def test_claims_never_take_the_funds_share_past_the_cap_in_force(plan, clock):
    p, app, _m, agency = adopted(
        plan, "1-b7", set_value=None, period_months=24, requested=(3 * OKU, 2 * OKU)
    )
    award = services.create_award(actor=agency, proposal=p)
    clock(award.last_day)  # today is the work's last day: its costs have been incurred
    assert services.current_cap(award).cap_yen == 5 * OKU
    start = award.start_date
    services.submit_claim(
        actor=app, award=award, fiscal_year=start.year, lines=[line(start, 3 * OKU)]
    )
    # a directive adds budget without raising the cap past the plan's figure: the claim that
    # would pass the cap is refused even though the year's budget allows it
    award.cap_entries.update(cap_yen=4 * OKU)
    with pytest.raises(ValidationError) as e:
        services.submit_claim(
            actor=app,
            award=award,
            fiscal_year=start.year + 1,
            lines=[line(dt.date(start.year + 1, 5, 1), OKU + 1)],
        )
    assert "400,000,001" in str(e.value.message_dict["lines"])  # paid 3億円 + this 1億円 + 1 yen


# --- continuation R&D (000 lines 4406–4420, (c4) line 4860) ----------------------------------


def c4_award(plan, **kw):
    kw.setdefault("continuation_plan", "量産化に向けた継続研究開発（助成）を想定する。")
    p, app, _m, agency = adopted(
        plan, "1-c4", set_value=None, period_months=24, requested=(5 * OKU, 5 * OKU), **kw
    )
    return services.create_award(actor=agency, proposal=p), app, agency


def test_continuation_end_to_end(plan, clock):
    award, app, agency = c4_award(plan)
    first_fy = award.period_end.year  # the continuation starts on 1 April after the period
    c = services.approve_continuation(
        actor=agency,
        award=award,
        months=12,
        form="grant",
        budget_by_fy={first_fy: 4 * OKU},
        note="終了時継続評価で必要性を認めた。",
    )
    assert (c.form, c.rate, c.start_date, c.end_date, c.budget_yen) == (
        "grant",
        "1/2",
        award.period_end + dt.timedelta(days=1),
        dt.date(first_fy + 1, 3, 31),
        4 * OKU,
    )
    assert award.budget_entries.filter(kind=BudgetKind.CONTINUATION).get().amount_yen == 4 * OKU
    clock(c.end_date)  # the continuation's costs have been incurred
    claim = services.submit_claim(
        actor=app,
        award=award,
        fiscal_year=first_fy,
        budget_kind=BudgetKind.CONTINUATION,
        lines=[line(dt.date(first_fy, 6, 1), 300_000_001)],
    )
    payment = services.approve_claim(actor=agency, claim=claim)
    assert (payment.rate, payment.amount_yen) == ("1/2", 150_000_000)  # 150,000,000.5 truncated
    assert selectors.received_for_refund(award) == 0  # continuation money is left out


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"months": 37}, "months"),
        ({"form": "contract"}, "form"),
        ({"rate": Fraction(2, 3)}, "rate"),
        ({"budget_by_fy": "over"}, "budget"),
        ({"note": " "}, "note"),
        ({"months": 13}, "months"),  # would end after the program ends (2030-03-31)
    ],
)
def test_continuation_refusals(plan, kw, field):
    award, _app, agency = c4_award(plan)
    first_fy = award.period_end.year
    args = {
        "months": 12,
        "form": "grant",
        "budget_by_fy": {first_fy: 4 * OKU},
        "note": "必要性を認めた。",
    }
    args.update(kw)
    if args["budget_by_fy"] == "over":
        args["budget_by_fy"] = {first_fy: 5 * OKU + 1}  # (c4): at most 5億円
    with pytest.raises(ValidationError) as e:
        services.approve_continuation(actor=agency, award=award, **args)
    assert field in e.value.message_dict


def test_continuation_only_where_the_proposal_foresaw_it(plan):
    award, _app, agency = c4_award(plan, continuation_plan="")
    with pytest.raises(ValidationError) as e:
        services.approve_continuation(
            actor=agency,
            award=award,
            months=12,
            form="grant",
            budget_by_fy={award.period_end.year: OKU},
            note="必要性を認めた。",
        )
    assert "award" in e.value.message_dict


# --- milestones, GX, moving into ③ --------------------------------------------------------------


def test_intermediate_milestones_are_set_and_reported(plan):
    p, app, _m, agency = adopted(plan)
    award = services.create_award(actor=agency, proposal=p)
    report = award.progress_reports.order_by("due_date").first()
    [m] = services.set_milestones(
        actor=agency,
        award=award,
        milestones=[{"title": "試作機の完成", "due_date": report.due_date}],
    )
    with pytest.raises(ValidationError) as e:
        services.submit_progress_report(actor=app, report=report, summary="順調")
    assert f"milestones.{m.pk}" in e.value.message_dict
    services.submit_progress_report(
        actor=app, report=report, summary="順調", milestones={m.pk: MilestoneState.ACHIEVED}
    )
    m.refresh_from_db()
    assert m.state == MilestoneState.ACHIEVED and m.reported_in_id == report.pk


def test_item_4_sets_no_intermediate_milestones(plan):
    """000 lines 45–47: ④ 人材育成 (and (g3)) are outside the intermediate target."""
    p, _app, _m, agency = adopted(plan, "4-a", set_value=None, period_months=36)
    award = services.create_award(actor=agency, proposal=p)
    with pytest.raises(ValidationError):
        services.set_milestones(
            actor=agency, award=award, milestones=[{"title": "x", "due_date": award.period_end}]
        )


def test_a_gx_theme_passes_its_gate_only_with_the_commitment_confirmed(plan, clock):
    """000 lines 4751–4755: checked at proposal and at each stage gate."""
    p, _app, _m, agency = adopted(
        plan, "2-e1", set_value=None, period_months=36, requested=(10 * OKU,), eligible=(20 * OKU,)
    )
    assert p.gx_commitment
    award = services.create_award(actor=agency, proposal=p)
    clock(award.stage_gate_due)  # the day of the gate
    with pytest.raises(ValidationError) as e:
        gate(agency, award)
    assert "gx_commitment_confirmed" in e.value.message_dict
    review = gate(agency, award, gx_commitment_confirmed=True)
    assert review.gx_commitment_confirmed is True


def test_a_theme_moved_into_the_plans_move_target_leaves_the_refund_scheme(plan, clock):
    """①→③ at a gate (000 line 5307): the item the plan marks as a move target."""
    p, _app, _m, agency = adopted(plan)
    award = services.create_award(actor=agency, proposal=p)
    clock(award.stage_gate_due)  # the day of the gate
    assert award.system_technology
    gate(agency, award, outcome=GateOutcome.MOVE_ITEM)
    award.refresh_from_db()
    assert award.adopted_as_item == 3 and not award.system_technology
    spec = selectors.award_spec(award)
    assert spec.refund is None and spec.booking_limit is None
    assert spec.period_months == 36 and spec.stage_gate_earliest_months == 12


def test_no_move_where_the_program_has_no_move_target(plan, clock):
    Program.objects.filter(pk=plan.pk)  # the post-5G fund has one (③)
    p, _app, _m, agency = adopted(plan)
    award = services.create_award(actor=agency, proposal=p)
    clock(award.stage_gate_due)  # the day of the gate
    plan.items.update(move_target=False)
    with pytest.raises(ValidationError) as e:
        gate(agency, award, outcome=GateOutcome.MOVE_ITEM)
    assert "outcome" in e.value.message_dict


def test_geniac_eligible_costs_are_the_compute_fee_only_in_the_first_calls(plan):
    """000 lines 4711–4717: the compute fee, and outsourced data preparation only for the
    2024-07 and 2025-03 calls."""
    from kikin.programs.selectors import terms_in_force

    theme = f.theme("1-g3")
    spec = terms_in_force(theme, dt.date(2025, 1, 1)).terms.as_spec()
    assert spec.costs_for_call("2023-11") == ("compute_fee",)
    assert spec.costs_for_call("2024-07") == ("compute_fee", "data_preparation_outsourced")
    assert services.COST_KIND_CATEGORIES["compute_fee"] == {"compute"}


@pytest.mark.parametrize(("call_key", "allowed"), [("2023-11", False), ("2024-07", True)])
def test_geniac_claims_outsourced_data_preparation_only_where_the_call_allows(
    plan, call_key, allowed, clock
):
    from tests.compute.helpers import geniac_award, make_staff

    staff = make_staff()
    award, app = geniac_award(plan, staff, call_key=call_key)
    day = award.start_date + dt.timedelta(days=10)
    clock(day)  # the costs were incurred today
    from kikin.rules.fiscal import fiscal_year

    fy = fiscal_year(day)
    if allowed:
        services.submit_claim(
            actor=app, award=award, fiscal_year=fy, lines=[line(day, 1_000_000, "data_preparation")]
        )
    else:
        with pytest.raises(ValidationError) as e:
            services.submit_claim(
                actor=app,
                award=award,
                fiscal_year=fy,
                lines=[line(day, 1_000_000, "data_preparation")],
            )
        assert "lines.1.category" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.submit_claim(
            actor=app, award=award, fiscal_year=fy, lines=[line(day, 1_000_000, "travel")]
        )
    assert "lines.1.category" in e.value.message_dict
    services.submit_claim(
        actor=app, award=award, fiscal_year=fy, lines=[line(day, 1_000_000, "compute")]
    )
