"""A demo theme under way: the demo applicant's proposal taken through the selection to an award,
with one paid claim, so that the demo's portfolio and ledger have something to show; and Q-LEAP's
area with its theme under way.

Every date is placed relative to the day the demo is loaded (`kikin.core.timeutil.today`, which
`load_demo --as-of` sets), and every step is made through the services on the day it happened
(`kikin.core.demo.on`): each demo award comes from a call of its own that closed before the
selection decided, its work started in the past, its claims are for money already spent, its
reports due by today are filed and those due later are not, a gate held by today is recorded and
one due later is left to come. Nothing falls outside its program's life (the plan file's
start_date and end_date): where the load day leaves no room for a part, it is left out with a
message (`DemoLeftOut`) rather than contradict the day or the plan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kikin.accounts.models import User
from kikin.calls.models import Call, Proposal
from kikin.calls.services import create_proposal, save_draft, submit_proposal
from kikin.calls.validation import proposal_eligibility
from kikin.core.demo import demo_choices, left_out, on, program_life
from kikin.core.timeutil import JST, jst_end_of, jst_start_of, today_jst
from kikin.programs.demo import demo_theme
from kikin.programs.models import Program, Theme
from kikin.review import services as review
from kikin.rules.dates import add_months, period_end
from kikin.rules.fiscal import fiscal_year, fiscal_year_bounds

from . import services
from .models import Award, BudgetEntry, ProgressReport, StageGateReview

DEMO_TITLE = "クラウドネイティブ５Ｇコアの高信頼化"
QLEAP_TITLE = "量子シミュレータのための誤り抑制手法"
#: The key of the call the demo award was adopted in (`demo_round`).
DEMO_AWARD_CALL = "demo-adopted"
#: A demo call opens this many days before its deadline; its proposal is submitted 10 days before
#: the deadline, and the selection ends with the award `SELECTION_DAYS` days after it.
CALL_DAYS = 60
SELECTION_DAYS = 32
#: A demo award's work starts this many days after its call's deadline.
START_AFTER_DEADLINE = 60


def demo_users() -> dict[str, User]:
    return {
        u.username: u
        for u in User.objects.filter(username__in=["ministry", "officer", "reviewer", "applicant"])
    }


def demo_choice_program(role: str) -> str:
    """The code of the program of the theme the demo uses for `role` (kikin/core/demo.toml)."""
    return demo_choices()["themes"][role]["program"]


def months_between(first: dt.date, last: dt.date) -> int:
    """Whole months from `first` (a first of a month) to `last` inclusive (a month's last day)."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def first_start(program: Program) -> dt.date:
    """The earliest first of a month a demo award of `program` can start on: its call opened
    inside the program's life (`CALL_DAYS` + `START_AFTER_DEADLINE` days before the start)."""
    earliest = program.start_date + dt.timedelta(days=CALL_DAYS + START_AFTER_DEADLINE)
    return earliest if earliest.day == 1 else add_months(earliest.replace(day=1), 1)


def demo_round(theme: Theme, key: str, *, title_ja: str, title_en: str, closes_on: dt.date) -> Call:
    """A demo call of its own for one demo theme taken through the selection: it opened
    `CALL_DAYS` days before `closes_on` and closed that day (JST), before the selection decided
    (no selection decision comes before a call's deadline: kikin.rules.selection). The demo's
    open call (`calls.demo`) is left to the applicant."""
    call, _created = Call.objects.update_or_create(
        program=theme.program,
        key=key,
        defaults={
            "title_ja": title_ja,
            "title_en": title_en,
            "opens_at": jst_start_of(closes_on - dt.timedelta(days=CALL_DAYS)),
            "closes_at": jst_end_of(closes_on),
            "budget_total_yen": 20_000_000_000,
            "is_demo": True,
            "note_ja": "デモ用の架空の公募です（選考は終了しています）。",
            "note_en": "A fictional call for the demo (its selection is over).",
        },
    )
    call.themes.set([theme])
    return call


def hold_gates_due(award: Award, officer: User, today: dt.date) -> None:
    """The stage gates due by `today`, each held (passed) on its day; later ones stay to come."""
    while True:
        gate = award.gate_reviews.filter(held_on__isnull=True).order_by("number").first()
        if gate is None or gate.scheduled_for > today:
            return
        with on(gate.scheduled_for):
            services.decide_stage_gate(
                actor=officer,
                award=award,
                held_on=gate.scheduled_for,
                outcome="pass",
                note="中間目標を達成。",
            )


def file_reports_due(award: Award, applicant: User, today: dt.date) -> None:
    """The progress reports due by `today`, each filed on its due date; later ones stay due."""
    for report in award.progress_reports.filter(due_date__lte=today, submitted_at__isnull=True):
        with on(report.due_date):
            services.submit_progress_report(
                actor=applicant, report=report, summary="計画どおり進捗。"
            )


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
    """The demo applicant's proposal in `call` (a call of its own that has closed: `demo_round`),
    submitted 10 days before its deadline and taken through the two-stage selection after it, to
    an award made `SELECTION_DAYS` days after the deadline: each step on its day."""
    deadline = call.closes_at.astimezone(JST).date()
    with on(deadline - dt.timedelta(days=10)):
        p, needed = _propose(
            call,
            users,
            theme,
            title=title,
            start=start,
            budget=budget,
            eligible=eligible,
            set_value=set_value,
            self_investment_yen=self_investment_yen,
            period_months=period_months,
            abstract=abstract,
            plan=plan,
        )
    return _select(call, users, theme, p, needed, deadline)


def _propose(
    call,
    users,
    theme,
    *,
    title,
    start,
    budget,
    eligible,
    set_value,
    self_investment_yen,
    period_months,
    abstract,
    plan,
) -> tuple[Proposal, list[str]]:
    applicant = users["applicant"]
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
    p.refresh_from_db()
    return p, needed


def _select(call, users, theme, p: Proposal, needed: list[str], deadline: dt.date) -> Award:
    """The selection of `p` after its call's deadline, step by step on its days."""
    ministry, officer, reviewer = users["ministry"], users["officer"], users["reviewer"]
    after = lambda days: on(deadline + dt.timedelta(days=days))  # noqa: E731
    with after(3):
        if needed:
            review.check_declarations(
                actor=officer, proposal=p, results=dict.fromkeys(needed, True), note="確認済み"
            )
        if theme.item.first_review:
            review.decide_first_review(
                actor=ministry, proposal=p, passed=True, reason="政策目的に合致する。"
            )
    with after(5):
        a = review.assign_reviewer(actor=officer, proposal=p, reviewer=reviewer)
        codes = [c.code for c in review.ensure_criteria(call=call)]
    with after(15):
        review.save_review(
            actor=reviewer,
            assignment=a,
            scores=dict.fromkeys(codes, 4),
            comment="実用化の見通しが明確。",
            recommendation="adopt",
            submit=True,
        )
    with after(25):
        review.record_decision(
            actor=officer, proposal=p, outcome="adopt", reason="技術的優位性が高い。"
        )
    with after(27):
        review.approve_decision(actor=ministry, proposal=p, approve=True, note="承認")
    with after(30):
        review.issue_notices(actor=officer, call=call)
        review.publish_adoptions(actor=officer, call=call)
    with after(SELECTION_DAYS):
        return services.create_award(actor=officer, proposal=Proposal.objects.get(pk=p.pk))


@transaction.atomic
def load_demo_award() -> Award | None:
    """The post-5G contract theme under way, once (later runs leave it as it is): adopted in a
    call of its own, started on 1 April of this fiscal year (of the last one in the first
    `SELECTION_DAYS` + 15 days of this one), with its first claim paid, its reports due by today
    filed and its stage gate held if it fell due by today."""
    users = demo_users()
    program = Program.objects.filter(code=demo_choice_program("refund_contract")).first()
    if program is None or len(users) < 4:
        return None
    existing = Award.objects.filter(call__is_demo=True, proposal__title=DEMO_TITLE).first()
    if existing:
        return existing
    theme = demo_theme("refund_contract")
    today = today_jst()
    this_fy = fiscal_year_bounds(fiscal_year(today))[0]
    start = this_fy if (today - this_fy).days >= 45 else dt.date(this_fy.year - 1, 4, 1)
    part = _("The demo theme under way (post-5G)")
    if program.end_date is not None and program.end_date <= today:
        raise left_out(
            part, program, _("the program has ended (%(life)s).") % {"life": program_life(program)}
        )
    start = max(start, first_start(program))
    if start > today - dt.timedelta(days=45):
        raise left_out(
            part,
            program,
            _(
                "the program began too recently for a theme adopted in a call of its own to have "
                "started and claimed its first costs (%(life)s)."
            )
            % {"life": program_life(program)},
        )
    months = 36
    if program.end_date is not None:  # never past the program's end
        months = min(months, months_between(start, program.end_date))
    end = period_end(start, months)
    years = range(fiscal_year(start), fiscal_year(end) + 1)
    deadline = start - dt.timedelta(days=START_AFTER_DEADLINE)
    call = demo_round(
        theme,
        DEMO_AWARD_CALL,
        title_ja="デモ公募（ポスト５Ｇ・採択済み）",
        title_en="Demo call (post-5G, adopted)",
        closes_on=deadline,
    )
    award = adopt_demo_proposal(
        call,
        users,
        theme,
        title=DEMO_TITLE,
        start=start,
        budget=[1_500_000_000 for _fy in years],
        period_months=months,
        set_value=Decimal("2.5"),
    )
    applicant, officer = users["applicant"], users["officer"]
    with on(start + dt.timedelta(days=30)):
        claim = services.submit_claim(
            actor=applicant,
            award=award,
            fiscal_year=fiscal_year(start),
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
    with on(start + dt.timedelta(days=40)):
        services.approve_claim(actor=officer, claim=claim)
    file_reports_due(award, applicant, today)
    hold_gates_due(award, officer, today)
    award.refresh_from_db()
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
    selection (in a call of its own) to an award that started on the first of the month a year
    ago, with a claim paid, its reports due by today filed and its stage gate held (early, as the
    plan allows). Placed relative to the day the demo is loaded, inside Q-LEAP's life."""
    from kikin.programs import services as programs

    users = demo_users()
    program = Program.objects.filter(code=demo_choice_program("qleap")).first()
    if program is None or len(users) < 4:
        return None
    theme = demo_theme("qleap")
    item = theme.item
    officer, applicant = users["officer"], users["applicant"]
    today = today_jst()
    part = _("The Q-LEAP demo (its area and its theme under way)")
    if program.end_date is not None and program.end_date < today:
        raise left_out(
            part, program, _("the program has ended (%(life)s).") % {"life": program_life(program)}
        )
    existing = Award.objects.filter(theme=theme, proposal__title=QLEAP_TITLE).first()
    start = add_months(today.replace(day=1), -12)
    months = 18
    if program.end_date is not None:  # never past the program's end
        months = min(months, months_between(start, program.end_date))
    if existing is None and (months < 13 or start < first_start(program)):
        raise left_out(
            part,
            program,
            _(
                "a theme that started a year ago and runs on past today does not fit in the "
                "program's life (%(life)s)."
            )
            % {"life": program_life(program)},
        )
    if programs.current_director(item) is None:
        appointed = max(today - dt.timedelta(days=400), program.start_date)
        with on(appointed):
            programs.appoint_area_director(
                actor=officer, item=item, user=officer, appointed_on=appointed
            )
    fy = fiscal_year(today)
    if not item.policies.filter(fiscal_year=fy).exists():
        programs.set_area_policy(
            actor=officer,
            item=item,
            fiscal_year=fy,
            policy="誤り耐性量子計算に向けた基礎基盤研究を重点化し、Flagshipとの連携を評価する。",
            benchmarks="論理量子ビットの誤り率、量子シミュレータの規模",
            budget_yen=800_000_000,
        )
    if existing:
        return existing
    end = period_end(start, months)
    years = range(fiscal_year(start), fiscal_year(end) + 1)
    call = demo_round(
        theme,
        "demo-qleap",
        title_ja="デモ公募（Q-LEAP 基礎基盤研究）",
        title_en="Demo call (Q-LEAP basic research)",
        closes_on=start - dt.timedelta(days=START_AFTER_DEADLINE),
    )
    award = adopt_demo_proposal(
        call,
        users,
        theme,
        title=QLEAP_TITLE,
        start=start,
        budget=[100_000_000 for _fy in years],
        period_months=months,
        abstract="量子シミュレータの誤りを抑える手法を開発し、Flagshipの試作機で検証する。",
        plan="前半：誤り抑制手法の理論と数値検証。後半：Flagship試作機での実証と評価。",
    )
    paid_on = award.start_date + dt.timedelta(days=60)
    with on(paid_on + dt.timedelta(days=10)):
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
    with on(paid_on + dt.timedelta(days=20)):
        services.approve_claim(actor=officer, claim=claim)
    held = min(today, add_months(award.start_date, 12))
    file_reports_due(award, applicant, held)
    with on(held):
        services.decide_stage_gate(
            actor=officer,
            award=award,
            held_on=held,
            outcome="pass",
            note="領域の実施方針に沿い、ベンチマークを達成。PDの評価により継続。",
        )
    file_reports_due(award, applicant, today)
    award.refresh_from_db()
    return award
