"""Money that comes back, end to end: filings → checked → assessment → decided notice → paid.

The refund, the self-investment return and revenue payback at the rules' boundaries (000 lines
4506–4690, 4731–4741, 別紙1 5483–5535). Awards start next fiscal year (the factories' proposals);
the work and the evaluation years lie years ahead, so the fund's clock is moved to a later
"today" (`today`), and each claim is made on the day its cost was incurred — the only things
these tests move.
"""

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from kikin.awards import selectors as award_selectors
from kikin.awards import services as awards
from kikin.awards.models import AwardState
from kikin.core import timeutil
from kikin.core.timeutil import clock_at
from kikin.outcomes import services
from kikin.outcomes.models import AssessmentKind, AssessmentState, FilingState, SetValueChange
from kikin.rules import refund as refund_rules
from kikin.rules.returns import revenue_payback
from tests import factories as f
from tests.factories import adopted
from tests.jobs.follow import body, follow_job, job_of

pytestmark = pytest.mark.django_db

BILLION = 1_000_000_000


@pytest.fixture
def today(clock):
    """Move the fund's clock ("today", JST) to a chosen date (None: the machine's again)."""
    return clock


def claim_and_pay(award, app, agency, fy, amount, *, on=None, kind="base", eligible=None):
    day = on or dt.date(fy, 4, 1)
    with clock_at(max(day, timeutil.today())):  # claimed once the cost has been incurred
        claim = awards.submit_claim(
            actor=app,
            award=award,
            fiscal_year=fy,
            budget_kind=kind,
            lines=[
                {
                    "category": "personnel",
                    "description": "研究員人件費",
                    "incurred_on": day,
                    "amount_yen": amount,
                }
            ],
        )
        line = claim.lines.get()
        return awards.approve_claim(
            actor=agency,
            claim=claim,
            eligible={line.pk: eligible if eligible is not None else amount},
        )


def file_checked(app, agency, award, fy, *, sales=0, **kw):
    filing = services.submit_filing(
        actor=app, award=award, fiscal_year=fy, product_sales_yen=sales, **kw
    )
    return services.check_filing(actor=agency, filing=filing, accept=True)


def contract_award(plan, **kw):
    p, app, ministry, agency = adopted(plan, "1-a1", **kw)
    award = awards.create_award(actor=agency, proposal=p)
    start = award.start_date.year
    for i in range(3):
        claim_and_pay(award, app, agency, start + i, BILLION)
    return award, app, ministry, agency


def sales_for(award, *, baseline=(BILLION, BILLION), window=(0, 0, 0)):
    start = award.start_date.year
    years = dict(zip(refund_rules.baseline_years(start), baseline, strict=True))
    years.update(zip(refund_rules.sales_window(start), window, strict=True))
    return years


