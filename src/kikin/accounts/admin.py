"""Accounts in the admin: shown read only; staff change a person's role and organisation, reset
a lost second factor, open an account for staff and reviewers, and correct an organisation's
record through the accounts services (checked, one audit record each). Staff themselves sign in
to the admin with a second factor (kikin.accounts.second_factor)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kikin.audit.admin import REASON_LABEL, AuditedAdmin, ChoiceOfModel, ServiceForm

from . import services
from .models import Organisation, OrganisationCategory, Role, User


class ChangeRoleForm(ServiceForm):
    title = _("Change role and organisation")

    role = forms.ChoiceField(label=_("role"), choices=Role.choices, required=False)
    organisation = ChoiceOfModel(Organisation.objects.all(), label=_("organisation"))
    reason = forms.CharField(label=REASON_LABEL, widget=forms.Textarea, required=False)

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        if obj is not None:
            self.initial.setdefault("role", obj.role)
            self.initial.setdefault("organisation", obj.organisation_id)

    def save(self, *, actor):
        data = self.cleaned_data
        return services.change_role(
            actor=actor,
            user=self.obj,
            role=data["role"],
            organisation=data["organisation"],
            reason=data["reason"],
        )


class ResetSecondFactorForm(ServiceForm):
    title = _("Reset the second factor")

    reason = forms.CharField(label=REASON_LABEL, widget=forms.Textarea, required=False)

    def save(self, *, actor):
        services.reset_second_factor(actor=actor, user=self.obj, reason=self.cleaned_data["reason"])
        return self.obj


class CreateAccountForm(ServiceForm):
    title = _("Open an account (staff, reviewers)")
    for_object = False

    username = forms.CharField(label=_("user name"), required=False)
    display_name = forms.CharField(label=_("display name"), required=False)
    email = forms.CharField(label=_("e-mail address"), required=False)
    password = forms.CharField(label=_("password"), widget=forms.PasswordInput, required=False)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices, required=False)
    organisation = ChoiceOfModel(Organisation.objects.all(), label=_("organisation"))

    def save(self, *, actor):
        return services.create_account(actor=actor, **self.cleaned_data)


class OrganisationForm(ServiceForm):
    title = _("Correct the organisation's record")

    name_ja = forms.CharField(label=_("name (Japanese)"), required=False)
    name_en = forms.CharField(label=_("name (English)"), required=False)
    category = forms.ChoiceField(
        label=_("category"), choices=OrganisationCategory.choices, required=False
    )
    corporate_number = forms.CharField(label=_("corporate number"), required=False)
    country = forms.CharField(label=_("country"), required=False)
    has_rd_base_in_japan = forms.BooleanField(label=_("R&D base in Japan"), required=False)
    reason = forms.CharField(label=REASON_LABEL, widget=forms.Textarea, required=False)

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        if obj is not None:
            for name in self.fields:
                if name != "reason":
                    self.initial.setdefault(name, getattr(obj, name))

    def save(self, *, actor):
        return services.update_organisation(actor=actor, organisation=self.obj, **self.cleaned_data)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("kikin", {"fields": ("role", "organisation", "display_name")}),
    )
    list_display = ["username", "display_name", "role", "organisation", "is_staff"]
    list_filter = ["role", "is_staff"]
    service_forms = {
        "role": ChangeRoleForm,
        "second-factor": ResetSecondFactorForm,
        "create": CreateAccountForm,
    }


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name_ja", "name_en", "category", "corporate_number"]
    list_filter = ["category"]
    search_fields = ["name_ja", "name_en", "corporate_number"]
    service_forms = {"details": OrganisationForm}
