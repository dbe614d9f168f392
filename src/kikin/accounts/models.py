"""People and the organisations they act for.

Every user has one role, the capacity in which they use the system: the ministry (経済産業省)
that approves, the agency's program officers (NEDO-like 実施機関) who run calls and themes,
external reviewers and committee members, and applicants who later become implementers.
"""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from kikin.rules.identifiers import is_valid_corporate_number, is_valid_researcher_number


def validate_corporate_number(value: str) -> None:
    """法人番号: 13 digits whose first is the check digit (rules.identifiers)."""
    if not (value.isascii() and value.isdigit() and len(value) == 13):
        raise ValidationError(_("A corporate number (法人番号) has 13 digits."), code="format")
    if not is_valid_corporate_number(value):
        raise ValidationError(
            _("This corporate number's check digit (its first digit) does not match."),
            code="check_digit",
        )


def validate_researcher_number(value: str) -> None:
    """e-Rad 研究者番号: 8 digits."""
    if not is_valid_researcher_number(value):
        raise ValidationError(
            _("An e-Rad researcher number (研究者番号) has 8 digits."), code="format"
        )


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
        _("corporate number"),
        max_length=13,
        blank=True,
        validators=[validate_corporate_number],
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
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    researcher_number = models.CharField(
        _("researcher number (e-Rad)"),
        max_length=8,
        blank=True,
        validators=[validate_researcher_number],
    )
    #: Signed up on the site (or added by a colleague): may not apply until the e-mail address
    #: is verified (kikin.accounts.email_verification).
    self_registered = models.BooleanField(_("self-registered"), default=False)
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    #: A demo account that signs in without a second factor, and only where the demo's settings
    #: allow it (KIKIN_DEMO_ACCOUNTS); set by load_demo, never by a form.
    second_factor_exempt = models.BooleanField(
        _("demo account without a second factor"), default=False
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A user name has no space before or after it ("applicant " is not a second applicant).
            models.CheckConstraint(
                condition=~models.Q(username__regex=r"(^\s|\s$)"),
                name="username_without_outer_spaces",
            ),
            models.UniqueConstraint(Lower("username"), name="username_unique_ignoring_case"),
        ]

    @property
    def may_apply(self) -> bool:
        """Whether this person may start or submit proposals as far as their account goes: a
        self-registered account once its e-mail address is verified."""
        return not self.self_registered or self.email_verified_at is not None

    @property
    def needs_second_factor(self) -> bool:
        from django.conf import settings

        if self.second_factor_exempt and getattr(settings, "KIKIN_DEMO_ACCOUNTS", False):
            return False
        return bool(
            self.role in getattr(settings, "KIKIN_SECOND_FACTOR_ROLES", ())
            or (
                getattr(settings, "KIKIN_SECOND_FACTOR_ROLES", ())
                and (self.is_staff or self.is_superuser)
            )
        )

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
