"""Access per level and per requester: conditions met or not, excluded parties refused, no kind of
user treated differently, embargo dates; every grant and download logged."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kikin.accounts.models import OrganisationCategory, Role
from kikin.audit.models import AuditRecord
from kikin.core.timeutil import today_jst
from kikin.datasets import services
from kikin.datasets.models import AccessEvent, AccessRequest, EventKind, RequestState
from tests import factories as f

from .helpers import all_met, fields, people, published, request

pytestmark = pytest.mark.django_db


@pytest.fixture
def p():
    return people()


def test_open_data_is_downloaded_by_anyone_and_logged(p):
    from django.contrib.auth.models import AnonymousUser

    d = published(p.manager, "open")
    file = d.files.get()
    for who in (AnonymousUser(), p.user, p.agency):
        assert services.record_download(actor=who, file=file).allowed
    events = list(AccessEvent.objects.filter(dataset=d, kind=EventKind.DOWNLOADED))
    assert len(events) == 3 and {e.user for e in events} == {None, p.user, p.agency}
    assert AuditRecord.objects.filter(action="datasets.downloaded").count() == 3


def test_open_data_needs_no_request(p):
    d = published(p.manager, "open")
    with pytest.raises(ValidationError) as exc:
        request(d, p.user)
    assert "dataset" in exc.value.message_dict


def test_shared_data_after_every_condition_met(p):
    d = published(p.manager, "shared")
    file = d.files.get()
    refused = services.record_download(actor=p.user, file=file)
    assert (refused.allowed, refused.code) == (False, "request_needed")
    req = request(d, p.user)
    assert req.state == RequestState.SUBMITTED
    req = services.decide_access_request(actor=p.manager, request=req, checks=all_met(d))
    assert req.state == RequestState.APPROVED and req.outcome == "approved"
    assert services.record_download(actor=p.user, file=file).allowed
    kinds = list(
        AccessEvent.objects.filter(dataset=d).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["download_refused", "granted", "downloaded"]
    assert AuditRecord.objects.filter(
        action="datasets.access_decided", object_id=str(req.pk)
    ).exists()


def test_an_unmet_condition_refuses_and_names_it(p):
    d = published(p.manager, "shared")
    req = request(d, p.user)
    checks = all_met(d) | {"c2": False}
    req = services.decide_access_request(actor=p.manager, request=req, checks=checks)
    assert req.state == RequestState.REFUSED and req.outcome_details == ["c2"]
    assert "第三者に再配布しないこと" in req.note
    assert not services.record_download(actor=p.user, file=d.files.get()).allowed
    assert AccessEvent.objects.filter(dataset=d, kind=EventKind.REFUSED).count() == 1


def test_the_manager_must_check_every_condition(p):
    d = published(p.manager, "shared")
    req = request(d, p.user)
    with pytest.raises(ValidationError) as exc:
        services.decide_access_request(actor=p.manager, request=req, checks={"c1": True})
    assert "checks.c2" in exc.value.message_dict
    req.refresh_from_db()
    assert req.state == RequestState.SUBMITTED  # nothing half-written


def test_only_the_data_manager_checks(p):
    d = published(p.manager, "shared")
    req = request(d, p.user)
    for who in (p.agency, p.ministry, p.user):
        with pytest.raises(PermissionDenied):
            services.decide_access_request(actor=who, request=req, checks=all_met(d))
    assert (
        services.decide_access_request(actor=p.colleague, request=req, checks=all_met(d)).state
        == "approved"
    )


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"declares_compliance": False}, "no_compliance"),
        ({"declares_no_foreign_influence": False}, "foreign_influence"),
    ],
)
def test_a_requester_without_the_declarations_is_refused_at_once(p, kw, reason):
    d = published(p.manager, "shared")
    req = request(d, p.user, **kw)
    assert req.state == RequestState.REFUSED and req.outcome_details == [reason]
    assert req.decided_by is None and req.note
    assert AccessEvent.objects.filter(request=req, kind=EventKind.REFUSED).exists()


def test_a_party_on_the_register_is_refused_with_the_reason(p):
    d = published(p.manager, "shared")
    services.record_excluded_party(
        actor=p.ministry, organisation=p.user.organisation, reason="国連決議違反（過去5年）"
    )
    req = request(d, p.user)
    assert req.state == RequestState.REFUSED and req.outcome_details == ["on_register"]
    assert "国際" in req.note or "international" in req.note


def test_a_grant_stops_when_the_party_is_recorded_as_excluded(p):
    d = published(p.manager, "shared")
    req = request(d, p.user)
    services.decide_access_request(actor=p.manager, request=req, checks=all_met(d))
    file = d.files.get()
    assert services.record_download(actor=p.user, file=file).allowed
    party = services.record_excluded_party(actor=p.agency, user=p.user, reason="外国の法的環境")
    out = services.record_download(actor=p.user, file=file)
    assert (out.allowed, out.code) == (False, "excluded")
    services.lift_exclusion(actor=p.agency, party=party, reason="誤登録")
    assert services.record_download(actor=p.user, file=file).allowed


def test_an_exclusion_after_the_request_refuses_at_the_check(p):
    d = published(p.manager, "shared")
    req = request(d, p.user)
    services.record_excluded_party(
        actor=p.agency, organisation=p.user.organisation, reason="規範違反"
    )
    req = services.decide_access_request(actor=p.manager, request=req, checks=all_met(d))
    assert req.state == RequestState.REFUSED and req.outcome == "excluded"


KINDS = [
    (Role.APPLICANT, OrganisationCategory.LARGE),
    (Role.APPLICANT, OrganisationCategory.SME),
    (Role.APPLICANT, OrganisationCategory.ACADEMIA),
    (Role.APPLICANT, OrganisationCategory.OTHER),
    (Role.REVIEWER, OrganisationCategory.ACADEMIA),
    (Role.AGENCY, OrganisationCategory.OTHER),
    (Role.MINISTRY, OrganisationCategory.OTHER),
]


@pytest.mark.parametrize("met", [True, False])
def test_no_kind_of_user_is_treated_differently(p, met):
    """Users of every role and kind of organisation, with the same checks, get the same outcome
    and the same data (000 lines 1872–1873)."""
    d = published(p.manager, "shared")
    outcomes = set()
    for role, category in KINDS:
        u = f.user(role, f.organisation(category=category))
        req = request(d, u)
        checks = all_met(d) | ({} if met else {"c1": False})
        req = services.decide_access_request(actor=p.manager, request=req, checks=checks)
        download = services.record_download(actor=u, file=d.files.get())
        outcomes.add((req.state, req.outcome, tuple(req.outcome_details), download.allowed))
    assert outcomes == (
        {("approved", "approved", (), True)}
        if met
        else {("refused", "conditions_unmet", ("c1",), False)}
    )


def test_closed_data_stays_with_its_data_manager(p):
    d = published(p.manager, "closed")
    file = d.files.get()
    with pytest.raises(ValidationError) as exc:
        request(d, p.user)
    assert "closed" in str(exc.value.message_dict["dataset"]).lower() or "非公開" in str(
        exc.value.message_dict["dataset"]
    )
    for who in (p.user, p.agency, p.ministry):
        assert services.record_download(actor=who, file=file).code == "closed"
    assert services.record_download(actor=p.colleague, file=file).code == "manager"


def test_embargoed_data_opens_on_its_date(p, monkeypatch):
    d = published(p.manager, "embargoed")
    file = d.files.get()
    until = d.embargo_until
    out = services.record_download(actor=p.user, file=file)
    assert (out.allowed, out.code, out.until) == (False, "embargoed", until)
    monkeypatch.setattr(services, "today_jst", lambda: until)
    assert services.record_download(actor=p.user, file=file).code == "open"
    assert services.lift_ended_embargoes(today=until) == 1
    d.refresh_from_db()
    assert d.access_level == "open" and d.modified_at > d.published_at


def test_an_embargo_must_end_after_today_and_open_data_needs_an_open_licence(p):
    with pytest.raises(ValidationError) as exc:
        services.create_dataset(
            actor=p.manager, fields=fields("embargoed", embargo_until=today_jst())
        )
    assert "embargo_until" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.create_dataset(
            actor=p.manager, fields=fields("open", licence="LicenseRef-reserved")
        )
    assert "licence" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.create_dataset(actor=p.manager, fields=fields("shared", conditions=[]))
    assert "conditions" in exc.value.message_dict


def test_changed_conditions_withdraw_waiting_requests_and_end_old_grants(p):
    d = published(p.manager, "shared")
    granted = request(d, p.user)
    services.decide_access_request(actor=p.manager, request=granted, checks=all_met(d))
    other = f.applicant()
    waiting = request(d, other)
    new = fields("shared", conditions="研究開発の目的に限り利用すること\n成果を公表すること")
    services.update_dataset(actor=p.manager, dataset=d, fields=new)
    d.refresh_from_db()
    waiting.refresh_from_db()
    assert d.conditions_version == 2 and waiting.state == RequestState.WITHDRAWN
    out = services.record_download(actor=p.user, file=d.files.get())
    assert out.code == "request_needed"
    again = request(d, p.user)
    assert (
        again.conditions_version == 2
        and [c["text_ja"] for c in again.conditions_snapshot][1] == "成果を公表すること"
    )


def test_one_waiting_request_at_a_time_and_the_requester_withdraws(p):
    d = published(p.manager, "shared")
    req = request(d, p.user)
    with pytest.raises(ValidationError):
        request(d, p.user)
    with pytest.raises(PermissionDenied):
        services.withdraw_access_request(actor=p.manager, request=req)
    assert services.withdraw_access_request(actor=p.user, request=req).state == "withdrawn"
    assert request(d, p.user).state == "submitted"


def test_conditions_must_be_accepted_and_purpose_given(p):
    d = published(p.manager, "shared")
    with pytest.raises(ValidationError) as exc:
        request(d, p.user, accept_conditions=False)
    assert "accept_conditions" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        request(d, p.user, purpose="  ")
    assert "purpose" in exc.value.message_dict
    assert not AccessRequest.objects.exists()


def test_a_draft_is_not_downloadable_by_others(p):
    d = services.create_dataset(actor=p.manager, fields=fields("open"))
    from .helpers import upload

    services.add_file(actor=p.manager, dataset=d, uploaded=upload())
    assert not services.record_download(actor=p.user, file=d.files.get()).allowed
    assert services.record_download(actor=p.manager, file=d.files.get()).allowed


def test_the_access_log_is_append_only(p):
    d = published(p.manager, "open")
    services.record_download(actor=p.user, file=d.files.get())
    event = AccessEvent.objects.get()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AccessEvent.objects.update(reason="x")
    with pytest.raises(PermissionError):
        event.delete()
    assert event.at <= timezone.now() + dt.timedelta(seconds=1)
