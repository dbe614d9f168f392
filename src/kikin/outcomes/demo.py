"""Demo history after the work: two themes that ended before the fiscal year the demo is loaded
in, with their filings, notices, final evaluations and a practical-use check, so that `make demo`
shows the outcomes pages and the fund's targets with something in them.

Every date is placed relative to the day the demo is loaded (`kikin.core.timeutil.today`, which
`load_demo --as-of` sets): the contract theme's first fiscal year is B = that fiscal year − 6, and
its figures are filed for every fiscal year up to L, the last one that has ended. Each award comes
from a call of its own that closed before its selection (`awards.demo.demo_round`), and every
step (claims and payments, gate, final evaluation, filings and their checks, assessments, notices
and payments) goes through the services on the day it happened (`kikin.core.demo.on`), never
after the load day. Both themes lie inside the program's life: where B would start before it,
the contract starts as early as a call of the program allows and B is that fiscal year; where the
load day leaves no room for a finished theme with a year of figures after it, the part is left
out with a message (`DemoLeftOut`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from kikin.awards import services as awards
from kikin.awards.demo import (
    START_AFTER_DEADLINE,
    adopt_demo_proposal,
    demo_choice_program,
    demo_round,
    demo_users,
    file_reports_due,
    first_start,
    hold_gates_due,
    months_between,
)
from kikin.awards.models import Award
from kikin.core.demo import left_out, on, program_life
from kikin.programs.demo import demo_theme
from kikin.programs.models import Program
from kikin.rules.fiscal import fiscal_year, fiscal_year_bounds

from . import services
from .models import Filing

CONTRACT_TITLE = "仮想化基地局の省電力制御（実施済）"
GRANT_TITLE = "光電融合スイッチの量産試作（実施済）"


def _pay(award, applicant, officer, fy: int, amount: int) -> None:
    """The fiscal year's costs (incurred on 30 June, or 20 days into the work), claimed ten days
    later and paid ten days after that."""
    incurred = max(dt.date(fy, 6, 30), award.start_date + dt.timedelta(days=20))
    with on(incurred + dt.timedelta(days=10)):
        claim = awards.submit_claim(
            actor=applicant,
            award=award,
            fiscal_year=fy,
            lines=[
                {
                    "category": "personnel",
                    "description": f"研究員人件費（{fy}年度）",
                    "incurred_on": incurred,
                    "amount_yen": amount,
                }
            ],
        )
    with on(incurred + dt.timedelta(days=20)):
        awards.approve_claim(actor=officer, claim=claim)


def _file(
    applicant, officer, award, fy: int, filed_on: dt.date, *, check=True, **figures
) -> Filing:
    """One fiscal year's figures filed on `filed_on` and checked ten days later (not after today)."""
    today = services.today_jst()
    with on(min(filed_on, today)):
        filing = services.submit_filing(actor=applicant, award=award, fiscal_year=fy, **figures)
    if not check:
        return filing
    with on(min(filed_on + dt.timedelta(days=10), today)):
        return services.check_filing(actor=officer, filing=filing, accept=True)


