"""Public data: schema.org JSON-LD on the public pages, the Atom feed of calls, public lists as
CSV."""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kikin.calls.models import Call
from kikin.review import services as review
from tests import factories as f

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def jsonld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(b) for b in blocks]


def published(plan, title):
    p, _applicant, _ministry, agency = f.adopted(plan, title=title)
    review.issue_notices(actor=agency, call=p.call)
    review.publish_adoptions(actor=agency, call=p.call)
    p.refresh_from_db()
    return p


def test_adoptions_page_describes_each_adoption_as_a_monetary_grant(client, plan):
    p = published(plan, "</script><script>alert(1)</script> 光伝送の高度化")
    unpublished = f.adopted(plan, title="未公表の課題")[0]
    html = client.get(reverse("public_adoptions")).content.decode()
    assert "<script>alert(1)" not in html  # the title cannot close the JSON-LD block
    (doc,) = jsonld(html)
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "ItemList"
    assert doc["numberOfItems"] == 1
    grant = doc["itemListElement"][0]["item"]
    assert grant["@type"] == "MonetaryGrant"
    assert grant["name"] == p.title and grant["identifier"] == p.receipt_number
    assert grant["amount"] == {
        "@type": "MonetaryAmount",
        "currency": "JPY",
        "value": sum(b.requested_yen for b in p.budget_lines.all()),
        "description": grant["amount"]["description"],
    }
    assert isinstance(grant["amount"]["value"], int)
    assert grant["funder"]["@type"] == "GovernmentOrganization"
    assert grant["fundedItem"]["parentOrganization"]["name"] == p.organisation.name_ja
    assert grant["isPartOf"]["@type"] == "Grant"
    assert grant["url"].endswith(f"#{p.receipt_number}") and f'id="{p.receipt_number}"' in html
    assert unpublished.title not in json.dumps(doc, ensure_ascii=False)


def test_the_adoptions_page_costs_the_same_queries_for_one_or_three(client, plan):
    published(plan, "一件目")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("public_adoptions"))
    published(plan, "二件目")
    published(plan, "三件目")
    with CaptureQueriesContext(connection) as three:
        html = client.get(reverse("public_adoptions")).content.decode()
    assert jsonld(html)[0]["numberOfItems"] == 3
    assert len(three) == len(one)


def test_targets_page_describes_each_program_with_its_targets(client, plan):
    html = client.get(reverse("targets:public")).content.decode()
    (doc,) = jsonld(html)
    grants = doc["@graph"]
    assert {g["identifier"] for g in grants} >= {"post5g"}
    post5g = next(g for g in grants if g["identifier"] == "post5g")
    assert post5g["@type"] == "MonetaryGrant"
    names = [p["name"] for p in post5g["additionalProperty"]]
    assert any("target achievement" in n for n in names)
    targets = {
        p["name"]: p["valueReference"]["value"]
        for p in post5g["additionalProperty"]
        if "valueReference" in p
    }
    assert sorted(targets.values()) == [50, 80]


def test_the_atom_feed_lists_the_calls(client, plan):
    call = f.open_call(plan, themes=("1-a1", "1-g3"), key="feed-test", budget_yen=7_000_000_000)
    r = client.get(reverse("publish:calls_feed"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == min(Call.objects.count(), 100)
    ours = next(e for e in entries if e.find(f"{ATOM}id").text.endswith("/feed-test"))
    assert ours.find(f"{ATOM}title").text == "試験公募"
    assert ours.find(f"{ATOM}link").get("href").endswith(f"/calls/{call.pk}/")
    assert {c.get("term") for c in ours.findall(f"{ATOM}category")} == {"1-a1", "1-g3"}
    summary = ours.find(f"{ATOM}summary").text
    assert "7,000,000,000" in summary and "JST" in summary
    # every page advertises it
    home = client.get(reverse("calls:list")).content.decode()
    assert 'type="application/atom+xml"' in home


def rows_of(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_public_lists_download_as_csv_for_anyone(client, plan):
    f.open_call(plan, themes=("1-a1",), key="csv-test", budget_yen=1_234_567_891)
    r = client.get(reverse("calls:list"), {"format": "csv"})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    rows = rows_of(r)
    assert rows[0][:3] == ["事業", "公募キー", "公募"]
    body = rows[1:]
    assert len(body) == Call.objects.count()
    ours = next(row for row in body if "csv-test" in row)
    assert "1234567891" in ours  # exact yen
    r = client.get(reverse("targets:public"), {"format": "csv"})
    assert r.status_code == 200
    rows = rows_of(r)
    assert len(rows) > 1 and any("post5g" in row for row in rows[1:])
    assert client.get(reverse("calls:list"), {"format": "pdf"}).status_code == 400
    html = client.get(reverse("targets:public")).content.decode()
    assert "format=csv" in html
