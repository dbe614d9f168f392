"""schema.org descriptions (JSON-LD) of what the public pages show.

* The adoptions page: an `ItemList` of `MonetaryGrant`, one per published adoption: the funded
  project (`ResearchProject`, with the receipt number and the recipient organisation and its
  corporate number), the funder (the agency), the amount the adopted proposal asked of the fund
  (`MonetaryAmount` in JPY, exact yen) and the call it answered (`isPartOf`, itself a `Grant`).
* The targets page: one `MonetaryGrant` per program (the fund itself), with its targets and the
  figures as of the page's date as `PropertyValue`s (exact fractions given as numerator and
  denominator, the percent rounded to one decimal as on the page).

Only what the page itself shows to everyone is described: no review, no score, no person.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from kikin.calls.models import BudgetLine
from kikin.core.timeutil import JST

CONTEXT = "https://schema.org"


def _agency() -> dict:
    ja, en = settings.KIKIN_AGENCY_NAME
    return {"@type": "GovernmentOrganization", "name": ja, "alternateName": en}


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


def _date(at) -> str | None:
    return None if at is None else timezone.localtime(at, JST).date().isoformat()


def _clean(value):
    """Leave out empty properties (None, "", [], {}), recursively."""
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def requested_totals(proposal_ids) -> dict[int, int]:
    rows = (
        BudgetLine.objects.filter(proposal_id__in=list(proposal_ids))
        .values("proposal_id")
        .annotate(total=Sum("requested_yen"))
        .order_by()
    )
    return {r["proposal_id"]: r["total"] for r in rows}


def adoption_grant(decision, *, requested_yen: int | None, request=None) -> dict:
    p = decision.proposal
    org = p.organisation
    recipient = {"@type": "Organization", "name": org.name_ja, "alternateName": org.name_en}
    if org.corporate_number:
        recipient["identifier"] = {
            "@type": "PropertyValue",
            "propertyID": "法人番号 (Japan corporate number)",
            "value": org.corporate_number,
        }
    call = p.call
    grant = {
        "@type": "MonetaryGrant",
        "name": p.title,
        "identifier": p.receipt_number,
        "url": _absolute(request, reverse("public_adoptions")) + f"#{p.receipt_number}",
        "funder": _agency(),
        "fundedItem": {
            "@type": "ResearchProject",
            "name": p.title,
            "identifier": p.receipt_number,
            "parentOrganization": recipient,
        },
        "about": {"@type": "Thing", "name": f"{p.theme.key} {p.theme.title_ja}"},
        "isPartOf": {
            "@type": "Grant",
            "name": call.title_ja,
            "alternateName": call.title_en,
            "identifier": call.key,
            "url": _absolute(request, reverse("calls:detail", args=[call.pk])),
        },
        "datePublished": _date(decision.published_at),
    }
    if requested_yen is not None:
        grant["amount"] = {
            "@type": "MonetaryAmount",
            "currency": "JPY",
            "value": requested_yen,
            "description": "申請額 (amount asked of the fund) / 円",
        }
    return _clean(grant)


def adoptions_document(decisions, *, request=None) -> dict:
    decisions = list(decisions)
    totals = requested_totals(d.proposal_id for d in decisions)
    return {
        "@context": CONTEXT,
        "@type": "ItemList",
        "name": "採択案件一覧 (adopted proposals)",
        "numberOfItems": len(decisions),
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": i,
                "item": adoption_grant(d, requested_yen=totals.get(d.proposal_id), request=request),
            }
            for i, d in enumerate(decisions, start=1)
        ],
    }


def _share(name: str, share, goal: int) -> dict:
    value = {
        "@type": "PropertyValue",
        "name": name,
        "value": None if share.percent is None else float(share.percent),
        "unitText": "percent",
        "minValue": 0,
        "maxValue": 100,
        "valueReference": {"@type": "PropertyValue", "name": "target", "value": goal},
        "description": f"{share.numerator} / {share.denominator}",
    }
    return _clean(value)


def targets_document(overview, *, request=None) -> dict:
    grants = []
    for pf in overview.programs:
        program, figures = pf.program, pf.figures
        grants.append(
            _clean(
                {
                    "@type": "MonetaryGrant",
                    "name": program.title_ja,
                    "alternateName": program.title_en,
                    "identifier": program.code,
                    "description": program.purpose_ja,
                    "funder": _agency(),
                    "startDate": program.start_date and program.start_date.isoformat(),
                    "endDate": program.end_date and program.end_date.isoformat(),
                    "url": _absolute(request, reverse("programs:detail", args=[program.code])),
                    "additionalProperty": [
                        _share(
                            "目標達成率 (target achievement)",
                            figures.achievement,
                            overview.output_goal,
                        ),
                        _share(
                            "実用化率 (practical-use rate)",
                            figures.practical_use,
                            overview.outcome_goal,
                        ),
                        {
                            "@type": "PropertyValue",
                            "name": "as of",
                            "value": overview.as_of.isoformat(),
                        },
                    ],
                }
            )
        )
    return {"@context": CONTEXT, "@graph": grants}


def script(document: dict):
    """The document as a <script type="application/ld+json"> block, safe inside HTML."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
