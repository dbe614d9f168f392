"""/api/v1/datasets and /api/v1/access-requests: what each role sees, access requests from the
request to the data manager's check, the owner's writes, refusals naming the field and the rule
in the caller's language."""

import pytest

from kikin.audit.models import AuditRecord
from kikin.datasets.models import AccessRequest, Dataset
from tests.api import worlds
from tests.datasets import helpers as dh

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return worlds.add_research_data(world)


ASK = {
    "purpose": "材料探索の研究",
    "accept_conditions": True,
    "declares_compliance": True,
    "declares_no_foreign_influence": True,
}


def ids(api, **params):
    r = api.get("/datasets", **params)
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["count"] == len(data["items"])
    return {d["identifier"] for d in data["items"]}


def test_lists_show_drafts_only_to_their_organisation_and_the_staff(world, api_as):
    draft = world["draft_dataset"].identifier
    published = {world["open_dataset"].identifier, world["shared_dataset"].identifier}
    assert ids(api_as("anonymous")) == published
    assert ids(api_as("other_applicant")) == published
    assert ids(api_as("reviewer")) == published
    for role in ("applicant", "ministry", "agency"):
        assert ids(api_as(role)) == published | {draft}, role
    assert ids(api_as("applicant"), access="shared") == {world["shared_dataset"].identifier}
    assert ids(api_as("other_applicant"), mine="true") == set()
    assert ids(api_as("applicant"), mine="true") == published | {draft}
    assert ids(api_as("anonymous"), mine="true") == set()


