import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kikin.audit.models import AuditRecord
from kikin.calls.models import ProposalState, ProposalVersion
from kikin.calls.services import (
    SubmissionRefused,
    diff_versions,
    save_draft,
    submit_proposal,
    withdraw_proposal,
)
from kikin.calls.validation import check_proposal
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(plan):
    call = f.open_call(plan, themes=("1-a1", "1-g3", "2-d1", "1-c8"))
    actor = f.applicant()
    return call, actor


def fields(problems):
    return {p.field for p in problems}


def test_a_complete_proposal_has_no_problems_and_gets_a_receipt(setting):
    call, actor = setting
    p = f.complete_proposal(actor, call)
    assert check_proposal(p) == []
    version = submit_proposal(actor=actor, proposal=p, submission_key="k1")
    p.refresh_from_db()
    assert p.state == ProposalState.SUBMITTED
    assert p.receipt_number == f"{call.key}-00001"
    assert version.number == 1 and version.content["title"] == p.title
    assert AuditRecord.objects.filter(action="proposal.submit", object_id=str(p.pk)).count() == 1


def test_submitting_twice_with_the_same_key_gives_one_version_and_one_receipt(setting):
    call, actor = setting
    p = f.complete_proposal(actor, call)
    v1 = submit_proposal(actor=actor, proposal=p, submission_key="same")
    v2 = submit_proposal(actor=actor, proposal=p, submission_key="same")
    assert v1.pk == v2.pk
    assert ProposalVersion.objects.filter(proposal=p).count() == 1
    assert (
        AuditRecord.objects.filter(
            action__in=["proposal.submit", "proposal.resubmit"], object_id=str(p.pk)
        ).count()
        == 1
    )


def test_a_replayed_key_saves_nothing_again_and_a_key_of_another_proposal_is_refused(setting):
    call, actor = setting
    p = f.complete_proposal(actor, call)
    first = submit_proposal(actor=actor, proposal=p, submission_key="replayed")
    records = AuditRecord.objects.filter(object_id=str(p.pk)).count()
    again = submit_proposal(
        actor=actor,
        proposal=p,
        submission_key="replayed",
        draft={"fields": {"title": "送り直しで変えた題名"}},
    )
    p.refresh_from_db()
    assert again.pk == first.pk and p.title != "送り直しで変えた題名"
    assert AuditRecord.objects.filter(object_id=str(p.pk)).count() == records
    other = f.complete_proposal(actor, call, title="別の提案")
    with pytest.raises(ValidationError) as exc:
        submit_proposal(actor=actor, proposal=other, submission_key="replayed")
    assert "submission_key" in exc.value.message_dict
    other.refresh_from_db()
    assert other.state == ProposalState.DRAFT and other.receipt_number is None


def test_receipt_numbers_run_on_per_call(setting):
    call, actor = setting
    numbers = []
    for i in range(3):
        p = f.complete_proposal(actor, call, title=f"提案{i}")
        submit_proposal(actor=actor, proposal=p, submission_key=f"key-{i}")
        p.refresh_from_db()
        numbers.append(p.receipt_number)
    assert numbers == [f"{call.key}-00001", f"{call.key}-00002", f"{call.key}-00003"]


def test_outside_the_window_is_refused_and_nothing_changes(setting):
    call, actor = setting
    p = f.complete_proposal(actor, call)
    late = call.closes_at + dt.timedelta(microseconds=1)
    with pytest.raises(SubmissionRefused) as exc:
        submit_proposal(actor=actor, proposal=p, submission_key="late", at=late)
    assert fields(exc.value.problems) == {"call"}
    p.refresh_from_db()
    assert p.state == ProposalState.DRAFT and p.receipt_number is None
    assert not ProposalVersion.objects.filter(proposal=p).exists()


def test_at_the_last_instant_it_is_accepted(setting):
    call, actor = setting
    p = f.complete_proposal(actor, call)
    submit_proposal(actor=actor, proposal=p, submission_key="edge", at=call.closes_at)
    p.refresh_from_db()
    assert p.state == ProposalState.SUBMITTED


@pytest.mark.parametrize(
    ("set_value", "problem"), [("1.0", True), ("1.04", True), ("1.05", False), (None, True)]
)
def test_set_value_must_exceed_one_after_rounding(setting, set_value, problem):
    call, actor = setting
    p = f.complete_proposal(actor, call, set_value=set_value, requested=(100_000_000,))
    assert ("set_value" in fields(check_proposal(p))) is problem


