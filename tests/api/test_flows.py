"""The API's use cases end to end, through the same services as the pages."""

import pytest

from kikin.audit.models import AuditRecord
from kikin.awards.models import ClaimState
from kikin.calls.models import Proposal, ProposalState, ProposalVersion
from kikin.review.models import Review
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_an_applicant_starts_fills_and_submits_a_proposal(world, api_as):
    api = api_as("applicant")
    r = api.post("/proposals", {"call_id": world["call"].pk, "theme": "1-a1"})
    assert r.status_code == 201, r.json()
    pid = r.json()["id"]
    assert r.json()["status"] == "draft"
    start = f.start_of_next_fy()
    body = {
        "title": "APIで作った提案",
        "abstract": "概要",
        "plan": "計画",
        "start_date": start.isoformat(),
        "period_months": 36,
        "set_value": "2.5",
        "leakage_core_technologies": "制御ソフト",
        "leakage_access_control": "二要素認証",
        "leakage_staff_management": "名簿管理",
        "leakage_partner_controls": "監査",
        "budget": [
            {"fiscal_year": start.year + i, "requested_yen": 1_000_000_000} for i in range(3)
        ],
        "team": [
            {"name": "研究 太郎", "researcher_number": "12345678", "role": "PI", "is_lead": True}
        ],
    }
    r = api.patch(f"/proposals/{pid}", body)
    assert r.status_code == 200, r.json()
    data = r.json()
    assert data["title"] == "APIで作った提案" and data["set_value"] == "2.50"
    assert data["team"][0]["researcher_number"] == "12345678"
    assert sum(b["requested_yen"] for b in data["budget"]) == 3_000_000_000
    r1 = api.post(f"/proposals/{pid}/submit", {"submission_key": "api-key-1"})
    r2 = api.post(f"/proposals/{pid}/submit", {"submission_key": "api-key-1"})
    assert r1.status_code == r2.status_code == 200, r1.json()
    assert r1.json() == r2.json()  # idempotent: one version, one receipt number
    assert ProposalVersion.objects.filter(proposal_id=pid).count() == 1
    assert r1.json()["receipt_number"].startswith(world["call"].key)
    assert AuditRecord.objects.filter(action="proposal.submit", object_id=str(pid)).count() == 1
    assert api.get(f"/proposals/{pid}").json()["status"] == "submitted"


def test_an_applicant_never_sees_the_state_of_review(world, api_as):
    pid = world["in_review"].pk
    assert Proposal.objects.get(pk=pid).state == ProposalState.IN_REVIEW
    mine = api_as("applicant").get(f"/proposals/{pid}").json()
    assert mine["status"] == "submitted"
    assert "review" not in mine["status_label"].lower() and "審査" not in mine["status_label"]
    assert api_as("agency").get(f"/proposals/{pid}").json()["status"] == "in_review"


def test_refusals_name_the_field_and_rule_in_the_users_language(world, api_as):
    pid = world["draft"].pk
    r = api_as("applicant").patch(
        f"/proposals/{pid}", {"team": [{"name": "x", "researcher_number": "123"}]}
    )
    assert r.status_code == 400
    err = r.json()["errors"][0]
    assert err["field"] == "team" and "8" in err["message"]
    r = api_as("applicant", "en").patch(f"/proposals/{pid}", {"period_months": "three"})
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "period_months" and err["message"] == "A whole number."
    assert err["label"] == "period (months)"
    r = api_as("applicant", "ja").patch(f"/proposals/{pid}", {"period_months": "three"})
    assert r.json()["errors"][0]["message"] != "A whole number."  # in Japanese
    r = api_as("applicant", "en").post("/proposals", {"call_id": world["call"].pk, "theme": "9-zz"})
    assert r.status_code == 400
    assert r.json()["errors"] == [
        {"field": "theme", "label": "theme", "message": "This theme is not open in this call."}
    ]
    r = api_as("applicant").client.post(
        "/api/v1/proposals",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world['tokens']['applicant']}",
    )
    assert r.status_code in (400, 422) and r.json()["detail"]


def test_submitting_an_incomplete_draft_lists_every_problem(world, api_as):
    api = api_as("applicant", "en")
    pid = api.post("/proposals", {"call_id": world["call"].pk, "theme": "1-a1"}).json()["id"]
    r = api.post(f"/proposals/{pid}/submit", {"submission_key": "too-early"})
    assert r.status_code == 400
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"title", "budget"} <= fields
    assert not ProposalVersion.objects.filter(proposal_id=pid).exists()


