"""Forms that parse what the pages post; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Act, ConsultationAnswer
from .services import Resolution


class DateInput(forms.DateInput):
    input_type = "date"


class RequestReportForm(forms.Form):
    committee_date = forms.DateField(label=_("Committee date"), widget=DateInput)


class ReportForm(forms.Form):
    committee_date = forms.DateField(label=_("Committee date"), widget=DateInput)
    core_technologies = forms.CharField(
        label=_("Core important technologies (non-public)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    access_control = forms.CharField(
        label=_("(a) Access control"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Who may reach the core technologies, kept to the minimum, and the rules that govern it."
        ),
    )
    staff_management = forms.CharField(
        label=_("(b) Management of staff with access"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Fair treatment, confidentiality pledges on leaving, non-compete pledges."),
    )
    staff_with_access = forms.IntegerField(label=_("Staff with access"), min_value=1)
    partner_controls = forms.CharField(
        label=_("(c) Controls at partners"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Confidentiality agreements, equivalent measures at partners and their periodic review."
        ),
    )
    partners_covered = forms.CharField(
        label=_("Partners covered (one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consultation_check = forms.CharField(
        label=_("Result of checking whether prior consultation was needed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssessForm(forms.Form):
    sufficient = forms.TypedChoiceField(
        label=_("Assessment"),
        choices=[("1", _("Sufficient")), ("0", _("Insufficient"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    findings = forms.CharField(
        label=_("Findings (improvements pointed out)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput)


class DecisionForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Committee's resolution"),
        widget=forms.RadioSelect,
        choices=[(Resolution.STOP, _("Stop the theme")), (Resolution.CONTINUE, _("Continue"))],
    )
    decided_on = forms.DateField(label=_("Resolved on"), widget=DateInput)
    end_date = forms.DateField(
        label=_("Theme stopped from (default: the day of the resolution)"),
        required=False,
        widget=DateInput,
    )
    reclaim_yen = forms.IntegerField(
        label=_("Money to reclaim (yen)"), min_value=0, initial=0, required=False
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class PlannedActForm(forms.Form):
    act = forms.ChoiceField(label=_("Act"), choices=Act.choices)
    description = forms.CharField(
        label=_("What is planned"), widget=forms.Textarea(attrs={"rows": 2})
    )
    carried_out_by = forms.CharField(
        label=_("Carried out by (group company, if not the implementer)"),
        required=False,
        max_length=200,
    )
    counterparty = forms.CharField(label=_("Other party"), max_length=200)
    country = forms.CharField(label=_("Country (ISO code, e.g. US)"), max_length=2, min_length=2)
    planned_date = forms.DateField(label=_("Planned date"), widget=DateInput)
    new_site = forms.BooleanField(label=_("A new production site"), required=False)
    capacity_increase_percent = forms.DecimalField(
        label=_("Capacity increase (%)"),
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
    )
    local_consumption_percent = forms.DecimalField(
        label=_("Share of output consumed in that country (%)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    forced_transfer_risk = forms.BooleanField(
        label=_("We know of a risk of forced technology transfer"), required=False
    )
    counterparty_broke_norms_5y = forms.BooleanField(
        label=_(
            "The other party broke UN resolutions or international norms in the last five years"
        ),
        required=False,
    )
    foreign_government_influence = forms.BooleanField(
        label=_("The other party acts under a foreign government's influence"), required=False
    )
    ministry_requested = forms.BooleanField(
        label=_("The ministry asked us to consult"), required=False
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"), choices=ConsultationAnswer.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's refusal beside the fields it names, the rest above the form."""
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
    for field, messages in items:
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
