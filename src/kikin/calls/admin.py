"""Calls in the admin: shown read only; an officer opens a call and corrects it through the
calls services (checked against the program, one audit record each)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kikin.audit.admin import AuditedAdmin, ChoiceOfModel, ServiceForm
from kikin.programs.models import Program, Theme

from . import services
from .models import Call, PeerReviews


class CallForm(ServiceForm):
    title = _("Correct the call")

    title_ja = forms.CharField(label=_("title (Japanese)"), required=False)
    title_en = forms.CharField(label=_("title (English)"), required=False)
    themes = forms.ModelMultipleChoiceField(
        Theme.objects.select_related("program"), label=_("themes"), required=False
    )
    opens_at = forms.DateTimeField(label=_("opens at"), required=False)
    closes_at = forms.DateTimeField(label=_("closes at"), required=False)
    reviews_due_at = forms.DateTimeField(label=_("reviews due at"), required=False)
    budget_total_yen = forms.IntegerField(label=_("budget total (yen)"), required=False)
    cycle = forms.IntegerField(label=_("cycle"), required=False)
    note_ja = forms.CharField(label=_("note (Japanese)"), widget=forms.Textarea, required=False)
    note_en = forms.CharField(label=_("note (English)"), widget=forms.Textarea, required=False)
    peer_reviews = forms.ChoiceField(
        label=_("reviewers see each other's reviews"), choices=PeerReviews.choices, required=False
    )

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        if obj is not None:
            self.fields["themes"].queryset = Theme.objects.filter(program=obj.program_id)
            for name in services.CALL_FIELDS:
                self.initial.setdefault(name, getattr(obj, name))
            self.initial.setdefault("themes", list(obj.themes.values_list("pk", flat=True)))

    def _values(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.CALL_FIELDS}

    def save(self, *, actor):
        return services.update_call(
            actor=actor, call=self.obj, themes=self.cleaned_data["themes"], **self._values()
        )


class CreateCallForm(CallForm):
    title = _("Open a call")
    for_object = False

    program = ChoiceOfModel(Program.objects.all(), label=_("program"))
    key = forms.CharField(
        label=_("key"), required=False, help_text=_("e.g. 2024-07 for the GENIAC call of July 2024")
    )

    field_order = ["program", "key"]

    def save(self, *, actor):
        return services.create_call(
            actor=actor,
            program=self.cleaned_data["program"],
            key=self.cleaned_data["key"],
            themes=self.cleaned_data["themes"],
            **self._values(),
        )


@admin.register(Call)
class CallAdmin(AuditedAdmin):
    list_display = ["key", "title_ja", "opens_at", "closes_at", "budget_total_yen", "is_demo"]
    list_filter = ["program", "is_demo"]
    service_forms = {"edit": CallForm, "create": CreateCallForm}
