"""The research-data settings, each with its default; a deployment sets them in Django settings
or in the environment (the same name)."""

from __future__ import annotations

import os

from django.conf import settings


def _get(name: str, default, cast=str):
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw is None:
        return default
    if cast is bool:
        return raw.lower() in {"1", "true", "yes"}
    if cast is tuple:
        return tuple(h.strip() for h in raw.split(",") if h.strip())
    return cast(raw)


def doi_minter() -> str:
    """ "" (no DOI: the kikin identifier is the persistent identifier), "local" (the DOI is
    composed from KIKIN_DOI_PREFIX and registered elsewhere) or "datacite" (registered through
    the DataCite REST API at KIKIN_DATACITE_API with KIKIN_DATACITE_USER / _PASSWORD)."""
    return _get("KIKIN_DOI_MINTER", "")


def doi_prefix() -> str:
    return _get("KIKIN_DOI_PREFIX", "")


def datacite_api() -> str:
    return _get("KIKIN_DATACITE_API", "https://api.test.datacite.org/dois")


def datacite_credentials() -> tuple[str, str]:
    return _get("KIKIN_DATACITE_USER", ""), _get("KIKIN_DATACITE_PASSWORD", "")


def public_base_url() -> str:
    """The address the site is reached at, for persistent links (DOI landing pages)."""
    return _get("KIKIN_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def oai_repository_name() -> str:
    return _get("KIKIN_OAI_REPOSITORY_NAME", "kikin research data")


def oai_repository_identifier() -> str:
    """The repository part of OAI identifiers (oai:<this>:<dataset identifier>)."""
    return _get("KIKIN_OAI_REPOSITORY_IDENTIFIER", "kikin.example.jp")


def oai_admin_email() -> str:
    return _get("KIKIN_OAI_ADMIN_EMAIL", "data@kikin.example.jp")


def oai_page_size() -> int:
    return int(_get("KIKIN_OAI_PAGE_SIZE", 500, int))


def oai_token_ttl_seconds() -> int:
    return int(_get("KIKIN_OAI_TOKEN_TTL", 3600, int))


def oai_sets_enabled() -> bool:
    return bool(_get("KIKIN_OAI_SETS", True, bool))


def fetch_hosts() -> tuple[str, ...]:
    """Hosts of external file locations kikin may fetch to verify a checksum (none by default:
    fetching any address a user typed would let users make the server call inside networks)."""
    return tuple(_get("KIKIN_DATA_FETCH_HOSTS", (), tuple))


def fetch_max_bytes() -> int:
    return int(_get("KIKIN_DATA_FETCH_MAX_BYTES", 10 * 2**30, int))


def upload_max_bytes() -> int:
    return int(_get("KIKIN_DATA_UPLOAD_MAX_BYTES", 2 * 2**30, int))
