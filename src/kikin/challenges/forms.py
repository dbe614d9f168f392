"""Forms of the challenge pages: they parse and label the fields; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EntrantForm(forms.Form):
    """Signing up as an individual entrant, on the team registration page."""

    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    email = forms.EmailField(label=_("E-mail"), required=False)


class TeamForm(forms.Form):
    handle = forms.CharField(
        label=_("Handle"),
        max_length=40,
        help_text=_("Shown on the leaderboard. Letters, digits, hyphens, dots or underscores."),
    )
    anonymous = forms.BooleanField(
        label=_("Take part anonymously (only the handle is published)"), required=False
    )
    display_name = forms.CharField(
        label=_("Name shown with the handle"), max_length=200, required=False
    )
    division = forms.ChoiceField(label=_("Division"), required=False)
    theme = forms.ChoiceField(label=pgettext_lazy("challenge", "Theme"), required=False)

    def __init__(self, *args, challenge, **kwargs):
        super().__init__(*args, **kwargs)
        divisions = list(challenge.divisions.prefetch_related("themes"))
        if not challenge.anonymous_allowed:
            del self.fields["anonymous"]
        if not divisions:
            del self.fields["division"], self.fields["theme"]
            return
        from kikin.core.templatetags.kikin_format import pick

        self.fields["division"].choices = [("", "—")] + [
            (d.code, pick(d, "title")) for d in divisions
        ]
        themes = [(t.code, pick(t, "title")) for d in divisions for t in d.themes.all()]
        if themes:
            self.fields["theme"].choices = [("", "—"), *themes]
        else:
            del self.fields["theme"]


class MemberForm(forms.Form):
    username = forms.CharField(label=_("User name of the entrant to add"), max_length=150)


class EntryForm(forms.Form):
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)
    file = forms.FileField(label=_("File"))


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF or office file)"))


class PlanForm(forms.Form):
    text = forms.CharField(
        label=_("Plan (TOML, as in the plan files)"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
    )


class ScheduleForm(forms.Form):
    opens_on = forms.DateField(label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(
        label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"})
    )


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Payment reference"), max_length=100)


class ConflictForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