# --- R&D cost refund ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("best", "expected_refund", "achieved"),
    [
        # baseline mean 1,000,000,000.5 (half a yen); received 3,000,000,000; set value 2.5
        (
            8_350_000_000,
            480_000_000,
            "2.4",
        ),  # increase 7,349,999,999.5 → 2.4499… → 2.4 < 2.5: 40 − 24 = 16 %
        (8_350_000_001, 0, "2.5"),  # increase 7,350,000,000.5 → 2.4500… → 2.5 = set value: nothing
    ],
)
def test_refund_at_the_rounding_boundary_from_filings_to_notice(
    plan, today, best, expected_refund, achieved
):
    award, app, _ministry, agency = contract_award(plan)
    start = award.start_date.year
    evaluation_fy = start + 7
    today(dt.date(evaluation_fy, 6, 1))
    sales = sales_for(award, baseline=(BILLION, BILLION + 1), window=(BILLION, best, 2 * BILLION))
    for fy, amount in sales.items():
        file_checked(app, agency, award, fy, sales=amount)
    assessment = services.compute_refund(actor=agency, award=award)
    assert assessment.fiscal_year == evaluation_fy
    assert assessment.amount_yen == expected_refund
    rows = {r["name"]: r for r in assessment.inputs["rows"]}
    assert rows["baseline_mean"]["value"] == "2000000001/2"
    assert rows["received"]["value"] == str(3 * BILLION)
    assert rows["achieved_value"]["value"] == achieved
    assert rows["set_value"]["value"] == "2.5"
    # every sales figure points to its filing
    window_rows = [r for r in assessment.inputs["rows"] if r["name"] == "window_sales"]
    assert {r["fy"] for r in window_rows} == set(refund_rules.sales_window(start))
    assert all(r["filing"] for r in window_rows)
    assert assessment.filings.count() == 5
    # and the rules engine agrees, from the same numbers
    spec = award_selectors.award_spec(award)
    result = refund_rules.evaluate_refund(
        spec, start_fy=start, received_yen=3 * BILLION, set_value=Decimal("2.5"), sales_by_fy=sales
    )
    assert result.refund_yen == expected_refund

    decided = services.decide_assessment(
        actor=agency,
        assessment=assessment,
        pay_by=dt.date(evaluation_fy, 9, 30) if expected_refund else None,
    )
    assert (
        decided.state == AssessmentState.DECIDED and decided.number == f"RF-{evaluation_fy}-00001"
    )
    with pytest.raises(ValidationError):
        services.compute_refund(actor=agency, award=award)  # a decided refund stays as decided


def test_refund_rate_above_four_is_nothing_and_one_or_less_is_half(plan, today):
    award, app, _m, agency = contract_award(plan, set_value="4.5")
    today(dt.date(award.start_date.year + 7, 4, 1))
    # achieved 4.1 < 4.5, but above 4.0: 0 %
    for fy, amount in sales_for(
        award, window=(BILLION + Fraction(41, 10) * 3 * BILLION, 0, 0)
    ).items():
        file_checked(app, agency, award, fy, sales=int(amount))
    a = services.compute_refund(actor=agency, award=award)
    assert {r["name"]: r["value"] for r in a.inputs["rows"]}["achieved_value"] == "4.1"
    assert a.amount_yen == 0

    today(None)  # back to the machine's today to make the second proposal in an open call
    award2, app2, _m2, agency2 = contract_award(plan, set_value="2.0")
    today(dt.date(award2.start_date.year + 7, 4, 1))
    # achieved exactly 1.0: 50 %
    for fy, amount in sales_for(award2, window=(BILLION + 3 * BILLION, 0, 0)).items():
        file_checked(app2, agency2, award2, fy, sales=amount)
    assert services.compute_refund(actor=agency2, award=award2).amount_yen == 1_500_000_000


def test_refund_excludes_acceleration_money_and_needs_every_year_checked(plan, today):
    p, app, _ministry, agency = adopted(plan, "1-a1")
    award = awards.create_award(actor=agency, proposal=p)
    start = award.start_date.year
    today(award.start_date + dt.timedelta(days=200))  # the day of the gate
    awards.decide_stage_gate(
        actor=agency,
        award=award,
        held_on=award.start_date + dt.timedelta(days=200),
        outcome="accelerate",
        budget_change_yen=500_000_000,
        fiscal_year=start + 1,
    )
    claim_and_pay(award, app, agency, start, BILLION)
    claim_and_pay(award, app, agency, start + 1, 500_000_000, kind="acceleration")
    assert award_selectors.received_for_refund(award) == BILLION
    today(dt.date(start + 7, 5, 1))
    sales = sales_for(award, window=(BILLION + 2 * BILLION, 0, 0))  # increase 2.0 × received
    filings = {
        fy: services.submit_filing(actor=app, award=award, fiscal_year=fy, product_sales_yen=s)
        for fy, s in sales.items()
    }
    with pytest.raises(ValidationError) as exc:
        services.compute_refund(actor=agency, award=award)
    first_fy = min(sales)
    assert f"filings.{first_fy}" in exc.value.message_dict  # names the year that is not yet checked
    for filing in filings.values():
        services.check_filing(actor=agency, filing=filing, accept=True)
    a = services.compute_refund(actor=agency, award=award)
    rows = {r["name"]: r["value"] for r in a.inputs["rows"]}
    assert rows["received"] == str(BILLION) and rows["achieved_value"] == "2.0"
    assert a.amount_yen == BILLION * 20 // 100  # r = 2.0 < 2.5: 40 − 20 = 20 %


