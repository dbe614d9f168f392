import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kikin.accounts.models import Role
from kikin.audit.models import AuditRecord
from kikin.calls.models import ProposalState
from kikin.calls.services import save_draft, submit_proposal
from kikin.calls.workflow import TransitionError
from kikin.review import services
from kikin.review.conflicts import conflict_pairs, conflict_reasons
from kikin.review.models import Decision
from kikin.review.selectors import published_adoptions, reviews_visible_to
from kikin.review.views import deadline_status
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(plan):
    call = f.open_call(plan, themes=("1-a1", "4-a"), budget_yen=5_000_000_000)
    applicant = f.applicant()
    ministry = f.user(Role.MINISTRY)
    agency = f.user(Role.AGENCY)
    reviewers = [
        f.reviewer(keywords="クラウド, コアネットワーク"),
        f.reviewer(keywords="光伝送"),
        f.reviewer(keywords="量子"),
    ]
    proposal = f.complete_proposal(applicant, call)
    submit_proposal(actor=applicant, proposal=proposal, submission_key=f"k{proposal.pk}")
    proposal.refresh_from_db()
    return {
        "call": call,
        "applicant": applicant,
        "ministry": ministry,
        "agency": agency,
        "reviewers": reviewers,
        "proposal": proposal,
    }


def _through_first_review(w):
    services.decide_first_review(
        actor=w["ministry"], proposal=w["proposal"], passed=True, reason="政策目的に合致"
    )
    w["proposal"].refresh_from_db()


def test_first_review_only_by_the_ministry_with_a_reason(world):
    w = world
    with pytest.raises(PermissionDenied):
        services.decide_first_review(
            actor=w["agency"], proposal=w["proposal"], passed=True, reason="x"
        )
    with pytest.raises(ValidationError):
        services.decide_first_review(
            actor=w["ministry"], proposal=w["proposal"], passed=True, reason=" "
        )
    _through_first_review(w)
    assert w["proposal"].state == ProposalState.FIRST_PASSED
    assert AuditRecord.objects.filter(action="proposal.pass_first_review").exists()


def test_item_four_skips_the_first_review(world, plan):
    w = world
    p = f.complete_proposal(
        w["applicant"], w["call"], "4-a", set_value=None, requested=(100_000_000,)
    )
    submit_proposal(actor=w["applicant"], proposal=p, submission_key="item4")
    with pytest.raises(TransitionError):
        services.decide_first_review(actor=w["ministry"], proposal=p, passed=True, reason="x")
    services.assign_reviewer(actor=w["agency"], proposal=p, reviewer=w["reviewers"][0])
    p.refresh_from_db()
    assert p.state == ProposalState.IN_REVIEW


def test_item_one_cannot_skip_the_first_review(world):
    w = world
    with pytest.raises(TransitionError):
        services.assign_reviewer(
            actor=w["agency"], proposal=w["proposal"], reviewer=w["reviewers"][0]
        )


def test_conflicts_same_org_partner_and_declared(world):
    w = world
    p = w["proposal"]
    same_org = f.reviewer(org=p.organisation)
    partner_org = f.organisation(name="提携大学")
    partner_reviewer = f.reviewer(org=partner_org)
    save_draft(
        actor=w["applicant"],
        proposal=p,
        fields={},
        partners=[
            {
                "name": "提携大学",
                "country": "JP",
                "relation": "independent",
                "special_capability": "",
            }
        ],
    )
    declared = w["reviewers"][2]
    services.declare_conflict(
        actor=declared, reviewer=declared, proposal=p, reason="共同研究の経験"
    )
    assert conflict_reasons(same_org, p) == ["same_organisation"]
    assert conflict_reasons(partner_reviewer, p) == ["partner_organisation"]
    assert conflict_reasons(declared, p) == ["declared"]
    assert conflict_reasons(w["reviewers"][0], p) == []
    pairs = conflict_pairs([p], [same_org, partner_reviewer, declared, w["reviewers"][0]])
    assert pairs == {(p.pk, same_org.pk), (p.pk, partner_reviewer.pk), (p.pk, declared.pk)}
    _through_first_review(w)
    for r in (same_org, partner_reviewer, declared):
        with pytest.raises(ValidationError):
            services.assign_reviewer(actor=w["agency"], proposal=p, reviewer=r)


