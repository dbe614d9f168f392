"""A demo theme under way: the demo applicant's proposal taken through the selection to an award,
with one paid claim, so that the demo's portfolio and ledger have something to show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from kikin.accounts.models import User
from kikin.calls.models import Call, Proposal
from kikin.calls.services import create_proposal, save_draft, submit_proposal
from kikin.calls.validation import proposal_eligibility
from kikin.core import timeutil
from kikin.core.timeutil import jst_end_of, jst_start_of, today_jst
from kikin.programs.demo import demo_theme
from kikin.programs.models import Theme
from kikin.review import services as review
from kikin.rules.dates import add_months, period_end
from kikin.rules.fiscal import fiscal_year

from . import services
from .models import Award, BudgetEntry, ProgressReport, StageGateReview

DEMO_TITLE = "クラウドネイティブ５Ｇコアの高信頼化"
QLEAP_TITLE = "量子シミュレータのための誤り抑制手法"
#: The key of the call the demo award was adopted in (`demo_round`).
DEMO_AWARD_CALL = "demo-adopted"


def demo_users() -> dict[str, User]:
    return {
        u.username: u
        for u in User.objects.filter(username__in=["ministry", "officer", "reviewer", "applicant"])
    }


def demo_round(theme: Theme, key: str, *, title_ja: str, title_en: str) -> Call:
    """A demo call of its own for one demo theme taken through the selection: open while its
    proposal is made and submitted, then closed by `adopt_demo_proposal` before the selection
    decides, since no selection decision comes before a call's deadline
    (kikin.rules.selection). The demo's open call (`calls.demo`) is left to the applicant."""
    today = today_jst()
    call, _created = Call.objects.update_or_create(
        program=theme.program,
        key=key,
        defaults={
            "title_ja": title_ja,
            "title_en": title_en,
            "opens_at": jst_start_of(today - dt.timedelta(days=30)),
            "closes_at": jst_end_of(today + dt.timedelta(days=1)),
            "budget_total_yen": 20_000_000_000,
            "is_demo": True,
            "note_ja": "デモ用の架空の公募です（選考は終了しています）。",
            "note_en": "A fictional call for the demo (its selection is over).",
        },
    )
    call.themes.set([theme])
    return call


def close_for_selection(call: Call) -> Call:
    """The call's deadline passes now (it took its demo proposal): the selection may decide."""
    closes = min(call.closes_at, timeutil.now() - dt.timedelta(seconds=1))
    Call.objects.filter(pk=call.pk).update(closes_at=closes)
    call.refresh_from_db()
    return call


def adopt_demo_proposal(
    call: Call,
    users: dict[str, User],
    theme: Theme,
    *,
    title: str,
    start: dt.date,
    budget: list[int],
    eligible: list[int] | None = None,
    set_value: Decimal | None = None,
    self_investment_yen: int | None = None,
    period_months: int | None = None,
    abstract: str = "５Ｇコアをクラウド上で冗長化し、障害時の切替を一秒以内にする。",
    plan: str = "初年度：設計と試作。次年度：商用クラウドでの実証。最終年度：海外事業者との評価。",
) -> Award:
    """The demo applicant's proposal in `call` (a call of its own, open: `demo_round`), taken
    through the two-stage selection to an award once the call has closed."""
    applicant, ministry, officer, reviewer = (
        users["applicant"],
        users["ministry"],
        users["officer"],
        users["reviewer"],
    )
    p = create_proposal(actor=applicant, call=call, theme=theme)
    save_draft(
        actor=applicant,
        proposal=p,
        fields={
            "title": title,
            "abstract": abstract,
            "plan": plan,
            "start_date": start,
            "period_months": period_months or 12 * len(budget),
            "set_value": set_value,
            "self_investment_yen": self_investment_yen,
            "leakage_core_technologies": "コア制御ソフトウェア",
            "leakage_access_control": "開発環境を社内網に限定",
            "leakage_staff_management": "アクセス権者名簿を四半期ごとに更新",
            "leakage_partner_controls": "再委託先と秘密保持契約",
        },
        budget=[
            {
                "fiscal_year": fiscal_year(start) + i,
                "requested_yen": amount,
                "eligible_cost_yen": (eligible or budget)[i],
            }
            for i, amount in enumerate(budget)
        ],
        team=[
            {
                "name": "応募 次郎",
                "affiliation": applicant.organisation.name_ja,
                "role": "研究代表者",
                "is_lead": True,
            }
        ],
        partners=[],
    )
    p.refresh_from_db()
    needed = [c.code for c in proposal_eligibility(p).declarations_needed]
    save_draft(
        actor=applicant,
        proposal=p,
        fields={
            "declarations": needed,
            "declaration_evidence": "体制図と協力合意書を添付する。" if needed else "",
            "gx_commitment": bool(p.theme_spec().gx),
        },
    )
    submit_proposal(actor=applicant, proposal=p, submission_key=f"demo-award-{p.pk}")
    close_for_selection(call)
    if needed:
        review.check_declarations(
            actor=officer, proposal=p, results=dict.fromkeys(needed, True), note="確認済み"
        )
    if theme.item.first_review:
        review.decide_first_review(
            actor=ministry, proposal=p, passed=True, reason="政策目的に合致する。"
        )
    a = review.assign_reviewer(actor=officer, proposal=p, reviewer=reviewer)
    codes = [c.code for c in review.ensure_criteria(call=call)]
    review.save_review(
        actor=reviewer,
        assignment=a,
        scores=dict.fromkeys(codes, 4),
        comment="実用化の見通しが明確。",
        recommendation="adopt",
        submit=True,
    )
    review.record_decision(
        actor=officer, proposal=p, outcome="adopt", reason="技術的優位性が高い。"
    )
    review.approve_decision(actor=ministry, proposal=p, approve=True, note="承認")
    review.issue_notices(actor=officer, call=call)
    review.publish_adoptions(actor=officer, call=call)
    return services.create_award(actor=officer, proposal=Proposal.objects.get(pk=p.pk))


