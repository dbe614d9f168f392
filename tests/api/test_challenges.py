"""/api/v1/challenges: the public challenge and leaderboard, a team's own entries and scores
(hidden scores only for the staff), an entry queued for evaluation, the final choice, team
registration; refusals naming the field and the rule in the caller's language."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kikin.challenges.models import Submission
from tests.api import worlds
from tests.challenges import helpers as ch

pytestmark = pytest.mark.django_db

SLUG = "/challenges/api-hpo"


@pytest.fixture
def world(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return worlds.add_challenge(world)


def submit(api, stage="preliminary", content=ch.RANDOM_ENTRY, name="entry.py", title=""):
    return api.client.post(
        f"/api/v1{SLUG}/submissions",
        {"stage": stage, "title": title, "file": SimpleUploadedFile(name, content)},
        **api._headers(),
    )


def test_the_public_reads_the_challenge_with_its_stages_and_prizes(world, api_as):
    body = api_as("anonymous").get(SLUG).json()
    assert body["slug"] == "api-hpo" and body["program"] == "api-hpo"
    assert body["registration_open"] is True and body["my_team"] is None
    stages = {s["code"]: s for s in body["stages"]}
    assert stages["preliminary"]["is_open"] is True
    assert stages["preliminary"]["metric"] == "mean_normalised_regret"
    assert stages["final"]["is_open"] is False and stages["final"]["eligible"] == "qualified"
    assert [p["code"] for p in body["prizes"]] == ["fastest", "innovative", "honour"]
    assert body["prizes"][0]["winners"] == []
    assert api_as("applicant").get(SLUG).json()["my_team"] == "alpha"
    listed = api_as("anonymous").get("/challenges").json()
    assert "api-hpo" in [c["slug"] for c in listed["items"]]


def test_the_board_shows_public_scores_and_keeps_the_final_ranking_until_close(world, api_as):
    path = f"{SLUG}/stages/preliminary/board"
    public = api_as("anonymous").get(path).json()
    assert public["final"] is None and public["refresh"] == "realtime"
    [row] = public["rows"]
    assert row["team"] == "alpha (alpha 株式会社)" and row["score"] == "0.250000"
    assert row["rank"] == 1 and row["submissions"] == 1 and row["mine"] is False
    assert api_as("applicant").get(path).json()["rows"][0]["mine"] is True
    staff = api_as("agency").get(path).json()
    assert staff["final"][0]["score"] == "0.500000" and staff["final"][0]["advances"] is False
    assert api_as("anonymous").get(f"{SLUG}/stages/nope/board").status_code == 404


def test_a_team_reads_its_entries_and_only_staff_see_hidden_scores(world, api_as):
    entry = world["entry"]
    mine = api_as("applicant").get(f"{SLUG}/submissions").json()
    assert mine["count"] == 2
    assert [s["id"] for s in mine["items"]] == [world["queued_entry"].pk, entry.pk]
    assert mine["items"][0]["state"] == "queued" and mine["items"][0]["queue_position"] == 1

    member = api_as("applicant").get(f"{SLUG}/submissions/{entry.pk}").json()
    assert member["public_score"] == "0.250000" and member["hidden_score"] is None
    assert [p["name"] for p in member["public_problems"]] == ["branin"]
    staff = api_as("ministry").get(f"{SLUG}/submissions/{entry.pk}").json()
    assert staff["hidden_score"] == "0.500000"
    assert api_as("other_applicant").get(f"{SLUG}/submissions/{entry.pk}").status_code == 404
    assert api_as("reviewer").get(f"{SLUG}/submissions/{entry.pk}").status_code == 404
    # the entry is found under its own challenge only
    assert api_as("applicant").get(f"/challenges/other/submissions/{entry.pk}").status_code == 404


def test_an_entry_is_queued_for_evaluation_and_followed_at_its_url(world, api_as):
    api = api_as("applicant")
    r = submit(api, title="ランダム探索")
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["state"] == "queued" and body["title"] == "ランダム探索"
    assert body["number"] == 3 and body["queue_position"] == 2
    assert body["url"] == f"/api/v1{SLUG}/submissions/{body['id']}"
    assert api.client.get(body["url"], **api._headers()).json()["state"] == "queued"
    saved = Submission.objects.get(pk=body["id"])
    assert saved.submitted_by == world["users"]["applicant"] and saved.file_name == "entry.py"


def test_the_daily_limit_is_said_with_its_numbers(world, api_as):
    api = api_as("applicant", "en")
    assert submit(api).status_code == 202  # the third of today
    r = submit(api)
    assert r.status_code == 400
    [error] = r.json()["errors"]
    assert error["field"] == "file" and error["label"] == "file"
    assert error["message"] == (
        "Daily limit: your team has sent 3 of its 3 entries today (JST); try again tomorrow."
    )


@pytest.mark.parametrize(
    "stage, name, field, message",
    [
        ("preliminary", "entry.txt", "file", "File: an entry is one Python file (.py)."),
        ("nope", "entry.py", "stage", "No stage of this challenge has this code."),
        ("final", "entry.py", "stage", None),  # not open yet
    ],
)
def test_a_refused_entry_names_the_field_and_the_rule(world, api_as, stage, name, field, message):
    before = Submission.objects.count()
    r = submit(api_as("applicant", "en"), stage=stage, name=name)
    assert r.status_code == 400, r.content
    [error] = r.json()["errors"]
    assert error["field"] == field
    if message:
        assert error["message"] == message
    else:
        assert error["message"].startswith("This stage takes entries from")
    assert Submission.objects.count() == before


def test_refusals_are_in_japanese_by_default(world, api_as):
    r = submit(api_as("applicant"), stage="nope")
    assert r.status_code == 400
    [error] = r.json()["errors"]
    assert error["label"] == "段階"
    assert error["message"] == "このコンテストにこのコードの段階はありません。"
    r = api_as("other_applicant").get(f"{SLUG}/submissions")
    assert r.status_code == 404
    assert r.json()["detail"] == "このコンテストにあなたのチームはありません。"


def test_only_an_evaluated_entry_counts_in_the_final_ranking(world, api_as):
    api = api_as("applicant", "en")
    r = api.post(f"{SLUG}/submissions/{world['queued_entry'].pk}/final")
    assert r.status_code == 400
    assert r.json()["errors"][0] == {
        "field": "submission",
        "label": "entry",
        "message": "Only an entry evaluated without fault can count.",
    }
    r = api.post(f"{SLUG}/submissions/{world['entry'].pk}/final")
    assert r.status_code == 200 and r.json()["is_final"] is True
    r = api_as("agency", "en").post(f"{SLUG}/submissions/{world['entry'].pk}/final")
    assert r.status_code == 403
    assert r.json()["detail"] == "Only the team's members submit its entries."


def test_an_entrant_registers_a_team_and_becomes_its_member(world, api_as):
    api = api_as("other_applicant", "en")
    r = api.post(f"{SLUG}/team", {"handle": "alpha", "display_name": "重複"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "handle"
    assert r.json()["errors"][0]["message"] == "Handle: “alpha” is taken in this challenge."
    r = api.post(f"{SLUG}/team", {"handle": "ghost", "anonymous": True})
    assert r.status_code == 201, r.content
    team = r.json()
    assert team["public_name"] == "ghost" and team["anonymous"] is True
    assert [m["username"] for m in team["members"]] == [world["users"]["other_applicant"].username]
    assert api.get(f"{SLUG}/team").json()["handle"] == "ghost"
    assert api.get(f"{SLUG}/submissions").json() == {"count": 0, "items": []}
    r = api_as("reviewer", "en").post(f"{SLUG}/team", {"handle": "judge", "display_name": "x"})
    assert r.status_code == 403
    assert r.json()["detail"].startswith("Only entrants register teams")