def test_set_value_raised_during_the_work_and_lowered_only_with_the_ministry(plan, today):
    award, app, ministry, agency = contract_award(plan)
    start = award.start_date.year
    with pytest.raises(ValidationError) as exc:
        services.change_set_value(
            actor=agency, award=award, new_value=Decimal("2.54"), reason="上方修正"
        )
    assert "new_value" in exc.value.message_dict  # 2.54 rounds to 2.5: no change
    raised = services.change_set_value(
        actor=agency,
        award=award,
        new_value=Decimal("3.0"),
        reason="市場拡大",
        requested_on=award.start_date + dt.timedelta(days=30),
    )
    assert raised.direction == SetValueChange.Direction.RAISE and raised.state == "applied"
    award.refresh_from_db()
    assert award.set_value == Decimal("3.0")
    with pytest.raises(ValidationError):  # raised after the work: refused
        services.change_set_value(
            actor=agency,
            award=award,
            new_value=Decimal("3.5"),
            reason="x",
            requested_on=award.period_end + dt.timedelta(days=1),
        )
    lowered = services.change_set_value(
        actor=agency,
        award=award,
        new_value=Decimal("2.2"),
        reason="パンデミックによる需要消失",
        requested_on=award.period_end + dt.timedelta(days=10),
    )
    assert lowered.state == "pending"
    award.refresh_from_db()
    assert award.set_value == Decimal("3.0")  # not before the ministry accepts
    with pytest.raises(PermissionDenied):
        services.decide_set_value_change(actor=agency, change=lowered, accept=True)
    services.decide_set_value_change(
        actor=ministry, change=lowered, accept=True, note="不可抗力と認める"
    )
    award.refresh_from_db()
    assert award.set_value == Decimal("2.2")
    # the refund uses the set value in force: achieved 2.1 < 2.2 → 40 − 21 = 19 %
    today(dt.date(start + 7, 4, 1))
    for fy, amount in sales_for(
        award, window=(BILLION + Fraction(21, 10) * 3 * BILLION, 0, 0)
    ).items():
        file_checked(app, agency, award, fy, sales=int(amount))
    a = services.compute_refund(actor=agency, award=award)
    assert a.amount_yen == 3 * BILLION * 19 // 100
    rows = {r["name"]: r for r in a.inputs["rows"]}
    assert [c["to"] for c in rows["set_value"]["changes"]] == ["3.0", "2.2"]


def test_refund_refused_for_a_theme_ended_early_and_before_its_year(plan, today):
    award, _app, _m, agency = contract_award(plan)
    today(dt.date(award.start_date.year + 6, 6, 1))
    with pytest.raises(ValidationError) as exc:
        services.compute_refund(actor=agency, award=award)
    assert "fiscal_year" in exc.value.message_dict
    awards.decide_stage_gate(
        actor=agency, award=award, held_on=award.stage_gate_due, outcome="fail", note="未達"
    )
    today(dt.date(award.start_date.year + 7, 6, 1))
    with pytest.raises(ValidationError) as exc:
        services.compute_refund(actor=agency, award=award)
    assert "award" in exc.value.message_dict


# --- Filings ------------------------------------------------------------------------------------