@transaction.atomic
def load_demo_award() -> Award | None:
    """Create the demo award once, in a call of its own (`demo_round`); later runs leave it as
    it is."""
    users = demo_users()
    if not Call.objects.filter(key="demo").exists() or len(users) < 4:
        return None
    existing = Award.objects.filter(call__is_demo=True, proposal__title=DEMO_TITLE).first()
    if existing:
        return existing
    theme = demo_theme("refund_contract")
    call = demo_round(
        theme,
        DEMO_AWARD_CALL,
        title_ja="デモ公募（ポスト５Ｇ・採択済み）",
        title_en="Demo call (post-5G, adopted)",
    )
    # Placed relative to the day the demo is loaded: adopted for the next fiscal year, then moved
    # back to start on 1 April of this fiscal year (of the last one in its first month), so that
    # the claim below is for money already spent.
    today = today_jst()
    this_fy = dt.date(today.year - (0 if today.month >= 4 else 1), 4, 1)
    start = this_fy if (today - this_fy).days >= 30 else dt.date(this_fy.year - 1, 4, 1)
    award = adopt_demo_proposal(
        call,
        users,
        theme,
        title=DEMO_TITLE,
        start=dt.date(this_fy.year + 1, 4, 1),
        budget=[1_500_000_000] * 3,
        set_value=Decimal("2.5"),
    )
    award = move_back(award, start)
    applicant, officer = users["applicant"], users["officer"]
    claim = services.submit_claim(
        actor=applicant,
        award=award,
        fiscal_year=start.year,
        lines=[
            {
                "category": "personnel",
                "description": "研究員人件費（4月）",
                "incurred_on": start,
                "amount_yen": 48_000_000,
            },
            {
                "category": "equipment",
                "description": "検証用サーバ",
                "incurred_on": start + dt.timedelta(days=20),
                "amount_yen": 125_300_000,
            },
        ],
    )
    services.approve_claim(actor=officer, claim=claim)
    return award


def move_back(award: Award, start: dt.date) -> Award:
    """Move a fresh award (and its budget, gate and report dates) so that it starts on `start`."""
    months = (award.start_date.year - start.year) * 12 + (award.start_date.month - start.month)
    years = months // 12
    shift = lambda d: add_months(d, -months) if d else d  # noqa: E731
    award.start_date, award.period_end = start, shift(award.period_end)
    award.stage_gate_due, award.stage_gate_earliest = (
        shift(award.stage_gate_due),
        shift(award.stage_gate_earliest),
    )
    award.save()
    award.proposal.__class__.objects.filter(pk=award.proposal_id).update(start_date=start)
    BudgetEntry.objects.filter(award=award).update(
        fiscal_year=F("fiscal_year") - years, effective_from=start
    )
    for gate in StageGateReview.objects.filter(award=award):
        gate.scheduled_for = shift(gate.scheduled_for)
        gate.save(update_fields=["scheduled_for"])
    for report in ProgressReport.objects.filter(award=award):
        report.due_date = shift(report.due_date)
        report.submitted_at = dt.datetime.combine(report.due_date, dt.time(10), tzinfo=dt.UTC)
        report.summary, report.submitted_by = "計画どおり進捗。", award.proposal.created_by
        report.save()
    return award


