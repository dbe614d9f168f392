"""Every declared state machine, walked whole: for every state × every transition, an allowed
move works (the state becomes the target, exactly one audit record), and any other is refused
with `TransitionError` and a sentence (no audit record, the state unchanged). A transition that
names roles refuses an actor of any other role.

Each machine in `kikin.core.workflow.MACHINES` needs a builder here: one object of the model and
the people who might act on it; a machine without one fails `test_every_machine_is_walked`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone, translation
from tests import factories as f
from tests.compliance.helpers import make_award

from kikin.accounts.models import Role
from kikin.audit.models import AuditRecord
from kikin.core.workflow import MACHINES, TransitionError

#: The stateful models of the brief: each has one table.
EXPECTED = {
    "calls.Proposal",
    "awards.Award",
    "awards.CostClaim",
    "awards.StageGateReview",
    "awards.Milestone",
    "compliance.LeakageReport",
    "compliance.Shortcoming",
    "compliance.PriorConsultation",
    "outcomes.Filing",
    "outcomes.SetValueChange",
    "outcomes.Assessment",
    "challenges.Submission",
    "datasets.Dataset",
    "datasets.AccessRequest",
    "datasets.LinkInstruction",
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(plan):
    w = make_award(plan)
    w.stranger = f.applicant()  # an applicant of another organisation
    w.reviewer = f.user(Role.REVIEWER)
    w.people = [w.applicant, w.agency, w.ministry, w.stranger, w.reviewer, None]
    return w


# ---------------------------------------------------------------------------------------------
# Builders: one object of each model, in whatever state (the walk sets it), and who may act.


def _proposal(w):
    def prepare(proposal, t):
        # The item decides which review comes first: with the ministry's first review for its
        # steps, without it where the second review starts straight from the submission.
        proposal.theme.item.first_review = t.name != "start_second_review"

    return w.proposal, w.people, {"prepare": prepare}


def _award(w):
    return w.award, w.people


def _claim(w):
    from kikin.awards.models import CostClaim

    claim = CostClaim.objects.create(award=w.award, fiscal_year=2025, created_by=w.applicant)
    return claim, w.people


def _gate(w):
    from kikin.awards.models import StageGateReview

    review, _ = StageGateReview.objects.get_or_create(
        award=w.award, number=9, defaults={"scheduled_for": dt.date(2026, 3, 1)}
    )
    return review, w.people


def _milestone(w):
    from kikin.awards.models import Milestone

    return Milestone.objects.create(
        award=w.award, title="試作機の完成", due_date=dt.date(2026, 3, 31)
    ), w.people


def _leakage_report(w):
    from kikin.compliance.models import ASSESSED_STATES, LeakageReport

    def fit(state):  # an assessed report has its date; a submitted one its time
        return {
            "assessed_on": dt.date(2025, 6, 2) if state in ASSESSED_STATES else None,
            "submitted_at": timezone.now(),
        }

    return (
        LeakageReport.objects.create(
            award=w.award, committee_date=dt.date(2025, 6, 1), fiscal_year=2025
        ),
        w.people,
        {"fit": fit},
    )


def _shortcoming(w):
    from kikin.compliance.models import LeakageReport, ReportState, Shortcoming

    report = LeakageReport.objects.create(
        award=w.award,
        committee_date=dt.date(2025, 5, 1),
        fiscal_year=2025,
        state=ReportState.INSUFFICIENT,
        submitted_at=timezone.now(),
        assessed_on=dt.date(2025, 6, 10),
    )
    return Shortcoming.objects.create(
        award=w.award,
        opened_by=report,
        opened_on=dt.date(2025, 6, 10),
        findings="アクセス権者の名簿がない。",
        due_date=dt.date(2027, 3, 31),
    ), w.people


def _consultation(w):
    from kikin.compliance.models import Act, ConsultationState, PriorConsultation

    return (
        PriorConsultation.objects.create(
            award=w.award,
            act=next(iter(Act)),
            description="海外企業への技術ライセンス",
            counterparty="Example Ltd",
            country="US",
            planned_date=dt.date(2026, 9, 1),
            required=True,
            state=ConsultationState.TO_SEND,
            created_by=w.applicant,
        ),
        w.people,
        {"fit": _consultation_fit},
    )


def _consultation_fit(state):
    """A consultation not required is only ever withdrawn; an answered one has its answer."""
    fields = {"answer": "no_objection" if state == "answered" else ""}
    if state != "withdrawn":
        fields["required"] = state != "not_required"
    return fields


def _filing(w):
    from kikin.outcomes.models import Filing

    return Filing.objects.create(
        award=w.award,
        fiscal_year=2025,
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2026, 3, 31),
        submitted_by=w.applicant,
        submitted_at=timezone.now(),
    ), w.people


def _set_value_change(w):
    from kikin.outcomes.models import SetValueChange

    # A lowering: the ministry applies or refuses it; the agency may not.
    return SetValueChange.objects.create(
        award=w.award,
        direction=SetValueChange.Direction.LOWER,
        old_value=Decimal("2.5"),
        new_value=Decimal("2.0"),
        requested_on=dt.date(2026, 4, 1),
        reason="不可抗力",
        requested_by=w.agency,
    ), w.people


def _assessment(w):
    from kikin.outcomes.models import Assessment, AssessmentKind

    return Assessment.objects.create(
        award=w.award,
        kind=AssessmentKind.REFUND,
        fiscal_year=2025,
        amount_yen=1_000_000,
        computed_by=w.agency,
        computed_at=timezone.now(),
    ), w.people


def _submission(w):
    from tests.challenges.helpers import load, team

    from kikin.challenges.models import Submission, SubmissionState

    challenge = load()
    t, _user = team(challenge, "alpha")
    return Submission.objects.create(
        team=t,
        stage=challenge.stages.get(code="preliminary"),
        number=1,
        file_name="entry.py",
        size=10,
        sha256="0" * 64,
        submitted_at=timezone.now(),
        state=SubmissionState.QUEUED,
    ), w.people


def _datasets_people(w):
    from tests.datasets.helpers import people

    p = people()
    w.people = [*w.people, p.manager, p.user]
    return p


def _dataset(w):
    from tests.datasets.helpers import fields, upload

    from kikin.datasets import services

    p = _datasets_people(w)
    d = services.create_dataset(actor=p.manager, fields=fields("shared"))
    services.add_file(actor=p.manager, dataset=d, uploaded=upload())
    return d, w.people


def _access_request(w):
    from tests.datasets.helpers import published, request

    p = _datasets_people(w)
    d = published(p.manager, "shared")
    return request(d, p.user), w.people


def _link_instruction(w):
    from kikin.datasets import services

    platform = services.create_platform(
        actor=w.agency,
        code="robot-data",
        name_ja="ロボットデータ基盤",
        data_manager=w.award.organisation,
        award=w.award,
        conditions="研究開発目的に限る",
        manager_declares_compliance=True,
        manager_declares_no_foreign_influence=True,
    )
    item = services.issue_link_instruction(
        actor=w.ministry,
        platform=platform,
        issued_on=dt.date(2026, 1, 10),
        other_platform="材料データ基盤",
        instruction="メタデータを相互に連携すること。",
    )
    return item, w.people


BUILDERS = {
    "calls.Proposal": _proposal,
    "awards.Award": _award,
    "awards.CostClaim": _claim,
    "awards.StageGateReview": _gate,
    "awards.Milestone": _milestone,
    "compliance.LeakageReport": _leakage_report,
    "compliance.Shortcoming": _shortcoming,
    "compliance.PriorConsultation": _consultation,
    "outcomes.Filing": _filing,
    "outcomes.SetValueChange": _set_value_change,
    "outcomes.Assessment": _assessment,
    "challenges.Submission": _submission,
    "datasets.Dataset": _dataset,
    "datasets.AccessRequest": _access_request,
    "datasets.LinkInstruction": _link_instruction,
}


# ---------------------------------------------------------------------------------------------


def is_sentence(message: str) -> bool:
    message = str(message)
    return (
        message == message.strip()
        and message[:1].isupper()
        and message[-1] in ".。"
        and len(message.split()) >= 3
    )


def _put(machine, obj, state, fields):
    """Put `obj` in `state` as a test does (not a service): straight into the row."""
    type(obj).objects.filter(pk=obj.pk).update(**{machine.state_field: state, **fields})
    obj.refresh_from_db()


def _records(obj) -> int:
    return AuditRecord.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).count()


def test_every_stateful_model_has_one_table():
    assert set(MACHINES) >= EXPECTED
    for label, machine in MACHINES.items():
        assert machine.model._meta.label == label
        field = machine.model._meta.get_field(machine.state_field)
        values = {value for value, _label in field.choices}
        if field.blank:
            values.add("")
        assert machine.states <= values, f"{label}: states not among the field's choices"
        for t in machine.transitions:
            assert t.sources and t.target in values and str(t.label)


def test_every_machine_is_walked():
    assert set(MACHINES) == set(BUILDERS), "write a builder for each new machine"


def test_walk_every_table(world, settings, tmp_path):
    """One award for all the tables (the award's own table last, as it ends the award)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    for label in sorted(BUILDERS, key=lambda label: label == "awards.Award"):
        walk(label, world)


def walk(label, world):
    machine = MACHINES[label]
    obj, people, *hooks = BUILDERS[label](world)
    hooks = hooks[0] if hooks else {}
    prepare = hooks.get("prepare", lambda obj, t: None)
    fit = hooks.get("fit", lambda state: {})  # fields the row's constraints ask of a state
    field = machine.state_field
    walked = 0
    for state in sorted(machine.states):
        for t in machine.transitions:
            _put(machine, obj, state, fit(state))
            before = _records(obj)
            if state in t.sources:
                prepare(obj, t)
                able = [a for a in people if machine.allowed(obj, t.name, a)[0]]
                assert able, f"{label}: nobody may {t.name} from {state!r}"
                if t.roles:
                    for other in people:
                        if getattr(other, "role", None) not in t.roles:
                            with pytest.raises(TransitionError) as refused:
                                machine.apply(obj, t.name, other)
                            assert is_sentence(refused.value.message), refused.value.message
                with transaction.atomic():
                    machine.apply(obj, t.name, able[0], note="walk", also=fit(t.target))
                obj.refresh_from_db()
                assert getattr(obj, field) == t.target, f"{label}.{t.name} from {state!r}"
                assert _records(obj) == before + 1, f"{label}.{t.name}: one audit record"
                last = AuditRecord.objects.order_by("-id").first()
                assert last.action == (t.action or f"{machine.audit_prefix}.{t.name}")
                assert last.before[field] == state and last.after[field] == t.target
            else:
                for actor in people:
                    with pytest.raises(TransitionError) as refused:
                        machine.apply(obj, t.name, actor)
                    assert is_sentence(refused.value.message), refused.value.message
                    obj.refresh_from_db()
                    assert getattr(obj, field) == state
                assert _records(obj) == before, f"{label}.{t.name} from {state!r} wrote a record"
            walked += 1
    assert walked == len(machine.states) * len(machine.transitions)


def test_an_unknown_step_and_a_refusal_read_in_japanese(world):
    from kikin.awards.workflow import AWARD, GATE

    with translation.override("ja"):
        with pytest.raises(TransitionError) as unknown:
            AWARD.apply(world.award, "fly", world.agency)
        with pytest.raises(TransitionError) as wrong_role:
            AWARD.apply(world.award, "end", world.applicant)
        review = SimpleNamespace(outcome="", get_outcome_display=lambda: "")
        assert GATE.state_label(review) == "未実施"
        world.award.state = "ended"
        with pytest.raises(TransitionError) as wrong_state:
            AWARD.apply(world.award, "terminate", world.agency)
    for exc in (unknown, wrong_role, wrong_state):
        assert str(exc.value).endswith("。"), str(exc.value)
    assert "終了" in str(wrong_state.value)
