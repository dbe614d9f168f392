"""A demo theme under way: the demo applicant's proposal taken through the selection to an award,
with one paid claim, so that the demo's portfolio and ledger have something to show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from kikin.accounts.models import User
from kikin.calls.models import Call, Proposal
from kikin.calls.services import create_proposal, save_draft, submit_proposal
from kikin.core.timeutil import today_jst
from kikin.programs.models import Theme
from kikin.review import services as review

from . import services
from .models import Award


DEMO_TITLE = "クラウドネイティブ５Ｇコアの高信頼化"


def demo_users() -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=["ministry", "officer", "reviewer", "applicant"])}


def adopt_demo_proposal(call: Call, users: dict[str, User], theme: Theme, *, title: str, start: dt.date,
                        budget: list[int], eligible: list[int] | None = None, set_value: Decimal | None = None,
                        self_investment_yen: int | None = None) -> Award:
    """The demo applicant's proposal in `call`, taken through the two-stage selection to an award."""
    applicant, ministry, officer, reviewer = users["applicant"], users["ministry"], users["officer"], users["reviewer"]
    p = create_proposal(actor=applicant, call=call, theme=theme)
    save_draft(actor=applicant, proposal=p, fields={
        "title": title, "abstract": "５Ｇコアをクラウド上で冗長化し、障害時の切替を一秒以内にする。",
        "plan": "初年度：設計と試作。次年度：商用クラウドでの実証。最終年度：海外事業者との評価。",
        "start_date": start, "period_months": 12 * len(budget), "set_value": set_value,
        "self_investment_yen": self_investment_yen,
        "leakage_core_technologies": "コア制御ソフトウェア", "leakage_access_control": "開発環境を社内網に限定",
        "leakage_staff_management": "アクセス権者名簿を四半期ごとに更新", "leakage_partner_controls": "再委託先と秘密保持契約",
    }, budget=[{"fiscal_year": start.year + i, "requested_yen": amount, "eligible_cost_yen": (eligible or budget)[i]}
               for i, amount in enumerate(budget)],
        team=[{"name": "応募 次郎", "affiliation": applicant.organisation.name_ja, "role": "研究代表者", "is_lead": True}], partners=[])
    submit_proposal(actor=applicant, proposal=p, submission_key=f"demo-award-{p.pk}")
    if theme.item.first_review:
        review.decide_first_review(actor=ministry, proposal=p, passed=True, reason="政策目的に合致する。")
    a = review.assign_reviewer(actor=officer, proposal=p, reviewer=reviewer)
    codes = [c.code for c in review.ensure_criteria(call=call)]
    review.save_review(actor=reviewer, assignment=a, scores={c: 4 for c in codes}, comment="実用化の見通しが明確。", recommendation="adopt", submit=True)
    review.record_decision(actor=officer, proposal=p, outcome="adopt", reason="技術的優位性が高い。")
    review.approve_decision(actor=ministry, proposal=p, approve=True, note="承認")
    review.issue_notices(actor=officer, call=call)
    review.publish_adoptions(actor=officer, call=call)
    return services.create_award(actor=officer, proposal=Proposal.objects.get(pk=p.pk))


@transaction.atomic
def load_demo_award() -> Award | None:
    """Create the demo award once; later runs leave it as it is."""
    call = Call.objects.filter(key="demo").first()
    users = demo_users()
    if call is None or len(users) < 4:
        return None
    existing = Award.objects.filter(call=call, proposal__title=DEMO_TITLE).first()
    if existing:
        return existing
    theme = Theme.objects.get(item__number=1, code="a1")
    today = today_jst()
    start = dt.date(today.year + (1 if today.month >= 4 else 0), 4, 1)  # the next fiscal year
    award = adopt_demo_proposal(
        call, users, theme, title=DEMO_TITLE, start=start,
        budget=[1_500_000_000] * 3, set_value=Decimal("2.5"))
    applicant, officer = users["applicant"], users["officer"]
    claim = services.submit_claim(actor=applicant, award=award, fiscal_year=start.year, lines=[
        {"category": "personnel", "description": "研究員人件費（4月）", "incurred_on": start, "amount_yen": 48_000_000},
        {"category": "equipment", "description": "検証用サーバ", "incurred_on": start + dt.timedelta(days=20), "amount_yen": 125_300_000},
    ])
    services.approve_claim(actor=officer, claim=claim)
    return award
