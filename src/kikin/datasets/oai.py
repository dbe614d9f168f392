"""OAI-PMH 2.0 data provider (https://www.openarchives.org/OAI/openarchivesprotocol.html).

All six verbs (Identify, ListMetadataFormats, ListSets, ListIdentifiers, ListRecords,
GetRecord) over GET and POST; every error code of the protocol (badArgument,
badResumptionToken, badVerb, cannotDisseminateFormat, idDoesNotExist, noRecordsMatch,
noMetadataFormats, noSetHierarchy); UTC datestamps at seconds granularity with ``from`` /
``until`` at either granularity; deleted records kept (``deletedRecord`` persistent: a withdrawn
dataset is a header with ``status="deleted"``, and has no metadata formats any more).

Metadata formats: ``oai_dc``; ``oai_datacite`` (DataCite's OAI wrapper around a kernel-4
resource) and ``datacite`` (the bare kernel-4 resource), both only for datasets with a DOI, since
the kernel's identifier is a DOI; ``jpcoar_2.0`` (JPCOAR schema 2.0, for Japanese institutional
repositories and IRDB).

Sets: ``access`` with ``access:open``, ``access:shared``, ``access:closed``, ``access:embargoed``
(the level as declared), and ``program`` with ``program:<code>`` (KIKIN_OAI_SETS = False turns
sets off, and ListSets then answers noSetHierarchy).

Lists come in pages of KIKIN_OAI_PAGE_SIZE records in primary-key order (keyset paging: each
page is one index range scan, however deep). A resumption token is the signed (HMAC) state of
the list: verb, format, set, from, until, the last key sent, the cursor and the complete list
size, issued at a time; it expires after KIKIN_OAI_TOKEN_TTL seconds (the expirationDate it
carries), and a token tampered with, expired or used with another verb is a badResumptionToken.
The response is written record by record with lxml's incremental writer and streamed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO

from django.core import signing
from django.db.models import Min, Q
from django.utils import timezone
from lxml import etree

from kikin.programs.models import Program

from . import conf
from .metadata import ISO639_3, RECORD_FIELDS, DatasetRecord, record_from_row
from .models import AccessLevel, Dataset, DatasetState

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
DATACITE = "http://datacite.org/schema/kernel-4"
OAI_DATACITE = "http://schema.datacite.org/oai/oai-1.1/"
JPCOAR = "https://github.com/JPCOAR/schema/blob/master/2.0/"
JPCOAR_DATACITE = "https://schema.datacite.org/meta/kernel-4/"
OAIRE = "http://namespace.openaire.eu/schema/oaire/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"

GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
VERBS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), set()),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}),
}
LIST_VERBS = {"ListIdentifiers", "ListRecords", "ListSets"}
TOKEN_SALT = "kikin.datasets.oai"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# Characters XML 1.0 does not allow (C0 controls but tab, line feed, carriage return).
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class OAIError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _t(text) -> str:
    text = str(text)
    return _XML_INVALID.sub("", text) if _XML_INVALID.search(text) else text


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# Metadata writers: each appends the metadata of one record to a <metadata> element.


def _sub(parent, tag, text=None, **attrib):
    el = etree.SubElement(parent, tag, attrib) if attrib else etree.SubElement(parent, tag)
    if text is not None:
        el.text = _t(text)
    return el


def write_oai_dc(parent, r: DatasetRecord) -> None:
    root = etree.SubElement(
        parent,
        f"{{{OAI_DC}}}dc",
        {f"{{{XSI}}}schemaLocation": f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"},
        nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI},
    )
    for lang, title in r.titles:
        _sub(root, f"{{{DC}}}title", title, **{XML_LANG: lang})
    for c in r.creators:
        _sub(root, f"{{{DC}}}creator", c["name"])
    for s in r.subjects:
        _sub(root, f"{{{DC}}}subject", s)
    for lang, d in r.descriptions:
        _sub(root, f"{{{DC}}}description", d, **{XML_LANG: lang})
    _sub(root, f"{{{DC}}}publisher", r.publisher)
    if r.published_at:
        _sub(root, f"{{{DC}}}date", r.published_at.date().isoformat())
    _sub(root, f"{{{DC}}}type", "Dataset")
    if r.doi:
        _sub(root, f"{{{DC}}}identifier", r.doi_url)
    _sub(root, f"{{{DC}}}identifier", r.landing_page)
    _sub(root, f"{{{DC}}}language", r.language)
    _sub(root, f"{{{DC}}}rights", r.coar_access[1])
    _sub(root, f"{{{DC}}}rights", r.rights_uri or r.rights)


def _datacite_resource(parent, r: DatasetRecord, *, schema_location: bool):
    attrib = (
        {
            f"{{{XSI}}}schemaLocation": f"{DATACITE} http://schema.datacite.org/meta/kernel-4.5/metadata.xsd"
        }
        if schema_location
        else {}
    )
    res = etree.SubElement(
        parent, f"{{{DATACITE}}}resource", attrib, nsmap={None: DATACITE, "xsi": XSI}
    )
    d = f"{{{DATACITE}}}"
    _sub(res, d + "identifier", r.doi, identifierType="DOI")
    creators = _sub(res, d + "creators")
    for c in r.creators:
        creator = _sub(creators, d + "creator")
        _sub(creator, d + "creatorName", c["name"], nameType="Personal")
        if c["orcid"]:
            _sub(
                creator,
                d + "nameIdentifier",
                f"https://orcid.org/{c['orcid']}",
                nameIdentifierScheme="ORCID",
                schemeURI="https://orcid.org",
            )
        if c["affiliation"]:
            _sub(creator, d + "affiliation", c["affiliation"])
    titles = _sub(res, d + "titles")
    for i, (lang, title) in enumerate(r.titles):
        if i:
            _sub(titles, d + "title", title, **{XML_LANG: lang, "titleType": "TranslatedTitle"})
        else:
            _sub(titles, d + "title", title, **{XML_LANG: lang})
    _sub(res, d + "publisher", r.publisher)
    _sub(res, d + "publicationYear", str(r.publication_year or r.modified_at.year))
    _sub(res, d + "resourceType", r.resource_type, resourceTypeGeneral="Dataset")
    if r.subjects:
        subjects = _sub(res, d + "subjects")
        for s in r.subjects:
            _sub(subjects, d + "subject", s)
    dates = _sub(res, d + "dates")
    if r.published_at:
        _sub(dates, d + "date", r.published_at.date().isoformat(), dateType="Issued")
    if r.access_level == AccessLevel.EMBARGOED and r.embargo_until:
        _sub(dates, d + "date", r.embargo_until.isoformat(), dateType="Available")
    _sub(dates, d + "date", r.modified_at.date().isoformat(), dateType="Updated")
    _sub(res, d + "language", r.language)
    alternates = _sub(res, d + "alternateIdentifiers")
    _sub(alternates, d + "alternateIdentifier", r.landing_page, alternateIdentifierType="URL")
    if r.size_bytes:
        sizes = _sub(res, d + "sizes")
        _sub(sizes, d + "size", f"{r.size_bytes} bytes")
    if r.version:
        _sub(res, d + "version", r.version)
    rights = _sub(res, d + "rightsList")
    from .metadata import EU_REPO_ACCESS

    _sub(rights, d + "rights", r.coar_access[1], rightsURI=EU_REPO_ACCESS[r.access_level])
    if r.rights_uri:
        _sub(rights, d + "rights", r.rights, rightsURI=r.rights_uri, rightsIdentifier=r.licence)
    else:
        _sub(rights, d + "rights", r.rights)
    if r.descriptions:
        descriptions = _sub(res, d + "descriptions")
        for lang, text in r.descriptions:
            _sub(
                descriptions,
                d + "description",
                text,
                **{XML_LANG: lang, "descriptionType": "Abstract"},
            )
    if r.award_number:
        funding = _sub(_sub(res, d + "fundingReferences"), d + "fundingReference")
        _sub(funding, d + "funderName", r.funder)
        _sub(funding, d + "awardNumber", r.award_number)
        if r.award_title:
            _sub(funding, d + "awardTitle", r.award_title)
    return res


def write_datacite(parent, r: DatasetRecord) -> None:
    _datacite_resource(parent, r, schema_location=True)


def write_oai_datacite(parent, r: DatasetRecord) -> None:
    root = etree.SubElement(
        parent,
        f"{{{OAI_DATACITE}}}oai_datacite",
        {
            f"{{{XSI}}}schemaLocation": f"{OAI_DATACITE} http://schema.datacite.org/oai/oai-1.1/oai.xsd"
        },
        nsmap={None: OAI_DATACITE, "xsi": XSI},
    )
    _sub(root, f"{{{OAI_DATACITE}}}schemaVersion", "4.5")
    _sub(root, f"{{{OAI_DATACITE}}}datacentreSymbol", conf.oai_repository_identifier())
    payload = _sub(root, f"{{{OAI_DATACITE}}}payload")
    _datacite_resource(payload, r, schema_location=True)


def write_jpcoar(parent, r: DatasetRecord) -> None:
    j, dc, dct, dcite = f"{{{JPCOAR}}}", f"{{{DC}}}", f"{{{DCTERMS}}}", f"{{{JPCOAR_DATACITE}}}"
    root = etree.SubElement(
        parent,
        j + "jpcoar",
        {f"{{{XSI}}}schemaLocation": f"{JPCOAR} {JPCOAR}jpcoar_scm.xsd"},
        nsmap={
            "jpcoar": JPCOAR,
            "dc": DC,
            "dcterms": DCTERMS,
            "datacite": JPCOAR_DATACITE,
            "oaire": OAIRE,
            "rdf": RDF,
            "xsi": XSI,
        },
    )
    for lang, title in r.titles:
        _sub(root, dc + "title", title, **{XML_LANG: lang})
    for c in r.creators:
        creator = _sub(root, j + "creator")
        if c["orcid"]:
            _sub(
                creator,
                j + "nameIdentifier",
                c["orcid"],
                nameIdentifierScheme="ORCID",
                nameIdentifierURI=f"https://orcid.org/{c['orcid']}",
            )
        _sub(creator, j + "creatorName", c["name"], **{XML_LANG: "ja"})
        if c["name_en"]:
            _sub(creator, j + "creatorName", c["name_en"], **{XML_LANG: "en"})
        if c["affiliation"]:
            _sub(_sub(creator, j + "affiliation"), j + "affiliationName", c["affiliation"])
    uri, label = r.coar_access
    _sub(root, dct + "accessRights", label, **{f"{{{RDF}}}resource": uri})
    if r.rights_uri:
        _sub(root, dc + "rights", r.rights, **{f"{{{RDF}}}resource": r.rights_uri})
    else:
        _sub(root, dc + "rights", r.rights)
    for s in r.subjects:
        _sub(root, j + "subject", s, subjectScheme="Other")
    for lang, text in r.descriptions:
        _sub(root, dcite + "description", text, **{XML_LANG: lang, "descriptionType": "Abstract"})
    _sub(root, dc + "publisher", r.publisher, **{XML_LANG: "ja"})
    if r.published_at:
        _sub(root, dcite + "date", r.published_at.date().isoformat(), dateType="Issued")
    if r.access_level == AccessLevel.EMBARGOED and r.embargo_until:
        _sub(root, dcite + "date", r.embargo_until.isoformat(), dateType="Available")
    _sub(root, dc + "language", ISO639_3.get(r.language, r.language))
    _sub(
        root,
        dc + "type",
        "dataset",
        **{f"{{{RDF}}}resource": "http://purl.org/coar/resource_type/c_ddb1"},
    )
    if r.version:
        _sub(root, dcite + "version", r.version)
    if r.doi:
        _sub(root, j + "identifier", r.doi_url, identifierType="DOI")
    _sub(root, j + "identifier", r.landing_page, identifierType="URI")
    if r.award_number:
        funding = _sub(root, j + "fundingReference")
        _sub(funding, j + "funderName", r.funder, **{XML_LANG: "en"})
        _sub(funding, j + "awardNumber", r.award_number)
        if r.award_title:
            _sub(funding, j + "awardTitle", r.award_title, **{XML_LANG: "ja"})
    if r.size_bytes:
        _sub(_sub(root, j + "file"), j + "extent", f"{r.size_bytes} bytes")


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str
    write: Callable
    needs_doi: bool = False

    def available(self, r: DatasetRecord) -> bool:
        return not self.needs_doi or bool(r.doi)


FORMATS = {
    f.prefix: f
    for f in (
        MetadataFormat(
            "oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC, write_oai_dc
        ),
        MetadataFormat(
            "oai_datacite",
            "http://schema.datacite.org/oai/oai-1.1/oai.xsd",
            OAI_DATACITE,
            write_oai_datacite,
            needs_doi=True,
        ),
        MetadataFormat(
            "datacite",
            "http://schema.datacite.org/meta/kernel-4.5/metadata.xsd",
            DATACITE,
            write_datacite,
            needs_doi=True,
        ),
        MetadataFormat("jpcoar_2.0", f"{JPCOAR}jpcoar_scm.xsd", JPCOAR, write_jpcoar),
    )
}


# ---------------------------------------------------------------------------------------------
# Requests


@dataclass(frozen=True)
class ListState:
    verb: str
    prefix: str
    set_spec: str
    from_: dt.datetime | None
    until: dt.datetime | None
    after: int
    cursor: int
    size: int | None


def _parse_datestamp(value: str, name: str, *, until: bool) -> tuple[dt.datetime, str]:
    """A from/until argument → (UTC bound, granularity). `until` at day granularity is the end
    of that day; every bound is inclusive."""
    if _DAY.match(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise OAIError("badArgument", f"{name}: {value} is not a date") from None
        start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        return (start + dt.timedelta(days=1) if until else start), "day"
    if _SECOND.match(value):
        try:
            moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            raise OAIError("badArgument", f"{name}: {value} is not a UTC datestamp") from None
        return (moment + dt.timedelta(seconds=1) if until else moment), "seconds"
    raise OAIError(
        "badArgument", f"{name}: {value!r} is neither YYYY-MM-DD nor YYYY-MM-DDThh:mm:ssZ"
    )


def parse_request(params: dict[str, list[str]]) -> tuple[str, dict[str, str]]:
    """(verb, arguments) of a request, or OAIError(badVerb / badArgument)."""
    verbs = params.get("verb", [])
    if len(verbs) != 1:
        raise OAIError(
            "badVerb", "The verb argument is missing." if not verbs else "The verb is repeated."
        )
    verb = verbs[0]
    if verb not in VERBS:
        raise OAIError("badVerb", f"{verb!r} is not an OAI-PMH verb.")
    args = {}
    for key, values in params.items():
        if key == "verb":
            continue
        if len(values) != 1:
            raise OAIError("badArgument", f"The argument {key} is repeated.")
        args[key] = values[0]
    required, optional = VERBS[verb]
    allowed = required | optional | ({"resumptionToken"} if verb in LIST_VERBS else set())
    illegal = sorted(set(args) - allowed)
    if illegal:
        raise OAIError("badArgument", f"{verb} does not take the argument {illegal[0]}.")
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OAIError("badArgument", "resumptionToken is an exclusive argument.")
        return verb, args
    missing = sorted(required - set(args))
    if missing:
        raise OAIError("badArgument", f"{verb} needs the argument {missing[0]}.")
    return verb, args


def _token(state: ListState) -> str:
    return signing.dumps(
        {
            "v": state.verb,
            "p": state.prefix,
            "s": state.set_spec,
            "f": state.from_.isoformat() if state.from_ else None,
            "u": state.until.isoformat() if state.until else None,
            "a": state.after,
            "c": state.cursor,
            "n": state.size,
        },
        salt=TOKEN_SALT,
        compress=True,
    )


def _from_token(verb: str, token: str) -> ListState:
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=conf.oai_token_ttl_seconds())
    except signing.SignatureExpired:
        raise OAIError("badResumptionToken", "The resumption token has expired.") from None
    except signing.BadSignature:
        raise OAIError("badResumptionToken", "The resumption token is not valid.") from None
    if not isinstance(data, dict) or data.get("v") != verb:
        raise OAIError("badResumptionToken", "The resumption token belongs to another verb.")
    return ListState(
        verb=verb,
        prefix=data["p"],
        set_spec=data["s"],
        from_=dt.datetime.fromisoformat(data["f"]) if data["f"] else None,
        until=dt.datetime.fromisoformat(data["u"]) if data["u"] else None,
        after=int(data["a"]),
        cursor=int(data["c"]),
        size=data["n"],
    )


def earliest_datestamp() -> dt.datetime:
    first = Dataset.objects.filter(
        state__in=[DatasetState.PUBLISHED, DatasetState.WITHDRAWN]
    ).aggregate(m=Min("modified_at"))["m"]
    return first or dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _harvestable():
    return Dataset.objects.filter(state__in=[DatasetState.PUBLISHED, DatasetState.WITHDRAWN])


def _set_filter(set_spec: str) -> Q:
    if not set_spec:
        return Q()
    if not conf.oai_sets_enabled():
        raise OAIError("noSetHierarchy", "This repository does not support sets.")
    kind, _sep, value = set_spec.partition(":")
    if kind == "access" and not value:
        return Q()
    if kind == "access" and value in AccessLevel.values:
        return Q(access_level=value)
    if kind == "program" and not value:
        return Q(program__isnull=False)
    if kind == "program" and value:
        return Q(program__code=value)
    raise OAIError("badArgument", f"set: {set_spec!r} is not a set of this repository.")


def _list_queryset(state: ListState):
    qs = _harvestable().filter(_set_filter(state.set_spec))
    if FORMATS[state.prefix].needs_doi:
        qs = qs.exclude(doi="")
    if state.from_:
        qs = qs.filter(modified_at__gte=state.from_)
    if state.until:
        qs = qs.filter(modified_at__lt=state.until)
    return qs


def _new_list_state(verb: str, args: dict[str, str]) -> ListState:
    prefix = args["metadataPrefix"]
    if prefix not in FORMATS:
        raise OAIError("cannotDisseminateFormat", f"{prefix!r} is not a metadata format here.")
    from_ = until = None
    granularities = set()
    if "from" in args:
        from_, g = _parse_datestamp(args["from"], "from", until=False)
        granularities.add(g)
    if "until" in args:
        until, g = _parse_datestamp(args["until"], "until", until=True)
        granularities.add(g)
    if len(granularities) > 1:
        raise OAIError("badArgument", "from and until must have the same granularity.")
    if from_ and until and from_ >= until:
        raise OAIError("badArgument", "from is later than until.")
    return ListState(verb, prefix, args.get("set", ""), from_, until, 0, 0, None)


# ---------------------------------------------------------------------------------------------
# Responses


class _Sink:
    """A file-like object lxml writes to; `take()` hands over what was written since."""

    def __init__(self):
        self.buffer = BytesIO()

    def write(self, data: bytes) -> None:
        self.buffer.write(data)

    def take(self) -> bytes:
        data = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return data


def _oai(tag: str, attrib: dict | None = None, text: str | None = None):
    """An element of the OAI namespace written on its own (declaring the namespace as the
    default, so that no prefix is invented for it)."""
    el = etree.Element(f"{{{OAI}}}{tag}", attrib or {}, nsmap={None: OAI})
    if text is not None:
        el.text = _t(text)
    return el


def _header(r: DatasetRecord, sets: bool):
    header = _oai("header", {"status": "deleted"} if r.deleted else None)
    _sub(header, f"{{{OAI}}}identifier", r.oai_identifier)
    _sub(header, f"{{{OAI}}}datestamp", r.datestamp)
    if sets:
        for s in r.sets:
            _sub(header, f"{{{OAI}}}setSpec", s)
    return header


def _record_element(r: DatasetRecord, fmt: MetadataFormat, sets: bool):
    record = _oai("record")
    record.append(_header(r, sets))
    if not r.deleted:
        fmt.write(_sub(record, f"{{{OAI}}}metadata"), r)
    return record


def _rows(qs, limit: int | None = None):
    rows = qs.order_by("pk").values(*RECORD_FIELDS)
    base_url, repository = conf.public_base_url(), conf.oai_repository_identifier()
    return [
        record_from_row(row, base_url=base_url, repository=repository)
        for row in (rows[:limit] if limit else rows)
    ]


def _local_id(oai_identifier: str) -> str:
    prefix = f"oai:{conf.oai_repository_identifier()}:"
    if not oai_identifier.startswith(prefix):
        raise OAIError(
            "idDoesNotExist", f"{oai_identifier!r} is not an identifier of this repository."
        )
    return oai_identifier[len(prefix) :]


def _one(identifier: str) -> DatasetRecord:
    found = _rows(_harvestable().filter(identifier=_local_id(identifier)), 1)
    if not found:
        raise OAIError("idDoesNotExist", f"{identifier!r} is not an identifier of this repository.")
    return found[0]


class Response:
    """One OAI-PMH response: prepared (the database read, errors decided) on construction, then
    streamed by iterating."""

    def __init__(self, params: dict[str, list[str]], base_url: str):
        self.base_url = base_url
        self.now = timezone.now()
        self.verb = ""
        self.args: dict[str, str] = {}
        self.error: OAIError | None = None
        self.echo_arguments = True
        try:
            self.verb, self.args = parse_request(params)
            self.body = getattr(self, f"_prepare_{self.verb}")()
        except OAIError as exc:
            self.error = exc
            if exc.code in {"badVerb", "badArgument"}:
                self.echo_arguments = False

    # -- preparation: read what is needed, raise OAIError where the protocol says so ----------

    def _prepare_Identify(self):
        earliest = earliest_datestamp()

        def body(root):
            o = f"{{{OAI}}}"
            el = _sub(root, o + "Identify")
            _sub(el, o + "repositoryName", conf.oai_repository_name())
            _sub(el, o + "baseURL", self.base_url)
            _sub(el, o + "protocolVersion", "2.0")
            _sub(el, o + "adminEmail", conf.oai_admin_email())
            _sub(el, o + "earliestDatestamp", utc(earliest))
            _sub(el, o + "deletedRecord", "persistent")
            _sub(el, o + "granularity", GRANULARITY)
            description = _sub(el, o + "description")
            ident = etree.SubElement(
                description,
                f"{{{OAI_IDENTIFIER}}}oai-identifier",
                {
                    f"{{{XSI}}}schemaLocation": f"{OAI_IDENTIFIER} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
                },
                nsmap={None: OAI_IDENTIFIER},
            )
            _sub(ident, f"{{{OAI_IDENTIFIER}}}scheme", "oai")
            _sub(
                ident, f"{{{OAI_IDENTIFIER}}}repositoryIdentifier", conf.oai_repository_identifier()
            )
            _sub(ident, f"{{{OAI_IDENTIFIER}}}delimiter", ":")
            _sub(
                ident,
                f"{{{OAI_IDENTIFIER}}}sampleIdentifier",
                f"oai:{conf.oai_repository_identifier()}:ds-00000001",
            )
            yield el

        return body

    def _prepare_ListMetadataFormats(self):
        formats = list(FORMATS.values())
        if "identifier" in self.args:
            r = _one(self.args["identifier"])
            if r.deleted:
                raise OAIError(
                    "noMetadataFormats",
                    "The item was withdrawn: no metadata of it is disseminated any more.",
                )
            formats = [f for f in formats if f.available(r)]

        def body(root):
            o = f"{{{OAI}}}"
            el = _sub(root, o + "ListMetadataFormats")
            for f in formats:
                mf = _sub(el, o + "metadataFormat")
                _sub(mf, o + "metadataPrefix", f.prefix)
                _sub(mf, o + "schema", f.schema)
                _sub(mf, o + "metadataNamespace", f.namespace)
            yield el

        return body

    def _prepare_ListSets(self):
        if "resumptionToken" in self.args:
            # Every set fits in one response: no list of sets is ever continued.
            _from_token("ListSets", self.args["resumptionToken"])
            raise OAIError("badResumptionToken", "The list of sets is never continued.")
        if not conf.oai_sets_enabled():
            raise OAIError("noSetHierarchy", "This repository does not support sets.")
        sets = [("access", "公開範囲 / Access level")]
        sets += [(f"access:{value}", f"{label} ({value})") for value, label in AccessLevel.choices]
        sets.append(("program", "事業 / Program"))
        sets += [
            (f"program:{code}", f"{ja} / {en}")
            for code, ja, en in Program.objects.order_by("code").values_list(
                "code", "title_ja", "title_en"
            )
        ]

        def body(root):
            o = f"{{{OAI}}}"
            el = _sub(root, o + "ListSets")
            for spec, name in sets:
                s = _sub(el, o + "set")
                _sub(s, o + "setSpec", spec)
                _sub(s, o + "setName", name)
            yield el

        return body

    def _prepare_GetRecord(self):
        prefix = self.args["metadataPrefix"]
        if prefix not in FORMATS:
            raise OAIError("cannotDisseminateFormat", f"{prefix!r} is not a metadata format here.")
        r = _one(self.args["identifier"])
        fmt = FORMATS[prefix]
        if not r.deleted and not fmt.available(r):
            raise OAIError(
                "cannotDisseminateFormat",
                f"{prefix} needs a DOI, which this dataset does not have.",
            )

        def body(root):
            el = _sub(root, f"{{{OAI}}}GetRecord")
            el.append(_record_element(r, fmt, conf.oai_sets_enabled()))
            yield el

        return body

    def _prepare_list(self):
        if "resumptionToken" in self.args:
            state = _from_token(self.verb, self.args["resumptionToken"])
        else:
            state = _new_list_state(self.verb, self.args)
        qs = _list_queryset(state)
        page_size = conf.oai_page_size()
        size = state.size
        if size is None:
            size = qs.count()
        rows = _rows(qs.filter(pk__gt=state.after), page_size + 1)
        if not rows and state.cursor == 0:
            raise OAIError("noRecordsMatch", "No record matches the arguments.")
        more = len(rows) > page_size
        rows = rows[:page_size]
        next_state = None
        if more:
            next_state = ListState(
                state.verb,
                state.prefix,
                state.set_spec,
                state.from_,
                state.until,
                rows[-1].pk,
                state.cursor + len(rows),
                size,
            )
        fmt = FORMATS[state.prefix]
        full = self.verb == "ListRecords"
        now = self.now
        sets = conf.oai_sets_enabled()

        def body(root, sink: _Sink, xf):
            o = f"{{{OAI}}}"
            with xf.element(o + self.verb):
                for r in rows:
                    xf.write(_record_element(r, fmt, sets) if full else _header(r, sets))
                    yield None
                attrib = {"completeListSize": str(size), "cursor": str(state.cursor)}
                if next_state is not None:
                    expires = now + dt.timedelta(seconds=conf.oai_token_ttl_seconds())
                    attrib["expirationDate"] = utc(expires)
                    xf.write(_oai("resumptionToken", attrib, _token(next_state)))
                elif state.cursor or "resumptionToken" in self.args:
                    # The last page of a list that took several: an empty token closes it.
                    xf.write(_oai("resumptionToken", attrib))

        body.streaming = True
        return body

    _prepare_ListIdentifiers = _prepare_list
    _prepare_ListRecords = _prepare_list

    # -- writing ----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[bytes]:
        sink = _Sink()
        o = f"{{{OAI}}}"
        with etree.xmlfile(sink, encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element(
                o + "OAI-PMH",
                {
                    f"{{{XSI}}}schemaLocation": f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
                },
                nsmap={None: OAI, "xsi": XSI},
            ):
                xf.write(_oai("responseDate", text=utc(self.now)))
                request = _oai("request", text=self.base_url)
                if self.echo_arguments and self.verb:
                    request.set("verb", self.verb)
                    for k, v in self.args.items():
                        request.set(k, v)
                xf.write(request)
                if self.error is not None:
                    xf.write(_oai("error", {"code": self.error.code}, self.error.message))
                elif getattr(self.body, "streaming", False):
                    for i, _ in enumerate(self.body(None, sink, xf)):
                        if i % 50 == 49:
                            xf.flush()
                            yield sink.take()
                else:
                    for el in self.body(_oai("x")):
                        xf.write(el)
        yield sink.take()
