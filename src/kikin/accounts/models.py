"""People and the organisations they act for.

Every user has one role, the capacity in which they use the system: the ministry (経済産業省)
that approves, the agency's program officers (NEDO-like 実施機関) who run calls and themes,
external reviewers and committee members, and applicants who later become implementers.
"""

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    AGENCY = "agency", _("Agency program officer")
    REVIEWER = "reviewer", _("Committee reviewer")
    APPLICANT = "applicant", _("Applicant")


class OrganisationCategory(models.TextChoices):
    """The applicant categories that decide subsidy rates (rules.md §1, §6)."""

    LARGE = "large", _("Large company")
    SME = "sme", _("SME or startup (specified business under the SME Enhancement Act)")
    ACADEMIA = "academia", _("Academic or public research body")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=OrganisationCategory.choices)
    corporate_number = models.CharField(
        _("corporate number"), max_length=13, blank=True,
        validators=[RegexValidator(r"^\d{13}$", _("A corporate number (法人番号) has 13 digits."))],
    )
    country = models.CharField(_("country"), max_length=2, default="JP")
    has_rd_base_in_japan = models.BooleanField(_("R&D base in Japan"), default=True)

    class Meta:
        ordering = ["name_ja"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name_ja


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.APPLICANT)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="members",
        verbose_name=_("organisation"),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_ministry(self) -> bool:
        return self.role == Role.MINISTRY

    @property
    def is_agency(self) -> bool:
        return self.role == Role.AGENCY

    @property
    def is_reviewer(self) -> bool:
        return self.role == Role.REVIEWER

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT
