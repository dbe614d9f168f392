"""Calls for proposals (公募): which themes they are for, their window in JST and budget total."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import validate_researcher_number
from kikin.core import timeutil
from kikin.core.files import generated_name
from kikin.core.timeutil import JST, jst_end_of
from kikin.programs.models import Program, Theme
from kikin.rules.deadlines import adoption_due_date


class PeerReviews(models.TextChoices):
    """When a reviewer may read the other reviewers' reviews of a proposal (never their names)."""

    NEVER = "never", _("Never")
    AFTER_OWN = "after_own", _("Once their own review is submitted")
    AFTER_DECISION = "after_decision", _("Once the committee has decided")


class Call(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="calls")
    key = models.SlugField(
        _("key"), max_length=32, help_text=_("e.g. 2024-07 for the GENIAC call of July 2024")
    )
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    themes = models.ManyToManyField(Theme, related_name="calls", verbose_name=_("themes"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(
        _("closes at"), help_text=_("The last moment a proposal is accepted.")
    )
    budget_total_yen = models.BigIntegerField(_("budget total (yen)"), null=True, blank=True)
    cycle = models.PositiveSmallIntegerField(_("cycle"), null=True, blank=True)
    note_ja = models.TextField(_("note (Japanese)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    seed_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo call"), default=False)
    peer_reviews = models.CharField(
        _("reviewers see each other's reviews"),
        max_length=16,
        choices=PeerReviews.choices,
        default=PeerReviews.AFTER_OWN,
        help_text=_("Reviewers never see each other's names."),
    )
    reviews_due_at = models.DateTimeField(
        _("reviews due at"),
        null=True,
        blank=True,
        help_text=_(
            "The last moment for the committee's reviewers to submit their reviews; where none"
            " is set, the end of the day the adoption decision is due."
        ),
    )

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["program", "key"], name="one_call_key_per_program"),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_total_yen__isnull=True)
                | models.Q(budget_total_yen__gte=0),
                name="call_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(reviews_due_at__isnull=True)
                | models.Q(reviews_due_at__gt=models.F("closes_at")),
                name="call_reviews_due_after_it_closes",
            ),
        ]
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self):
        return self.title_ja

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("A call must close after it opens.")})
        if self.program_id and self.closes_at and self.closes_at.date() > self.program.end_date:
            raise ValidationError({"closes_at": _("A call cannot run past the program's end.")})

    def is_open(self, at: dt.datetime | None = None) -> bool:
        at = at or timeutil.now()
        return self.opens_at <= at <= self.closes_at

    @property
    def deadline_date(self) -> dt.date:
        """The deadline as a date in Japan Standard Time."""
        return timezone.localtime(self.closes_at, JST).date()

    @property
    def adoption_due_date(self) -> dt.date:
        """The 55-day limit from the call's deadline to the adoption decision
        (`kikin.rules.deadlines.adoption_due_date`, 000 line 5193)."""
        return adoption_due_date(self.deadline_date)

    @property
    def review_deadline(self) -> dt.datetime:
        """When the reviewers' reviews are due: the call's own `reviews_due_at`, or else the end
        (JST) of the day the adoption decision is due, which no review can come after."""
        return self.reviews_due_at or jst_end_of(self.adoption_due_date)


class CallDocumentKind(models.TextChoices):
    """What a call's published document is."""

    GUIDELINES = "guidelines", _("Call guidelines")
    FORMS = "forms", _("Proposal forms")
    BRIEFING = "briefing", _("Briefing material")
    FAQ = "faq", _("Questions and answers")
    OTHER = "other", _("Other document")


def call_document_path(instance, filename):
    """A generated name: the name the officer's file had is kept in `original_name`."""
    return generated_name(f"calls/{instance.call_id}", filename)


