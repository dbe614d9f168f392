"""Every endpoint, every role: the ministry, the agency, a reviewer (assigned to the proposal in
review), the applicant (the implementer of the award), another organisation's applicant, and
anonymous. Each role's request runs in a savepoint rolled back afterwards, so every role meets
the same world."""

import pytest
from django.db import transaction

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
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, method, path, body, expected", ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_each_role_gets_what_it_may(world, api_as, name, method, path, body, expected):
    got = {}
    for role in ROLES:
        api = api_as(role)
        with transaction.atomic():
            if method == "GET":
                r = api.get(path(world))
            else:
                r = api.send(method, path(world), body(world))
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
