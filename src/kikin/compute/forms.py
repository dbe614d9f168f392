"""Forms of the compute pages: they only parse input; the rules are in `services`."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kikin.awards.models import Award
from kikin.calls.models import Call
from kikin.programs.selectors import themes_with_mode

from .services import DEFAULT_DECLARATION

DATE = forms.DateInput(attrs={"type": "date"})
_MONTH_LINE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*[,:= \t]\s*(\d+)\s*$")


def parse_monthly(text: str) -> dict[dt.date, int] | None:
    """Lines of “YYYY-MM hours” (a comma, colon or space between) → {first day of month: hours}."""
    plan: dict[dt.date, int] = {}
    for n, raw in enumerate((text or "").splitlines(), 1):
        if not raw.strip():
            continue
        m = _MONTH_LINE.match(raw)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValidationError(
                _("Line %(n)s: write “YYYY-MM hours”, e.g. “2024-11 1200”.") % {"n": n}
            )
        month = dt.date(int(m.group(1)), int(m.group(2)), 1)
        if month in plan:
            raise ValidationError(
                _("Line %(n)s: %(m)s is given twice.") % {"n": n, "m": f"{month:%Y-%m}"}
            )
        plan[month] = int(m.group(3))
    return plan or None


class PoolForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    call = forms.ModelChoiceField(
        label=_("Call"),
        queryset=Call.objects.filter(themes__in=themes_with_mode("compute_support")).distinct(),
        required=False,
    )
    cycle_label = forms.CharField(label=_("Cycle"), max_length=60, required=False)
    provider = forms.CharField(label=_("Provider"), max_length=100)
    accelerator_type = forms.CharField(label=_("Accelerator type"), max_length=100)
    hours_bought = forms.IntegerField(label=_("Accelerator-hours bought"), min_value=1)
    price_per_hour_yen = forms.IntegerField(
        label=_("Price per accelerator-hour (yen)"), min_value=0
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("To"), widget=DATE)


class AllocationForm(forms.Form):
    award = forms.ModelChoiceField(label=_("Developer (award)"), queryset=Award.objects.none())
    hours = forms.IntegerField(label=_("Accelerator-hours"), min_value=1)
    code = forms.CharField(
        label=_("Allocation number"),
        max_length=60,
        required=False,
        help_text=_("The number the provider's usage report carries; the award number if empty."),
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE, required=False)
    ends_on = forms.DateField(label=_("To"), widget=DATE, required=False)
    monthly = forms.CharField(
        label=_("Plan by month"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "Optional: one “YYYY-MM hours” a line, adding up to the hours. Without it the hours are spread evenly."
        ),
    )

    def __init__(self, *args, pool=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Award.objects.filter(
            theme__in=themes_with_mode("compute_support"), state="active"
        ).select_related("organisation")
        if pool is not None and pool.call_id:
            qs = qs.filter(call_id=pool.call_id)
        if pool is not None:
            qs = qs.exclude(compute_allocations__pool=pool)
        self.fields["award"].queryset = qs.order_by("number")
        self.fields["award"].label_from_instance = lambda a: f"{a.number} {a.organisation.name_ja}"

    def clean_monthly(self):
        return parse_monthly(self.cleaned_data.get("monthly", ""))


class ChangeAllocationForm(forms.Form):
    hours = forms.IntegerField(label=_("Accelerator-hours"), min_value=1)
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("To"), widget=DATE)
    monthly = forms.CharField(
        label=_("Plan by month"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    note = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def clean_monthly(self):
        return parse_monthly(self.cleaned_data.get("monthly", ""))


class UsageUploadForm(forms.Form):
    file = forms.FileField(label=_("Usage report (CSV)"))


class DeclarationForm(forms.Form):
    statement = forms.CharField(
        label=_("Statement"), widget=forms.Textarea(attrs={"rows": 3}), initial=DEFAULT_DECLARATION
    )
    confirm = forms.BooleanField(label=_("I declare this on behalf of the developer."))


class ResultForm(forms.Form):
    benchmark = forms.CharField(label=_("Benchmark"), max_length=100)
    score = forms.DecimalField(label=_("Score"), max_digits=14, decimal_places=4)
    evaluated_on = forms.DateField(label=_("Evaluated on"), widget=DATE)
    model_version = forms.CharField(label=_("Model version"), max_length=100)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
