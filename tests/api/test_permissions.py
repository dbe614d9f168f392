"""Every endpoint, every role: the ministry, the agency, a reviewer (assigned to the proposal in
review), the applicant (the implementer of the award), another organisation's applicant, and
anonymous. Each role's request runs in a savepoint rolled back afterwards, so every role meets
the same world."""

import contextlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from kikin.core.timeutil import clock_at
from tests.api import worlds
from tests.challenges import helpers as ch
from tests.datasets import helpers as dh

ROLES = ("ministry", "agency", "reviewer", "applicant", "other_applicant", "anonymous")


def expect(default, **by_role):
    out = dict.fromkeys(ROLES, default)
    out.update(by_role)
    return out


def claim_body(w):
    return {
        "fiscal_year": w["award"].start_date.year,
        "lines": [
            {
                "category": "travel",
                "description": "出張",
                "incurred_on": w["award"].start_date.isoformat(),
                "amount_yen": 10_000,
            }
        ],
    }


class Multipart:
    """A multipart/form-data body (a file upload) instead of JSON."""

    def __init__(self, data):
        self.data = data


@pytest.fixture
def world(world, settings, tmp_path):
    """The API's world with research data and a prize challenge (tests/api/worlds.py)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return worlds.add_challenge(worlds.add_research_data(world))


def dataset_body(w):
    return {
        "title_ja": "API で登録したデータ",
        "creators": [{"name": "研究 太郎", "affiliation": "試験大学"}],
        "publisher": "試験株式会社",
        "access_level": "open",
        "licence": "CC-BY-4.0",
        "organisation_id": w["users"]["applicant"].organisation_id,
    }


def access_body(w):
    return {
        "purpose": "材料探索の研究",
        "accept_conditions": True,
        "declares_compliance": True,
        "declares_no_foreign_influence": True,
    }


def entry_body(w):
    return Multipart({"stage": "preliminary", "file": SimpleUploadedFile("e.py", ch.RANDOM_ENTRY)})


def ds(key):
    return lambda w: f"/datasets/{w[key].identifier}"


def req(suffix=""):
    return lambda w: f"/access-requests/{w['access_request'].pk}{suffix}"


def entry(suffix=""):
    return lambda w: f"/challenges/api-hpo/submissions/{w['entry'].pk}{suffix}"


# (name, method, path(world), body(world), expected status by role)
ENDPOINTS = [
    ("programs", "GET", lambda w: "/programs", None, expect(200)),
    ("program", "GET", lambda w: "/programs/post5g", None, expect(200)),
    ("no such program", "GET", lambda w: "/programs/nope", None, expect(404)),
    ("calls", "GET", lambda w: "/calls", None, expect(200)),
    ("call", "GET", lambda w: f"/calls/{w['call'].pk}", None, expect(200)),
    ("proposals", "GET", lambda w: "/proposals", None, expect(200, anonymous=401)),
    (
        "a draft",
        "GET",
        lambda w: f"/proposals/{w['draft'].pk}",
        None,
        expect(404, applicant=200, anonymous=401),
    ),
    (
        "a proposal in review",
        "GET",
        lambda w: f"/proposals/{w['in_review'].pk}",
        None,
        expect(200, other_applicant=404, anonymous=401),
    ),
    (
        "start a draft",
        "POST",
        lambda w: "/proposals",
        lambda w: {"call_id": w["call"].pk, "theme": "1-a1"},
        expect(403, applicant=201, other_applicant=201, anonymous=401),
    ),
    (
        "change a draft",
        "PATCH",
        lambda w: f"/proposals/{w['draft'].pk}",
        lambda w: {"title": "変更"},
        expect(404, applicant=200, anonymous=401),
    ),
    (
        "submit",
        "POST",
        lambda w: f"/proposals/{w['draft'].pk}/submit",
        lambda w: {"submission_key": "matrix"},
        expect(404, applicant=200, anonymous=401),
    ),
    (
        "withdraw",
        "POST",
        lambda w: f"/proposals/{w['submitted'].pk}/withdraw",
        lambda w: {"reason": "取り下げ"},
        expect(403, applicant=200, reviewer=404, other_applicant=404, anonymous=401),
    ),
    ("my assignments", "GET", lambda w: "/reviews", None, expect(403, reviewer=200, anonymous=401)),
    (
        "an assignment",
        "GET",
        lambda w: f"/reviews/{w['assignment'].pk}",
        None,
        expect(404, reviewer=200, anonymous=401),
    ),
    (
        "save a review",
        "POST",
        lambda w: f"/reviews/{w['assignment'].pk}",
        lambda w: {"scores": {"policy_fit": 4}, "comment": "途中"},
        expect(404, reviewer=200, anonymous=401),
    ),
    ("awards", "GET", lambda w: "/awards", None, expect(200, anonymous=401)),
    (
        "an award",
        "GET",
        lambda w: f"/awards/{w['award'].pk}",
        None,
        expect(200, reviewer=404, other_applicant=404, anonymous=401),
    ),
    (
        "an award's claims",
        "GET",
        lambda w: f"/awards/{w['award'].pk}/claims",
        None,
        expect(200, reviewer=404, other_applicant=404, anonymous=401),
    ),
    (
        "claim costs",
        "POST",
        lambda w: f"/awards/{w['award'].pk}/claims",
        claim_body,
        expect(403, applicant=201, reviewer=404, other_applicant=404, anonymous=401),
    ),
    (
        "a claim",
        "GET",
        lambda w: f"/claims/{w['claim'].pk}",
        None,
        expect(200, reviewer=404, other_applicant=404, anonymous=401),
    ),
    (
        "check a claim",
        "POST",
        lambda w: f"/claims/{w['claim'].pk}/check",
        lambda w: {"approve": True},
        expect(403, agency=200, reviewer=404, other_applicant=404, anonymous=401),
    ),
    ("filings", "GET", lambda w: "/filings", None, expect(200, anonymous=401)),
    (
        "assign reviewers (a job)",
        "POST",
        lambda w: f"/calls/{w['call'].pk}/assignments",
        lambda w: {"per_proposal": 1},
        expect(403, agency=202, anonymous=401),
    ),
    (
        "a job",
        "GET",
        lambda w: f"/jobs/{w['job'].pk}",
        None,
        expect(404, applicant=200, anonymous=401),
    ),
    (
        "file a year",
        "POST",
        lambda w: f"/awards/{w['award'].pk}/filings",
        lambda w: {"fiscal_year": w["start_fy"] - 2, "product_sales_yen": 5},
        expect(403, applicant=201, reviewer=404, other_applicant=404, anonymous=401),
    ),
    (
        "a filing",
        "GET",
        lambda w: f"/filings/{w['filing'].pk}",
        None,
        expect(200, reviewer=404, other_applicant=404, anonymous=401),
    ),
    (
        "check a filing",
        "POST",
        lambda w: f"/filings/{w['filing'].pk}/check",
        lambda w: {"accept": True},
        expect(403, agency=200, reviewer=404, other_applicant=404, anonymous=401),
    ),
    # Research data: published datasets are public; a draft is its organisation's and the staff's.
    ("datasets", "GET", lambda w: "/datasets", None, expect(200)),
    ("an open dataset", "GET", ds("open_dataset"), None, expect(200)),
    (
        "a draft dataset",
        "GET",
        ds("draft_dataset"),
        None,
        expect(404, applicant=200, ministry=200, agency=200),
    ),
    ("no such dataset", "GET", lambda w: "/datasets/ds-99999999", None, expect(404)),
    (
        "register a dataset",
        "POST",
        lambda w: "/datasets",
        dataset_body,
        expect(403, applicant=201, other_applicant=201, agency=201, anonymous=401),
    ),
    (
        "publish a draft",
        "POST",
        lambda w: f"/datasets/{w['draft_dataset'].identifier}/publish",
        None,
        expect(404, applicant=200, agency=200, ministry=403, anonymous=401),
    ),
    (
        "withdraw a dataset",
        "POST",
        lambda w: f"/datasets/{w['open_dataset'].identifier}/withdraw",
        lambda w: {"reason": "誤りが見つかったため"},
        expect(403, applicant=200, agency=200, anonymous=401),
    ),
    (
        "request shared data",
        "POST",
        lambda w: f"/datasets/{w['shared_dataset'].identifier}/access-requests",
        access_body,
        # the data manager does not ask for its own data; the other applicant already waits
        expect(201, applicant=400, other_applicant=400, anonymous=401),
    ),
    ("access requests", "GET", lambda w: "/access-requests", None, expect(200, anonymous=401)),
    ("an access request", "GET", req(), None, expect(200, reviewer=404, anonymous=401)),
    (
        "withdraw an access request",
        "POST",
        req("/withdraw"),
        None,
        expect(403, other_applicant=200, reviewer=404, anonymous=401),
    ),
    (
        "decide an access request",
        "POST",
        req("/decide"),
        lambda w: {"checks": dh.all_met(w["shared_dataset"])},
        expect(403, applicant=200, reviewer=404, anonymous=401),
    ),
    # Prize challenges: public pages; a team's own entries for its members (and the staff).
    ("challenges", "GET", lambda w: "/challenges", None, expect(200)),
    ("a challenge", "GET", lambda w: "/challenges/api-hpo", None, expect(200)),
    ("no such challenge", "GET", lambda w: "/challenges/nope", None, expect(404)),
    (
        "a leaderboard",
        "GET",
        lambda w: "/challenges/api-hpo/stages/preliminary/board",
        None,
        expect(200),
    ),
    (
        "my team",
        "GET",
        lambda w: "/challenges/api-hpo/team",
        None,
        expect(404, applicant=200, anonymous=401),
    ),
    (
        "register a team",
        "POST",
        lambda w: "/challenges/api-hpo/team",
        lambda w: {"handle": "beta", "display_name": "ベータ株式会社"},
        expect(403, applicant=400, other_applicant=201, anonymous=401),
    ),
    (
        "my team's entries",
        "GET",
        lambda w: "/challenges/api-hpo/submissions",
        None,
        expect(404, applicant=200, anonymous=401),
    ),
    (
        "submit an entry (queued for evaluation)",
        "POST",
        lambda w: "/challenges/api-hpo/submissions",
        entry_body,
        expect(404, applicant=202, anonymous=401),
    ),
    (
        "an entry",
        "GET",
        entry(),
        None,
        expect(404, applicant=200, ministry=200, agency=200, anonymous=401),
    ),
    (
        "choose the final entry",
        "POST",
        entry("/final"),
        None,
        expect(404, applicant=200, ministry=403, agency=403, anonymous=401),
    ),
]


#: Requests sent on another day than the world's today: a claim is made once its cost has been
#: incurred, on the award's first day (the fund's clock, kikin.core.timeutil).
SENT_ON = {"claim costs": lambda w: w["award"].start_date}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, method, path, body, expected", ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_each_role_gets_what_it_may(world, api_as, name, method, path, body, expected):
    got = {}
    for role in ROLES:
        api = api_as(role)
        day = SENT_ON[name](world) if name in SENT_ON else None
        with transaction.atomic(), clock_at(day) if day else contextlib.nullcontext():
            sent = body(world) if body else None
            if method == "GET":
                r = api.get(path(world))
            elif isinstance(sent, Multipart):
                r = api.client.post(f"/api/v1{path(world)}", sent.data, **api._headers())
            else:
                r = api.send(method, path(world), sent)
            got[role] = r.status_code
            assert r["Content-Type"].startswith("application/json"), (role, r.content[:200])
            data = r.json()
            if r.status_code >= 400:
                assert data["detail"], (role, data)  # every refusal says why
            transaction.set_rollback(True)
    assert got == expected


@pytest.mark.django_db
def test_lists_hold_only_what_each_role_may_see(world, api_as):
    def ids(role, path):
        return {row["id"] for row in api_as(role).get(path).json()["items"]}

    draft, in_review = world["draft"].pk, world["in_review"].pk
    assert {draft, in_review} <= ids("applicant", "/proposals")
    assert ids("other_applicant", "/proposals") == set()
    assert ids("reviewer", "/proposals") == {in_review}
    for staff in ("ministry", "agency"):
        assert in_review in ids(staff, "/proposals") and draft not in ids(staff, "/proposals")
    assert ids("reviewer", "/awards") == ids("other_applicant", "/awards") == set()
    assert world["award"].pk in ids("applicant", "/awards") and world["award"].pk in ids(
        "agency", "/awards"
    )
    assert api_as("other_applicant").get("/filings").json() == []
    assert [f["id"] for f in api_as("applicant").get("/filings").json()] == [world["filing"].pk]


@pytest.mark.django_db
def test_bad_or_revoked_tokens_are_refused_even_on_public_endpoints(world, client):
    from kikin.api.models import ApiToken
    from kikin.api.services import revoke_token
    from tests.api.conftest import Api

    assert Api(client, "kikin_not-a-token").get("/calls").status_code == 401
    assert Api(client, "other-scheme").get("/proposals").status_code == 401
    token = world["tokens"]["applicant"]
    user = world["users"]["applicant"]
    assert Api(client, token).get("/proposals").status_code == 200
    revoke_token(actor=user, token=ApiToken.objects.get(user=user))
    r = Api(client, token).get("/proposals")
    assert r.status_code == 401 and r["WWW-Authenticate"].startswith("Bearer")
    user.is_active = False
    user.save()
    assert Api(client, world["tokens"]["applicant"]).get("/calls").status_code == 401
