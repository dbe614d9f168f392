"""Demo history after the work: two themes that ended four fiscal years before the one the demo
is loaded in, with their filings, notices, final evaluations and a practical-use check, so that
`make demo` shows the outcomes pages and the fund's targets with something in them. Every date is
placed relative to the day the demo is loaded (B = that fiscal year − 6).

The awards are made through the real selection and award services (each in a demo call of its
own, closed before the selection decides: `awards.demo.demo_round`), then moved
back in time to FY B / FY B+1 — the only step that writes dates directly, because no service
lets work start in the past. Everything after that (claims, payments, gate, evaluation, filings,
assessments, notices) goes through the services with their checks.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from kikin.awards import services as awards
from kikin.awards.demo import adopt_demo_proposal, demo_round, demo_users
from kikin.awards.demo import move_back as _move_back
from kikin.awards.models import Award
from kikin.calls.models import Call
from kikin.programs.demo import demo_theme
from kikin.rules.fiscal import fiscal_year

from . import services
from .models import Filing

CONTRACT_TITLE = "仮想化基地局の省電力制御（実施済）"
GRANT_TITLE = "光電融合スイッチの量産試作（実施済）"


def _pay(award, applicant, officer, fy: int, amount: int) -> None:
    claim = awards.submit_claim(
        actor=applicant,
        award=award,
        fiscal_year=fy,
        lines=[
            {
                "category": "personnel",
                "description": f"研究員人件費（{fy}年度）",
                "incurred_on": dt.date(fy, 6, 30),
                "amount_yen": amount,
            }
        ],
    )
    awards.approve_claim(actor=officer, claim=claim)


def _file(applicant, officer, award, fy: int, *, check: bool = True, **figures) -> Filing:
    filing = services.submit_filing(actor=applicant, award=award, fiscal_year=fy, **figures)
    return services.check_filing(actor=officer, filing=filing, accept=True) if check else filing


@transaction.atomic
def load_demo_outcomes() -> list[Award]:
    """Create the two finished demo themes once; later runs leave them as they are."""
    users = demo_users()
    if not Call.objects.filter(key="demo").exists() or len(users) < 4:
        return []
    done = list(
        Award.objects.filter(call__is_demo=True, proposal__title__in=[CONTRACT_TITLE, GRANT_TITLE])
    )
    if done:
        return done
    applicant, officer = users["applicant"], users["officer"]
    today = services.today_jst()
    next_fy = dt.date(today.year + (1 if today.month >= 4 else 0), 4, 1)
    b = fiscal_year(today) - 6  # the contract theme's first fiscal year

    def day(fy: int, month: int, dom: int) -> dt.date:
        return min(dt.date(fy, month, dom), today)

    # A contract theme of item ① under the refund scheme, FY B–B+2, with a self-investment pledge.
    contract_theme = demo_theme("refund_contract")
    contract = adopt_demo_proposal(
        demo_round(
            contract_theme,
            "demo-finished-1",
            title_ja="デモ公募（ポスト５Ｇ・実施済みの委託）",
            title_en="Demo call (post-5G, a finished contract)",
        ),
        users,
        contract_theme,
        title=CONTRACT_TITLE,
        start=next_fy,
        budget=[1_200_000_000] * 3,
        set_value=Decimal("2.0"),
        self_investment_yen=300_000_000,
    )
    contract = _move_back(contract, dt.date(b, 4, 1))
    for fy in (b, b + 1, b + 2):
        _pay(contract, applicant, officer, fy, 1_200_000_000 if fy != b + 1 else 1_000_000_000)
    awards.decide_stage_gate(
        actor=officer,
        award=contract,
        held_on=contract.stage_gate_due,
        outcome="pass",
        note="中間目標を達成。",
    )
    services.record_final_evaluation(
        actor=officer,
        award=contract,
        completed_on=contract.period_end,
        met_targets=True,
        comment="最終目標（消費電力30%削減）を達成した。",
    )
    sales = {
        b - 2: 900_000_000,
        b - 1: 1_100_000_000,
        b: 1_000_000_000,
        b + 1: 1_300_000_000,
        b + 2: 2_100_000_000,
        b + 3: 3_400_000_000,
        b + 4: 5_200_000_000,
        b + 5: 6_800_000_000,
    }
    burden = {b: 100_000_000, b + 1: 100_000_000, b + 2: 80_000_000}
    for fy, amount in sales.items():
        _file(
            applicant,
            officer,
            contract,
            fy,
            check=fy != b + 5,
            product_sales_yen=amount,
            other_sales_yen=amount // 10,
            other_sales_breakdown="保守・運用サービス",
            self_burden_yen=burden.get(fy, 0),
        )
    self_return = services.compute_self_investment(actor=officer, award=contract)
    services.decide_assessment(
        actor=officer, assessment=self_return, pay_by=today + dt.timedelta(days=60)
    )
    services.record_practical_use(
        actor=officer,
        award=contract,
        checked_on=day(b + 6, 4, 15),
        reached=True,
        use_kind="product",
        evidence=f"{b + 5}年10月に基地局制御ソフトウェアとして製品化（国内2社が採用、製品カタログ確認）。",
    )
    services.change_set_value(
        actor=officer,
        award=contract,
        new_value=Decimal("1.6"),
        reason=f"半導体供給制約による出荷遅延（{b + 2}年）",
        requested_on=day(b + 6, 5, 1),
    )

    # A grant theme at 1/2, FY B+1–B+2, paying back from its profit.
    grant_theme = demo_theme("grant")
    grant = adopt_demo_proposal(
        demo_round(
            grant_theme,
            "demo-finished-2",
            title_ja="デモ公募（ポスト５Ｇ・実施済みの助成）",
            title_en="Demo call (post-5G, a finished grant)",
        ),
        users,
        grant_theme,
        title=GRANT_TITLE,
        start=next_fy,
        budget=[400_000_000, 400_000_000],
        eligible=[800_000_000, 800_000_000],
    )
    grant = _move_back(grant, dt.date(b + 1, 4, 1))
    for fy in (b + 1, b + 2):
        _pay(grant, applicant, officer, fy, 800_000_000)
    services.record_final_evaluation(
        actor=officer,
        award=grant,
        completed_on=grant.period_end,
        met_targets=False,
        comment="量産歩留まりの目標（90%）に届かなかった（82%）。",
    )
    profit = {
        b + 1: (0, 50_000_000),
        b + 2: (300_000_000, 250_000_000),
        b + 3: (2_400_000_000, 1_200_000_000),
        b + 4: (3_600_000_000, 1_800_000_000),
        b + 5: (3_100_000_000, 1_700_000_000),
    }
    for fy, (sales_yen, costs) in profit.items():
        _file(
            applicant,
            officer,
            grant,
            fy,
            product_sales_yen=sales_yen,
            cost_of_sales_yen=costs,
            sga_yen=sales_yen // 10,
            spending_after_yen=100_000_000 if fy >= b + 3 else 0,
            contribution_ratio="4/5",
        )
    for fy in (b + 1, b + 2, b + 3, b + 4):
        assessment = services.compute_payback(actor=officer, award=grant, fiscal_year=fy)
        pay_by = today + dt.timedelta(days=30) if assessment.amount_yen else None
        assessment = services.decide_assessment(actor=officer, assessment=assessment, pay_by=pay_by)
        if assessment.amount_yen:
            services.record_assessment_payment(
                actor=officer, assessment=assessment, paid_on=today, paid_yen=assessment.amount_yen
            )
    services.compute_payback(actor=officer, award=grant, fiscal_year=b + 5)
    services.record_practical_use(
        actor=officer,
        award=grant,
        checked_on=day(b + 6, 6, 1),
        reached=False,
        evidence="試作品の評価を顧客2社で継続中。量産採用は未定。",
    )
    return [contract, grant]
