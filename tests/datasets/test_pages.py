"""The dataset pages for each kind of visitor: drafts answer 404 to others, schema.org JSON-LD on
each page, errors named by their label, the request and download flow, the access log, and a
constant number of queries per list."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kikin.datasets import services
from kikin.datasets.models import AccessEvent, Dataset, RequestState
from tests import factories as f
from tests.clients import BrowserLikeClient as Client

from .helpers import CONTENT, SHA, all_met, fields, people, published, request, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def p():
    return people()


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def json_ld(page: str) -> dict:
    m = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert m, "no JSON-LD on the page"
    return json.loads(m.group(1))


def test_a_dataset_page_carries_schema_org_dataset(p):
    d = published(p.manager, "open", title_ja="電子顕微鏡画像 </script><b>x</b>")
    page = client().get(f"/datasets/{d.identifier}/").content.decode()
    doc = json_ld(page)
    assert doc["@type"] == "Dataset" and doc["@context"] == "https://schema.org/"
    assert doc["name"] == "電子顕微鏡画像 </script><b>x</b>"  # escaped inside the script, whole
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert doc["creator"][0]["sameAs"] == "https://orcid.org/0000-0002-1825-0097"
    assert doc["distribution"][0]["contentUrl"].endswith(
        f"/datasets/{d.identifier}/files/{d.files.get().pk}/"
    )
    assert doc["isAccessibleForFree"] is True and doc["conditionsOfAccess"] == "open access"
    assert "</script><b>" not in page.split('application/ld+json">')[1].split("</script>")[0]


def test_shared_data_offers_no_download_link_in_its_json_ld(p):
    d = published(p.manager, "shared")
    doc = json_ld(client().get(f"/datasets/{d.identifier}/").content.decode())
    assert "distribution" not in doc and doc["conditionsOfAccess"] == "restricted access"


def test_a_draft_is_found_only_by_its_managers_and_the_staff(p):
    d = services.create_dataset(actor=p.manager, fields=fields("open"))
    url = f"/datasets/{d.identifier}/"
    assert client().get(url).status_code == 404
    assert client(p.user).get(url).status_code == 404
    assert client(p.colleague).get(url).status_code == 200
    assert client(p.agency).get(url).status_code == 200
    assert client(p.user).get(f"/datasets/{d.identifier}/edit/").status_code == 404
    assert d.title_ja not in client(p.user).get("/datasets/").content.decode()
    assert d.title_ja in client(p.colleague).get("/datasets/").content.decode()


def test_the_form_names_the_field_by_its_label_and_saves_nothing(p):
    c = client(p.manager)
    data = fields("embargoed", embargo_until="")
    data["conditions"] = ""
    data = {k: v for k, v in data.items() if v is not None}
    page = c.post("/datasets/new/", data).content.decode()
    assert "errorlist" in page and (
        "Embargoed until" in page or "公開日" in page or "エンバーゴ" in page
    )
    assert not Dataset.objects.exists()
    data["creators"] = ""
    page = c.post("/datasets/new/", data).content.decode()
    assert "errorlist" in page and not Dataset.objects.exists()


def test_register_upload_publish_through_the_pages(p):
    c = client(p.manager)
    data = {k: v for k, v in fields("open").items() if v}
    response = c.post("/datasets/new/", data)
    d = Dataset.objects.get()
    assert response.url == f"/datasets/{d.identifier}/"
    r = c.post(
        f"/datasets/{d.identifier}/files/", {"kind": "upload", "file": upload(), "sha256": "0" * 64}
    )
    assert r.status_code == 302 and not d.files.exists()  # refused: wrong checksum
    c.post(f"/datasets/{d.identifier}/files/", {"kind": "upload", "file": upload(), "sha256": SHA})
    assert d.files.get().sha256 == SHA
    c.post(f"/datasets/{d.identifier}/publish/")
    d.refresh_from_db()
    assert d.state == "published" and d.published_at
    assert (
        client(p.user).post(f"/datasets/{d.identifier}/withdraw/", {"reason": "x"}).status_code
        == 404
    )


def test_request_check_and_download_through_the_pages(p):
    d = published(p.manager, "shared")
    file = d.files.get()
    url = f"/datasets/{d.identifier}/files/{file.pk}/"
    anonymous = client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    user = client(p.user)
    assert user.get(url).status_code == 302  # back to the page, with the reason
    user.post(
        f"/datasets/{d.identifier}/request/",
        {
            "purpose": "研究",
            "accept_conditions": "on",
            "declares_compliance": "on",
            "declares_no_foreign_influence": "on",
        },
    )
    req = d.requests.get()
    manager = client(p.manager)
    assert "decide-form" in manager.get(f"/datasets/requests/{req.pk}/").content.decode()
    assert "decide-form" not in user.get(f"/datasets/requests/{req.pk}/").content.decode()
    assert client(f.applicant()).get(f"/datasets/requests/{req.pk}/").status_code == 404
    manager.post(f"/datasets/requests/{req.pk}/", {"check_c1": "met", "check_c2": "met"})
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED
    response = user.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == CONTENT
    assert "attachment" in response["Content-Disposition"] and response["Digest"].startswith(
        "sha-256="
    )
    log = manager.get(f"/datasets/{d.identifier}/log/").content.decode()
    assert "access-log" in log and str(p.user) in log
    assert client(p.user).get(f"/datasets/{d.identifier}/log/").status_code == 404
    assert client(p.agency).get(f"/datasets/{d.identifier}/log/").status_code == 200
    assert AccessEvent.objects.filter(kind="downloaded", user=p.user).count() == 1


def test_a_request_form_without_declarations_is_refused_with_the_reason(p):
    d = published(p.manager, "shared")
    user = client(p.user)
    response = user.post(
        f"/datasets/{d.identifier}/request/", {"purpose": "研究", "accept_conditions": "on"}
    )
    req = d.requests.get()
    assert req.state == RequestState.REFUSED
    page = user.get(response.url).content.decode()
    assert "request-note" in page


def test_staff_pages_answer_404_to_others(p):
    for url in ("/datasets/excluded/", "/datasets/integrity/"):
        assert client(p.user).get(url).status_code == 404
        assert client(p.agency).get(url).status_code == 200
    c = client(p.ministry)
    c.post("/datasets/excluded/", {"organisation": p.user.organisation_id, "reason": "規範違反"})
    assert services.is_on_register(p.user)


def _count(user, url) -> int:
    c = client(user)
    c.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(url).status_code == 200
    return len(ctx)


def test_the_list_costs_the_same_with_one_or_many_datasets(p):
    published(p.manager, "open")
    one = _count(p.user, "/datasets/")
    for level in ("open", "shared", "closed", "embargoed"):
        published(p.manager, level)
    assert _count(p.user, "/datasets/") == one


def test_the_dataset_page_costs_the_same_with_more_requests(p):
    d = published(p.manager, "shared")
    url = f"/datasets/{d.identifier}/"
    one = _count(p.manager, url)
    for _ in range(3):
        services.decide_access_request(
            actor=p.manager, request=request(d, f.applicant()), checks=all_met(d)
        )
    assert _count(p.manager, url) == one
