"""Reading the proposal form. Draft saving is lenient: a value that does not parse is reported
with its field and left out, so nothing already saved is lost; the rules are checked on submit."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from kikin.core.validation import MAX_YEN
from kikin.rules.identifiers import normalise_digits

from .models import DevelopmentType, PartnerRelation
from .services import DRAFT_FIELDS

INT_FIELDS = {
    "period_months",
    "self_investment_yen",
    "accelerator_hours",
    "requested_to_first_gate_yen",
}
#: Check boxes are read only where the form says it showed them (a hidden `NAME_shown`), so a
#: form without them never clears what was saved.
BOOL_FIELDS = {"gx_commitment"}
LIST_FIELDS = {"declarations"}
TEXT_FIELDS = (
    set(DRAFT_FIELDS) - INT_FIELDS - BOOL_FIELDS - LIST_FIELDS - {"start_date", "set_value"}
)


def _int(text: str) -> int:
    text = unicodedata.normalize("NFKC", text).replace(",", "").strip()
    if len(text) > 32:
        raise ValueError(text)
    return int(text)


def parse_draft(
    post,
) -> tuple[dict, list[dict] | None, list[dict] | None, list[dict] | None, dict[str, str]]:
    """(fields, budget rows, team rows, partner rows, errors by field) from a POSTed form.

    A table the form did not send at all (no `budget_fy`, `team_name` or `partner_name`) is None:
    the saved rows stay as they are. Only a table that was sent replaces them."""
    fields, errors = {}, {}
    for name in BOOL_FIELDS:
        if f"{name}_shown" in post:
            fields[name] = post.get(name) in ("1", "on", "true")
    for name in LIST_FIELDS:
        if f"{name}_shown" in post:
            fields[name] = sorted({v.strip() for v in post.getlist(name) if v.strip()})[:100]
    for name in DRAFT_FIELDS:
        if name not in post or name in BOOL_FIELDS or name in LIST_FIELDS:
            continue
        raw = post.get(name, "").strip()
        try:
            if name in INT_FIELDS:
                fields[name] = _int(raw) if raw else None
                if fields[name] is not None and fields[name] < 0:
                    raise ValueError
            elif name == "start_date":
                fields[name] = dt.date.fromisoformat(raw) if raw else None
            elif name == "set_value":
                fields[name] = Decimal(raw) if raw else None
                if fields[name] is not None and not fields[name].is_finite():
                    raise ValueError
            else:
                fields[name] = raw
        except (ValueError, InvalidOperation):
            fields.pop(name, None)
            errors[name] = _("“%(value)s” is not a valid value here.") % {"value": raw[:50]}
    if fields.get("development_type") and fields["development_type"] not in DevelopmentType.values:
        errors["development_type"] = _("Choose a development type.")
        fields.pop("development_type")
    if fields.get("language") not in (None, "ja", "en"):
        fields.pop("language")

    budget = [] if "budget_fy" in post else None
    years = post.getlist("budget_fy")
    requested = post.getlist("budget_requested")
    eligible = post.getlist("budget_eligible")
    for i, fy in enumerate(years):
        req = requested[i] if i < len(requested) else ""
        elig = eligible[i] if i < len(eligible) else ""
        if not fy.strip() and not req.strip():
            continue
        try:
            row = {
                "fiscal_year": _int(fy),
                "requested_yen": _int(req) if req.strip() else 0,
                "eligible_cost_yen": _int(elig) if elig.strip() else None,
            }
            if max(row["requested_yen"], row["eligible_cost_yen"] or 0) > MAX_YEN:
                raise ValueError
            if (
                row["requested_yen"] < 0
                or (row["eligible_cost_yen"] or 0) < 0
                or not 2000 <= row["fiscal_year"] <= 2100
            ):
                raise ValueError
            budget.append(row)
        except ValueError:
            errors[f"budget.{i + 1}"] = _(
                "Row %(n)s: a fiscal year such as 2026 and amounts in whole yen."
            ) % {"n": i + 1}
    if budget is not None and len({r["fiscal_year"] for r in budget}) != len(budget):
        errors["budget"] = _("Each fiscal year may appear once.")
        budget = None

    team = [] if "team_name" in post else None
    lead = post.get("team_lead", "0")
    for i, name in enumerate(post.getlist("team_name")):
        if name.strip():
            aff = post.getlist("team_affiliation")
            role = post.getlist("team_role")
            number = post.getlist("team_researcher_number")
            team.append(
                {
                    "name": name.strip(),
                    "researcher_number": normalise_digits(number[i] if i < len(number) else ""),
                    "affiliation": (aff[i] if i < len(aff) else "").strip(),
                    "role": (role[i] if i < len(role) else "").strip(),
                    "is_lead": str(i) == lead,
                }
            )
    partners = [] if "partner_name" in post else None
    countries, relations, caps, numbers, roles = (
        post.getlist("partner_country"),
        post.getlist("partner_relation"),
        post.getlist("partner_capability"),
        post.getlist("partner_corporate_number"),
        post.getlist("partner_role"),
    )
    compute = set(post.getlist("partner_ai_compute"))
    for i, name in enumerate(post.getlist("partner_name")):
        if name.strip():
            rel = relations[i] if i < len(relations) else "independent"
            partners.append(
                {
                    "name": name.strip(),
                    "country": (
                        (countries[i] if i < len(countries) else "JP").strip().upper() or "JP"
                    )[:2],
                    "relation": rel if rel in PartnerRelation.values else "independent",
                    "role": (roles[i] if i < len(roles) else "joint")
                    if (roles[i] if i < len(roles) else "joint") in ("joint", "adviser")
                    else "joint",
                    "supplies_ai_compute": str(i) in compute,
                    "special_capability": (caps[i] if i < len(caps) else "").strip(),
                    "corporate_number": unicodedata.normalize(
                        "NFKC", numbers[i] if i < len(numbers) else ""
                    ).strip(),
                }
            )
    return fields, budget, team, partners, errors
