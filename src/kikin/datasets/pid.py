"""Persistent identifiers of datasets.

Every dataset has a stable kikin identifier (``ds-00000123``) from its creation, and its landing
page at ``/datasets/<identifier>/`` for good. A DOI is minted when the dataset is published,
through the minter the deployment chooses (setting ``KIKIN_DOI_MINTER``):

- ``""`` (the default): no DOI; the kikin identifier is the persistent identifier;
- ``"local"``: the DOI is ``<KIKIN_DOI_PREFIX>/<identifier>``, registered outside kikin (for a
  test prefix, or a registration agency's batch upload);
- ``"datacite"``: registered through the DataCite REST API (``KIKIN_DATACITE_API``, the
  repository's ``KIKIN_DATACITE_USER`` / ``KIKIN_DATACITE_PASSWORD``) as a findable DOI with the
  dataset's DataCite metadata and landing page.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

from django.utils.translation import gettext as _

from . import conf


class MintError(Exception):
    """The DOI could not be minted; the message says why."""


def _doi_for(dataset) -> str:
    prefix = conf.doi_prefix().strip().rstrip("/")
    if not prefix.startswith("10."):
        raise MintError(_("KIKIN_DOI_PREFIX must be a DOI prefix such as 10.12345."))
    return f"{prefix}/{dataset.identifier}"


def landing_page(dataset) -> str:
    return f"{conf.public_base_url()}/datasets/{dataset.identifier}/"


def datacite_payload(dataset, doi: str) -> dict:
    """The DataCite REST API's JSON:API document registering `doi` for `dataset` (event publish)."""
    from .metadata import record_of

    r = record_of(dataset)
    return {
        "data": {
            "type": "dois",
            "attributes": {
                "event": "publish",
                "doi": doi,
                "url": landing_page(dataset),
                "creators": [
                    {
                        "name": c["name"],
                        "nameType": "Personal",
                        "affiliation": [c["affiliation"]] if c["affiliation"] else [],
                        "nameIdentifiers": [
                            {
                                "nameIdentifier": f"https://orcid.org/{c['orcid']}",
                                "nameIdentifierScheme": "ORCID",
                                "schemeUri": "https://orcid.org",
                            }
                        ]
                        if c["orcid"]
                        else [],
                    }
                    for c in r.creators
                ],
                "titles": [{"title": t, "lang": lang} for lang, t in r.titles],
                "publisher": r.publisher,
                "publicationYear": r.publication_year,
                "types": {"resourceTypeGeneral": "Dataset", "resourceType": r.resource_type},
                "subjects": [{"subject": s} for s in r.subjects],
                "descriptions": [
                    {"description": d, "descriptionType": "Abstract", "lang": lang}
                    for lang, d in r.descriptions
                ],
                "rightsList": [{"rights": r.rights, "rightsUri": r.rights_uri}]
                if r.rights_uri
                else [{"rights": r.rights}],
                "language": r.language,
                "version": r.version or None,
                "schemaVersion": "http://datacite.org/schema/kernel-4",
            },
        }
    }


def mint_doi(dataset) -> str:
    """The DOI of `dataset` from the configured minter ("" when none is configured)."""
    minter = conf.doi_minter()
    if not minter:
        return ""
    doi = _doi_for(dataset)
    if minter == "local":
        return doi
    if minter != "datacite":
        raise MintError(_("KIKIN_DOI_MINTER is “%(m)s”: use local or datacite.") % {"m": minter})
    user, password = conf.datacite_credentials()
    body = json.dumps(datacite_payload(dataset, doi)).encode()
    req = urllib.request.Request(
        conf.datacite_api(),
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/vnd.api+json",
            "Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(),
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise MintError(
            _("The DOI registration agency refused the DOI (HTTP %(code)s).") % {"code": exc.code}
        ) from None
    except (urllib.error.URLError, OSError, ValueError):
        raise MintError(_("The DOI registration agency could not be reached.")) from None
    return answer.get("data", {}).get("id") or doi
