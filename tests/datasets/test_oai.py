"""OAI-PMH 2.0 at /oai, harvested over HTTP with a real harvester (Sickle) against the running
server: the six verbs, 10,000 records through resumption tokens, from/until, sets, deleted
records, and every error code of the protocol."""

import datetime as dt
import time

import pytest
import requests
from lxml import etree
from sickle import Sickle
from sickle import oaiexceptions as oai_errors

from kikin.datasets import services
from kikin.datasets.models import Dataset

from .helpers import bulk_published, people, published

OAI = "{http://www.openarchives.org/OAI/2.0/}"
REPO = "kikin.example.jp"


@pytest.fixture
def harvester(live_server):
    return Sickle(f"{live_server.url}/oai", timeout=60)


def raw(live_server, **params):
    response = requests.get(f"{live_server.url}/oai", params=params, timeout=60)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/xml")
    return etree.fromstring(response.content)


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_ten_thousand_records_through_resumption_tokens(harvester, settings):
    settings.KIKIN_OAI_PAGE_SIZE = 500
    p = people()
    made = bulk_published(10_000, p.manager)
    draft = services.create_dataset(actor=p.manager, fields={**_draft_fields()})
    records = harvester.ListRecords(metadataPrefix="oai_dc")
    first_token = None
    identifiers = []
    for record in records:
        if first_token is None:
            first_token = records.resumption_token
        identifiers.append(record.header.identifier)
    assert len(identifiers) == 10_000 == len(set(identifiers))
    assert identifiers[0] == f"oai:{REPO}:{made[0].identifier}"
    assert identifiers[-1] == f"oai:{REPO}:{made[-1].identifier}"
    assert f"oai:{REPO}:{draft.identifier}" not in identifiers
    assert first_token.complete_list_size == "10000" and first_token.cursor == "0"
    assert first_token.expiration_date.endswith("Z")
    last = records.resumption_token
    assert last.token is None and last.cursor == "9500"
    # Titles and creators come through in Japanese.
    one = harvester.GetRecord(identifier=identifiers[7], metadataPrefix="oai_dc")
    assert one.metadata["title"][0] == "一括データセット7" and one.metadata["creator"] == [
        "研究 太郎"
    ]


def _draft_fields():
    from .helpers import fields

    return fields("open")


@pytest.mark.django_db(transaction=True)
def test_identify_formats_sets_and_get_record(harvester, live_server, settings):
    settings.KIKIN_DOI_MINTER = "local"
    settings.KIKIN_DOI_PREFIX = "10.99999"
    p = people()
    with_doi = published(p.manager, "shared", title_ja="共有データ")
    settings.KIKIN_DOI_MINTER = ""
    without = published(p.manager, "open", title_ja="公開データ")
    identify = harvester.Identify()
    assert identify.protocolVersion == "2.0" and identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.deletedRecord == "persistent" and identify.baseURL == f"{live_server.url}/oai"
    assert identify.earliestDatestamp.endswith("Z")
    prefixes = {f.metadataPrefix for f in harvester.ListMetadataFormats()}
    assert prefixes == {"oai_dc", "oai_datacite", "datacite", "jpcoar_2.0"}
    no_doi = {
        f.metadataPrefix
        for f in harvester.ListMetadataFormats(identifier=f"oai:{REPO}:{without.identifier}")
    }
    assert no_doi == {"oai_dc", "jpcoar_2.0"}
    sets = {s.setSpec for s in harvester.ListSets()}
    assert {"access", "access:open", "access:shared", "program", "program:post5g"} <= sets or (
        {"access", "access:open", "access:shared", "program"} <= sets
    )
    record = harvester.GetRecord(
        identifier=f"oai:{REPO}:{with_doi.identifier}", metadataPrefix="oai_datacite"
    )
    ns = {"d": "http://datacite.org/schema/kernel-4"}
    ident = record.xml.find(".//d:identifier", ns)
    assert (
        ident.text == with_doi.identifier.join(["10.99999/", ""])
        and ident.get("identifierType") == "DOI"
    )
    assert record.xml.find(".//d:resourceType", ns).get("resourceTypeGeneral") == "Dataset"
    rights = [r.get("rightsURI") for r in record.xml.findall(".//d:rights", ns)]
    assert "info:eu-repo/semantics/restrictedAccess" in rights
    jp = harvester.GetRecord(
        identifier=f"oai:{REPO}:{without.identifier}", metadataPrefix="jpcoar_2.0"
    )
    jns = {"dcterms": "http://purl.org/dc/terms/", "dc": "http://purl.org/dc/elements/1.1/"}
    access = jp.xml.find(".//dcterms:accessRights", jns)
    assert access.text == "open access"
    assert access.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource").endswith("c_abf2")
    assert jp.xml.find(".//dc:language", jns).text == "jpn"
    assert record.header.setSpecs == ["access:shared"]
    datacite_ids = [h.identifier for h in harvester.ListIdentifiers(metadataPrefix="datacite")]
    assert datacite_ids == [f"oai:{REPO}:{with_doi.identifier}"]


