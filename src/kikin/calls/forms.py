"""Reading the proposal form. Draft saving is lenient: a value that does not parse is reported
with its field and left out, so nothing already saved is lost; the rules are checked on submit."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kikin.core.posted import parse_datetime, parse_int
from kikin.core.timeutil import JST
from kikin.core.validation import MAX_YEN
from kikin.programs.models import Theme
from kikin.rules.identifiers import normalise_digits

from .models import CallDocumentKind, DevelopmentType, PartnerRelation, PeerReviews
from .services import CALL_FIELDS, DRAFT_FIELDS

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


# --- The officer's call editor (kikin.calls.call_views) ------------------------------------


class CallEditorForm(forms.Form):
    """A call as the officer types it: the form only reads the values (dates in JST, amounts as
    people write them in Japan); `services.create_call` / `update_call` check their meaning."""

    key = forms.CharField(
        label=gettext_lazy("Key"),
        max_length=32,
        help_text=gettext_lazy(
            "Letters, digits and hyphens, e.g. 2025-09; the proposals' receipt numbers begin "
            "with it. It cannot be changed later."
        ),
    )
    title_ja = forms.CharField(label=gettext_lazy("Title (Japanese)"), max_length=300)
    title_en = forms.CharField(
        label=gettext_lazy("Title (English)"), max_length=300, required=False
    )
    themes = forms.ModelMultipleChoiceField(
        Theme.objects.none(),
        label=gettext_lazy("Themes"),
        error_messages={"required": gettext_lazy("Choose at least one theme.")},
    )
    opens_at = forms.CharField(
        label=gettext_lazy("Opens (JST)"),
        help_text=gettext_lazy("The first moment a proposal may be started."),
    )
    closes_at = forms.CharField(
        label=gettext_lazy("Deadline (JST)"),
        help_text=gettext_lazy("The last moment a proposal is accepted."),
    )
    reviews_due_at = forms.CharField(
        label=gettext_lazy("Reviews due (JST)"),
        required=False,
        help_text=gettext_lazy(
            "The last moment for the reviewers' reviews: after the deadline, and at most 55 days "
            "after it (the adoption decision's limit). Left empty, the end of that 55th day."
        ),
    )
    budget_total_yen = forms.CharField(
        label=gettext_lazy("Budget total (yen)"), required=False, max_length=40
    )
    cycle = forms.CharField(label=gettext_lazy("Cycle"), required=False, max_length=10)
    note_ja = forms.CharField(
        label=gettext_lazy("Note (Japanese)"), required=False, widget=forms.Textarea
    )
    note_en = forms.CharField(
        label=gettext_lazy("Note (English)"), required=False, widget=forms.Textarea
    )
    peer_reviews = forms.ChoiceField(
        label=gettext_lazy("Reviewers see each other's reviews"),
        choices=PeerReviews.choices,
        initial=PeerReviews.AFTER_OWN,
    )

    #: The fields the services take besides the themes (and the key, on creation).
    SERVICE_FIELDS = CALL_FIELDS

    def __init__(self, *args, program, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.call = call
        self.fields["themes"].queryset = Theme.objects.filter(program=program)
        if call is not None:
            del self.fields["key"]  # receipt numbers carry it: never changed

    def _datetime(self, name: str, *, required: bool):
        raw = self.cleaned_data.get(name, "")
        if not (raw or "").strip():
            if required:
                raise ValidationError(_("Required."))
            return None
        try:
            at = parse_datetime(raw, field=name)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        # A value shown to the minute and sent back unchanged keeps the stored seconds (a
        # deadline at 23:59:59.999999 is not moved 59 seconds earlier by saving the form).
        stored = getattr(self.call, name, None) if self.call is not None else None
        if stored is not None and at == _to_minute(stored):
            return stored
        return at

    def clean_opens_at(self):
        return self._datetime("opens_at", required=True)

    def clean_closes_at(self):
        return self._datetime("closes_at", required=True)

    def clean_reviews_due_at(self):
        return self._datetime("reviews_due_at", required=False)

    def _whole(self, name: str, maximum: int):
        raw = self.cleaned_data.get(name, "")
        if not (raw or "").strip():
            return None
        try:
            return parse_int(raw, field=name, minimum=0, maximum=maximum)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def clean_budget_total_yen(self):
        return self._whole("budget_total_yen", MAX_YEN)

    def clean_cycle(self):
        return self._whole("cycle", 1000)

    def service_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}


def _to_minute(at: dt.datetime) -> dt.datetime:
    return timezone.localtime(at, JST).replace(second=0, microsecond=0)


def call_initial(call) -> dict:
    """The editor's values of a saved call: its dates in JST to the minute."""
    initial = {name: getattr(call, name) for name in CALL_FIELDS}
    for name in ("opens_at", "closes_at", "reviews_due_at"):
        initial[name] = datetime_local(initial[name])
    initial["themes"] = [t.pk for t in call.themes.all()]
    return initial


def datetime_local(at: dt.datetime | None) -> str:
    """An instant as an <input type="datetime-local"> shows it, in JST, to the minute."""
    return timezone.localtime(at, JST).strftime("%Y-%m-%dT%H:%M") if at else ""


class CallDocumentForm(forms.Form):
    """A document to publish with a call."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of document"), choices=CallDocumentKind.choices
    )
    title_ja = forms.CharField(label=gettext_lazy("Document title (Japanese)"), max_length=200)
    title_en = forms.CharField(
        label=gettext_lazy("Document title (English)"), max_length=200, required=False
    )
    document = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "PDF or office files (.pdf, .docx, .xlsx, .pptx, .doc, .xls, .ppt)."
        ),
        error_messages={"required": gettext_lazy("Choose a file.")},
    )