def test_cap_follows_the_set_value(setting):
    call, actor = setting
    # (a1): 75億円 × (60 + 10 × 2.5) % = 63.75億円 = 6,375,000,000 yen.
    ok = f.complete_proposal(actor, call, requested=(3_000_000_000, 3_375_000_000), set_value="2.5")
    assert "budget" not in fields(check_proposal(ok))
    over = f.complete_proposal(
        actor, call, requested=(3_000_000_000, 3_375_000_001), set_value="2.5"
    )
    problems = [p for p in check_proposal(over) if p.field == "budget"]
    assert problems and "6,375,000,000" in problems[0].message


def test_period_budget_years_and_program_end(setting):
    call, actor = setting
    p = f.complete_proposal(actor, call, period_months=37)
    assert "period_months" in fields(check_proposal(p))
    late_start = f.complete_proposal(actor, call, start_date=dt.date(2028, 4, 1))
    assert "period_months" in fields(
        check_proposal(late_start)
    )  # would end 2031-03-31 > 2030-03-31
    p2 = f.complete_proposal(actor, call)
    with pytest.raises(ValidationError) as refused:  # past the program's life: not even a draft
        save_draft(
            actor=actor,
            proposal=p2,
            fields={},
            budget=[{"fiscal_year": 2040, "requested_yen": 1, "eligible_cost_yen": 1}],
        )
    assert set(refused.value.message_dict) == {"budget.1.fiscal_year"}
    assert p2.budget_lines.count() == 3  # the saved budget is kept
    before = p2.start_date.year - 1  # inside the program's life, before the proposal's period
    save_draft(
        actor=actor,
        proposal=p2,
        fields={},
        budget=[{"fiscal_year": before, "requested_yen": 1, "eligible_cost_yen": 1}],
    )
    assert f"budget.{before}" in fields(check_proposal(p2))


def test_geniac_needs_its_fields_and_a_resident(setting):
    call, actor = setting
    p = f.complete_proposal(
        actor, call, "1-g3", set_value=None, period_months=6, requested=(100_000_000,)
    )
    assert {
        "development_type",
        "benchmark_target",
        "compute_provider",
        "accelerator_type",
        "accelerator_hours",
    } <= fields(check_proposal(p))
    p = save_draft(
        actor=actor,
        proposal=p,
        fields={
            "development_type": "scratch",
            "benchmark_target": "日本語MT-Benchで最先端モデルの90%以上",
            "compute_provider": "Google Cloud",
            "accelerator_type": "H100",
            "accelerator_hours": 100_000,
        },
    )
    remaining = fields(check_proposal(p))
    assert not remaining & {
        "development_type",
        "benchmark_target",
        "compute_provider",
        "accelerator_type",
        "accelerator_hours",
    }
    assert not {f for f in remaining if f.startswith("declarations.")}
    # GENIAC supports residents (居住者) with a long-term commitment in Japan (000 lines
    # 5236–5242): the applicant declares it and the officer confirms it at the first review.
    p.declarations = [c for c in p.declarations if c != "g3-resident"]
    p.save()
    assert "declarations.g3-resident" in fields(check_proposal(p))


def test_grant_request_may_not_exceed_eligible_cost_times_rate(setting):
    call, actor = setting
    # (c8) is a grant at 1/2 with a cap of 150億円.
    p = f.complete_proposal(actor, call, "1-c8", set_value=None, requested=(500_000_000,))
    save_draft(
        actor=actor,
        proposal=p,
        fields={},
        budget=[
            {
                "fiscal_year": p.start_date.year,
                "requested_yen": 500_000_001,
                "eligible_cost_yen": 1_000_000_000,
            }
        ],
    )
    assert f"budget.{p.start_date.year}.requested" in fields(check_proposal(p))
    save_draft(
        actor=actor,
        proposal=p,
        fields={},
        budget=[
            {
                "fiscal_year": p.start_date.year,
                "requested_yen": 500_000_000,
                "eligible_cost_yen": 1_000_000_000,
            }
        ],
    )
    assert f"budget.{p.start_date.year}.requested" not in fields(check_proposal(p))


def test_d1_requires_an_independent_foreign_partner(setting):
    call, actor = setting
    p = f.complete_proposal(
        actor, call, "2-d1", set_value=None, period_months=36, requested=(100_000_000,)
    )
    save_draft(
        actor=actor,
        proposal=p,
        fields={},
        partners=[
            {
                "name": "Parent Inc",
                "country": "US",
                "relation": "parent",
                "special_capability": "EUV",
            }
        ],
    )
    assert "partners" in fields(check_proposal(p))
    save_draft(
        actor=actor,
        proposal=p,
        fields={},
        partners=[
            {
                "name": "Imec",
                "country": "BE",
                "relation": "independent",
                "special_capability": "2nm process",
            }
        ],
    )
    assert "partners" not in fields(check_proposal(p))