def test_a_conflict_declared_after_assignment_removes_access_everywhere(world, client):
    w = world
    _through_first_review(w)
    r = w["reviewers"][0]
    a = services.assign_reviewer(actor=w["agency"], proposal=w["proposal"], reviewer=r)
    client.force_login(r)
    assert client.get(reverse("review:review_form", args=[a.pk])).status_code == 200
    services.declare_conflict(
        actor=w["agency"], reviewer=r, organisation=w["proposal"].organisation, reason="元所属"
    )
    assert client.get(reverse("review:review_form", args=[a.pk])).status_code == 404
    assert client.get(reverse("calls:proposal_detail", args=[w["proposal"].pk])).status_code == 404


def _score_all(review_assignment, reviewer, value, submit=True):
    codes = [c.code for c in services.ensure_criteria(call=review_assignment.proposal.call)]
    return services.save_review(
        actor=reviewer,
        assignment=review_assignment,
        scores=dict.fromkeys(codes, value),
        comment="妥当",
        recommendation="adopt",
        submit=submit,
    )


def test_reviewers_see_others_only_after_submitting_their_own(world):
    w = world
    _through_first_review(w)
    r1, r2 = w["reviewers"][:2]
    a1 = services.assign_reviewer(actor=w["agency"], proposal=w["proposal"], reviewer=r1)
    a2 = services.assign_reviewer(actor=w["agency"], proposal=w["proposal"], reviewer=r2)
    _score_all(a1, r1, 4)
    assert list(reviews_visible_to(r2, w["proposal"])) == []
    _score_all(a2, r2, 5, submit=False)
    assert [r.assignment.reviewer_id for r in reviews_visible_to(r2, w["proposal"])] == [r2.pk]
    services.save_review(
        actor=r2,
        assignment=a2,
        scores={c.code: 5 for c in services.ensure_criteria(call=w["call"])},
        comment="優れている",
        recommendation="adopt",
        submit=True,
    )
    assert {r.assignment.reviewer_id for r in reviews_visible_to(r2, w["proposal"])} == {
        r1.pk,
        r2.pk,
    }
    assert list(reviews_visible_to(w["applicant"], w["proposal"])) == []


def test_score_validation_and_weighted_score(world):
    w = world
    _through_first_review(w)
    r = w["reviewers"][0]
    a = services.assign_reviewer(actor=w["agency"], proposal=w["proposal"], reviewer=r)
    with pytest.raises(ValidationError) as exc:
        services.save_review(
            actor=r,
            assignment=a,
            scores={"technology": 9},
            comment="",
            recommendation="",
            submit=True,
        )
    assert (
        "score.technology" in exc.value.message_dict and "recommendation" in exc.value.message_dict
    )
    review = _score_all(a, r, 4)
    assert str(review.weighted_score) == "80.000"  # 4 of 5 on every criterion
    with pytest.raises(ValidationError):
        _score_all(a, r, 5)  # submitted reviews are final
    with pytest.raises(PermissionDenied):
        _score_all(a, w["reviewers"][1], 5)


def _to_decision(w):
    f.close_call(w["call"])  # the committee decides once the deadline has passed
    _through_first_review(w)
    r = w["reviewers"][0]
    a = services.assign_reviewer(actor=w["agency"], proposal=w["proposal"], reviewer=r)
    _score_all(a, r, 4)


