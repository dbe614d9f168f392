"""Demo history after the work: two themes that ended in FY2022, with their filings, notices,
final evaluations and a practical-use check, so that `make demo` shows the outcomes pages and the
fund's targets with something in them.

The awards are made through the real selection and award services (in the demo call), then moved
back in time to FY2020 / FY2021 — the only step that writes dates directly, because no service
lets work start in the past. Everything after that (claims, payments, gate, evaluation, filings,
assessments, notices) goes through the services with their checks.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from kikin.awards import services as awards
from kikin.awards.demo import adopt_demo_proposal, demo_users
from kikin.awards.models import Award, BudgetEntry, ProgressReport, StageGateReview
from kikin.calls.models import Call
from kikin.programs.models import Theme
from kikin.rules.dates import add_months

from . import services
from .models import Filing

CONTRACT_TITLE = "仮想化基地局の省電力制御（実施済）"
GRANT_TITLE = "光電融合スイッチの量産試作（実施済）"


def _move_back(award: Award, start: dt.date) -> Award:
    """Move a fresh award (and its budget, gate and report dates) so that it starts on `start`."""
    months = (award.start_date.year - start.year) * 12 + (award.start_date.month - start.month)
    years = months // 12
    shift = lambda d: add_months(d, -months) if d else d  # noqa: E731
    award.start_date, award.period_end = start, shift(award.period_end)
    award.stage_gate_due, award.stage_gate_earliest = shift(award.stage_gate_due), shift(award.stage_gate_earliest)
    award.save()
    award.proposal.__class__.objects.filter(pk=award.proposal_id).update(start_date=start)
    BudgetEntry.objects.filter(award=award).update(fiscal_year=F("fiscal_year") - years, effective_from=start)
    for gate in StageGateReview.objects.filter(award=award):
        gate.scheduled_for = shift(gate.scheduled_for)
        gate.save(update_fields=["scheduled_for"])
    for report in ProgressReport.objects.filter(award=award):
        report.due_date = shift(report.due_date)
        report.submitted_at = dt.datetime.combine(report.due_date, dt.time(10), tzinfo=dt.UTC)
        report.summary, report.submitted_by = "計画どおり進捗。", award.proposal.created_by
        report.save()
    return award


def _pay(award, applicant, officer, fy: int, amount: int) -> None:
    claim = awards.submit_claim(actor=applicant, award=award, fiscal_year=fy, lines=[
        {"category": "personnel", "description": f"研究員人件費（{fy}年度）", "incurred_on": dt.date(fy, 6, 30), "amount_yen": amount}])
    awards.approve_claim(actor=officer, claim=claim)


def _file(applicant, officer, award, fy: int, *, check: bool = True, **figures) -> Filing:
    filing = services.submit_filing(actor=applicant, award=award, fiscal_year=fy, **figures)
    return services.check_filing(actor=officer, filing=filing, accept=True) if check else filing


@transaction.atomic
def load_demo_outcomes() -> list[Award]:
    """Create the two finished demo themes once; later runs leave them as they are."""
    call = Call.objects.filter(key="demo").first()
    users = demo_users()
    if call is None or len(users) < 4:
        return []
    done = list(Award.objects.filter(call=call, proposal__title__in=[CONTRACT_TITLE, GRANT_TITLE]))
    if done:
        return done
    applicant, officer = users["applicant"], users["officer"]
    today = services.today_jst()
    next_fy = dt.date(today.year + (1 if today.month >= 4 else 0), 4, 1)

    # A contract theme of item ① (a1), FY2020–FY2022, with a self-investment pledge.
    contract = adopt_demo_proposal(call, users, Theme.objects.get(item__number=1, code="a1"), title=CONTRACT_TITLE,
                                   start=next_fy, budget=[1_200_000_000] * 3, set_value=Decimal("2.0"),
                                   self_investment_yen=300_000_000)
    contract = _move_back(contract, dt.date(2020, 4, 1))
    for fy in (2020, 2021, 2022):
        _pay(contract, applicant, officer, fy, 1_200_000_000 if fy != 2021 else 1_000_000_000)
    awards.decide_stage_gate(actor=officer, award=contract, held_on=contract.stage_gate_due, outcome="pass", note="中間目標を達成。")
    services.record_final_evaluation(actor=officer, award=contract, completed_on=contract.period_end, met_targets=True,
                                     comment="最終目標（消費電力30%削減）を達成した。")
    sales = {2018: 900_000_000, 2019: 1_100_000_000, 2020: 1_000_000_000, 2021: 1_300_000_000, 2022: 2_100_000_000,
             2023: 3_400_000_000, 2024: 5_200_000_000, 2025: 6_800_000_000}
    burden = {2020: 100_000_000, 2021: 100_000_000, 2022: 80_000_000}
    for fy, amount in sales.items():
        _file(applicant, officer, contract, fy, check=fy != 2025, product_sales_yen=amount, other_sales_yen=amount // 10,
              other_sales_breakdown="保守・運用サービス", self_burden_yen=burden.get(fy, 0))
    self_return = services.compute_self_investment(actor=officer, award=contract)
    services.decide_assessment(actor=officer, assessment=self_return, pay_by=today + dt.timedelta(days=60))
    services.record_practical_use(actor=officer, award=contract, checked_on=dt.date(2026, 4, 15), reached=True,
                                  use_kind="product", evidence="2025年10月に基地局制御ソフトウェアとして製品化（国内2社が採用、製品カタログ確認）。")
    services.change_set_value(actor=officer, award=contract, new_value=Decimal("1.6"),
                              reason="半導体供給制約による出荷遅延（2022年）", requested_on=dt.date(2026, 5, 1))

    # A grant theme of item ① (c8) at 1/2, FY2021–FY2022, paying back from its profit.
    grant = adopt_demo_proposal(call, users, Theme.objects.get(item__number=1, code="c8"), title=GRANT_TITLE,
                                start=next_fy, budget=[400_000_000, 400_000_000], eligible=[800_000_000, 800_000_000])
    grant = _move_back(grant, dt.date(2021, 4, 1))
    for fy in (2021, 2022):
        _pay(grant, applicant, officer, fy, 800_000_000)
    services.record_final_evaluation(actor=officer, award=grant, completed_on=grant.period_end, met_targets=False,
                                     comment="量産歩留まりの目標（90%）に届かなかった（82%）。")
    profit = {2021: (0, 50_000_000), 2022: (300_000_000, 250_000_000), 2023: (2_400_000_000, 1_200_000_000),
              2024: (3_600_000_000, 1_800_000_000), 2025: (3_100_000_000, 1_700_000_000)}
    for fy, (sales_yen, costs) in profit.items():
        _file(applicant, officer, grant, fy, product_sales_yen=sales_yen, cost_of_sales_yen=costs, sga_yen=sales_yen // 10,
              spending_after_yen=100_000_000 if fy >= 2023 else 0, contribution_ratio="4/5")
    for fy in (2021, 2022, 2023, 2024):
        assessment = services.compute_payback(actor=officer, award=grant, fiscal_year=fy)
        pay_by = today + dt.timedelta(days=30) if assessment.amount_yen else None
        assessment = services.decide_assessment(actor=officer, assessment=assessment, pay_by=pay_by)
        if assessment.amount_yen:
            services.record_assessment_payment(actor=officer, assessment=assessment, paid_on=today, paid_yen=assessment.amount_yen)
    services.compute_payback(actor=officer, award=grant, fiscal_year=2025)
    services.record_practical_use(actor=officer, award=grant, checked_on=dt.date(2026, 6, 1), reached=False,
                                  evidence="試作品の評価を顧客2社で継続中。量産採用は未定。")
    return [contract, grant]
