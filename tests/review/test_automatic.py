"""Automatic reviewer assignment and the budget-constrained adoption plan, through the services."""

import pytest

from kikin.accounts.models import Role
from kikin.audit.models import AuditRecord
from kikin.calls.models import ProposalState
from kikin.calls.services import save_draft, submit_proposal
from kikin.review import services
from kikin.review.conflicts import conflict_pairs
from kikin.review.models import AdoptionPlan, Assignment
from tests import factories as f

pytestmark = pytest.mark.django_db

TOPICS = [
    (
        "光伝送システムの高速化",
        "光伝送装置の一波長当たり伝送速度を高める。光トランシーバとDSPを開発する。",
        "光伝送, 光トランシーバ, DSP",
    ),
    (
        "量子コンピュータのミドルウェア",
        "超伝導量子ビットを制御する量子コンピュータのミドルウェアを開発する。",
        "量子コンピュータ, 量子ビット, quantum",
    ),
    (
        "生成AI基盤モデルの開発",
        "日本語の大規模言語モデルを事前学習し、評価する。",
        "大規模言語モデル, 生成AI, LLM",
    ),
    (
        "基地局の省エネ化",
        "O-RAN基地局の消費電力を削減する制御を開発する。",
        "基地局, O-RAN, 省エネ",
    ),
]


@pytest.fixture
def call_with_proposals(plan):
    call = f.open_call(plan, themes=("1-a1",), budget_yen=4_000_000_000)
    ministry, agency = f.user(Role.MINISTRY), f.user(Role.AGENCY)
    reviewers = [f.reviewer(keywords=kw, profile="") for _t, _a, kw in TOPICS]
    proposals = []
    for i, (title, abstract, _kw) in enumerate(TOPICS):
        actor = f.applicant()
        p = f.complete_proposal(
            actor, actor_call := call, title=title, requested=(1_000_000_000, 1_000_000_000)
        )
        p = save_draft(actor=actor, proposal=p, fields={"abstract": abstract})
        submit_proposal(actor=actor, proposal=p, submission_key=f"auto-{i}")
        services.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
        proposals.append(p)
    assert actor_call == call
    f.close_call(call)  # the selection decides once the deadline has passed
    return call, agency, reviewers, proposals


def test_auto_assign_matches_texts_and_respects_loads_and_conflicts(call_with_proposals):
    call, agency, reviewers, proposals = call_with_proposals
    # The quantum reviewer declares a conflict with the quantum proposal.
    services.declare_conflict(
        actor=reviewers[1], reviewer=reviewers[1], proposal=proposals[1], reason="共同研究者"
    )
    made = services.auto_assign(actor=agency, call=call, per_proposal=2, max_load=2)
    assert len(made) == 8
    pairs = {(a.proposal_id, a.reviewer_id) for a in Assignment.objects.all()}
    assert not pairs & conflict_pairs(proposals, reviewers)
    for p in proposals:
        assert sum(1 for pid, _r in pairs if pid == p.pk) == 2
        p.refresh_from_db()
        assert p.state == ProposalState.IN_REVIEW
    for r in reviewers:
        assert sum(1 for _p, rid in pairs if rid == r.pk) <= 2
    # Each proposal whose matching reviewer has no conflict gets that reviewer.
    for i in (0, 2, 3):
        assert (proposals[i].pk, reviewers[i].pk) in pairs
    assert (proposals[1].pk, reviewers[1].pk) not in pairs
    assert AuditRecord.objects.filter(action="review.auto_assign").count() == 1


def test_auto_assign_names_the_constraint_it_cannot_meet(call_with_proposals):
    call, agency, _reviewers, _proposals = call_with_proposals
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.auto_assign(
            actor=agency, call=call, per_proposal=3, max_load=2
        )  # 12 needed, 8 places
    assert "assignment" in exc.value.message_dict
    assert not Assignment.objects.exists()


def test_only_agency_staff_assign(call_with_proposals):
    from django.core.exceptions import PermissionDenied

    call, _agency, reviewers, _p = call_with_proposals
    with pytest.raises(PermissionDenied):
        services.auto_assign(actor=reviewers[0], call=call)


def test_adoption_plan_maximises_score_within_the_budget(call_with_proposals):
    call, agency, _reviewers, proposals = call_with_proposals
    services.auto_assign(actor=agency, call=call, per_proposal=1, max_load=1)
    # Scores 5, 4, 3, 2 on every criterion → 100, 80, 60, 40; each proposal asks 20億円; budget 40億円.
    for value, p in zip((5, 4, 3, 2), proposals, strict=False):
        a = Assignment.objects.get(proposal=p)
        codes = [c.code for c in services.ensure_criteria(call=call)]
        services.save_review(
            actor=a.reviewer,
            assignment=a,
            scores=dict.fromkeys(codes, value),
            comment="評価",
            recommendation="adopt",
            submit=True,
        )
    plan = services.recommend_adoptions(actor=agency, call=call)
    assert sorted(plan.proposal_ids) == sorted([proposals[0].pk, proposals[1].pk])
    assert plan.total_yen == 4_000_000_000 <= plan.budget_yen
    assert plan.proven_optimal
    assert AdoptionPlan.objects.filter(call=call).count() == 1


def test_the_call_panel_runs_assignment_and_adoption_in_the_background(call_with_proposals, client):
    from django.urls import reverse

    from kikin.jobs.models import Job
    from tests.jobs.follow import job_of

    call, agency, reviewers, _proposals = call_with_proposals
    client.force_login(agency)
    url = reverse("review:call_action", args=[call.pk, "assign"])
    job = job_of(
        client.post(url, {"per_proposal": "1", "max_load": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    )
    assert job.state == "done" and job.result["assignments"] == 4
    assert Assignment.objects.filter(proposal__call=call).count() == 4
    page = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "4 assignments made." in page.content.decode()  # in the language it was asked in
    assert reverse("review:call", args=[call.pk]) in page.content.decode()
    # A run the solver cannot satisfy fails with the reason, and nothing is assigned by it.
    refused = job_of(client.post(url, {"per_proposal": "3", "max_load": "1"}))
    assert refused.state == "failed" and refused.error
    assert Assignment.objects.filter(proposal__call=call).count() == 4
    # The recommended set: no review submitted yet, so the job says so.
    rec = job_of(client.post(reverse("review:call_action", args=[call.pk, "recommend"])))
    assert rec.state == "failed" and rec.kind == "review.recommend_adoptions"
    assert Job.objects.filter(requested_by=agency).count() == 3
    # Only the agency queues either.
    client.force_login(reviewers[0])
    assert client.post(url, {"per_proposal": "1"}).status_code == 404
