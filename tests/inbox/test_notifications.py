"""Who is told what, in which language; mail sent by the worker, never in the request; read and
unread; nothing told about a change that rolled back."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction

from kikin.awards import services as awards
from kikin.inbox.models import Notification, Preference
from kikin.jobs import services as job_services
from kikin.jobs.models import Job, JobState
from kikin.jobs.runner import run_job
from kikin.review import services as review
from tests import factories as f
from tests.inbox.conftest import claim_lines

pytestmark = pytest.mark.django_db


def told(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_gate_decision_tells_the_implementers_each_in_their_language(
    world, django_capture_on_commit_callbacks, clock
):
    held = world.award.stage_gate_due - dt.timedelta(days=14)
    clock(held)  # the gate is held today
    with django_capture_on_commit_callbacks(execute=True):
        awards.decide_stage_gate(
            actor=world.agency, award=world.award, held_on=held, outcome="pass", note="順調"
        )
    (ja,) = told(world.applicant)
    (en,) = told(world.colleague)
    assert told(world.outsider) == [] and told(world.agency) == []
    assert ja.kind == en.kind == "gate.decided"
    assert ja.language == "ja" and "ステージゲート" in ja.subject and "通過" in ja.subject
    assert en.language == "en" and en.subject == "Stage gate 1 decided: Pass"
    assert world.award.number in en.body
    assert ja.url == en.url == f"/awards/{world.award.pk}/"
    assert ja.read_at is None and en.read_at is None
    # mailed by one job each, to each reader's address, in their language
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"taro@example.jp", "jane@example.com"}
    assert "ステージゲート" in by_address["taro@example.jp"].subject
    assert by_address["jane@example.com"].subject == "[kikin] Stage gate 1 decided: Pass"
    assert f"/awards/{world.award.pk}/" in by_address["jane@example.com"].body
    assert Job.objects.filter(kind="inbox.mail", state=JobState.DONE).count() == 2
    assert Notification.objects.filter(mailed_at__isnull=True).count() == 0


def test_a_claim_paid_tells_the_implementers_the_amount(
    world, django_capture_on_commit_callbacks, clock
):
    clock(world.award.start_date)  # the cost is claimed on the day it was incurred
    claim = awards.submit_claim(
        actor=world.applicant,
        award=world.award,
        fiscal_year=world.award.start_date.year,
        lines=claim_lines(world.award, 1_234_567),
    )
    assert told(world.applicant) == []  # a claim submitted tells nobody: it waits in the inbox
    with django_capture_on_commit_callbacks(execute=True):
        awards.approve_claim(actor=world.agency, claim=claim)
    (ja,) = told(world.applicant)
    (en,) = told(world.colleague)
    assert ja.kind == "claim.paid" and "1,234,567円" in ja.body
    assert "¥1,234,567" in en.body


def test_mail_goes_by_the_worker_not_in_the_request(
    world, client, settings, monkeypatch, django_capture_on_commit_callbacks, clock
):
    clock(world.award.start_date)  # the cost is claimed on the day it was incurred
    claim = awards.submit_claim(
        actor=world.applicant,
        award=world.award,
        fiscal_year=world.award.start_date.year,
        lines=claim_lines(world.award),
    )
    settings.KIKIN_JOBS_EAGER = False
    sent = []
    monkeypatch.setattr(job_services, "send_job", sent.append)
    client.force_login(world.agency)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/awards/{world.award.pk}/refuse/", {"claim": claim.pk, "reason": "証憑不足"}
        )
    assert response.status_code == 302
    # the request made the notifications and queued their mail, and sent none
    assert mail.outbox == []
    notes = Notification.objects.filter(kind="claim.refused")
    assert {n.recipient_id for n in notes} == {world.applicant.pk, world.colleague.pk}
    jobs = list(Job.objects.filter(kind="inbox.mail"))
    assert len(jobs) == 2 and {j.state for j in jobs} == {JobState.QUEUED}
    assert sorted(sent) == sorted(j.pk for j in jobs)  # handed to the broker after the commit
    # the worker sends them, once
    for job in jobs:
        run_job(job.pk)
        run_job(job.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["jane@example.com", "taro@example.jp"]
    assert all("証憑不足" in m.body for m in mail.outbox)
    assert not Notification.objects.filter(mailed_at__isnull=True).exists()


def test_results_issued_tell_the_applicants(world, django_capture_on_commit_callbacks):
    p = world.proposal
    with django_capture_on_commit_callbacks(execute=True):
        review.issue_notices(actor=world.agency, call=p.call)
    (ja,) = told(world.applicant)
    (en,) = told(world.colleague)
    assert ja.kind == en.kind == "proposal.result"
    assert p.receipt_number in ja.subject and "採択" in ja.body
    assert "Adopted" in en.body and "Test call" in en.body
    assert ja.url == f"/proposals/{p.pk}/"
    assert told(world.outsider) == []


def test_a_reviewer_assigned_is_told_the_due_date(plan, django_capture_on_commit_callbacks):
    from kikin.accounts.models import Role
    from kikin.calls.services import submit_proposal

    call = f.open_call(plan, themes=("1-a1",))
    applicant = f.applicant()
    p = f.complete_proposal(applicant, call)
    submit_proposal(actor=applicant, proposal=p, submission_key="k1")
    ministry, agency = f.user(Role.MINISTRY), f.user(Role.AGENCY)
    if p.theme.item.first_review:
        review.decide_first_review(actor=ministry, proposal=p, passed=True, reason="合致")
    reviewer, other = f.reviewer(), f.reviewer()
    with django_capture_on_commit_callbacks(execute=True):
        a = review.assign_reviewer(actor=agency, proposal=p, reviewer=reviewer)
    (n,) = told(reviewer)
    assert told(other) == [] and told(applicant) == []
    assert n.kind == "review.assigned" and n.url == f"/review/assignments/{a.pk}/"
    assert call.adoption_due_date.isoformat() in n.body
    assert mail.outbox == []  # the reviewer has no address: told in the app only


def test_nothing_is_told_about_a_change_that_rolled_back(
    world, django_capture_on_commit_callbacks, clock
):
    held = world.award.stage_gate_due - dt.timedelta(days=14)
    clock(held)  # the gate is held today
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        awards.decide_stage_gate(
            actor=world.agency, award=world.award, held_on=held, outcome="pass"
        )
        raise RuntimeError("undone")
    assert not Notification.objects.exists() and mail.outbox == []


def test_the_same_event_tells_a_person_once(world, django_capture_on_commit_callbacks, clock):
    from kikin.audit.models import AuditRecord
    from kikin.inbox.events import dispatch

    held = world.award.stage_gate_due - dt.timedelta(days=14)
    clock(held)  # the gate is held today
    with django_capture_on_commit_callbacks(execute=True):
        awards.decide_stage_gate(
            actor=world.agency, award=world.award, held_on=held, outcome="fail"
        )
    record = AuditRecord.objects.get(action="gate.fail")
    dispatch(record.pk)  # delivered again (a retried callback): nobody is told twice
    assert len(told(world.applicant)) == 1 and len(mail.outbox) == 2


def test_read_and_unread(world, client, django_capture_on_commit_callbacks, clock):
    held = world.award.stage_gate_due - dt.timedelta(days=14)
    clock(held)  # the gate is held today
    with django_capture_on_commit_callbacks(execute=True):
        awards.decide_stage_gate(
            actor=world.agency, award=world.award, held_on=held, outcome="pass"
        )
    (n,) = told(world.colleague)
    client.force_login(world.colleague)
    page = client.get("/inbox/notifications/?show=unread").content.decode()
    assert "Stage gate 1 decided" in page or "ステージゲート" in page
    assert 'data-testid="nav-unread-count">1<' in page

    # another person may neither read nor mark it
    other = f.applicant()
    client.force_login(other)
    assert client.post(f"/inbox/notifications/{n.pk}/read/").status_code == 404
    assert client.get("/inbox/notifications/").content.decode().count("data-notification=") == 0
    n.refresh_from_db()
    assert n.read_at is None

    client.force_login(world.colleague)
    response = client.post(f"/inbox/notifications/{n.pk}/read/", {"next": "/inbox/notifications/"})
    assert response.status_code == 302 and response["Location"] == "/inbox/notifications/"
    n.refresh_from_db()
    assert n.read_at is not None
    page = client.get("/inbox/notifications/?show=unread").content.decode()
    assert 'data-testid="nav-unread-count">0<' in page and "data-notification=" not in page
    client.post(f"/inbox/notifications/{n.pk}/read/", {"read": "0"})
    n.refresh_from_db()
    assert n.read_at is None
    client.post("/inbox/notifications/read-all/")
    assert not Notification.objects.filter(recipient=world.colleague, read_at=None).exists()
    assert Notification.objects.filter(recipient=world.applicant, read_at=None).count() == 1
    # an outside address is never followed back
    for target in ("https://evil.example/", "//evil.example/", "-654", "2027-04-01T25:61"):
        response = client.post("/inbox/notifications/read-all/", {"next": target})
        assert response.status_code == 302 and response["Location"] == "/inbox/notifications/"


def test_the_language_chosen_is_remembered_for_later_notifications(world, client):
    client.force_login(world.applicant)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert Preference.objects.get(user=world.applicant).language == "en"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert Preference.objects.get(user=world.applicant).language == "en"


def test_signing_in_remembers_the_language_of_the_page(world, client):
    world.outsider.set_password("pw")
    world.outsider.save()
    client.post(
        "/accounts/login/",
        {"username": world.outsider.username, "password": "pw"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert Preference.objects.get(user=world.outsider).language == "en"


def test_a_filing_sent_back_tells_the_implementers_why(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from kikin.outcomes import services as outcomes
    from kikin.rules import refund as refund_rules

    start = world.award.start_date.year
    monkeypatch.setattr(outcomes, "today_jst", lambda: dt.date(start + 7, 5, 1))
    fy = refund_rules.baseline_years(start)[0]
    filing = outcomes.submit_filing(
        actor=world.applicant, award=world.award, fiscal_year=fy, product_sales_yen=1_000_000
    )
    assert told(world.applicant) == []
    with django_capture_on_commit_callbacks(execute=True):
        outcomes.check_filing(
            actor=world.agency, filing=filing, accept=False, note="売上の根拠を添付してください"
        )
    (ja,) = told(world.applicant)
    (en,) = told(world.colleague)
    assert ja.kind == en.kind == "filing.returned"
    assert "差し戻されました" in ja.subject and "売上の根拠を添付してください" in ja.body
    assert en.subject == f"Your filing for FY{fy} was returned for correction"
    assert ja.url == f"/outcomes/awards/{world.award.pk}/"
    # accepted later: nobody is told again
    filing.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        outcomes.submit_filing(
            actor=world.applicant, award=world.award, fiscal_year=fy, product_sales_yen=1_000_000
        )
    assert len(told(world.applicant)) == 1