def test_a_reviewer_reads_and_submits_a_review(world, api_as):
    api = api_as("reviewer")
    (row,) = api.get("/reviews").json()
    assert row["proposal_id"] == world["in_review"].pk and not row["review_submitted"]
    detail = api.get(f"/reviews/{row['assignment_id']}").json()
    assert detail["content"]["title"] == "審査中の提案"
    codes = [c["code"] for c in detail["criteria"]]
    r = api.post(f"/reviews/{row['assignment_id']}", {"scores": {codes[0]: 4}, "submit": True})
    assert r.status_code == 400
    fields = {e["field"] for e in r.json()["errors"]}
    assert f"score.{codes[1]}" in fields and "recommendation" in fields
    r = api.post(
        f"/reviews/{row['assignment_id']}",
        {
            "scores": dict.fromkeys(codes, 4),
            "comment": "良い提案",
            "recommendation": "adopt",
            "submit": True,
        },
    )
    assert r.status_code == 200, r.json()
    assert r.json()["review"]["submitted_at"] and r.json()["review"]["weighted_score"] == "80.000"
    assert Review.objects.get(assignment=world["assignment"]).is_submitted
    again = api.post(f"/reviews/{row['assignment_id']}", {"scores": dict.fromkeys(codes, 5)})
    assert again.status_code == 400  # a submitted review is final


def test_claims_are_made_by_the_implementer_and_checked_by_the_agency(world, api_as, clock):
    award = world["award"]
    clock(award.start_date)  # the claim is made on the day its cost was incurred
    r = api_as("applicant").post(
        f"/awards/{award.pk}/claims",
        {
            "fiscal_year": award.start_date.year,
            "lines": [
                {
                    "category": "personnel",
                    "description": "研究員",
                    "incurred_on": award.start_date.isoformat(),
                    "amount_yen": 3_000_000,
                }
            ],
        },
    )
    assert r.status_code == 201, r.json()
    claim = r.json()
    assert claim["state"] == "submitted" and claim["total_yen"] == 3_000_000
    line = claim["lines"][0]["id"]
    r = api_as("agency").post(
        f"/claims/{claim['id']}/check", {"approve": True, "eligible": {str(line): 2_500_000}}
    )
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == ClaimState.APPROVED
    assert r.json()["lines"][0]["eligible_yen"] == 2_500_000
    r = api_as("agency").post(f"/claims/{world['claim'].pk}/check", {"approve": False})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "reason"
    r = api_as("applicant").post(
        f"/awards/{award.pk}/claims",
        {"fiscal_year": award.start_date.year, "lines": [{"category": "bogus"}]},
    )
    assert r.status_code == 422


def test_filings_are_filed_and_checked(world, api_as):
    filing = world["filing"]
    r = api_as("agency").post(f"/filings/{filing.pk}/check", {"accept": False})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "note"
    r = api_as("agency").post(f"/filings/{filing.pk}/check", {"accept": True})
    assert r.status_code == 200 and r.json()["state"] == "checked"
    r = api_as("applicant").post(
        f"/awards/{world['award'].pk}/filings",
        {"fiscal_year": world["start_fy"] - 2, "product_sales_yen": 1},
    )
    assert r.status_code == 400  # checked: locked
    r = api_as("applicant").post(
        f"/awards/{world['award'].pk}/filings", {"fiscal_year": world["start_fy"] + 5}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "fiscal_year"


def test_the_token_page_shows_a_new_token_once_and_revokes(client, world):
    from kikin.api.models import ApiToken

    user = world["users"]["reviewer"]
    client.force_login(user)
    r = client.post("/api/tokens/", {"name": "CI"})
    html = r.content.decode()
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    token = html.split('<code id="new-token">')[1].split("</code>")[0]
    assert token.startswith("kikin_") and len(token) > 40
    row = ApiToken.objects.get(user=user, name="CI")
    assert token not in (row.digest, row.prefix) and row.prefix in token
    assert token not in client.get("/api/tokens/").content.decode()  # shown once
    from tests.api.conftest import Api

    assert Api(client, token).get("/reviews").status_code == 200
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None
    client.post(f"/api/tokens/{row.pk}/revoke/")
    assert Api(client, token).get("/reviews").status_code == 401
    assert client.post("/api/tokens/", {"name": ""}).status_code == 400
    other = ApiToken.objects.get(user=world["users"]["agency"])
    assert client.post(f"/api/tokens/{other.pk}/revoke/").status_code == 404


def test_the_agency_assigns_reviewers_as_a_background_job(world, api_as):
    from kikin.review.models import Assignment

    for _ in range(2):
        f.reviewer()
    api = api_as("agency")
    r = api.post(f"/calls/{world['call'].pk}/assignments", {"per_proposal": 1, "max_load": 5})
    assert r.status_code == 202, r.json()
    job = r.json()
    assert job["kind"] == "review.auto_assign"
    done = api.get(f"/jobs/{job['id']}").json()  # the tests run jobs at once
    assert done["state"] == "done", done
    assert Assignment.objects.filter(proposal=world["in_review"]).count() >= 1
    assert api_as("applicant").get(f"/jobs/{job['id']}").status_code == 404
    r = api.post("/calls/999999/assignments", {})
    assert r.status_code == 404


def test_an_import_job_is_followed_through_the_api(world, api_as):
    job = api_as("applicant").get(f"/jobs/{world['job'].pk}").json()
    assert job["state"] == "done" and job["result"]["refused"] is True
    assert job["result"]["errors"][0]["line"] == 1  # the header names unknown columns
