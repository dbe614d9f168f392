"""GENIAC (g3) awards for the compute tests, made for real: a proposal to a seeded GENIAC call
(reopened for the test), taken through the selection to adoption, then `create_award`, so the
rate comes from the rules engine by call and applicant category."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.utils import timezone

from kikin.accounts.models import OrganisationCategory, Role, User
from kikin.awards import services as awards
from kikin.awards.models import Award
from kikin.calls.models import Call, ProposalState
from kikin.calls.services import submit_proposal
from kikin.review import services as review
from tests import factories as f

GENIAC_FIELDS = {
    "set_value": None,
    "period_months": 6,
    "requested": (100_000_000,),
    "eligible": (150_000_000,),
    "development_type": "scratch",
    "benchmark_target": "JGLUE 平均で GPT-3.5 の 90 % 以上",
    "compute_provider": "Google Cloud",
    "accelerator_type": "H100",
    "accelerator_hours": 20_000,
}


def reopened_call(plan, key: str) -> Call:
    """The seeded GENIAC call `key`, open now (its rates by call apply to the award)."""
    call = Call.objects.get(program=plan, key=key)
    now = timezone.now()
    if not call.is_open(now):
        Call.objects.filter(pk=call.pk).update(
            opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=10)
        )
        call.refresh_from_db()
    return call


@dataclass
class Staff:
    agency: User
    ministry: User
    reviewer: User


def make_staff() -> Staff:
    return Staff(agency=f.user(Role.AGENCY), ministry=f.user(Role.MINISTRY), reviewer=f.reviewer())


def geniac_award(
    plan,
    staff: Staff,
    *,
    call_key: str = "2024-07",
    category: str = OrganisationCategory.SME,
    **fields,
) -> tuple[Award, User]:
    """(award, applicant) for a new organisation of `category` adopted in GENIAC call `call_key`."""
    call = reopened_call(plan, call_key)
    applicant = f.applicant(f.organisation(category=category))
    data = dict(GENIAC_FIELDS)
    if category in (OrganisationCategory.LARGE, OrganisationCategory.OTHER):
        data["requested"] = (75_000_000,)  # at most 1/2 of the eligible cost
    data.update(fields)
    p = f.complete_proposal(applicant, call, "1-g3", **data)
    submit_proposal(actor=applicant, proposal=p, submission_key=f"s{p.pk}")
    f.close_call(call)  # the selection decides once the deadline has passed
    if p.theme.item.first_review:
        review.decide_first_review(actor=staff.ministry, proposal=p, passed=True, reason="合致")
    a = review.assign_reviewer(actor=staff.agency, proposal=p, reviewer=staff.reviewer)
    codes = [c.code for c in review.ensure_criteria(call=call)]
    review.save_review(
        actor=staff.reviewer,
        assignment=a,
        scores=dict.fromkeys(codes, 4),
        comment="良い",
        recommendation="adopt",
        submit=True,
    )
    f.confirm_declarations(staff.agency, p)
    review.record_decision(actor=staff.agency, proposal=p, outcome="adopt", reason="採択")
    review.approve_decision(actor=staff.ministry, proposal=p, approve=True)
    p.refresh_from_db()
    assert p.state == ProposalState.ADOPTED
    return awards.create_award(actor=staff.agency, proposal=p), applicant


def csv_bytes(
    *rows: str,
    header: str = "usage_id,allocation,date,accelerator_hours,fee_yen",
    bom: bool = False,
) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def as_stream(data: bytes) -> io.BufferedReader:
    return io.BufferedReader(io.BytesIO(data))
