"""Builders for research-data tests: a data manager with a dataset in each access level."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile

from kikin.accounts.models import OrganisationCategory, Role
from kikin.core.timeutil import today_jst
from kikin.datasets import services
from tests import factories as f

_seq = itertools.count(1)
CONDITIONS = [
    {"text_ja": "研究開発の目的に限り利用すること", "text_en": "R&D use only"},
    {"text_ja": "第三者に再配布しないこと", "text_en": "No redistribution"},
]
CONTENT = b"id,value\n1,42\n"
SHA = hashlib.sha256(CONTENT).hexdigest()


def fields(level="open", **kw) -> dict:
    n = next(_seq)
    out = {
        "title_ja": f"試験データセット{n}",
        "title_en": f"Test dataset {n}",
        "description_ja": "電子顕微鏡で取得した画像データ。",
        "creators": "研究 太郎 / Taro Kenkyu / 試験大学 / 0000-0002-1825-0097",
        "publisher": "試験株式会社",
        "subjects": "電子顕微鏡, materials",
        "language": "ja",
        "access_level": level,
        "licence": {
            "open": "CC-BY-4.0",
            "embargoed": "CC-BY-4.0",
            "shared": "LicenseRef-conditions",
        }.get(level, "LicenseRef-reserved"),
        "conditions": CONDITIONS if level == "shared" else [],
        "embargo_until": today_jst() + dt.timedelta(days=30) if level == "embargoed" else None,
    }
    out.update(kw)
    return out


def upload(name="data.csv", content=CONTENT):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def published(manager, level="open", **kw):
    d = services.create_dataset(actor=manager, fields=fields(level, **kw))
    services.add_file(actor=manager, dataset=d, uploaded=upload())
    return services.publish_dataset(actor=manager, dataset=d)


def people() -> SimpleNamespace:
    org = f.organisation(category=OrganisationCategory.ACADEMIA)
    return SimpleNamespace(
        manager=f.applicant(org),
        colleague=f.applicant(org),
        agency=f.user(Role.AGENCY),
        ministry=f.user(Role.MINISTRY),
        user=f.applicant(f.organisation(category=OrganisationCategory.LARGE)),
    )


def request(dataset, user, **kw):
    args = {
        "purpose": "材料探索の研究",
        "accept_conditions": True,
        "declares_compliance": True,
        "declares_no_foreign_influence": True,
    }
    args.update(kw)
    return services.request_access(actor=user, dataset=dataset, **args)


def all_met(dataset) -> dict:
    return {c["code"]: True for c in dataset.conditions}


def bulk_published(n: int, manager, *, start=None, step_seconds=1, doi_every=0, **over):
    """`n` published datasets written at once (bulk_create), datestamps `step_seconds` apart from
    `start`; every `doi_every`-th one with a DOI. Returns them in primary-key order."""
    import datetime as dt

    from django.utils import timezone

    from kikin.datasets.models import Dataset

    start = start or timezone.now() - dt.timedelta(days=1)
    rows = []
    base = next(_seq) * 10_000_000
    for i in range(n):
        at = start + dt.timedelta(seconds=i * step_seconds)
        values = {
            "identifier": f"bk-{base + i:08d}",
            "doi": f"10.99999/bk-{base + i:08d}" if doi_every and i % doi_every == 0 else "",
            "organisation": manager.organisation,
            "title_ja": f"一括データセット{i}",
            "title_en": f"Bulk dataset {i}",
            "description_ja": "試験用の説明。",
            "creators": [
                {
                    "name": "研究 太郎",
                    "name_en": "Taro Kenkyu",
                    "affiliation": "試験大学",
                    "orcid": "",
                }
            ],
            "publisher": "試験株式会社",
            "publication_year": at.year,
            "subjects": ["試験"],
            "access_level": ("open", "shared", "closed")[i % 3],
            "licence": ("CC-BY-4.0", "LicenseRef-conditions", "LicenseRef-reserved")[i % 3],
            "state": "published",
            "created_by": manager,
            "created_at": at,
            "modified_at": at,
            "published_at": at,
        }
        values.update(over)
        rows.append(Dataset(**values))
    Dataset.objects.bulk_create(rows, batch_size=2000)
    first, last = rows[0].identifier, rows[-1].identifier
    return list(Dataset.objects.filter(identifier__gte=first, identifier__lte=last).order_by("pk"))
