"""Selection keeps the plan's rules: approved caps for items ② ④ (000 lines 4958–4966), pooled
caps when adopting (lines 4916–4920, 5159), and declared conditions confirmed by the officer."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kikin.awards import services as awards
from kikin.awards.models import CapKind
from kikin.calls.models import ProposalState
from kikin.calls.services import submit_proposal
from kikin.review import services as review
from tests import factories as f

pytestmark = pytest.mark.django_db
OKU = 10**8


def in_review(plan, theme, requested, call=None, **kw):
    """A proposal submitted, past the first review and scored: (proposal, agency, ministry).
    Its own call is closed at once; a call passed in is closed by the caller, once every proposal
    is in (the selection decides after the deadline)."""
    own_call = call is None
    call = call or f.open_call(plan, themes=(theme,), budget_yen=1000 * OKU)
    app = f.applicant()
    agency, ministry, reviewer = f.user("agency"), f.user("ministry"), f.reviewer()
    kw.setdefault("set_value", None)
    p = f.complete_proposal(app, call, theme, requested=requested, **kw)
    submit_proposal(actor=app, proposal=p, submission_key=f"s{p.pk}")
    if own_call:
        f.close_call(call)
    if p.theme.item.first_review:
        review.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
    a = review.assign_reviewer(actor=agency, proposal=p, reviewer=reviewer)
    codes = [c.code for c in review.ensure_criteria(call=call)]
    review.save_review(
        actor=reviewer,
        assignment=a,
        scores=dict.fromkeys(codes, 4),
        comment="良い",
        recommendation="adopt",
        submit=True,
    )
    p.refresh_from_db()
    return p, agency, ministry


def test_an_item_2_proposal_above_its_cap_is_adopted_only_with_the_reviewers_approval(plan):
    p, agency, ministry = in_review(
        plan,
        "2-a",
        (400 * OKU,),
        period_months=36,
        eligible=(800 * OKU,),
        cap_excess_reason="波及効果が大きく一体として研究する必要がある。",
    )
    f.confirm_declarations(agency, p)
    with pytest.raises(ValidationError) as e:
        review.record_decision(actor=agency, proposal=p, outcome="adopt", reason="採択")
    assert "cap" in e.value.message_dict
    with pytest.raises(ValidationError) as e:  # not above the plan's cap: nothing to approve
        review.approve_cap_exception(
            actor=agency,
            proposal=p,
            approved_cap_yen=380 * OKU,
            reason="精査",
            approved_by_names="A, B",
        )
    assert "approved_cap_yen" in e.value.message_dict
    exception = review.approve_cap_exception(
        actor=agency,
        proposal=p,
        approved_cap_yen=400 * OKU,
        reason="必要額を十分に精査した。",
        approved_by_names="外部有識者 A、B",
    )
    assert (exception.plan_cap_yen, exception.approved_cap_yen) == (380 * OKU, 400 * OKU)
    review.record_decision(actor=agency, proposal=p, outcome="adopt", reason="採択")
    review.approve_decision(actor=ministry, proposal=p, approve=True)
    award = awards.create_award(actor=agency, proposal=p)
    cap = awards.current_cap(award)
    assert (cap.kind, cap.cap_yen) == (CapKind.APPROVED, 400 * OKU)


def test_an_item_1_cap_is_not_exceeded_by_approval(plan):
    p, agency, _m = in_review(plan, "1-b7", (3 * OKU,), period_months=24)
    with pytest.raises(ValidationError) as e:
        review.approve_cap_exception(
            actor=agency, proposal=p, approved_cap_yen=6 * OKU, reason="x", approved_by_names="A"
        )
    assert "approved_cap_yen" in e.value.message_dict


def test_the_officer_confirms_declared_conditions_before_adoption(plan):
    p, agency, _m = in_review(plan, "1-g1", (50 * OKU,), period_months=36)
    assert p.declarations  # the applicant declared (g1)'s conditions
    with pytest.raises(ValidationError) as e:
        review.record_decision(actor=agency, proposal=p, outcome="adopt", reason="採択")
    assert "declarations" in e.value.message_dict
    first = p.declarations[0]
    missing = review.check_declarations(
        actor=agency, proposal=p, results={first: False}, note="証拠不足"
    )
    assert first in missing
    with pytest.raises(PermissionDenied):
        review.check_declarations(actor=f.applicant(), proposal=p, results={first: True})
    assert (
        review.check_declarations(
            actor=agency, proposal=p, results=dict.fromkeys(p.declarations, True)
        )
        == []
    )
    review.record_decision(actor=agency, proposal=p, outcome="adopt", reason="採択")
    # A rejection needs no confirmation.
    q, agency2, _m = in_review(plan, "1-g1", (50 * OKU,), period_months=36)
    review.record_decision(actor=agency2, proposal=q, outcome="reject", reason="不採択")


def test_a_pool_is_honoured_when_adopting(plan):
    """④(b): the adopted implementers' three years together at most 15億円 (line 5159)."""
    call = f.open_call(plan, themes=("4-b",), budget_yen=1000 * OKU)
    first, agency, _ministry = in_review(
        plan, "4-b", (4 * OKU, 4 * OKU, 2 * OKU), call=call, period_months=36
    )
    second, agency2, _m = in_review(plan, "4-b", (3 * OKU, 3 * OKU, 0), call=call, period_months=36)
    f.close_call(call)
    review.record_decision(actor=agency, proposal=first, outcome="adopt", reason="採択")  # 10億円
    with pytest.raises(ValidationError) as e:
        review.record_decision(actor=agency2, proposal=second, outcome="adopt", reason="採択")
    assert "pool" in e.value.message_dict  # 10 + 6 > 15億円


def test_the_recommended_set_honours_the_pools(plan):
    call = f.open_call(plan, themes=("4-b",), budget_yen=1000 * OKU)
    proposals = [
        in_review(plan, "4-b", (3 * OKU, 3 * OKU, 2 * OKU), call=call, period_months=36)[0]
        for _ in range(3)
    ]
    f.close_call(call)
    agency = f.user("agency")
    plan_ = review.recommend_adoptions(actor=agency, call=call)
    assert len(plan_.proposal_ids) == 1  # 8億円 each: two would be 16億円 > 15億円
    assert plan_.proposal_ids[0] in {p.pk for p in proposals}
    assert all(p.state == ProposalState.IN_REVIEW for p in proposals)
