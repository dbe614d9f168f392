"""Forms of the matching board and the events: they only parse input; the rules are in `services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kikin.awards.models import Award
from kikin.programs.selectors import themes_with_mode

from .models import DataOffer, DataRequest, EventKind, Introduction, IntroductionOutcome
from .selectors import MODE

DATE = forms.DateInput(attrs={"type": "date"})


class DataRequestForm(forms.Form):
    title = forms.CharField(label=_("Data wanted"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))


class StaffDataRequestForm(DataRequestForm):
    award = forms.ModelChoiceField(
        label=_("Developer (award)"),
        queryset=Award.objects.filter(theme__in=themes_with_mode(MODE))
        .select_related("organisation")
        .order_by("number"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["award"].label_from_instance = lambda a: f"{a.number} {a.organisation.name_ja}"
        self.order_fields(["award", "title", "description"])


class DataOfferForm(forms.Form):
    holder_name = forms.CharField(label=_("Data holder"), max_length=200)
    title = forms.CharField(label=_("Data offered"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    conditions = forms.CharField(
        label=_("Conditions of use"), widget=forms.Textarea(attrs={"rows": 2})
    )


class IntroductionForm(forms.Form):
    offer = forms.ModelChoiceField(
        label=_("Data offered"), queryset=DataOffer.objects.filter(is_open=True)
    )
    request = forms.ModelChoiceField(
        label=_("Data wanted"),
        queryset=DataRequest.objects.filter(is_open=True).select_related("award"),
    )
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request"].label_from_instance = lambda r: f"{r.award.number}: {r.title}"


class OutcomeForm(forms.Form):
    introduction = forms.ModelChoiceField(
        queryset=Introduction.objects.all(), widget=forms.HiddenInput
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=IntroductionOutcome.choices)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    attendees = forms.IntegerField(label=_("Attendees"), min_value=0, initial=0)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