@pytest.mark.django_db(transaction=True)
def test_from_until_and_sets(harvester, live_server):
    p = people()
    start = dt.datetime(2026, 1, 10, 12, 0, 0, tzinfo=dt.UTC)
    made = bulk_published(30, p.manager, start=start, step_seconds=3600)  # one an hour

    def ids(**kw):
        return [h.identifier for h in harvester.ListIdentifiers(metadataPrefix="oai_dc", **kw)]

    # Day granularity: until is the whole day (12:00 to 23:00 on the 10th: 12 records).
    assert len(ids(**{"from": "2026-01-10", "until": "2026-01-10"})) == 12
    # Seconds granularity, both ends inclusive.
    got = ids(**{"from": "2026-01-10T14:00:00Z", "until": "2026-01-10T16:00:00Z"})
    assert got == [f"oai:{REPO}:{d.identifier}" for d in made[2:5]]
    assert ids(**{"from": "2026-01-11T17:00:00Z"}) == [f"oai:{REPO}:{made[-1].identifier}"]
    assert len(ids(set="access:open")) == 10 and len(ids(set="access:closed")) == 10
    assert len(ids(set="access")) == 30
    with pytest.raises(oai_errors.NoRecordsMatch):
        ids(**{"from": "2027-01-01"})


@pytest.mark.django_db(transaction=True)
def test_deleted_records_stay_as_headers(harvester, live_server):
    p = people()
    d = published(p.manager, "open")
    services.withdraw_dataset(actor=p.manager, dataset=d, reason="誤りがあった")
    headers = list(harvester.ListIdentifiers(metadataPrefix="oai_dc"))
    assert len(headers) == 1 and headers[0].deleted
    record = harvester.GetRecord(identifier=f"oai:{REPO}:{d.identifier}", metadataPrefix="oai_dc")
    assert record.deleted and record.xml.find(f"{OAI}metadata") is None
    root = raw(live_server, verb="ListMetadataFormats", identifier=f"oai:{REPO}:{d.identifier}")
    assert root.find(f"{OAI}error").get("code") == "noMetadataFormats"
    assert list(harvester.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=True)) == []