@transaction.atomic
def load_demo_area() -> Award | None:
    """Q-LEAP in the demo: the officer appointed program director of the demo theme's technology
    area, its policy and budget for this fiscal year, and a basic-research proposal taken through
    selection to an award that started about a year ago, with a claim paid and its stage gate
    held (early, as the plan allows). Placed relative to the day the demo is loaded."""
    from kikin.programs import services as programs

    users = demo_users()
    if len(users) < 4:
        return None
    theme = demo_theme("qleap")
    program, item = theme.program, theme.item
    officer, applicant = users["officer"], users["applicant"]
    today = today_jst()
    if programs.current_director(item) is None:
        programs.appoint_area_director(
            actor=officer, item=item, user=officer, appointed_on=today - dt.timedelta(days=400)
        )
    fy = fiscal_year(today)
    if (
        program.end_date is None or fy <= fiscal_year(program.end_date)
    ) and not item.policies.filter(fiscal_year=fy).exists():
        programs.set_area_policy(
            actor=officer,
            item=item,
            fiscal_year=fy,
            policy="誤り耐性量子計算に向けた基礎基盤研究を重点化し、Flagshipとの連携を評価する。",
            benchmarks="論理量子ビットの誤り率、量子シミュレータの規模",
            budget_yen=800_000_000,
        )
    existing = Award.objects.filter(theme=theme, proposal__title=QLEAP_TITLE).first()
    if existing:
        return existing
    call, _created = Call.objects.update_or_create(
        program=program,
        key="demo-qleap",
        defaults={
            "title_ja": "デモ公募（Q-LEAP 基礎基盤研究）",
            "title_en": "Demo call (Q-LEAP basic research)",
            "opens_at": jst_start_of(today - dt.timedelta(days=40)),
            "closes_at": jst_end_of(today + dt.timedelta(days=7)),
            "budget_total_yen": 600_000_000,
            "is_demo": True,
            "note_ja": "デモ用の架空の公募です。",
            "note_en": "A fictional call for the demo.",
        },
    )
    call.themes.set([theme])
    start = today.replace(day=1)
    months = 18
    if program.end_date is not None:  # never past the program's end
        left = (program.end_date.year - start.year) * 12 + program.end_date.month - start.month + 1
        months = min(months, left)
    if months < 13:
        return None
    end = period_end(start, months)
    years = range(fiscal_year(start), fiscal_year(end) + 1)
    award = adopt_demo_proposal(
        call,
        users,
        theme,
        title=QLEAP_TITLE,
        start=start,
        budget=[100_000_000 for _ in years],
        period_months=months,
        abstract="量子シミュレータの誤りを抑える手法を開発し、Flagshipの試作機で検証する。",
        plan="前半：誤り抑制手法の理論と数値検証。後半：Flagship試作機での実証と評価。",
    )
    award = move_back(award, add_months(start, -12))  # whole years: fiscal years move with it
    Call.objects.filter(pk=call.pk).update(
        opens_at=jst_start_of(award.start_date - dt.timedelta(days=120)),
        closes_at=jst_end_of(award.start_date - dt.timedelta(days=90)),
    )
    paid_on = award.start_date + dt.timedelta(days=60)
    claim = services.submit_claim(
        actor=applicant,
        award=award,
        fiscal_year=fiscal_year(paid_on),
        lines=[
            {
                "category": "equipment",
                "description": "希釈冷凍機の保守部品",
                "incurred_on": paid_on,
                "amount_yen": 40_000_000,
            }
        ],
    )
    services.approve_claim(actor=officer, claim=claim)
    services.decide_stage_gate(
        actor=officer,
        award=award,
        held_on=min(today, add_months(award.start_date, 12)),
        outcome="pass",
        note="領域の実施方針に沿い、ベンチマークを達成。PDの評価により継続。",
    )
    return award