class CallDocument(models.Model):
    """A document published with a call (its guidelines, the proposal forms, …): anyone who
    may see the call may download it. Uploaded through `kikin.core.files.check_document`."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="documents", verbose_name=_("call")
    )
    kind = models.CharField(
        _("kind of document"),
        max_length=16,
        choices=CallDocumentKind.choices,
        default=CallDocumentKind.GUIDELINES,
    )
    title_ja = models.CharField(_("document title (Japanese)"), max_length=200)
    title_en = models.CharField(_("document title (English)"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=call_document_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "id"]
        verbose_name = _("call document")
        verbose_name_plural = _("call documents")

    def __str__(self):
        return self.title_ja


class ProposalState(models.TextChoices):
    """A proposal's states. Allowed moves are declared in `calls.workflow.TRANSITIONS`."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    FIRST_PASSED = "first_passed", _("Passed the first review")
    FIRST_FAILED = "first_failed", _("Failed the first review")
    IN_REVIEW = "in_review", _("In the second review")
    RECOMMENDED = "recommended", _("Committee: adopt")
    NOT_RECOMMENDED = "not_recommended", _("Committee: reject")
    ADOPTED = "adopted", _("Adopted (approved by the ministry)")
    REJECTED = "rejected", _("Not adopted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DevelopmentType(models.TextChoices):
    """GENIAC (g3) development types (rules.md §6)."""

    SCRATCH = "scratch", _("From scratch")
    CONTINUED = "continued", _("Continued pre-training of an existing model")
    FINE_TUNING = "fine_tuning", _("Fine-tuning of a domestic model")


class Proposal(models.Model):
    """A proposal (提案) by one organisation to one call, for one theme.

    While a draft it is edited in place; each submission freezes its content as a
    ProposalVersion with a receipt number. Business secrets in it (business plans, sales) are
    confidential (000 lines 5252–5255): only its organisation's members and the staff and
    reviewers entitled to it may read it.
    """

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("call")
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("theme")
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("organisation"),
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=ProposalState.choices,
        default=ProposalState.DRAFT,
        db_index=True,
    )
    language = models.CharField(
        _("language"), max_length=2, choices=[("ja", "日本語"), ("en", "English")], default="ja"
    )
    receipt_number = models.CharField(
        _("receipt number"), max_length=32, unique=True, null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    abstract = models.TextField(_("abstract"), blank=True)
    plan = models.TextField(_("R&D plan"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    period_months = models.PositiveSmallIntegerField(_("period (months)"), null=True, blank=True)
    set_value = models.DecimalField(
        _("cost-effectiveness set value"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Sales increase ÷ proposal-time contract cost, for themes under the refund scheme."
        ),
    )
    cap_option = models.CharField(_("scope of the proposal"), max_length=16, blank=True)
    self_investment_yen = models.BigIntegerField(
        _("pledged self-investment (yen)"), null=True, blank=True
    )
    continuation_plan = models.TextField(_("continuation plan"), blank=True)
    requested_to_first_gate_yen = models.BigIntegerField(
        _("money up to the first stage gate (yen)"),
        null=True,
        blank=True,
        help_text=_("Where the theme's cap bounds the money planned up to its first gate."),
    )
    gx_commitment = models.BooleanField(
        _("commitment to social implementation (GX)"), default=False
    )
    declarations = models.JSONField(
        _("conditions declared as met"),
        default=list,
        blank=True,
        help_text=_("Codes of the theme's application conditions the applicant affirms."),
    )
    declaration_evidence = models.TextField(_("evidence for the declared conditions"), blank=True)
    cap_excess_reason = models.TextField(
        _("why the cap is not enough"),
        blank=True,
        help_text=_(
            "Items whose cap the selection reviewers may exceed: the reason for asking more."
        ),
    )
    # Technology-leakage declarations (calls from FY2025, 000 lines 6292–6523).
    leakage_core_technologies = models.TextField(_("core important technologies"), blank=True)
    leakage_access_control = models.TextField(_("access control"), blank=True)
    leakage_staff_management = models.TextField(_("management of staff with access"), blank=True)
    leakage_partner_controls = models.TextField(_("controls at partners"), blank=True)
    # GENIAC (g3).
    development_type = models.CharField(
        _("development type"), max_length=16, choices=DevelopmentType.choices, blank=True
    )
    benchmark_target = models.TextField(_("benchmark target"), blank=True)
    compute_provider = models.CharField(_("compute provider"), max_length=100, blank=True)
    accelerator_type = models.CharField(_("accelerator type"), max_length=100, blank=True)
    accelerator_hours = models.PositiveIntegerField(_("accelerator-hours"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    version_count = models.PositiveSmallIntegerField(_("versions"), default=0)
    #: When the result (adopted or not) was notified; before it the applicant sees only “submitted”.
    result_notified_at = models.DateTimeField(_("result notified at"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["call", "state", "id"]),
            models.Index(fields=["organisation", "-updated_at"]),
            # The staff list (every submitted proposal, newest first) and a call's panel.
            models.Index(
                fields=["-updated_at", "-id"],
                condition=~models.Q(state="draft"),
                name="proposal_staff_list",
            ),
            models.Index(fields=["call", "receipt_number"], name="proposal_call_receipt"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(self_investment_yen__isnull=True)
                | models.Q(self_investment_yen__gte=0),
                name="self_investment_not_negative",
            ),
            # A draft has no receipt number yet; a draft withdrawn keeps none.
            models.CheckConstraint(
                condition=models.Q(state="draft")
                | models.Q(receipt_number__isnull=False)
                | models.Q(state="withdrawn", submitted_at__isnull=True),
                name="submitted_proposal_has_receipt",
            ),
        ]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self):
        return self.receipt_number or f"{self.title or '(untitled)'} #{self.pk}"

    @property
    def requested_total_yen(self) -> int:
        return sum(line.requested_yen for line in self.budget_lines.all())

    def theme_spec(self):
        """The rules engine's view of the theme, as the terms in force on the call's date set it
        (None where the plan states no terms)."""
        if not hasattr(self, "_theme_spec"):
            from kikin.programs.selectors import terms_in_force

            terms = terms_in_force(
                self.theme, timezone.localtime(self.call.opens_at, JST).date()
            ).terms
            self._theme_spec = terms.as_spec() if terms else None
        return self._theme_spec

    @property
    def has_compute_support(self) -> bool:
        """The theme's plan declares compute support (GENIAC's mode, 000 lines 4711–4729)."""
        spec = self.theme_spec()
        return bool(spec and spec.has_mode("compute_support"))


class BudgetLine(models.Model):
    """The money asked of the fund (NEDO負担額) for one fiscal year, and the eligible cost behind it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="budget_lines")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    requested_yen = models.BigIntegerField(_("requested (yen)"))
    eligible_cost_yen = models.BigIntegerField(_("eligible cost (yen)"), null=True, blank=True)

    class Meta:
        ordering = ["fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "fiscal_year"], name="one_budget_line_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(requested_yen__gte=0), name="requested_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(eligible_cost_yen__isnull=True)
                | models.Q(eligible_cost_yen__gte=0),
                name="eligible_cost_not_negative",
            ),
        ]


class TeamMember(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="team")
    name = models.CharField(_("name"), max_length=100)
    researcher_number = models.CharField(
        _("researcher number (e-Rad)"),
        max_length=8,
        blank=True,
        validators=[validate_researcher_number],
    )
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    role = models.CharField(_("role in the project"), max_length=100, blank=True)
    is_lead = models.BooleanField(_("principal investigator"), default=False)

    class Meta:
        ordering = ["-is_lead", "id"]


class PartnerRelation(models.TextChoices):
    INDEPENDENT = "independent", _("Independent organisation")
    PARENT = "parent", _("Parent company")
    SUBSIDIARY = "subsidiary", _("Subsidiary")


class Partner(models.Model):
    """A joint proposer, subcontractor or collaborator. Partners count as conflicts of interest."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partnerships",
    )
    name = models.CharField(_("name"), max_length=200)
    corporate_number = models.CharField(
        _("corporate number"),
        max_length=13,
        blank=True,
        help_text=_(
            "法人番号, where the partner has one: conflicts of interest are matched by it."
        ),
    )
    country = models.CharField(_("country"), max_length=2, default="JP")
    relation = models.CharField(
        _("relation"),
        max_length=16,
        choices=PartnerRelation.choices,
        default=PartnerRelation.INDEPENDENT,
    )
    special_capability = models.TextField(_("special capability (foreign partners)"), blank=True)
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=[("joint", _("Joint R&D")), ("adviser", _("Adviser"))],
        default="joint",
    )
    supplies_ai_compute = models.BooleanField(
        _("develops or supplies part of AI compute infrastructure"), default=False
    )

    class Meta:
        ordering = ["id"]

    @property
    def is_foreign(self) -> bool:
        return self.country.upper() != "JP"


def attachment_path(instance, filename):
    """A generated name: the name the applicant gave is kept in `original_name`."""
    return generated_name(f"proposals/{instance.proposal_id}", filename)


class Attachment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class ProposalVersion(models.Model):
    """The frozen content of one submission. Never changed after it is written."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    content = models.JSONField(_("content"))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    submission_key = models.CharField(
        max_length=64, unique=True, help_text="idempotency key of the request"
    )

    class Meta:
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="one_version_number")
        ]


class CallSequence(models.Model):
    """The last receipt number given in a call, incremented under a row lock."""

    call = models.OneToOneField(
        Call, on_delete=models.CASCADE, primary_key=True, related_name="sequence"
    )
    last = models.PositiveIntegerField(default=0)