@pytest.mark.django_db(transaction=True)
def test_every_error_code(harvester, live_server, settings):
    p = people()
    settings.KIKIN_OAI_PAGE_SIZE = 2
    made = bulk_published(5, p.manager)
    # Sickle raises from its iterators; a bad verb is read from the response itself.
    for params in ({"verb": "Harvest"}, {}, {"verb": ["Identify", "Identify"]}):
        assert raw(live_server, **params).find(f"{OAI}error").get("code") == "badVerb"
    with pytest.raises(oai_errors.BadArgument):
        harvester.ListRecords(metadataPrefix="oai_dc", colour="blue").next()
    with pytest.raises(oai_errors.BadArgument):
        harvester.ListRecords().next()  # metadataPrefix missing
    with pytest.raises(oai_errors.BadArgument):
        harvester.ListRecords(metadataPrefix="oai_dc", **{"from": "2026-13-45"}).next()
    with pytest.raises(oai_errors.BadArgument):
        harvester.ListRecords(
            metadataPrefix="oai_dc", **{"from": "2026-01-01", "until": "2026-01-02T00:00:00Z"}
        ).next()
    with pytest.raises(oai_errors.BadArgument):
        harvester.ListRecords(
            metadataPrefix="oai_dc", **{"from": "2026-02-01", "until": "2026-01-01"}
        ).next()
    with pytest.raises(oai_errors.BadArgument):
        harvester.ListRecords(resumptionToken="x", metadataPrefix="oai_dc").next()
    with pytest.raises(oai_errors.BadArgument):
        harvester.ListRecords(metadataPrefix="oai_dc", set="nonsense").next()
    with pytest.raises(oai_errors.BadResumptionToken):
        harvester.ListRecords(resumptionToken="forged").next()
    with pytest.raises(oai_errors.CannotDisseminateFormat):
        harvester.ListRecords(metadataPrefix="marc21").next()
    with pytest.raises(oai_errors.CannotDisseminateFormat):
        harvester.GetRecord(
            identifier=f"oai:{REPO}:{made[0].identifier}", metadataPrefix="datacite"
        )
    with pytest.raises(oai_errors.IdDoesNotExist):
        harvester.GetRecord(identifier=f"oai:{REPO}:ds-99999999", metadataPrefix="oai_dc")
    with pytest.raises(oai_errors.IdDoesNotExist):
        harvester.GetRecord(identifier="oai:elsewhere.org:1", metadataPrefix="oai_dc")
    with pytest.raises(oai_errors.NoRecordsMatch):
        harvester.ListRecords(metadataPrefix="oai_dc", set="access:embargoed").next()
    # A token from one verb is no good for another, and a tampered one is refused.
    headers = harvester.ListIdentifiers(metadataPrefix="oai_dc")
    headers.next()
    token = headers.resumption_token.token
    with pytest.raises(oai_errors.BadResumptionToken):
        harvester.ListRecords(resumptionToken=token).next()
    with pytest.raises(oai_errors.BadResumptionToken):
        harvester.ListIdentifiers(resumptionToken=token[:-2] + "xx").next()
    # An expired token.
    settings.KIKIN_OAI_TOKEN_TTL = 0
    time.sleep(1.2)
    with pytest.raises(oai_errors.BadResumptionToken):
        harvester.ListIdentifiers(resumptionToken=token).next()
    settings.KIKIN_OAI_TOKEN_TTL = 3600
    # noSetHierarchy: a repository that turns sets off.
    settings.KIKIN_OAI_SETS = False
    with pytest.raises(oai_errors.NoSetHierarchy):
        harvester.ListSets().next()
    with pytest.raises(oai_errors.NoSetHierarchy):
        harvester.ListRecords(metadataPrefix="oai_dc", set="access:open").next()
    # The error responses echo no arguments for badVerb/badArgument, as the protocol says.
    root = raw(live_server, verb="ListRecords", bogus="1")
    assert root.find(f"{OAI}error").get("code") == "badArgument"
    assert root.find(f"{OAI}request").attrib == {}
    root = raw(live_server, verb="GetRecord", identifier="oai:x:y", metadataPrefix="oai_dc")
    assert root.find(f"{OAI}request").get("verb") == "GetRecord"


@pytest.mark.django_db(transaction=True)
def test_post_is_answered_like_get(live_server):
    p = people()
    published(p.manager, "open")
    response = requests.post(
        f"{live_server.url}/oai",
        data={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"},
        timeout=30,
    )
    root = etree.fromstring(response.content)
    assert len(root.findall(f".//{OAI}header")) == 1


@pytest.mark.django_db(transaction=True)
def test_xml_invalid_characters_never_break_the_response(harvester):
    p = people()
    d = published(p.manager, "open", title_ja="制御文字\x01\x0bを含む題名")
    record = harvester.GetRecord(identifier=f"oai:{REPO}:{d.identifier}", metadataPrefix="oai_dc")
    assert record.metadata["title"][0] == "制御文字を含む題名"
    assert Dataset.objects.get(pk=d.pk).title_ja.startswith("制御文字\x01")
