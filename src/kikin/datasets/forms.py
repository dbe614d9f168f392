"""Forms of the research-data pages: they parse and label input; the rules are in `services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Organisation, Role
from kikin.awards.models import Award
from kikin.core.feedback import refusal_to_form

from .models import (
    AccessLevel,
    CommitteeRole,
    DataPlatform,
    IPDecisionKind,
    Licence,
    Payer,
    Sector,
    Tier,
)

DATE = forms.DateInput(attrs={"type": "date"})
LANGUAGES = [("ja", "日本語"), ("en", "English")]


def apply_errors(form: forms.Form, exc: Exception) -> None:
    """Put a service's refusal on the form: beside the field it names (shown with its label),
    or at the top naming the field where the form has no such field."""
    refusal_to_form(form, exc)


class DatasetForm(forms.Form):
    title_ja = forms.CharField(label=_("Title (Japanese)"), max_length=500)
    title_en = forms.CharField(label=_("Title (English)"), max_length=500, required=False)
    description_ja = forms.CharField(
        label=_("Description (Japanese)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    creators = forms.CharField(
        label=_("Creators"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: name / name in English / affiliation / ORCID iD."),
    )
    publisher = forms.CharField(label=_("Publisher"), max_length=300)
    subjects = forms.CharField(
        label=_("Keywords"), required=False, help_text=_("Separated by commas.")
    )
    language = forms.ChoiceField(label=_("Language of the data"), choices=LANGUAGES)
    version = forms.CharField(label=_("Version"), max_length=40, required=False)
    access_level = forms.ChoiceField(label=_("Access level"), choices=AccessLevel.choices)
    embargo_until = forms.DateField(
        label=_("Embargoed until"),
        widget=DATE,
        required=False,
        help_text=_("For an embargoed dataset: the first day it is open."),
    )
    licence = forms.ChoiceField(label=_("Licence"), choices=Licence.choices)
    conditions = forms.CharField(
        label=_("Written conditions of use"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "One condition per line; the data manager checks each one for every request. Left empty on a platform, the platform's conditions apply."
        ),
    )
    platform = forms.ModelChoiceField(
        label=_("Data platform"), queryset=DataPlatform.objects.none(), required=False
    )
    award = forms.ModelChoiceField(
        label=_("Award (funding)"), queryset=Award.objects.none(), required=False
    )
    organisation = forms.ModelChoiceField(
        label=_("Managing organisation"), queryset=Organisation.objects.all(), required=False
    )

    def __init__(self, *args, user=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("platform", "award", "organisation"):
                del self.fields[name]
            return
        if user is not None and user.role == Role.APPLICANT:
            del self.fields["organisation"]
            self.fields["platform"].queryset = DataPlatform.objects.filter(
                data_manager_id=user.organisation_id
            )
            self.fields["award"].queryset = Award.objects.filter(
                organisation_id=user.organisation_id
            )
        else:
            self.fields["platform"].queryset = DataPlatform.objects.exclude(
                data_manager__isnull=True
            )
            self.fields["award"].queryset = Award.objects.all()

    def service_fields(self) -> dict:
        d = dict(self.cleaned_data)
        for name in ("platform", "award", "organisation"):
            d.pop(name, None)
        return d


def dataset_initial(dataset) -> dict:
    return {
        "title_ja": dataset.title_ja,
        "title_en": dataset.title_en,
        "description_ja": dataset.description_ja,
        "description_en": dataset.description_en,
        "creators": "\n".join(
            " / ".join(
                [
                    c.get("name", ""),
                    c.get("name_en", ""),
                    c.get("affiliation", ""),
                    c.get("orcid", ""),
                ]
            ).rstrip(" /")
            for c in dataset.creators
        ),
        "publisher": dataset.publisher,
        "subjects": ", ".join(dataset.subjects),
        "language": dataset.language,
        "version": dataset.version,
        "access_level": dataset.access_level,
        "embargo_until": dataset.embargo_until,
        "licence": dataset.licence,
        "conditions": "\n".join(c["text_ja"] for c in dataset.conditions),
    }


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    sha256 = forms.CharField(
        label=_("SHA-256 (optional)"),
        required=False,
        help_text=_("If given, the upload is refused unless the file has this checksum."),
    )


class ExternalFileForm(forms.Form):
    name = forms.CharField(label=_("File name"), max_length=255, required=False)
    url = forms.CharField(label=_("External location"), max_length=1000)
    sha256 = forms.CharField(label=_("SHA-256"))
    size_bytes = forms.IntegerField(label=_("Size (bytes)"), required=False, min_value=0)


class RequestForm(forms.Form):
    purpose = forms.CharField(label=_("Purpose of use"), widget=forms.Textarea(attrs={"rows": 3}))
    accept_conditions = forms.BooleanField(
        label=_("I accept the written conditions of use above."), required=False
    )
    declares_compliance = forms.BooleanField(
        label=_(
            "We comply with Japanese law and internationally accepted norms, past conduct included."
        ),
        required=False,
    )
    declares_no_foreign_influence = forms.BooleanField(
        label=_("Our cyber security is not subject to foreign legal influence."), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DataPlanForm(forms.Form):
    data_description = forms.CharField(
        label=_("Data to be produced or collected"), widget=forms.Textarea(attrs={"rows": 3})
    )
    data_types = forms.CharField(label=_("Kinds and formats of data"), required=False)
    volume = forms.CharField(label=_("Expected volume"), required=False)
    manager_name = forms.CharField(label=_("Data manager (person)"), max_length=100)
    manager_organisation = forms.CharField(label=_("Data manager (organisation)"), max_length=200)
    access_policy = forms.ChoiceField(label=_("Access policy"), choices=AccessLevel.choices)
    access_policy_note = forms.CharField(
        label=_("Reasons and conditions of the policy"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    retention = forms.CharField(label=_("Retention"), max_length=200)
    publication = forms.CharField(
        label=_("Publication plan"), widget=forms.Textarea(attrs={"rows": 2})
    )
    storage = forms.CharField(label=_("Where the data is kept"), required=False)
    metadata_standard = forms.CharField(
        label=_("Metadata standard"), required=False, initial="DataCite / JPCOAR"
    )
    change_note = forms.CharField(
        label=_("What changed"),
        required=False,
        help_text=_("Required from the second version on."),
    )


class ThemePlatformForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=300)
    name_en = forms.CharField(label=_("Name (English)"), max_length=300, required=False)
    conditions = forms.CharField(
        label=_("Written conditions of use"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One condition per line."),
    )
    declares_compliance = forms.BooleanField(
        label=_(
            "The implementer, as data manager, declared compliance with Japanese law and internationally accepted norms, past conduct included."
        ),
        required=False,
    )
    declares_no_foreign_influence = forms.BooleanField(
        label=_(
            "The implementer, as data manager, declared its cyber security free of foreign legal influence."
        ),
        required=False,
    )


class CommitteeForm(forms.Form):
    scope = forms.CharField(
        label=_("Research item"),
        required=False,
        help_text=_("Leave empty for a committee of the whole theme."),
    )
    established_on = forms.DateField(label=_("Established on"), widget=DATE)
    members = forms.CharField(
        label=_("Members"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line: name / affiliation / chair, member or agency."),
    )

    def member_rows(self) -> list[dict]:
        rows = []
        for line in (self.cleaned_data.get("members") or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("/")] + ["", ""]
            rows.append({"name": parts[0], "affiliation": parts[1], "role": parts[2] or "member"})
        return rows


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    affiliation = forms.CharField(label=_("Affiliation"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=CommitteeRole.choices)


class DecisionForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    kind = forms.ChoiceField(label=_("Subject"), choices=IPDecisionKind.choices)
    summary = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))


class PlatformTermsForm(forms.Form):
    conditions = forms.CharField(
        label=_("Written conditions of use"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One condition per line."),
    )
    storage_committed = forms.BooleanField(
        label=_("The data manager pays for storing and supplying the data after the project"),
        required=False,
    )
    storage_commitment = forms.CharField(
        label=_("Storage commitment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    framework = forms.CharField(label=_("Data management framework"), required=False)
    security_note = forms.CharField(
        label=_("Security"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class MemberOrgForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.all()
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    joined_on = forms.DateField(label=_("Joined on"), widget=DATE)


class ManagerChangeForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("New data manager"), queryset=Organisation.objects.all()
    )
    changed_on = forms.DateField(label=_("Changed on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    declares_compliance = forms.BooleanField(
        label=_(
            "It declared compliance with Japanese law and internationally accepted norms, past conduct included."
        ),
        required=False,
    )
    declares_no_foreign_influence = forms.BooleanField(
        label=_("It declared its cyber security free of foreign legal influence."), required=False
    )


class InstructionForm(forms.Form):
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    other_platform = forms.CharField(label=_("Platform to link with"), max_length=300)
    instruction = forms.CharField(label=_("Instruction"), widget=forms.Textarea(attrs={"rows": 2}))


class InstructionStepForm(forms.Form):
    on = forms.DateField(label=_("On"), widget=DATE)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class StorageForm(forms.Form):
    fiscal_year = forms.IntegerField(label=_("Fiscal year"), min_value=2000)
    payer = forms.ChoiceField(label=_("Paid by"), choices=Payer.choices)
    amount_yen = forms.IntegerField(label=_("Amount (yen)"), min_value=0)
    note = forms.CharField(label=_("Note"), required=False)


class FeedbackForm(forms.Form):
    text = forms.CharField(label=_("Feedback"), widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    response = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))


class HubForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of site"), choices=Tier.choices)
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)


class FiguresForm(forms.Form):
    fiscal_year = forms.IntegerField(label=_("Fiscal year"), min_value=2000)
    industry = forms.IntegerField(label=_("Uses by industry"), min_value=0, required=False)
    academia = forms.IntegerField(label=_("Uses by academia"), min_value=0, required=False)
    public = forms.IntegerField(label=_("Uses by government"), min_value=0, required=False)
    items = forms.IntegerField(label=_("Data items created"), min_value=0, required=False)


class ExclusionForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.all()
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