def test_list_pages_and_rejects_a_malformed_filter(world, api_as):
    api = api_as("applicant")
    first = api.get("/datasets", limit=2).json()
    second = api.get("/datasets", limit=2, offset=2).json()
    assert first["count"] == second["count"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    r = api_as("anonymous", "en").get("/datasets", program="no spaces here")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "program"
    assert r.json()["errors"][0]["message"] == "Not in the expected form."


def test_an_open_dataset_can_be_downloaded_by_anyone_a_shared_one_after_a_grant(world, api_as):
    anon = api_as("anonymous", "en")
    d = anon.get(f"/datasets/{world['open_dataset'].identifier}").json()
    assert d["may_download"] is True and d["download_refusal"] == ""
    assert d["files"][0]["sha256"] == dh.SHA
    assert d["files"][0]["download_url"].endswith(
        f"/datasets/{world['open_dataset'].identifier}/files/{d['files'][0]['id']}/"
    )
    assert d["creators"][0]["name"] == "研究 太郎" and d["my_request"] is None

    shared = world["shared_dataset"].identifier
    d = anon.get(f"/datasets/{shared}").json()
    assert d["may_download"] is False
    assert d["download_refusal"] == (
        "The data is shared under written conditions: request access and meet them first."
    )
    assert [c["code"] for c in d["conditions"]] == ["c1", "c2"]
    ja = api_as("anonymous").get(f"/datasets/{shared}").json()
    assert ja["download_refusal"] != d["download_refusal"]  # Japanese by default

    mine = api_as("other_applicant").get(f"/datasets/{shared}").json()
    assert mine["my_request"]["id"] == world["access_request"].pk
    assert mine["my_request"]["state"] == "submitted"


def test_a_request_checked_by_the_data_manager_opens_the_data(world, api_as):
    shared = world["shared_dataset"]
    asker = api_as("reviewer", "en")
    r = asker.post(f"/datasets/{shared.identifier}/access-requests", ASK)
    assert r.status_code == 201, r.content
    req = r.json()
    assert req["state"] == "submitted" and req["dataset"] == shared.identifier
    assert [c["code"] for c in req["conditions"]] == ["c1", "c2"]
    assert AuditRecord.objects.filter(action="datasets.access_requested").count() == 2

    manager = api_as("applicant", "en")
    waiting = manager.get("/access-requests", which="to_check").json()
    assert {x["id"] for x in waiting["items"]} == {req["id"], world["access_request"].pk}
    assert asker.get("/access-requests", which="to_check").json()["count"] == 0
    assert [x["id"] for x in asker.get("/access-requests").json()["items"]] == [req["id"]]

    r = manager.post(f"/access-requests/{req['id']}/decide", {"checks": {"c1": True, "c2": True}})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "approved" and r.json()["checks"] == {"c1": True, "c2": True}
    assert asker.get(f"/datasets/{shared.identifier}").json()["may_download"] is True

    again = manager.post(f"/access-requests/{req['id']}/decide", {"checks": {"c1": True}})
    assert again.status_code == 400
    assert again.json()["errors"] == [
        {"field": "state", "label": "state", "message": "This request is already decided."}
    ]


def test_an_unmet_condition_refuses_with_its_text(world, api_as):
    req = world["access_request"]
    r = api_as("applicant", "en").post(
        f"/access-requests/{req.pk}/decide", {"checks": {"c1": True, "c2": False}}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == "refused" and "第三者に再配布しないこと" in body["note"]
    seen = api_as("other_applicant").get(f"/datasets/{world['shared_dataset'].identifier}")
    assert seen.json()["may_download"] is False


def test_a_check_must_cover_every_condition(world, api_as):
    req = world["access_request"]
    r = api_as("applicant", "en").post(f"/access-requests/{req.pk}/decide", {"checks": {}})
    assert r.status_code == 400
    assert r.json()["errors"][0]["message"] == "Check every written condition, met or not."
    assert AccessRequest.objects.get(pk=req.pk).state == "submitted"


@pytest.mark.parametrize(
    "body, field, message",
    [
        (
            {**ASK, "accept_conditions": False},
            "accept_conditions",
            "Accept the written conditions of use to ask for the data.",
        ),
        ({**ASK, "purpose": "  "}, "purpose", "This field is required."),
    ],
)
def test_a_request_names_the_field_and_the_rule(world, api_as, body, field, message):
    r = api_as("ministry", "en").post(
        f"/datasets/{world['shared_dataset'].identifier}/access-requests", body
    )
    assert r.status_code == 400
    assert r.json()["detail"] == "The request breaks a rule."
    assert r.json()["errors"][0]["field"] == field
    assert r.json()["errors"][0]["message"] == message
    assert not AccessRequest.objects.filter(requester=world["users"]["ministry"]).exists()


def test_open_data_needs_no_request_and_the_answer_is_in_japanese_by_default(world, api_as):
    path = f"/datasets/{world['open_dataset'].identifier}/access-requests"
    en = api_as("reviewer", "en").post(path, ASK).json()
    assert en["errors"][0]["message"] == "The data is open: no request is needed."
    ja = api_as("reviewer").post(path, ASK).json()
    assert ja["errors"][0]["field"] == "dataset" and ja["errors"][0]["label"] == "データセット"
    assert ja["detail"] != en["detail"] and ja["errors"][0]["message"] != en["errors"][0]["message"]


def test_the_requester_withdraws_a_waiting_request_once(world, api_as):
    req = world["access_request"]
    api = api_as("other_applicant", "en")
    r = api.post(f"/access-requests/{req.pk}/withdraw")
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    r = api.post(f"/access-requests/{req.pk}/withdraw")
    assert r.status_code == 400
    assert r.json()["errors"][0]["message"] == "Only a waiting request is withdrawn."
    r = api_as("applicant", "en").post(f"/access-requests/{req.pk}/withdraw")
    assert r.status_code == 403
    assert r.json()["detail"] == "Only the requester withdraws a request."


def test_a_dataset_registered_then_published_once_it_has_a_file(world, api_as):
    api = api_as("applicant", "en")
    body = {
        "title_ja": "新しいデータ",
        "creators": [{"name": "研究 花子", "orcid": "0000-0002-1825-0097"}],
        "publisher": "試験株式会社",
        "subjects": ["材料", "顕微鏡"],
        "access_level": "shared",
        "licence": "LicenseRef-conditions",
        "conditions": [{"text_ja": "研究目的に限る", "text_en": "Research only"}],
    }
    r = api.post("/datasets", body)
    assert r.status_code == 201, r.content
    made = r.json()
    assert made["state"] == "draft" and made["identifier"].startswith("ds-")
    assert made["conditions"] == [
        {"code": "c1", "text_ja": "研究目的に限る", "text_en": "Research only"}
    ]
    assert made["identifier"] in ids(api, mine="true")
    assert made["identifier"] not in ids(api_as("other_applicant"))
    r = api.post(f"/datasets/{made['identifier']}/publish")
    assert r.status_code == 400
    assert r.json()["errors"] == [
        {"field": "files", "label": "files", "message": "Add at least one file before publishing."}
    ]
    assert Dataset.objects.get(identifier=made["identifier"]).state == "draft"

    r = api.post(f"/datasets/{world['draft_dataset'].identifier}/publish")
    assert r.status_code == 200 and r.json()["state"] == "published"
    assert world["draft_dataset"].identifier in ids(api_as("anonymous"))


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"conditions": []}, "conditions", "Shared data needs its conditions of use written down."),
        (
            {"access_level": "open"},
            "licence",
            "Open data (and embargoed data, which opens) needs an open licence.",
        ),
        ({"creators": [{"name": "x", "orcid": "123"}]}, "creators", None),
        ({"licence": "MIT"}, "licence", "Not one of the allowed values."),
    ],
)
def test_registering_refuses_with_the_field_and_the_rule(world, api_as, change, field, message):
    body = {
        "title_ja": "新しいデータ",
        "creators": [{"name": "研究 花子"}],
        "publisher": "試験株式会社",
        "access_level": "shared",
        "licence": "LicenseRef-conditions",
        "conditions": [{"text_ja": "研究目的に限る"}],
        **change,
    }
    before = Dataset.objects.count()
    r = api_as("applicant", "en").post("/datasets", body)
    assert r.status_code in (400, 422), r.content
    error = r.json()["errors"][0]
    assert error["field"] == field
    if message:
        assert error["message"] == message
    else:
        assert "ORCID" in error["message"]
    assert Dataset.objects.count() == before


def test_a_withdrawn_dataset_stays_as_a_tombstone(world, api_as):
    ident = world["open_dataset"].identifier
    r = api_as("agency", "en").post(f"/datasets/{ident}/withdraw", {"reason": "誤りがあった"})
    assert r.status_code == 200
    d = api_as("anonymous", "en").get(f"/datasets/{ident}").json()
    assert d["state"] == "withdrawn" and d["withdrawn_reason"] == "誤りがあった"
    assert d["may_download"] is False
    assert ident not in ids(api_as("anonymous"))
    r = api_as("other_applicant", "en").post(f"/datasets/{ident}/withdraw", {"reason": "x"})
    assert r.status_code == 403


def test_an_access_request_is_not_found_by_those_it_is_not_for(world, api_as):
    req = world["access_request"]
    assert api_as("reviewer").get(f"/access-requests/{req.pk}").status_code == 404
    assert api_as("applicant").get(f"/access-requests/{req.pk}").status_code == 200
    assert api_as("other_applicant").get("/access-requests/999999").status_code == 404
