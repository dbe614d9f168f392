"""A world with every page and form reachable: the demo (its users, call, awards and finished
themes) plus proposals in each state of the selection, a GENIAC award with compute, and an award
under the technology-leakage controls with a report, a shortcoming and a prior consultation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from kikin.accounts.models import User
from kikin.calls.models import Call
from kikin.calls.services import add_attachment, submit_proposal
from kikin.review import services as review
from tests import factories as f

from .files import tiny_pdf


@dataclass
class World:
    users: dict[str, User | None]


def _submitted(call: Call, theme_key: str = "1-a1"):
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call, theme_key)
    submit_proposal(actor=applicant, proposal=p, submission_key=f"fuzz-{p.pk}")
    return p


def build() -> World:
    from kikin.calls.demo import load_demo_call

    for command in ("load_plan", "load_budget_frames", "load_demo"):
        call_command(command, verbosity=0)
    users = {u.username: u for u in User.objects.filter(username__in=DEMO)}
    ministry, agency, reviewer, applicant = (
        users["ministry"],
        users["officer"],
        users["reviewer"],
        users["applicant"],
    )
    call = load_demo_call()
    # The demo applicant's draft, with an attachment: edit, submit, withdraw, upload.
    draft = f.complete_proposal(applicant, call, title="ファジング用の下書き")
    add_attachment(
        actor=applicant,
        proposal=draft,
        uploaded=SimpleUploadedFile("plan.pdf", tiny_pdf(), content_type="application/pdf"),
    )
    # Proposals in each state of the selection.
    waiting = _submitted(call)  # awaiting the first review, in its second version
    submit_proposal(
        actor=waiting.created_by, proposal=waiting, submission_key=f"fuzz2-{waiting.pk}"
    )
    in_review = _submitted(call)
    review.decide_first_review(actor=ministry, proposal=in_review, passed=True, reason="合致")
    review.assign_reviewer(actor=agency, proposal=in_review, reviewer=reviewer)
    review.schedule_hearing(
        actor=agency,
        proposal=in_review,
        scheduled_at=call.closes_at + dt.timedelta(days=3),
        place="本部",
    )
    # A call whose deadline has passed (the selection decides only then): a proposal reviewed
    # and awaiting the committee's decision, and one the committee recommended.
    closed = f.open_call(call.program, themes=("1-a1",), key="fuzz-closed")
    decidable, recommended = _submitted(closed), _submitted(closed)
    f.close_call(closed)
    codes = [c.code for c in review.ensure_criteria(call=closed)]
    for p in (decidable, recommended):
        review.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
        a = review.assign_reviewer(actor=agency, proposal=p, reviewer=f.reviewer())
        review.save_review(
            actor=a.reviewer,
            assignment=a,
            scores=dict.fromkeys(codes, 4),
            comment="良い",
            recommendation="adopt",
            submit=True,
        )
    review.record_decision(actor=agency, proposal=recommended, outcome="adopt", reason="採択")
    f.adopted(call.program)  # adopted, its award not yet made
    # A claim with its evidence on the demo award.
    from kikin.awards.demo import DEMO_TITLE
    from kikin.awards.models import Award
    from kikin.awards.services import submit_claim

    award = Award.objects.get(call__is_demo=True, proposal__title=DEMO_TITLE)
    submit_claim(
        actor=applicant,
        award=award,
        fiscal_year=award.start_date.year,
        lines=[
            {
                "category": "personnel",
                "description": "研究員人件費（5月）",
                "incurred_on": award.start_date + dt.timedelta(days=40),
                "amount_yen": 1_000_000,
                "evidence": SimpleUploadedFile("receipt.pdf", tiny_pdf()),
            }
        ],
    )
    # A reviewer whose organisation's name is near a partner's: flagged for the officer.
    near = f.user("reviewer", f.organisation(name="量子計測ラボラトリー株式会社"))
    from kikin.review.models import ReviewerProfile

    ReviewerProfile.objects.create(user=near, keywords="量子")
    flagged = f.complete_proposal(f.applicant(), call)
    from kikin.calls.services import save_draft

    save_draft(
        actor=flagged.created_by,
        proposal=flagged,
        fields={},
        partners=[
            {
                "name": "量子計測ラボラトリ",
                "country": "JP",
                "relation": "independent",
                "special_capability": "",
            }
        ],
    )
    submit_proposal(actor=flagged.created_by, proposal=flagged, submission_key="fuzz-flagged")
    # GENIAC: an award with compute, its pool, an allocation and imported usage.
    from kikin.compute import services as compute
    from tests.compute.helpers import Staff, as_stream, csv_bytes, geniac_award

    plan = call.program
    staff = Staff(agency=agency, ministry=ministry, reviewer=f.reviewer())
    geniac, developer = geniac_award(plan, staff)
    pool = compute.create_pool(
        actor=agency,
        name="Cycle 2 H100",
        provider="Google Cloud",
        accelerator_type="H100",
        hours_bought=10_000,
        price_per_hour_yen=3_000,
        starts_on=geniac.start_date,
        ends_on=geniac.period_end,
        call=geniac.call,
    )
    mine = compute.allocate(actor=agency, pool=pool, award=geniac, hours=1_000)
    compute.import_usage(
        actor=agency,
        pool=pool,
        stream=as_stream(csv_bytes(f"m1,{mine.code},{mine.starts_on},10.5,31500")),
        file_name="u.csv",
    )
    # Technology-leakage controls: a report found wanting, and a prior consultation sent.
    from kikin.compliance import services as compliance
    from tests.compliance.helpers import make_award, report

    w = make_award(plan)
    r = report(w, dt.date(2025, 9, 1))
    compliance.assess_report(
        actor=w.agency,
        report=r,
        sufficient=False,
        findings="不十分",
        assessed_on=dt.date(2025, 9, 2),
    )
    c = compliance.record_planned_act(
        actor=w.applicant,
        award=w.award,
        act="provide",
        description="技術提供",
        counterparty="X",
        country="CN",
        planned_date=dt.date.today() + dt.timedelta(days=120),
        foreign_government_influence=True,
    )
    compliance.send_consultation(actor=w.applicant, consultation=c)
    # A call announced ahead of its opening, with its guidelines and no proposal yet: its
    # editor offers to take a document off (the demo call's, with proposals, keeps them).
    from kikin.calls.services import add_call_document
    from kikin.core import timeutil

    forthcoming = f.open_call(
        plan,
        key="fuzz-forthcoming",
        opens=timeutil.now() + dt.timedelta(days=30),
        closes=timeutil.now() + dt.timedelta(days=60),
    )
    add_call_document(
        actor=agency,
        call=forthcoming,
        uploaded=SimpleUploadedFile("guidelines.pdf", tiny_pdf(), content_type="application/pdf"),
        kind="guidelines",
        title_ja="公募要領",
    )
    # An API token of the demo applicant's, so that its page offers to revoke one.
    from kikin.api.services import create_token

    create_token(actor=applicant, name="fuzz")
    newcomer = f.applicant()
    newcomer.self_registered, newcomer.email = True, "newcomer@example.jp"
    newcomer.save()
    users.update(
        {
            "anonymous": None,
            "newcomer": newcomer,  # self-registered, e-mail not yet verified
            "new_officer": f.user("agency"),  # no second factor enrolled yet
            "developer": developer,
            "implementer": w.applicant,
            "leakage_agency": w.agency,
            "leakage_ministry": w.ministry,
        }
    )
    return World(users=users)


DEMO = ("ministry", "officer", "reviewer", "applicant")