def test_filings_own_accounting_year_and_the_same_basis_every_year(plan, today):
    award, app, _m, agency = contract_award(plan)
    fy = award.start_date.year - 2
    today(dt.date(award.start_date.year + 1, 1, 1))
    with pytest.raises(
        ValidationError
    ) as exc:  # ends on 31 March: that is the government year itself
        services.submit_filing(
            actor=app,
            award=award,
            fiscal_year=fy,
            basis="own",
            period_start=dt.date(fy, 4, 1),
            period_end=dt.date(fy + 1, 3, 31),
            product_sales_yen=1,
        )
    assert "period_end" in exc.value.message_dict
    filing = services.submit_filing(
        actor=app,
        award=award,
        fiscal_year=fy,
        basis="own",
        period_start=dt.date(fy, 1, 1),
        period_end=dt.date(fy, 12, 31),
        product_sales_yen=5,
        other_sales_yen=2,
        other_sales_breakdown="保守費 2円",
    )
    assert filing.sales_yen == 7 and filing.state == FilingState.SUBMITTED
    with pytest.raises(ValidationError) as exc:
        services.submit_filing(
            actor=app, award=award, fiscal_year=fy + 1, product_sales_yen=1
        )  # government year now
    assert "basis" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.submit_filing(
            actor=app,
            award=award,
            fiscal_year=fy + 1,
            basis="own",
            period_start=dt.date(fy + 1, 1, 1),
            period_end=dt.date(fy + 1, 12, 31),
            other_sales_yen=3,
        )
    assert "other_sales_breakdown" in exc.value.message_dict  # other sales need their breakdown
    with pytest.raises(ValidationError) as exc:  # a year not yet ended
        services.submit_filing(
            actor=app, award=award, fiscal_year=award.start_date.year + 1, product_sales_yen=1
        )
    assert "fiscal_year" in exc.value.message_dict or "basis" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.submit_filing(
            actor=f.applicant(), award=award, fiscal_year=fy, product_sales_yen=1
        )
    services.check_filing(actor=agency, filing=filing, accept=True)
    with pytest.raises(ValidationError):  # checked: locked
        services.submit_filing(
            actor=app,
            award=award,
            fiscal_year=fy,
            basis="own",
            period_start=dt.date(fy, 1, 1),
            period_end=dt.date(fy, 12, 31),
            product_sales_yen=9,
        )
    services.reopen_filing(actor=agency, filing=filing, reason="売上高の誤記")
    corrected = services.submit_filing(
        actor=app,
        award=award,
        fiscal_year=fy,
        basis="own",
        period_start=dt.date(fy, 1, 1),
        period_end=dt.date(fy, 12, 31),
        product_sales_yen=9,
    )
    assert (
        corrected.pk == filing.pk
        and corrected.product_sales_yen == 9
        and corrected.state == FilingState.SUBMITTED
    )


# --- Self-investment return ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("burdens", "expected"),
    [
        (
            (200_000_000, 200_000_000, 200_000_000),
            0,
        ),  # burden = pledge × received / proposal: nothing
        ((200_000_000, 200_000_000, 199_999_999), 1),  # one yen short: one yen back
    ],
)
def test_self_investment_return_at_the_boundary(plan, today, burdens, expected):
    award, app, _m, agency = contract_award(plan, self_investment_yen=600_000_000)
    assert award.pledged_self_investment_yen == 600_000_000
    start = award.start_date.year
    today(dt.date(start + 3, 5, 1))
    for i, burden in enumerate(burdens):
        file_checked(app, agency, award, start + i, self_burden_yen=burden)
    a = services.compute_self_investment(actor=agency, award=award)
    assert a.kind == AssessmentKind.SELF_INVESTMENT and a.amount_yen == expected
    rows = {r["name"]: r["value"] for r in a.inputs["rows"]}
    assert rows["pledge_scaled"] == "600000000" and rows["actual_burden"] == str(sum(burdens))


def test_self_investment_scaled_by_money_received_and_carried_into_later_years(plan, today):
    p, app, _m, agency = adopted(plan, "1-a1", self_investment_yen=600_000_000)
    award = awards.create_award(actor=agency, proposal=p)
    start = award.start_date.year
    claim_and_pay(award, app, agency, start, BILLION)
    claim_and_pay(award, app, agency, start + 1, BILLION)  # 2 of 3 billion received
    today(dt.date(start + 3, 5, 1))
    for i in range(3):
        file_checked(app, agency, award, start + i, self_burden_yen=100_000_000)
    first = services.compute_self_investment(actor=agency, award=award)
    assert first.due_yen == 600_000_000 * 2 // 3 - 300_000_000 == 100_000_000
    services.decide_assessment(actor=agency, assessment=first, pay_by=dt.date(start + 3, 7, 31))
    today(dt.date(start + 4, 5, 1))
    later = services.compute_self_investment(actor=agency, award=award)
    assert (
        later.fiscal_year == start + 4
        and later.earlier_yen == 100_000_000
        and later.amount_yen == 0
    )


