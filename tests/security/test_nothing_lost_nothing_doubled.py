"""Nothing lost, nothing doubled: the cases reported against the pages, one by one, and the
form-key mechanism (kikin.core.idempotency) under repeats and a crowd."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from kikin.awards import services as awards
from kikin.awards.models import CostClaim, Directive
from kikin.calls.models import ProposalState
from kikin.core.models import UsedFormKey
from kikin.review.models import Hearing
from tests import factories as f
from tests.clients import BrowserLikeClient
from tests.factories import adopted

from .fuzz import fingerprint

pytestmark = pytest.mark.django_db


def _signed_in(user, cls=BrowserLikeClient, **kw):
    client = cls(**kw)
    client.force_login(user)
    return client


@pytest.fixture
def draft(plan):
    applicant = f.applicant()
    call = f.open_call(plan)
    return f.complete_proposal(applicant, call), applicant


@pytest.fixture
def award(plan, clock):
    p, applicant, ministry, agency = adopted(plan)
    award = awards.create_award(actor=agency, proposal=p)
    clock(award.start_date + dt.timedelta(days=10))  # the day of the claims' costs (`_claim`)
    return award, applicant, ministry, agency


def _claim(award, **line):
    day = award.start_date + dt.timedelta(days=10)
    return {
        "fiscal_year": str(award.start_date.year),
        "budget_kind": "base",
        "category": line.get("category", "personnel"),
        "description": line.get("description", "研究員人件費"),
        "incurred_on": line.get("incurred_on", day.isoformat()),
        "amount": line.get("amount", "1000000"),
        "form_key": line.get("form_key", "claim-form-key-0001"),
    }


def test_a_post_without_a_form_key_is_refused_and_changes_nothing(award):
    a, applicant, *_ = award
    client = _signed_in(applicant, Client)
    before = fingerprint()
    data = _claim(a)
    del data["form_key"]
    response = client.post(reverse("awards:action", args=[a.pk, "claim"]), data)
    # The reason, in the user's language (Japanese by default)
    assert (
        response.status_code == 400
        and "有効なフォームキーがありません" in response.content.decode()
    )
    assert fingerprint() == before


def test_a_refused_submit_keeps_the_saved_budget_and_team(draft):
    p, applicant = draft
    client = _signed_in(applicant, Client)
    lines, team = p.budget_lines.count(), p.team.count()
    assert lines and team
    p.title = ""  # make the submission refused
    p.save(update_fields=["title"])
    before = fingerprint()
    response = client.post(
        reverse("calls:proposal_submit", args=[p.pk]), {"form_key": "only-the-form-key-01"}
    )
    assert response.status_code == 400
    assert (p.budget_lines.count(), p.team.count()) == (lines, team)
    assert fingerprint() == before  # nothing at all changed, not even the form key's row
    p.refresh_from_db()
    assert p.state == ProposalState.DRAFT


def test_a_refused_submit_with_typed_content_changes_nothing(draft):
    p, applicant = draft
    client = _signed_in(applicant)
    before = fingerprint()
    response = client.post(
        reverse("calls:proposal_submit", args=[p.pk]),
        {"title": "", "budget_fy": ["2027"], "budget_requested": ["1"], "team_name": ["A"]},
    )
    assert response.status_code == 400
    assert fingerprint() == before


def test_withdrawing_a_draft(draft):
    p, applicant = draft
    client = _signed_in(applicant)
    response = client.post(reverse("calls:proposal_withdraw", args=[p.pk]), {"reason": "見送り"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == ProposalState.WITHDRAWN and p.receipt_number is None
    assert client.get(reverse("calls:proposal_detail", args=[p.pk])).status_code == 200


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"category": "bogus"}, "category"),
        ({"description": "a\x00b"}, "description"),
        ({"description": "x" * 301}, "description"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "9" * 25}, "amount"),
        ({"incurred_on": "0001-01-01"}, "incurred"),
        ({"incurred_on": "9999-12-31"}, "incurred"),
    ],
)
def test_a_bad_claim_line_is_refused_naming_its_field_and_pages_stay_up(award, line, field):
    a, applicant, _ministry, agency = award
    client = _signed_in(applicant)
    client.cookies["django_language"] = "en"
    before = fingerprint()
    response = client.post(
        reverse("awards:action", args=[a.pk, "claim"]), _claim(a, **line), follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error"' in page and "row 1" in page and field in page.lower()
    assert fingerprint() == before
    assert not CostClaim.objects.filter(award=a, lines__description="研究員人件費").exists()
    for user in (applicant, agency):
        assert _signed_in(user).get(reverse("awards:detail", args=[a.pk])).status_code == 200


def test_a_claim_sent_twice_is_stored_once_and_the_repeat_gets_the_same_answer(award):
    a, applicant, *_ = award
    client = _signed_in(applicant)
    url = reverse("awards:action", args=[a.pk, "claim"])
    first = client.post(url, _claim(a))
    second = client.post(url, _claim(a))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert CostClaim.objects.filter(award=a, lines__description="研究員人件費").count() == 1
    assert UsedFormKey.objects.filter(path=url).count() == 1
    # The same form changed and sent again is another request; a new form is another claim.
    client.post(url, _claim(a, amount="2000000"))
    client.post(url, _claim(a, form_key="claim-form-key-0002"))
    assert CostClaim.objects.filter(award=a, lines__description="研究員人件費").count() == 3


def test_another_person_replaying_a_key_gets_nothing_of_the_first_answer(award, plan):
    a, applicant, *_ = award
    colleague = f.user("applicant", applicant.organisation)
    url = reverse("awards:action", args=[a.pk, "claim"])
    _signed_in(applicant).post(url, _claim(a))
    _signed_in(colleague).post(url, _claim(a))  # same key and content, another person
    assert CostClaim.objects.filter(award=a, lines__description="研究員人件費").count() == 2


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_claims_at_once_store_one(plan, clock):
    p, applicant, _ministry, agency = adopted(plan)
    a = awards.create_award(actor=agency, proposal=p)
    clock(a.start_date + dt.timedelta(days=10))  # the day of the claims' costs (`_claim`)
    url = reverse("awards:action", args=[a.pk, "claim"])
    clients = [_signed_in(applicant) for _ in range(20)]
    barrier = threading.Barrier(20)
    answers = []

    def send(client):
        try:
            barrier.wait()
            answers.append(client.post(url, _claim(a)))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 20
    assert {r.status_code for r in answers} == {302}
    assert {r["Location"] for r in answers} == {reverse("awards:detail", args=[a.pk])}
    assert CostClaim.objects.filter(award=a, lines__description="研究員人件費").count() == 1


def test_a_hearing_outside_the_review_is_refused(plan):
    call = f.open_call(plan)
    applicant, ministry, agency = f.applicant(), f.user("ministry"), f.user("agency")
    p = f.complete_proposal(applicant, call)
    from kikin.calls.services import submit_proposal

    submit_proposal(actor=applicant, proposal=p, submission_key="hearing")
    client = _signed_in(agency)
    url = reverse("review:proposal_action", args=[p.pk, "hearing"])
    for when in ("0001-01-01T10:00", "9999-12-31T10:00", "2999-01-01T10:00"):
        client.post(url, {"scheduled_at": when, "place": "本部"})
    assert not Hearing.objects.filter(proposal=p).exists()
    assert client.get(reverse("review:proposal", args=[p.pk])).status_code == 200
    assert _signed_in(ministry).get(reverse("review:proposal", args=[p.pk])).status_code == 200


def test_a_start_date_outside_the_program_is_refused(draft):
    p, applicant = draft
    client = _signed_in(applicant)
    start = p.start_date
    for day in ("9999-12-31", "0001-01-01", "2099-04-01"):
        response = client.post(reverse("calls:proposal_edit", args=[p.pk]), {"start_date": day})
        assert response.status_code == 400
    p.refresh_from_db()
    assert p.start_date == start
    assert client.get(reverse("calls:proposal_edit", args=[p.pk])).status_code == 200


def test_a_directive_cannot_cut_more_than_the_budget_or_be_absurd(award):
    a, _applicant, ministry, _agency = award
    client = _signed_in(ministry)
    url = reverse("awards:action", args=[a.pk, "directive"])
    day = a.start_date.isoformat()
    base = {"issued_on": day, "effective_from": day, "fiscal_year": str(a.start_date.year)}
    before = fingerprint()
    for amount in (str(-(10**12)), "-" + "9" * 30, "9" * 30):
        client.post(url, {**base, "amount_yen": amount, "note": "指示"})
    client.post(url, {**base, "amount_yen": "-1000", "note": "a\x00"})
    client.post(url, {**base, "fiscal_year": "2999", "amount_yen": "-1000", "note": "指示"})
    assert fingerprint() == before and not Directive.objects.exists()
    client.post(url, {**base, "amount_yen": "-1000000", "note": "指示"})
    assert Directive.objects.get().amount_yen == -1_000_000
