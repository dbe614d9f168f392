"""Prior consultation with the ministry (事前相談, 000 lines 6476–6515) through the services: the
verdict and its reasons are the rules engine's, the lead time is enforced, and each role keeps to
its part."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from kikin.audit.models import AuditRecord
from kikin.compliance import selectors, services
from kikin.compliance.models import ConsultationState, PriorConsultation
from kikin.rules.leakage import prior_consultation_required
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 4, 1)


def act(w, actor=None, **kw):
    data = {
        "act": "joint_rd",
        "description": "海外企業との共同研究",
        "counterparty": "Example Corp",
        "country": "US",
        "planned_date": TODAY + dt.timedelta(days=60),
        **kw,
    }
    return services.record_planned_act(actor=actor or w.applicant, award=w.award, **data)


def production(w, capacity, local, new_site=False, **flags):
    return act(
        w,
        act="production_abroad",
        country="VN",
        capacity_increase_percent=capacity,
        local_consumption_percent=local,
        new_site=new_site,
        **flags,
    )


@pytest.mark.parametrize(
    ("capacity", "local", "new_site", "required"),
    [
        ("10", "0", False, False),  # exactly 10 %: not "more than 10 %"
        ("10.00", "50", False, False),
        ("10.01", "0", False, True),
        ("10.01", "84.99", False, True),
        ("10.01", "85", False, False),  # 85 % consumed there: out
        ("50", "85.00", False, False),
        (None, "84.99", True, True),  # a new site counts whatever its capacity
        (None, "85", True, False),
    ],
)
def test_production_abroad_follows_the_rules_engine(world, capacity, local, new_site, required):
    cap = Decimal(capacity) if capacity is not None else None
    c = production(world, cap, Decimal(local), new_site=new_site, forced_transfer_risk=True)
    engine = prior_consultation_required(
        "production_abroad",
        capacity_increase_percent=cap,
        local_consumption_percent=Decimal(local),
        forced_transfer_risk=True,
        new_site=new_site,
    )
    assert (c.required, c.reasons) == engine
    assert c.required is required
    assert c.state == (ConsultationState.TO_SEND if required else ConsultationState.NOT_REQUIRED)
    c.refresh_from_db()
    assert c.reasons == engine[1] and c.reason_labels


def test_without_a_known_risk_or_a_request_no_consultation(world):
    c = act(world)
    assert (c.required, c.reasons, c.state) == (
        False,
        ["no_risk_known"],
        ConsultationState.NOT_REQUIRED,
    )
    c = act(world, ministry_requested=True)
    assert (c.required, c.reasons) == (True, ["act_joint_rd", "ministry_requested"])
    c = act(
        world,
        act="transfer_ip",
        counterparty_broke_norms_5y=True,
        foreign_government_influence=True,
    )
    assert c.reasons == [
        "act_transfer_ip",
        "counterparty_broke_norms_5y",
        "foreign_government_influence",
    ]
    assert AuditRecord.objects.filter(action="leakage.act_record").count() == 3


def test_planned_act_checks_name_the_field(world):
    with pytest.raises(ValidationError) as exc:
        production(world, None, Decimal("10"))  # an existing site needs its capacity increase
    assert "capacity_increase_percent" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        production(world, Decimal("20"), None)
    assert "local_consumption_percent" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        production(world, Decimal("20"), Decimal("101"))
    assert "local_consumption_percent" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        act(world, act="rd_abroad", country="JP")
    assert "country" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        act(
            world,
            act="teleport",
            counterparty="",
            country="USA",
            planned_date=TODAY - dt.timedelta(days=1),
        )
    assert {"act", "counterparty", "country", "planned_date"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        act(world, capacity_increase_percent=Decimal("20"))
    assert "act" in exc.value.message_dict
    assert not PriorConsultation.objects.exists()


@pytest.mark.parametrize(("days", "ok"), [(30, True), (29, False), (31, True)])
def test_lead_time_before_the_act(world, days, ok):
    c = act(world, forced_transfer_risk=True, planned_date=TODAY + dt.timedelta(days=days))
    assert services.last_day_to_send(c) == TODAY + dt.timedelta(days=days - 30)
    if ok:
        services.send_consultation(actor=world.applicant, consultation=c)
        c.refresh_from_db()
        assert c.state == ConsultationState.SENT and c.sent_at
    else:
        with pytest.raises(ValidationError) as exc:
            services.send_consultation(actor=world.applicant, consultation=c)
        assert "planned_date" in exc.value.message_dict
        c.refresh_from_db()
        assert c.state == ConsultationState.TO_SEND
        services.withdraw_consultation(
            actor=world.applicant, consultation=c, reason="日程を変更して再登録"
        )
        c.refresh_from_db()
        assert c.state == ConsultationState.WITHDRAWN


@override_settings(KIKIN_CONSULTATION_LEAD_DAYS=45)
def test_lead_time_is_a_setting(world):
    c = act(world, forced_transfer_risk=True, planned_date=TODAY + dt.timedelta(days=44))
    with pytest.raises(ValidationError):
        services.send_consultation(actor=world.applicant, consultation=c)


def test_only_a_required_consultation_is_sent(world):
    c = act(world)
    with pytest.raises(ValidationError):
        services.send_consultation(actor=world.applicant, consultation=c)


def test_roles_implementer_records_and_sends_ministry_answers(world):
    for actor in (world.agency, world.ministry, f.applicant(), f.reviewer()):
        with pytest.raises(PermissionDenied):
            act(world, actor=actor, forced_transfer_risk=True)
    c = act(world, forced_transfer_risk=True)
    for actor in (world.agency, world.ministry, f.applicant()):
        with pytest.raises(PermissionDenied):
            services.send_consultation(actor=actor, consultation=c)
    with pytest.raises(ValidationError):  # not sent yet
        services.answer_consultation(actor=world.ministry, consultation=c, answer="no_objection")
    services.send_consultation(actor=world.applicant, consultation=c)
    for actor in (world.agency, world.applicant, f.reviewer()):
        with pytest.raises(PermissionDenied):
            services.answer_consultation(actor=actor, consultation=c, answer="no_objection")
    with pytest.raises(ValidationError) as exc:
        services.answer_consultation(
            actor=world.ministry, consultation=c, answer="conditions", note=""
        )
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.answer_consultation(actor=world.ministry, consultation=c, answer="maybe")
    assert "answer" in exc.value.message_dict
    services.answer_consultation(
        actor=world.ministry,
        consultation=c,
        answer="conditions",
        note="技術資料の提供範囲を限定すること",
    )
    c.refresh_from_db()
    assert (c.state, c.answer, c.answered_by) == (
        ConsultationState.ANSWERED,
        "conditions",
        world.ministry,
    )
    with pytest.raises(ValidationError):
        services.answer_consultation(
            actor=world.ministry, consultation=c, answer="objection", note="x"
        )
    with pytest.raises(ValidationError):
        services.withdraw_consultation(actor=world.applicant, consultation=c)
    assert list(
        AuditRecord.objects.filter(object_type="compliance.priorconsultation", object_id=str(c.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["leakage.act_record", "leakage.consultation_send", "leakage.consultation_answer"]


def test_who_reads_consultations(world):
    c = act(world, forced_transfer_risk=True)
    other = f.applicant()
    assert list(selectors.consultations_visible_to(world.applicant)) == [c]
    assert list(selectors.consultations_visible_to(world.agency)) == [c]
    assert not selectors.consultations_visible_to(other).exists()
    assert not selectors.consultations_visible_to(world.ministry).exists()  # not sent yet
    services.send_consultation(actor=world.applicant, consultation=c)
    assert list(selectors.consultations_visible_to(world.ministry)) == [c]
    assert list(selectors.consultations_to_answer()) == [c]
    assert not selectors.consultations_visible_to(f.reviewer()).exists()