# --- Revenue payback ----------------------------------------------------------------------------


def test_revenue_payback_yearly_with_earlier_years_carried(plan, today):
    p, app, _m, agency = adopted(
        plan,
        "1-c8",
        set_value=None,
        requested=(500_000_000, 500_000_000),
        eligible=(BILLION, BILLION),
    )
    award = awards.create_award(actor=agency, proposal=p)
    start = award.start_date.year
    claim_and_pay(award, app, agency, start, BILLION)  # eligible 1e9 × 1/2 → 5e8
    today(dt.date(start + 3, 6, 1))
    # FY start: a loss; nothing is due while A − B ≤ 0
    file_checked(app, agency, award, start, cost_of_sales_yen=100_000_000)
    first = services.compute_payback(actor=agency, award=award, fiscal_year=start)
    assert first.amount_yen == 0
    services.decide_assessment(actor=agency, assessment=first)
    # FY start+1: profit 1.3e9 with 3/4 contribution: A = −1e8 + 9.75e8 = 8.75e8 < B = 1e9 → 0
    file_checked(
        app,
        agency,
        award,
        start + 1,
        sales=2_000_000_000,
        cost_of_sales_yen=500_000_000,
        sga_yen=200_000_000,
        contribution_ratio="3/4",
    )
    second = services.compute_payback(actor=agency, award=award, fiscal_year=start + 1)
    assert second.amount_yen == 0
    services.decide_assessment(actor=agency, assessment=second)
    # FY start+2: +5e8 (ratio 1) and 2.5e8 spent after the work: A = 1.375e9, A − B = 3.75e8,
    # × C / D = 5e8 / 1.25e9 → 1.5e8
    file_checked(app, agency, award, start + 2, sales=500_000_000, spending_after_yen=250_000_000)
    third = services.compute_payback(actor=agency, award=award, fiscal_year=start + 2)
    assert (
        third.amount_yen
        == revenue_payback(1_375_000_000, BILLION, 500_000_000, 1_250_000_000, 0)
        == 150_000_000
    )
    services.decide_assessment(actor=agency, assessment=third, pay_by=dt.date(start + 3, 9, 30))
    services.record_assessment_payment(
        actor=agency, assessment=third, paid_on=dt.date(start + 3, 6, 1), paid_yen=150_000_000
    )
    # FY start+3: another 1e8 profit: cumulative due 1.75e8... minus the 1.5e8 paid → 2.5e7
    today(dt.date(start + 4, 6, 1))
    file_checked(app, agency, award, start + 3, sales=100_000_000)
    fourth = services.compute_payback(actor=agency, award=award, fiscal_year=start + 3)
    rows = {r["name"]: r["value"] for r in fourth.inputs["rows"]}
    assert (
        rows["a_profit"] == "1475000000"
        and rows["d_spending"] == "1250000000"
        and rows["e_earlier"] == "150000000"
    )
    assert fourth.due_yen == 190_000_000 and fourth.amount_yen == 40_000_000


def test_payback_needs_earlier_years_decided_and_only_grants(plan, today):
    award, app, _m, agency = contract_award(plan)
    with pytest.raises(ValidationError) as exc:
        services.compute_payback(actor=agency, award=award, fiscal_year=award.start_date.year)
    assert "award" in exc.value.message_dict
    p, app, _m, agency = adopted(
        plan,
        "1-c8",
        set_value=None,
        requested=(500_000_000, 500_000_000),
        eligible=(BILLION, BILLION),
    )
    grant = awards.create_award(actor=agency, proposal=p)
    start = grant.start_date.year
    claim_and_pay(grant, app, agency, start, BILLION)
    today(dt.date(start + 2, 6, 1))
    file_checked(app, agency, grant, start, sales=1)
    file_checked(app, agency, grant, start + 1, sales=1)
    services.compute_payback(actor=agency, award=grant, fiscal_year=start)
    with pytest.raises(ValidationError) as exc:
        services.compute_payback(actor=agency, award=grant, fiscal_year=start + 1)
    assert "fiscal_year" in exc.value.message_dict


