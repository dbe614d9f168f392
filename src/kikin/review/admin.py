"""Selection in the admin: shown read only; the agency sets a call's rubric, declares a
reviewer's conflict of interest and keeps the reviewer pool through the review services (one
audit record each)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Organisation, Role, User
from kikin.audit.admin import AuditedAdmin, ChoiceOfModel, ServiceForm
from kikin.calls.models import Call, Proposal

from . import services
from .models import ConflictDeclaration, Criterion, ReviewerProfile


def _run(modeladmin, request, queryset, write) -> None:
    """Call `write(obj)` for each chosen row; report each refusal, write nothing else."""
    done = 0
    for obj in queryset:
        try:
            write(obj)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            text = "; ".join(getattr(exc, "messages", None) or [str(exc)])
            modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("Saved, with an audit record."), messages.SUCCESS)


class CriterionForm(ServiceForm):
    title = _("Set a criterion of a call's rubric")
    for_object = False

    call = ChoiceOfModel(Call.objects.all(), label=_("call"))
    code = forms.CharField(label=_("code"), required=False)
    label_ja = forms.CharField(label=_("criterion (Japanese)"), required=False)
    label_en = forms.CharField(label=_("criterion (English)"), required=False)
    weight = forms.IntegerField(label=_("weight"), required=False)
    max_score = forms.IntegerField(label=_("highest score"), required=False, initial=5)
    order = forms.IntegerField(label=_("order"), required=False)

    def save(self, *, actor):
        return services.save_criterion(actor=actor, **self.cleaned_data)


class ChangeCriterionForm(CriterionForm):
    title = _("Change the criterion")
    for_object = True

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        del self.fields["call"], self.fields["code"]
        for name in self.fields:
            self.initial.setdefault(name, getattr(obj, name))

    def save(self, *, actor):
        return services.save_criterion(
            actor=actor, call=self.obj.call, code=self.obj.code, **self.cleaned_data
        )


@admin.register(Criterion)
class CriterionAdmin(AuditedAdmin):
    list_display = ["call", "order", "code", "label_ja", "weight", "max_score"]
    list_filter = ["call"]
    service_forms = {"set": CriterionForm, "edit": ChangeCriterionForm}
    actions = ["remove"]

    @admin.action(
        description=_("Take the chosen criteria off their rubric"), permissions=["service"]
    )
    def remove(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda c: services.remove_criterion(actor=request.user, criterion=c),
        )


class ConflictForm(ServiceForm):
    title = _("Declare a reviewer's conflict of interest")
    for_object = False

    reviewer = ChoiceOfModel(User.objects.filter(role=Role.REVIEWER), label=_("reviewer"))
    proposal = ChoiceOfModel(Proposal.objects.all(), label=_("proposal"))
    organisation = ChoiceOfModel(Organisation.objects.all(), label=_("organisation"))
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("reviewer"):
            self.add_error("reviewer", _("Choose the reviewer."))
        if not data.get("proposal") and not data.get("organisation"):
            self.add_error(None, _("Name the proposal or the organisation the conflict is with."))
        return data

    def save(self, *, actor):
        return services.declare_conflict(actor=actor, **self.cleaned_data)


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(AuditedAdmin):
    list_display = ["reviewer", "proposal", "organisation", "declared_by", "declared_at"]
    service_forms = {"declare": ConflictForm}


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(AuditedAdmin):
    list_display = ["user", "keywords", "max_load", "active"]
    list_filter = ["active"]
    search_fields = ["user__username", "keywords", "profile"]
    actions = ["take_out_of_pool", "put_back_in_pool"]

    @admin.action(
        description=_("Take the chosen reviewers out of the pool"), permissions=["service"]
    )
    def take_out_of_pool(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda p: services.set_reviewer_in_pool(actor=request.user, profile=p, active=False),
        )

    @admin.action(
        description=_("Put the chosen reviewers back in the pool"), permissions=["service"]
    )
    def put_back_in_pool(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda p: services.set_reviewer_in_pool(actor=request.user, profile=p, active=True),
        )