def test_leakage_declarations_required_from_fy2025_calls(plan):
    actor = f.applicant()
    now = timezone.now()
    call = f.open_call(plan, themes=("1-a1",), opens=now - dt.timedelta(days=1))
    p = f.complete_proposal(actor, call, leakage_core_technologies="", leakage_access_control="")
    assert {"leakage_core_technologies", "leakage_access_control"} <= fields(check_proposal(p))
    old = f.open_call(plan, themes=("1-a1",), opens=dt.datetime(2025, 3, 31, 0, 0, tzinfo=dt.UTC))
    p_old = f.complete_proposal(
        actor,
        old,
        leakage_core_technologies="",
        leakage_access_control="",
        leakage_staff_management="",
        leakage_partner_controls="",
    )
    assert not {"leakage_core_technologies", "leakage_access_control"} & fields(
        check_proposal(p_old)
    )


def test_another_organisation_cannot_edit_or_submit(setting):
    call, actor = setting
    p = f.complete_proposal(actor, call)
    stranger = f.applicant()
    with pytest.raises(PermissionDenied):
        save_draft(actor=stranger, proposal=p, fields={"title": "乗っ取り"})
    with pytest.raises(PermissionDenied):
        submit_proposal(actor=stranger, proposal=p, submission_key="x")
    p.refresh_from_db()
    assert p.title != "乗っ取り"


def test_a_bad_draft_field_leaves_the_saved_draft_whole(setting):
    call, actor = setting
    p = f.complete_proposal(actor, call)
    with pytest.raises(ValidationError):
        save_draft(
            actor=actor,
            proposal=p,
            fields={"title": "新しい題名"},
            budget=[
                {"fiscal_year": 2027, "requested_yen": 1},
                {"fiscal_year": 2027, "requested_yen": 2},
            ],
        )
    p.refresh_from_db()
    assert p.title != "新しい題名"
    assert p.budget_lines.count() == 3


def test_later_changes_are_new_versions_with_a_diff(setting):
    call, actor = setting
    p = f.complete_proposal(actor, call)
    submit_proposal(actor=actor, proposal=p, submission_key="v1")
    save_draft(
        actor=actor, proposal=p, fields={"abstract": "性能を二倍にする。\n消費電力を半減する。"}
    )
    v2 = submit_proposal(actor=actor, proposal=p, submission_key="v2")
    v1 = ProposalVersion.objects.get(proposal=p, number=1)
    assert v2.number == 2
    assert v1.content["abstract"] != v2.content["abstract"]  # version 1 stays as it was
    changes = {c.field: c for c in diff_versions(v1.content, v2.content)}
    assert set(changes) == {"abstract"}
    assert any(line.startswith("+消費電力") for line in changes["abstract"].lines)
    p.refresh_from_db()
    assert p.receipt_number == f"{call.key}-00001" and p.version_count == 2


def test_withdraw(setting):
    call, actor = setting
    p = f.complete_proposal(actor, call)
    submit_proposal(actor=actor, proposal=p, submission_key="w")
    withdraw_proposal(actor=actor, proposal=p, reason="体制変更")
    p.refresh_from_db()
    assert p.state == ProposalState.WITHDRAWN


def test_a_draft_saved_as_it_stands_rewrites_and_audits_nothing_and_a_change_does(setting):
    call, actor = setting
    p = f.complete_proposal(actor, call)
    lines = list(
        p.budget_lines.order_by("pk").values("fiscal_year", "requested_yen", "eligible_cost_yen")
    )
    team = list(p.team.order_by("pk").values("name", "affiliation", "role", "is_lead"))
    ids = sorted(p.budget_lines.values_list("pk", flat=True))
    before = AuditRecord.objects.filter(action="proposal.save_draft").count()
    save_draft(actor=actor, proposal=p, fields={"title": p.title}, budget=lines, team=team)
    assert sorted(p.budget_lines.values_list("pk", flat=True)) == ids
    assert AuditRecord.objects.filter(action="proposal.save_draft").count() == before
    lines[0]["requested_yen"] += 1
    save_draft(actor=actor, proposal=p, fields={}, budget=lines, team=team)
    assert sorted(p.budget_lines.values_list("requested_yen", flat=True)) == sorted(
        row["requested_yen"] for row in lines
    )
    record = AuditRecord.objects.filter(action="proposal.save_draft").latest("pk")
    assert record.after == {"fields": ["budget"]}