# --- Notices ------------------------------------------------------------------------------------


def test_refund_notice_is_a_japanese_pdf_for_the_implementer_and_staff_only(plan, today, client):
    award, app, ministry, agency = contract_award(plan)
    today(dt.date(award.start_date.year + 7, 6, 1))
    for fy, amount in sales_for(award, window=(BILLION + 6 * BILLION, 0, 0)).items():  # r = 2.0
        file_checked(app, agency, award, fy, sales=amount)
    a = services.compute_refund(actor=agency, award=award)
    client.force_login(app)
    assert client.get(f"/outcomes/notices/{a.pk}.pdf").status_code == 404  # a draft has no notice
    services.decide_assessment(
        actor=agency, assessment=a, pay_by=dt.date(award.start_date.year + 7, 9, 30)
    )
    asked = client.get(f"/outcomes/notices/{a.pk}.pdf")  # queued; the PDF waits on its job page
    response = follow_job(client, asked)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(body(response)))
    assert job_of(client.get(f"/outcomes/notices/{a.pk}.pdf")) == job_of(asked)  # laid out once
    text = "".join(page.extract_text() for page in reader.pages)
    assert "研究開発費返還通知書" in text and a.number in text
    assert "600,000,000円" in text  # 3e9 × 20 %
    assert "令和" in text
    fonts = {str(font) for page in reader.pages for font in _fonts(page)}
    assert any("CJK" in name for name in fonts), fonts
    other = f.applicant()
    client.force_login(other)
    assert client.get(f"/outcomes/notices/{a.pk}.pdf").status_code == 404
    assert client.get(reverse("jobs:detail", args=[job_of(asked).pk])).status_code == 404
    client.force_login(ministry)
    assert follow_job(client, client.get(f"/outcomes/notices/{a.pk}.pdf")).status_code == 200


def _fonts(page):
    resources = page.get("/Resources") or {}
    fonts = resources.get("/Font") or {}
    for ref in fonts.values():
        yield ref.get_object().get("/BaseFont")


# --- Final evaluation and practical use ---------------------------------------------------------


def test_final_evaluation_ends_the_award_and_practical_use_is_checked_after(plan, today):
    award, app, _m, agency = contract_award(plan)
    today(award.period_end + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.record_practical_use(
            actor=agency,
            award=award,
            checked_on=award.period_end,
            reached=True,
            use_kind="product",
            evidence="製品発売",
        )
    with pytest.raises(PermissionDenied):
        services.record_final_evaluation(
            actor=app, award=award, completed_on=award.period_end, met_targets=True, comment="x"
        )
    services.record_final_evaluation(
        actor=agency,
        award=award,
        completed_on=award.period_end,
        met_targets=True,
        comment="目標達成",
    )
    award.refresh_from_db()
    assert award.state == AwardState.ENDED and award.end_date == award.period_end
    assert services.practical_use_due(award) == dt.date(award.period_end.year + 3, 3, 31)
    today(dt.date(award.period_end.year + 3, 4, 10))
    with pytest.raises(ValidationError) as exc:
        services.record_practical_use(
            actor=agency,
            award=award,
            checked_on=dt.date(award.period_end.year + 3, 4, 1),
            reached=True,
            evidence="製品発売",
        )
    assert "use_kind" in exc.value.message_dict
    check = services.record_practical_use(
        actor=agency,
        award=award,
        checked_on=dt.date(award.period_end.year + 3, 4, 1),
        reached=True,
        use_kind="product",
        evidence="2032年4月 製品発売（カタログ添付）",
    )
    assert check.checked_by == agency and check.reached
