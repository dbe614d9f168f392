"""A dataset's metadata in the standard schemas: Dublin Core (oai_dc), DataCite kernel 4,
JPCOAR 2.0 and schema.org `Dataset` (JSON-LD).

`DatasetRecord` holds the fields once, built from a model (`record_of`) or from a row of
`.values(*RECORD_FIELDS)` (`record_from_row`, what the OAI-PMH lists stream); the writers in
`kikin.datasets.oai` and `json_ld` below render it.

Access rights use the COAR vocabulary (http://purl.org/coar/access_right/): open → open access,
embargoed (before its date) → embargoed access, shared under written conditions → restricted
access, closed → metadata only access.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.conf import settings

from . import conf

#: Columns of Dataset (and across its relations) that a record is built from.
RECORD_FIELDS = (
    "id",
    "identifier",
    "doi",
    "state",
    "title_ja",
    "title_en",
    "description_ja",
    "description_en",
    "creators",
    "publisher",
    "publication_year",
    "subjects",
    "language",
    "resource_type",
    "version",
    "access_level",
    "embargo_until",
    "licence",
    "size_bytes",
    "modified_at",
    "published_at",
    "program__code",
    "platform__code",
    "platform__name_ja",
    "award__number",
    "award__proposal__title",
)

COAR_ACCESS = {
    "open": ("http://purl.org/coar/access_right/c_abf2", "open access"),
    "embargoed": ("http://purl.org/coar/access_right/c_f1cf", "embargoed access"),
    "shared": ("http://purl.org/coar/access_right/c_16ec", "restricted access"),
    "closed": ("http://purl.org/coar/access_right/c_14cb", "metadata only access"),
}
#: info:eu-repo access terms used beside the licence in DataCite's rightsList.
EU_REPO_ACCESS = {
    "open": "info:eu-repo/semantics/openAccess",
    "embargoed": "info:eu-repo/semantics/embargoedAccess",
    "shared": "info:eu-repo/semantics/restrictedAccess",
    "closed": "info:eu-repo/semantics/closedAccess",
}
LICENCE_NAMES = {
    "CC-BY-4.0": "CC BY 4.0",
    "CC0-1.0": "CC0 1.0",
    "CC-BY-SA-4.0": "CC BY-SA 4.0",
    "CC-BY-NC-4.0": "CC BY-NC 4.0",
    "ODbL-1.0": "ODbL 1.0",
    "LicenseRef-conditions": "Use under the written conditions of use",
    "LicenseRef-reserved": "All rights reserved",
}
#: ISO 639-1 → ISO 639-3 (JPCOAR's dc:language takes the three-letter code).
ISO639_3 = {"ja": "jpn", "en": "eng", "zh": "zho", "ko": "kor", "de": "deu", "fr": "fra"}


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    pk: int
    identifier: str
    doi: str
    deleted: bool
    titles: tuple[tuple[str, str], ...]
    descriptions: tuple[tuple[str, str], ...]
    creators: tuple[dict, ...]
    publisher: str
    publication_year: int | None
    subjects: tuple[str, ...]
    language: str
    resource_type: str
    version: str
    access_level: str
    embargo_until: dt.date | None
    licence: str
    rights: str
    rights_uri: str
    size_bytes: int
    modified_at: dt.datetime
    published_at: dt.datetime | None
    program_code: str
    platform_code: str
    platform_name: str
    award_number: str
    award_title: str
    landing_page: str
    oai_identifier: str

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def datestamp(self) -> str:
        return self.modified_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def sets(self) -> list[str]:
        out = [f"access:{self.access_level}"]
        if self.program_code:
            out.append(f"program:{self.program_code}")
        return out

    @property
    def coar_access(self) -> tuple[str, str]:
        return COAR_ACCESS[self.access_level]

    @property
    def funder(self) -> str:
        return settings.KIKIN_AGENCY_NAME[1] if self.award_number else ""


def _pairs(ja: str, en: str) -> tuple[tuple[str, str], ...]:
    return tuple((lang, text) for lang, text in (("ja", ja), ("en", en)) if text)


def record_from_row(
    row: dict, *, base_url: str | None = None, repository: str | None = None
) -> DatasetRecord:
    """The record of one row; `base_url` and `repository` (read from the settings when not given)
    are passed by a caller building many records."""
    from .models import LICENCE_URLS

    licence = row["licence"]
    base_url = conf.public_base_url() if base_url is None else base_url
    repository = conf.oai_repository_identifier() if repository is None else repository

    return DatasetRecord(
        pk=row["id"],
        identifier=row["identifier"],
        doi=row["doi"],
        deleted=row["state"] == "withdrawn",
        titles=_pairs(row["title_ja"], row["title_en"]),
        descriptions=_pairs(row["description_ja"], row["description_en"]),
        creators=tuple(
            {
                "name": c.get("name", ""),
                "name_en": c.get("name_en", ""),
                "affiliation": c.get("affiliation", ""),
                "orcid": c.get("orcid", ""),
            }
            for c in row["creators"] or ()
        ),
        publisher=row["publisher"],
        publication_year=row["publication_year"],
        subjects=tuple(row["subjects"] or ()),
        language=row["language"] or "ja",
        resource_type=row["resource_type"] or "Dataset",
        version=row["version"],
        access_level=row["access_level"],
        embargo_until=row["embargo_until"],
        licence=licence,
        rights=LICENCE_NAMES.get(licence, licence),
        rights_uri=LICENCE_URLS.get(licence, ""),
        size_bytes=row["size_bytes"] or 0,
        modified_at=row["modified_at"],
        published_at=row["published_at"],
        program_code=row["program__code"] or "",
        platform_code=row["platform__code"] or "",
        platform_name=row["platform__name_ja"] or "",
        award_number=row["award__number"] or "",
        award_title=row["award__proposal__title"] or "",
        landing_page=f"{base_url}/datasets/{row['identifier']}/",
        oai_identifier=f"oai:{repository}:{row['identifier']}",
    )


def record_of(dataset) -> DatasetRecord:
    """The record of one dataset instance (its relations read as needed)."""
    row = {f: getattr(dataset, f) for f in RECORD_FIELDS if "__" not in f}
    row["program__code"] = dataset.program.code if dataset.program_id else ""
    row["platform__code"] = dataset.platform.code if dataset.platform_id else ""
    row["platform__name_ja"] = dataset.platform.name_ja if dataset.platform_id else ""
    row["award__number"] = dataset.award.number if dataset.award_id else ""
    row["award__proposal__title"] = dataset.award.proposal.title if dataset.award_id else ""
    return record_from_row(row)


def json_ld(dataset, files=(), *, can_download_openly: bool = False) -> dict:
    """schema.org `Dataset` of a dataset page (what Google Dataset Search and others read)."""
    r = record_of(dataset)
    doc = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": r.doi_url or r.landing_page,
        "url": r.landing_page,
        "identifier": [x for x in (r.doi_url, r.identifier) if x],
        "name": dict(r.titles).get("ja") or dict(r.titles).get("en", ""),
        "description": dict(r.descriptions).get("ja")
        or dict(r.descriptions).get("en", "")
        or dict(r.titles).get("ja", ""),
        "inLanguage": r.language,
        "creator": [
            {
                "@type": "Person",
                "name": c["name"],
                **({"alternateName": c["name_en"]} if c["name_en"] else {}),
                **(
                    {"affiliation": {"@type": "Organization", "name": c["affiliation"]}}
                    if c["affiliation"]
                    else {}
                ),
                **({"sameAs": f"https://orcid.org/{c['orcid']}"} if c["orcid"] else {}),
            }
            for c in r.creators
        ],
        "publisher": {"@type": "Organization", "name": r.publisher},
        "keywords": list(r.subjects),
        "dateModified": r.modified_at.isoformat(),
        "isAccessibleForFree": r.access_level in {"open", "shared", "embargoed"},
        "conditionsOfAccess": r.coar_access[1],
    }
    alt = dict(r.titles).get("en")
    if alt and alt != doc["name"]:
        doc["alternateName"] = alt
    if r.published_at:
        doc["datePublished"] = r.published_at.date().isoformat()
    if r.version:
        doc["version"] = r.version
    if r.rights_uri:
        doc["license"] = r.rights_uri
    elif r.rights:
        doc["license"] = r.rights
    if r.award_number:
        doc["funder"] = {"@type": "Organization", "name": r.funder}
        doc["funding"] = {
            "@type": "Grant",
            "identifier": r.award_number,
            "name": r.award_title,
            "funder": {"@type": "Organization", "name": r.funder},
        }
    if r.platform_name:
        doc["includedInDataCatalog"] = {"@type": "DataCatalog", "name": r.platform_name}
    if can_download_openly:
        doc["distribution"] = [
            {
                "@type": "DataDownload",
                "name": f["name"],
                "contentUrl": f["url"],
                **({"encodingFormat": f["content_type"]} if f.get("content_type") else {}),
                **({"contentSize": f"{f['size_bytes']} B"} if f.get("size_bytes") else {}),
            }
            for f in files
        ]
    return doc


def json_ld_script(doc: dict) -> str:
    """The JSON-LD as the text of a <script type="application/ld+json"> element: <, > and & are
    escaped so that no text in the metadata can close the element."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
