"""The challenge pages: what the public, entrants, jurors and staff see and may do."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kikin.accounts.models import Role
from kikin.challenges import services
from kikin.challenges.models import Challenge, Submission
from tests import factories as f

from .helpers import load, plan, team, upload
from .test_services import scored

pytestmark = pytest.mark.django_db


def test_the_public_page_publishes_the_rules_stages_and_prizes(client):
    services.load_challenge_plans()
    r = client.get(reverse("challenges:detail", args=["hpo"]), HTTP_ACCEPT_LANGUAGE="ja")
    text = r.content.decode()
    assert r.status_code == 200
    for expected in (
        "予選",
        "本戦",
        "2022-12-16",
        "2023-02-02",
        "4百万円",
        "入賞時にソースコード",
        "リアルタイム",
    ):
        assert expected in text, expected
    r = client.get(reverse("challenges:detail", args=["supply-chain"]))
    text = r.content.decode()
    assert "三井住友海上" in text and "賞金総額の外" in text
    assert client.get(reverse("challenges:list")).status_code == 200
    assert client.get(reverse("challenges:detail", args=["nope"])).status_code == 404


def test_the_board_shows_the_final_ranking_to_the_public_only_after_the_close(client):
    challenge = load()
    stage = challenge.stages.get(code="preliminary")
    t, _ = team(challenge, "alpha")
    scored(t, stage, "0.25", "0.125", timezone.now() - dt.timedelta(hours=1))
    url = reverse("challenges:board", args=[challenge.slug, "preliminary"])
    text = client.get(url).content.decode()
    assert "alpha" in text and "0.250000" in text and "final-ranking" not in text
    client.force_login(f.user(Role.AGENCY))
    assert "0.125000" in client.get(url).content.decode()
    client.logout()
    challenge.stages.filter(pk=stage.pk).update(
        closes_on=dt.date(2000, 1, 2), opens_on=dt.date(2000, 1, 1)
    )
    assert "0.125000" in client.get(url).content.decode()


def test_the_board_costs_the_same_queries_for_few_and_many_teams(client):
    challenge = load()
    stage = challenge.stages.get(code="preliminary")
    url = reverse("challenges:board", args=[challenge.slug, "preliminary"])
    now = timezone.now() - dt.timedelta(hours=1)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    t, _ = team(challenge, "one")
    scored(t, stage, "0.5", "0.5", now)
    few = count()
    for i in range(6):
        t, _ = team(challenge, f"team{i}")
        scored(t, stage, f"0.{i}", "0.5", now)
        scored(t, stage, f"0.{i}1", "0.5", now)
    assert count() == few


def test_sign_up_and_register_an_anonymous_team_in_one_go(client):
    challenge = load()
    r = client.post(
        reverse("challenges:register", args=[challenge.slug]),
        {
            "username": "solo-entrant",
            "password": "a-long-enough-pass-42",
            "handle": "solo",
            "anonymous": "on",
        },
    )
    assert r.status_code == 302 and r["Location"] == reverse(
        "challenges:team", args=[challenge.slug]
    )
    t = challenge.teams.get(handle="solo")
    assert t.anonymous and t.members.get().username == "solo-entrant"
    assert client.get(r["Location"]).status_code == 200


def test_a_bad_registration_names_the_field_and_saves_nothing(client):
    challenge = load()
    r = client.post(
        reverse("challenges:register", args=[challenge.slug]),
        {
            "username": "someone",
            "password": "a-long-enough-pass-42",
            "handle": "has space",
            "display_name": "X",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200 and "Handle: 2 to 40 letters" in r.content.decode()
    assert not challenge.teams.exists()
    from kikin.accounts.models import User

    assert not User.objects.filter(username="someone").exists()  # one transaction


def test_an_entrant_submits_and_follows_the_entry_another_team_gets_404(client, media):
    challenge = load(daily_limit=1)
    t, user = team(challenge, "mine")
    other, other_user = team(challenge, "theirs")
    stage = challenge.stages.get(code="preliminary")
    client.force_login(user)
    url = reverse("challenges:team", args=[challenge.slug])
    r = client.post(
        url,
        {
            "action": "submit",
            "stage": stage.pk,
            f"s{stage.pk}-file": upload(),
            f"s{stage.pk}-title": "v1",
        },
    )
    sub = Submission.objects.get(team=t)
    assert r.status_code == 302 and r["Location"] == reverse(
        "challenges:submission", args=[challenge.slug, sub.pk]
    )
    page = client.get(r["Location"]).content.decode()
    assert "hx-get" in page  # it polls while queued
    r = client.post(
        url,
        {"action": "submit", "stage": stage.pk, f"s{stage.pk}-file": upload()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200 and "Daily limit" in r.content.decode()
    assert Submission.objects.filter(team=t).count() == 1
    theirs = services.submit_entry(actor=other_user, team=other, stage=stage, upload=upload())
    assert (
        client.get(reverse("challenges:submission", args=[challenge.slug, theirs.pk])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("challenges:submission_file", args=[challenge.slug, theirs.pk])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("challenges:submission_file", args=[challenge.slug, sub.pk])).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.APPLICANT, 404), (Role.REVIEWER, 404), (Role.MINISTRY, 200), (Role.AGENCY, 200)],
)
def test_the_organisers_page_by_role(client, role, status):
    challenge = load()
    client.force_login(f.user(role))
    assert client.get(reverse("challenges:manage", args=[challenge.slug])).status_code == status


def test_the_ministry_reads_but_does_not_run_the_challenge(client):
    challenge = load()
    client.force_login(f.user(Role.MINISTRY))
    stage = challenge.stages.get(code="preliminary")
    r = client.post(
        reverse("challenges:manage", args=[challenge.slug]),
        {"action": "advance", "stage": stage.pk},
    )
    assert r.status_code == 403


def test_staff_move_a_stage_and_a_bad_date_is_named(client):
    challenge = load()
    client.force_login(f.user(Role.AGENCY))
    stage = challenge.stages.get(code="preliminary")
    url = reverse("challenges:manage", args=[challenge.slug])
    r = client.post(
        url,
        {
            "action": "reschedule",
            "stage": stage.pk,
            f"r{stage.pk}-opens_on": "2030-01-10",
            f"r{stage.pk}-closes_on": "2030-01-01",
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "A stage cannot close before it opens." in r.content.decode()
    r = client.post(
        url,
        {
            "action": "reschedule",
            "stage": stage.pk,
            f"r{stage.pk}-opens_on": "2030-01-01",
            f"r{stage.pk}-closes_on": "not a date",
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Closes on" in r.content.decode()
    stage.refresh_from_db()
    assert stage.opens_on != dt.date(2030, 1, 10)
    r = client.post(
        url,
        {
            "action": "reschedule",
            "stage": stage.pk,
            f"r{stage.pk}-opens_on": "2030-01-01",
            f"r{stage.pk}-closes_on": "2030-01-31",
        },
    )
    assert r.status_code == 302 and r["Location"] == url
    stage.refresh_from_db()
    assert (stage.opens_on, stage.closes_on) == (dt.date(2030, 1, 1), dt.date(2030, 1, 31))


def _toml(data: dict) -> str:
    """The test plan as TOML text (a small writer: tables, arrays of tables, scalars)."""
    lines = []

    def scalar(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, dt.date)):
            return str(v) if not isinstance(v, dt.date) else v.isoformat()
        if isinstance(v, list):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    def emit(table: dict, path: str, array: bool = False):
        if path:
            lines.append(f"[[{path}]]" if array else f"[{path}]")
        for k, v in table.items():
            if (
                not isinstance(v, (dict, list))
                or (isinstance(v, list) and v and not isinstance(v[0], dict))
                or v == []
            ):
                lines.append(f"{k} = {scalar(v)}")
        for k, v in table.items():
            if isinstance(v, dict):
                emit(v, f"{path}.{k}" if path else k)
            elif isinstance(v, list) and v and isinstance(v[0], dict):
                for item in v:
                    emit(item, f"{path}.{k}" if path else k, array=True)

    emit(data, "")
    return "\n".join(lines) + "\n"


def test_staff_define_a_challenge_as_plan_text_and_a_bad_one_names_the_key(client):
    client.force_login(f.user(Role.AGENCY))
    data = plan(slug="made-here", code="made-here")
    bad = _toml(data).replace("closes = ", "closes = 'soon' #", 1)
    r = client.post(reverse("challenges:new"), {"text": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        r.status_code == 200 and "challenge.stage[0].closes: expected a date" in r.content.decode()
    )
    assert not Challenge.objects.exists()
    r = client.post(reverse("challenges:new"), {"text": "not = [toml"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "not valid TOML" in r.content.decode()
    r = client.post(reverse("challenges:new"), {"text": _toml(data)})
    assert r.status_code == 302
    made = Challenge.objects.get(slug="made-here")
    assert made.program.code == "made-here" and made.stages.count() == 2
    # Edit: move the total and its prize together.
    data["challenge"]["prize"][0]["amount_yen"] = 600_000
    data["challenge"]["total_prize_yen"] = 1_700_000
    r = client.post(reverse("challenges:plan", args=["made-here"]), {"text": _toml(data)})
    assert r.status_code == 302
    assert made.prizes.get(code="fastest").amount_yen == 600_000
    client.force_login(f.applicant())
    assert client.get(reverse("challenges:new")).status_code == 404


def test_jurors_see_papers_and_document_entries_not_code(client, media):
    challenge = load()
    officer = f.user(Role.AGENCY)
    juror = f.reviewer()
    services.seat_juror(actor=officer, challenge=challenge, user=juror)
    t, user = team(challenge, "paperteam")
    stage = challenge.stages.get(code="preliminary")
    code = services.submit_entry(actor=user, team=t, stage=stage, upload=upload())
    client.force_login(juror)
    assert (
        client.get(
            reverse("challenges:submission_file", args=[challenge.slug, code.pk])
        ).status_code
        == 404
    )
    assert client.get(reverse("challenges:jury", args=[challenge.slug])).status_code == 200
    client.force_login(f.reviewer())  # not on this jury
    assert client.get(reverse("challenges:jury", args=[challenge.slug])).status_code == 404


def test_every_organisers_action_answers_with_the_page_again(client, media):
    """Each action of the organisers' page redirects back with its message (none falls through
    to an error page)."""
    challenge = load()
    officer = f.user(Role.AGENCY)
    client.force_login(officer)
    url = reverse("challenges:manage", args=[challenge.slug])
    stage = challenge.stages.get(code="preliminary")
    juror = f.reviewer()
    t, _ = team(challenge, "named")
    honour = challenge.prizes.get(code="honour")
    for data in (
        {"action": "juror", "username": juror.username},
        {"action": "name", "prize": honour.pk, "team": t.pk},
        {
            "action": "baseline",
            "stage": stage.pk,
            f"b{stage.pk}-file": upload(),
            f"b{stage.pk}-title": "",
        },
    ):
        r = client.post(url, data)
        assert r.status_code == 302 and r["Location"] == url, data
    assert challenge.jurors.filter(user=juror).exists()
    assert honour.awards.get().team == t
    assert challenge.teams.get(is_baseline=True).submissions.count() == 1
    refused = client.post(url, {"action": "advance", "stage": stage.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200  # the page again, with the refusal said
    assert "Teams advance once the stage has closed." in refused.content.decode()
    assert client.post(url, {"action": "nonsense"}).status_code == 404
