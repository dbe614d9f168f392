"""Builders for test data: organisations, users by role, open calls and complete proposals."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from kikin.accounts.models import Organisation, OrganisationCategory, Role, User
from kikin.calls.models import Call
from kikin.calls.services import create_proposal, save_draft
from kikin.core import timeutil
from kikin.programs.models import Program, Theme
from kikin.review.models import ReviewerProfile

_seq = itertools.count(1)


def organisation(name=None, category=OrganisationCategory.LARGE, country="JP") -> Organisation:
    n = next(_seq)
    return Organisation.objects.create(
        name_ja=name or f"試験株式会社{n}",
        name_en=f"Test Co {n}",
        category=category,
        country=country,
    )


def user(role: str, org: Organisation | None = None, username=None) -> User:
    n = next(_seq)
    u = User.objects.create_user(
        username=username or f"{role}{n}",
        password="pw",
        role=role,
        organisation=org,
        display_name=f"{role} {n}",
    )
    return u


def applicant(org=None) -> User:
    return user(Role.APPLICANT, org or organisation())


def reviewer(org=None, keywords="", profile="") -> User:
    u = user(Role.REVIEWER, org or organisation(category=OrganisationCategory.ACADEMIA))
    ReviewerProfile.objects.create(user=u, keywords=keywords, profile=profile)
    return u


def theme(key: str, program: str = "post5g") -> Theme:
    item, code = key.split("-", 1)
    return Theme.objects.get(program__code=program, item__number=int(item), code=code)


def open_call(
    program: Program,
    themes=("1-a1",),
    *,
    key=None,
    budget_yen=10_000_000_000,
    opens=None,
    closes=None,
) -> Call:
    now = timeutil.now()  # the fund's clock: a call is open around the test's today
    call = Call.objects.create(
        program=program,
        key=key or f"test-{next(_seq)}",
        title_ja="試験公募",
        title_en="Test call",
        opens_at=opens or now - dt.timedelta(days=1),
        closes_at=closes or now + dt.timedelta(days=10),
        budget_total_yen=budget_yen,
    )
    call.themes.set([theme(k, program.code) for k in themes])
    return call


def close_call(call: Call) -> Call:
    """The call's deadline passes (a minute ago): from now on the selection may decide on its
    proposals (kikin.rules.selection), and no proposal is accepted any more."""
    from kikin.core import timeutil

    closes = timeutil.now() - dt.timedelta(minutes=1)
    Call.objects.filter(pk=call.pk).update(
        closes_at=closes, opens_at=min(call.opens_at, closes - dt.timedelta(days=1))
    )
    call.refresh_from_db()
    return call


def reopen_call(call: Call, days: int = 10) -> Call:
    """The call's deadline moved `days` ahead (a correction): it takes proposals again."""
    from kikin.core import timeutil

    Call.objects.filter(pk=call.pk).update(closes_at=timeutil.now() + dt.timedelta(days=days))
    call.refresh_from_db()
    return call


def start_of_next_fy() -> dt.date:
    today = timeutil.today()
    return dt.date(today.year + (1 if today.month >= 4 else 0), 4, 1)


def complete_proposal(
    actor: User,
    call: Call,
    theme_key="1-a1",
    *,
    title="クラウド型コアの高度化",
    requested=(1_000_000_000, 1_000_000_000, 1_000_000_000),
    set_value="2.5",
    eligible=None,
    **fields,
):
    """A proposal that passes every check for a contract theme under the refund scheme."""
    partners = fields.pop("partners", [])
    p = create_proposal(actor=actor, call=call, theme=theme(theme_key, call.program.code))
    start = start_of_next_fy()
    data = {
        "title": title,
        "abstract": "仮想化したコアネットワークの性能を高める。",
        "plan": "第1年度：設計。第2年度：試作。第3年度：実証。",
        "start_date": start,
        "period_months": 36,
        "set_value": Decimal(set_value) if set_value is not None else None,
        "leakage_core_technologies": "仮想化コアの制御ソフトウェア",
        "leakage_access_control": "開発環境は社内ネットワークに限定し、二要素認証で管理する。",
        "leakage_staff_management": "アクセス権者を名簿で管理し、退職時に権限を失効させる。",
        "leakage_partner_controls": "再委託先と秘密保持契約を結び、年1回監査する。",
    }
    data.update(fields)
    save_draft(
        actor=actor,
        proposal=p,
        fields=data,
        budget=[
            {
                "fiscal_year": start.year + i,
                "requested_yen": r,
                "eligible_cost_yen": (eligible or requested)[i],
            }
            for i, r in enumerate(requested)
        ],
        team=[
            {
                "name": "研究 太郎",
                "affiliation": actor.organisation.name_ja,
                "role": "PI",
                "is_lead": True,
            }
        ],
        partners=[
            {
                "name": "",
                "country": "JP",
                "relation": "independent",
                "role": "joint",
                "supplies_ai_compute": False,
                "special_capability": "",
                **row,
            }
            for row in partners
        ],
    )
    p.refresh_from_db()
    if "declarations" not in fields:
        declare_all(actor, p)
    return p


def declare_all(actor: User, proposal):
    """The applicant affirms every condition its theme asks to be declared (with evidence), and
    commits to social implementation where the theme is a GX theme."""
    from kikin.calls.validation import proposal_eligibility

    found = proposal_eligibility(proposal)
    save_draft(
        actor=actor,
        proposal=proposal,
        fields={
            "declarations": [c.code for c in found.declarations_needed],
            "declaration_evidence": "体制図と協力合意書を添付する。"
            if found.declarations_needed
            else "",
            "gx_commitment": bool(proposal.theme_spec().gx),
        },
    )
    proposal.refresh_from_db()
    return proposal


def confirm_declarations(agency: User, proposal):
    """The officer confirms every declared condition at the first review."""
    from kikin.calls.validation import proposal_eligibility
    from kikin.review import services as review

    codes = [c.code for c in proposal_eligibility(proposal).declarations_needed]
    if codes:
        review.check_declarations(
            actor=agency, proposal=proposal, results=dict.fromkeys(codes, True)
        )


def adopted(plan, theme_key="1-a1", **kw):
    """A proposal taken through the selection to adoption: (proposal, applicant, ministry, agency)."""
    from kikin.calls.models import ProposalState
    from kikin.calls.services import submit_proposal
    from kikin.review import services as review

    call = open_call(plan, themes=(theme_key,))
    applicant_, ministry, agency = applicant(), user(Role.MINISTRY), user(Role.AGENCY)
    reviewer_ = reviewer()
    p = complete_proposal(applicant_, call, theme_key, **kw)
    submit_proposal(actor=applicant_, proposal=p, submission_key=f"s{p.pk}")
    close_call(call)
    p.refresh_from_db()
    if p.theme.item.first_review:
        review.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
    a = review.assign_reviewer(actor=agency, proposal=p, reviewer=reviewer_)
    codes = [c.code for c in review.ensure_criteria(call=call)]
    review.save_review(
        actor=reviewer_,
        assignment=a,
        scores=dict.fromkeys(codes, 4),
        comment="良い",
        recommendation="adopt",
        submit=True,
    )
    confirm_declarations(agency, p)
    review.record_decision(actor=agency, proposal=p, outcome="adopt", reason="採択")
    review.approve_decision(actor=ministry, proposal=p, approve=True)
    p.refresh_from_db()
    assert p.state == ProposalState.ADOPTED
    return p, applicant_, ministry, agency