def test_decision_approval_notice_publication(world, client):
    w = world
    _to_decision(w)
    p = w["proposal"]
    with pytest.raises(ValidationError):
        services.record_decision(actor=w["agency"], proposal=p, outcome="conditions", reason="良い")
    services.record_decision(
        actor=w["agency"],
        proposal=p,
        outcome="conditions",
        reason="技術的に優れる",
        adopted_as_item=3,
    )
    p.refresh_from_db()
    assert p.state == ProposalState.RECOMMENDED
    with pytest.raises(PermissionDenied):
        services.approve_decision(actor=w["agency"], proposal=p, approve=True)
    services.approve_decision(actor=w["ministry"], proposal=p, approve=True, note="承認")
    p.refresh_from_db()
    assert p.state == ProposalState.ADOPTED
    # Before the notice the applicant sees only "submitted", and the public sees nothing.
    client.force_login(w["applicant"])
    page = client.get(
        reverse("calls:proposal_detail", args=[p.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Submitted" in page.split('id="status"')[1][:80]
    assert not published_adoptions().exists()
    services.issue_notices(actor=w["agency"], call=w["call"])
    page = client.get(
        reverse("calls:proposal_detail", args=[p.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Adopted" in page.split('id="status"')[1][:80]
    assert "Weighted score" not in page  # the proposer never sees reviews
    notice = page.split('id="result-notice"')[1].split("</section>")[0]
    assert "adopted" in notice and "R&D item 3" in notice
    assert services.publish_adoptions(actor=w["agency"], call=w["call"]) == 1
    assert [d.proposal_id for d in published_adoptions()] == [p.pk]
    client.logout()
    public = client.get(reverse("public_adoptions")).content.decode()
    assert p.title in public


def test_departing_from_the_recommended_set_needs_a_reason(world):
    w = world
    _to_decision(w)
    from kikin.review.models import AdoptionPlan

    AdoptionPlan.objects.create(
        call=w["call"],
        proposal_ids=[w["proposal"].pk],
        total_score=80,
        total_yen=1,
        budget_yen=1,
        made_by=w["agency"],
    )
    with pytest.raises(ValidationError) as exc:
        services.record_decision(
            actor=w["agency"], proposal=w["proposal"], outcome="reject", reason="予算"
        )
    assert "override_reason" in exc.value.message_dict
    d = services.record_decision(
        actor=w["agency"],
        proposal=w["proposal"],
        outcome="reject",
        reason="予算",
        override_reason="他テーマとの重複",
    )
    assert d.override_reason == "他テーマとの重複"


def test_ministry_can_return_a_decision(world):
    w = world
    _to_decision(w)
    services.record_decision(
        actor=w["agency"], proposal=w["proposal"], outcome="reject", reason="新規性が低い"
    )
    with pytest.raises(ValidationError):
        services.approve_decision(
            actor=w["ministry"], proposal=w["proposal"], approve=False, note=""
        )
    services.approve_decision(
        actor=w["ministry"], proposal=w["proposal"], approve=False, note="再審議を求める"
    )
    w["proposal"].refresh_from_db()
    assert w["proposal"].state == ProposalState.IN_REVIEW
    services.record_decision(
        actor=w["agency"], proposal=w["proposal"], outcome="adopt", reason="再審議の結果"
    )
    assert Decision.objects.get(proposal=w["proposal"]).outcome == "adopt"


def test_55_day_countdown_and_warning(world):
    call = world["call"]
    deadline = call.deadline_date
    assert call.adoption_due_date == deadline + dt.timedelta(days=55)
    assert not deadline_status(call, pending=1, today=deadline)["running"]
    s = deadline_status(call, pending=1, today=deadline + dt.timedelta(days=45))
    assert s["running"] and s["warn"] and s["days_left"] == 10 and not s["overdue"]
    s = deadline_status(call, pending=1, today=deadline + dt.timedelta(days=56))
    assert s["overdue"] and s["days_left"] == -1
    assert not deadline_status(call, pending=0, today=deadline + dt.timedelta(days=56))["overdue"]


def test_applicants_and_outsiders_cannot_see_review_pages(world, client):
    w = world
    client.force_login(w["applicant"])
    assert client.get(reverse("review:dashboard")).status_code == 404
    assert client.get(reverse("review:proposal", args=[w["proposal"].pk])).status_code == 404
    other = f.applicant()
    client.force_login(other)
    assert client.get(reverse("calls:proposal_detail", args=[w["proposal"].pk])).status_code == 404
    client.logout()
    assert (
        client.get(reverse("calls:proposal_detail", args=[w["proposal"].pk])).status_code == 302
    )  # to login


def test_assignment_form_with_a_non_number_says_so(world, client):
    client.force_login(world["agency"])
    response = client.post(
        reverse("review:call_action", args=[world["call"].pk, "assign"]),
        {"per_proposal": "three"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    page = response.content.decode()
    # The field by its label, as a sentence begins (kikin.core.feedback).
    assert "Reviewers per proposal: A whole number" in page
