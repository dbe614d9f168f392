"""The fund's clock (kikin.core.timeutil) and what it guards in the awards' services: a claim's
expenses and a stage gate cannot be dated after today (issue 13, point 5), refused with the
field named by its label in the user's language, on the page as in the service."""

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kikin.awards import services
from kikin.awards.models import ClaimLine, StageGateReview
from kikin.core import timeutil
from kikin.core.feedback import field_label
from tests.factories import adopted

pytestmark = pytest.mark.django_db


def line(day, amount=1_000_000):
    return {
        "category": "personnel",
        "description": "研究員人件費",
        "incurred_on": day,
        "amount_yen": amount,
    }


@pytest.fixture
def award(plan):
    p, app, _ministry, agency = adopted(plan)
    return services.create_award(actor=agency, proposal=p), app, agency


# --- the clock ---------------------------------------------------------------------------------


def test_the_clock_is_the_machines_until_it_is_set(settings):
    settings.KIKIN_TODAY = None
    machine = dt.datetime.now(timeutil.JST)
    assert not timeutil.is_set()
    assert timeutil.today() in {machine.date(), machine.date() + dt.timedelta(days=1)}
    assert abs(timeutil.now() - machine) < dt.timedelta(seconds=5)
    assert timeutil.now().utcoffset() == dt.timedelta(0)  # in UTC, as Django's timezone.now()
    assert timeutil.today_jst is timeutil.today


def test_a_day_set_is_a_whole_day_and_an_instant_runs_on(settings):
    with timeutil.clock_at(dt.date(2028, 3, 31)) as day:
        assert day == timeutil.today() == dt.date(2028, 3, 31) and timeutil.is_set()
        assert timeutil.now().astimezone(timeutil.JST).date() == dt.date(2028, 3, 31)
    instant = dt.datetime(2028, 3, 31, 23, 30, tzinfo=timeutil.JST)
    with timeutil.clock_at(instant):
        assert timeutil.today() == dt.date(2028, 3, 31)
        assert dt.timedelta(0) <= timeutil.now() - instant < dt.timedelta(seconds=5)
    # the setting holds for the whole process (a live server's threads too); clock_at wins
    settings.KIKIN_TODAY = "2027-04-01"
    assert timeutil.today() == dt.date(2027, 4, 1)
    with timeutil.clock_at("2030-01-02"):
        assert timeutil.today() == dt.date(2030, 1, 2)
    assert timeutil.today() == dt.date(2027, 4, 1)
    settings.KIKIN_TODAY = "2027-04-01T09:00:00+09:00"
    assert timeutil.now() == dt.datetime(2027, 4, 1, 0, 0, tzinfo=dt.UTC)


def test_the_clock_fixture_sets_the_day(clock):
    assert clock(dt.date(2029, 2, 28)) == dt.date(2029, 2, 28) == timeutil.today()
    clock(None)
    assert not timeutil.is_set()


# --- claims and gates ----------------------------------------------------------------------------


def test_a_cost_incurred_after_today_is_not_claimed(award, clock):
    a, app, _agency = award
    today = clock(a.start_date + dt.timedelta(days=5))
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.submit_claim(
            actor=app,
            award=a,
            fiscal_year=today.year,
            lines=[line(today), line(today + dt.timedelta(days=1))],
        )
    errors = exc.value.message_dict
    assert list(errors) == ["lines.2.incurred_on"]  # the first line, dated today, is fine
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert errors["lines.2.incurred_on"] == [
        f"{tomorrow} is after today ({today.isoformat()}): only costs already incurred can be claimed."
    ]
    assert not ClaimLine.objects.filter(claim__award=a).exists()  # nothing of it is saved
    claim = services.submit_claim(actor=app, award=a, fiscal_year=today.year, lines=[line(today)])
    assert claim.lines.get().incurred_on == today
    assert claim.submitted_at.astimezone(timeutil.JST).date() == today  # stamped by the clock


def test_a_gate_is_recorded_once_it_has_been_held(award, clock):
    a, _app, agency = award
    today = clock(a.stage_gate_due - dt.timedelta(days=1))
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.decide_stage_gate(
            actor=agency, award=a, held_on=a.stage_gate_due, outcome="pass", note="順調"
        )
    assert exc.value.message_dict["held_on"] == [
        f"{a.stage_gate_due.isoformat()} is after today ({today.isoformat()}): "
        "a review is recorded once it has been held."
    ]
    assert not StageGateReview.objects.filter(award=a, held_on__isnull=False).exists()
    review = services.decide_stage_gate(
        actor=agency, award=a, held_on=today, outcome="pass", note="順調"
    )
    assert review.held_on == today


def _page(client, url, data, language):
    return html.unescape(
        client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    )


def _labelled(key, language):
    with translation.override(language):
        return field_label(key)


def test_the_pages_name_the_field_in_the_users_language(award, client, clock):
    a, app, agency = award
    today = clock(a.start_date + dt.timedelta(days=5))
    tomorrow = today + dt.timedelta(days=1)
    client.force_login(app)
    claim = {
        "fiscal_year": str(today.year),
        "budget_kind": "base",
        "category": "personnel",
        "description": "研究員人件費",
        "incurred_on": tomorrow.isoformat(),
        "amount": "1000000",
    }
    url = reverse("awards:action", args=[a.pk, "claim"])
    page = _page(client, url, claim, "ja")
    label = _labelled("lines.1.incurred_on", "ja")
    assert "発生日" in label and "1" in label
    assert label in page
    assert (
        f"{tomorrow.isoformat()} は今日（{today.isoformat()}）より後の日付です。"
        "請求できるのは既に発生した経費だけです。"
    ) in page
    page = _page(client, url, claim, "en")
    assert _labelled("lines.1.incurred_on", "en") in page
    assert (
        f"{tomorrow.isoformat()} is after today ({today.isoformat()}): "
        "only costs already incurred can be claimed."
    ) in page
    assert not a.claims.exists()

    client.force_login(agency)
    gate = {"held_on": tomorrow.isoformat(), "outcome": "pass", "note": "順調"}
    url = reverse("awards:action", args=[a.pk, "gate"])
    page = _page(client, url, gate, "ja")
    assert _labelled("held_on", "ja") in page
    assert (
        f"{tomorrow.isoformat()} は今日（{today.isoformat()}）より後の日付です。"
        "審査は開催後に記録します。"
    ) in page
    assert not StageGateReview.objects.filter(award=a, held_on__isnull=False).exists()