@transaction.atomic
def load_demo_outcomes() -> list[Award]:
    """Create the two finished demo themes once; later runs leave them as they are."""
    users = demo_users()
    program = Program.objects.filter(code=demo_choice_program("refund_contract")).first()
    if program is None or len(users) < 4:
        return []
    done = list(
        Award.objects.filter(call__is_demo=True, proposal__title__in=[CONTRACT_TITLE, GRANT_TITLE])
    )
    if done:
        return done
    applicant, officer = users["applicant"], users["officer"]
    today = services.today_jst()
    last = fiscal_year(today) - 1  # L: the last fiscal year that has ended
    earliest = first_start(program)
    b = max(last - 5, fiscal_year(earliest))  # the contract theme's first fiscal year
    contract_start = max(dt.date(b, 4, 1), earliest)
    contract_end = fiscal_year_bounds(b + 2)[1]
    part = _("The two finished demo themes (post-5G)")
    if b + 3 > last or (program.end_date is not None and contract_end > program.end_date):
        raise left_out(
            part,
            program,
            _(
                "no theme of three fiscal years with a year of figures after it fits between "
                "the program's start and the last fiscal year that has ended (%(life)s)."
            )
            % {"life": program_life(program)},
        )

    def filed_on(fy: int) -> dt.date:
        """A fiscal year's figures are filed on 30 June after it."""
        return dt.date(fy + 1, 6, 30)

    # A contract theme of item ① under the refund scheme, FY B–B+2, with a self-investment pledge.
    contract_theme = demo_theme("refund_contract")
    contract = adopt_demo_proposal(
        demo_round(
            contract_theme,
            "demo-finished-1",
            title_ja="デモ公募（ポスト５Ｇ・実施済みの委託）",
            title_en="Demo call (post-5G, a finished contract)",
            closes_on=contract_start - dt.timedelta(days=START_AFTER_DEADLINE),
        ),
        users,
        contract_theme,
        title=CONTRACT_TITLE,
        start=contract_start,
        budget=[1_200_000_000] * 3,
        period_months=months_between(contract_start, contract_end),
        set_value=Decimal("2.0"),
        self_investment_yen=300_000_000,
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

    def file_contract(fy: int, day: dt.date) -> None:
        amount = sales[fy]
        _file(
            applicant,
            officer,
            contract,
            fy,
            day,
            check=fy != last,  # the last year's figures wait for the agency's check
            product_sales_yen=amount,
            other_sales_yen=amount // 10,
            other_sales_breakdown="保守・運用サービス",
            self_burden_yen=burden.get(fy, 0),
        )

    # the sales of the two years before the work, filed 40 days into it
    for fy in (b - 2, b - 1):
        file_contract(fy, contract_start + dt.timedelta(days=40))
    _pay(contract, applicant, officer, b, 1_200_000_000)
    file_contract(b, filed_on(b))
    _pay(contract, applicant, officer, b + 1, 1_000_000_000)
    hold_gates_due(contract, officer, contract.last_day)
    file_contract(b + 1, filed_on(b + 1))
    _pay(contract, applicant, officer, b + 2, 1_200_000_000)
    file_reports_due(contract, applicant, today)
    contract.refresh_from_db()
    with on(contract.period_end + dt.timedelta(days=20)):
        services.record_final_evaluation(
            actor=officer,
            award=contract,
            completed_on=contract.period_end,
            met_targets=True,
            comment="最終目標（消費電力30%削減）を達成した。",
        )
    for fy in range(b + 2, min(b + 5, last) + 1):
        file_contract(fy, filed_on(fy))
    self_return = services.compute_self_investment(actor=officer, award=contract)
    services.decide_assessment(
        actor=officer, assessment=self_return, pay_by=today + dt.timedelta(days=60)
    )
    with on(min(dt.date(last + 1, 4, 15), today)) as checked_on:
        services.record_practical_use(
            actor=officer,
            award=contract,
            checked_on=checked_on,
            reached=True,
            use_kind="product",
            evidence=f"{last}年10月に基地局制御ソフトウェアとして製品化（国内2社が採用、製品カタログ確認）。",
        )
    with on(min(dt.date(last + 1, 5, 1), today)) as requested_on:
        services.change_set_value(
            actor=officer,
            award=contract,
            new_value=Decimal("1.6"),
            reason=f"半導体供給制約による出荷遅延（{b + 2}年）",
            requested_on=requested_on,
        )

    # A grant theme at 1/2, FY B+1–B+2, paying back from its profit.
    grant_theme = demo_theme("grant")
    grant_start = dt.date(b + 1, 4, 1)
    grant = adopt_demo_proposal(
        demo_round(
            grant_theme,
            "demo-finished-2",
            title_ja="デモ公募（ポスト５Ｇ・実施済みの助成）",
            title_en="Demo call (post-5G, a finished grant)",
            closes_on=grant_start - dt.timedelta(days=START_AFTER_DEADLINE),
        ),
        users,
        grant_theme,
        title=GRANT_TITLE,
        start=grant_start,
        budget=[400_000_000, 400_000_000],
        eligible=[800_000_000, 800_000_000],
    )
    for fy in (b + 1, b + 2):
        _pay(grant, applicant, officer, fy, 800_000_000)
    hold_gates_due(grant, officer, grant.last_day)
    file_reports_due(grant, applicant, today)
    grant.refresh_from_db()
    with on(grant.period_end + dt.timedelta(days=20)):
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
    for fy in range(b + 1, min(b + 5, last) + 1):
        sales_yen, costs = profit[fy]
        _file(
            applicant,
            officer,
            grant,
            fy,
            filed_on(fy),
            product_sales_yen=sales_yen,
            cost_of_sales_yen=costs,
            sga_yen=sales_yen // 10,
            spending_after_yen=100_000_000 if fy >= b + 3 else 0,
            contribution_ratio="4/5",
        )
        if fy == last:  # this year's payback is worked out, not yet decided
            services.compute_payback(actor=officer, award=grant, fiscal_year=fy)
            continue
        decided_on = dt.date(fy + 1, 9, 1)
        with on(decided_on):
            assessment = services.compute_payback(actor=officer, award=grant, fiscal_year=fy)
            pay_by = dt.date(fy + 1, 10, 31) if assessment.amount_yen else None
            assessment = services.decide_assessment(
                actor=officer, assessment=assessment, pay_by=pay_by
            )
        if assessment.amount_yen:
            with on(dt.date(fy + 1, 10, 15)) as paid_on:
                services.record_assessment_payment(
                    actor=officer,
                    assessment=assessment,
                    paid_on=paid_on,
                    paid_yen=assessment.amount_yen,
                )
    with on(min(dt.date(last + 1, 6, 1), today)) as checked_on:
        services.record_practical_use(
            actor=officer,
            award=grant,
            checked_on=checked_on,
            reached=False,
            evidence="試作品の評価を顧客2社で継続中。量産採用は未定。",
        )
    return [contract, grant]
