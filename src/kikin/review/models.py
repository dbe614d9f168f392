"""The two-stage selection (採択審査, 000 lines 5165–5200): the ministry's first review, the
committee's second review with reviewers, conflicts of interest, rubric scores and hearings, the
committee's decision, the ministry's approval, and the adoption notice.

Reviews are confidential: nothing here is shown to applicants or the public, except the adoption
notice to its proposer and the published list of adoptions.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Organisation, User
from kikin.calls.models import Call, Proposal
from kikin.core.fields import ClockStamp


class FirstReview(models.Model):
    """The ministry's first review: fit with the policy aims (施策目的との合致性)."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="first_review")
    passed = models.BooleanField(_("passed"))
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = ClockStamp(_("decided at"), auto_now_add=True)


class ReviewerProfile(models.Model):
    """A reviewer's expertise, used to suggest assignments."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="reviewer_profile")
    keywords = models.TextField(
        _("keywords"), blank=True, help_text=_("Comma-separated, Japanese or English.")
    )
    profile = models.TextField(_("expertise"), blank=True)
    max_load = models.PositiveSmallIntegerField(_("most proposals at once"), default=10)
    active = models.BooleanField(_("in the pool"), default=True)

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.replace("、", ",").split(",") if k.strip()]


class ConflictDeclaration(models.Model):
    """A declared conflict of interest: with one proposal, or with an organisation."""

    reviewer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="declared_conflicts")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="declared_conflicts"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="declared_conflicts",
    )
    reason = models.TextField(_("reason"))
    declared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    declared_at = ClockStamp(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposal__isnull=False) | models.Q(organisation__isnull=False),
                name="conflict_names_a_proposal_or_organisation",
            )
        ]


class NameMatchDecision(models.Model):
    """An officer's decision on two organisation names that are alike (a near match, or one name
    under two corporate numbers): the same organisation (a conflict of interest wherever they
    meet) or different ones. Names are kept normalised (kikin.accounts.identity), in order."""

    name_a = models.CharField(_("name"), max_length=200)
    name_b = models.CharField(_("other name"), max_length=200)
    same = models.BooleanField(_("the same organisation"))
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = ClockStamp(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name_a", "name_b"], name="one_decision_per_name_pair"),
            models.CheckConstraint(
                condition=models.Q(name_a__lt=models.F("name_b")), name="name_pair_in_order"
            ),
        ]
        verbose_name = _("organisation name match")
        verbose_name_plural = _("organisation name matches")


class Criterion(models.Model):
    """One criterion of a call's scoring rubric."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(max_length=32)
    label_ja = models.CharField(_("criterion (Japanese)"), max_length=200)
    label_en = models.CharField(_("criterion (English)"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    max_score = models.PositiveSmallIntegerField(
        _("highest score"), default=5, validators=[MinValueValidator(1)]
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["call", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="one_criterion_code_per_call")
        ]


class Assignment(models.Model):
    """A reviewer asked to review a proposal in the second review."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assignments")
    affinity = models.DecimalField(max_digits=9, decimal_places=6, default=0)
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assigned_at = ClockStamp(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="one_assignment_per_pair")
        ]
        indexes = [models.Index(fields=["reviewer", "proposal"])]


class Review(models.Model):
    class Recommendation(models.TextChoices):
        ADOPT = "adopt", _("Adopt")
        ADOPT_WITH_CONDITIONS = "conditions", _("Adopt with conditions")
        REJECT = "reject", _("Reject")

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    comment = models.TextField(_("comment"), blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=16, choices=Recommendation.choices, blank=True
    )
    weighted_score = models.DecimalField(
        _("weighted score"), max_digits=8, decimal_places=3, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion")
        ]


class Hearing(models.Model):
    """A hearing (ヒアリング) with the proposer, held by the ministry or the agency."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="hearings")
    scheduled_at = models.DateTimeField(_("scheduled at"))
    place = models.CharField(_("place or link"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    held = models.BooleanField(_("held"), default=False)
    scheduled_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["scheduled_at"]


class Decision(models.Model):
    """The committee's decision on one proposal, then the ministry's approval and the notice."""

    class Outcome(models.TextChoices):
        ADOPT = "adopt", _("Adopt")
        ADOPT_WITH_CONDITIONS = "conditions", _("Adopt with conditions")
        REJECT = "reject", _("Reject")

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    conditions = models.TextField(_("conditions"), blank=True)
    adopted_as_item = models.PositiveSmallIntegerField(
        _("adopted as item"),
        null=True,
        blank=True,
        help_text=_("The item the plan lets a theme be adopted as (post-5G: ③ leading research)."),
    )
    reason = models.TextField(_("reason"))
    committee_score = models.DecimalField(
        _("committee score"), max_digits=8, decimal_places=3, null=True, blank=True
    )
    override_reason = models.TextField(
        _("reason for departing from the recommended set"),
        blank=True,
    )
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = ClockStamp(auto_now_add=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = models.TextField(blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    notice_number = models.CharField(max_length=40, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)


class AdoptionPlan(models.Model):
    """A recommended set of adoptions for a call: the committee scores, the call's budget, a MILP."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="adoption_plans")
    proposal_ids = models.JSONField(default=list)
    total_score = models.DecimalField(max_digits=12, decimal_places=3)
    total_yen = models.BigIntegerField()
    budget_yen = models.BigIntegerField()
    proven_optimal = models.BooleanField(default=False)
    made_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    made_at = ClockStamp(auto_now_add=True)

    class Meta:
        ordering = ["-made_at"]


class CapException(models.Model):
    """A cap exceeded by an amount the external reviewers at selection approved after scrutiny
    (予算規模を超える予算規模を認める, 000 lines 4958–4966, 5137–5143): only for items whose
    plan allows it (② and ④ in the post-5G fund), recorded with who approved, the approved
    amount and the reason."""

    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, related_name="cap_exception"
    )
    approved_cap_yen = models.BigIntegerField(_("approved cap (yen)"))
    plan_cap_yen = models.BigIntegerField(_("the plan's cap (yen)"))
    reason = models.TextField(_("reason"))
    approved_by_names = models.TextField(
        _("approved by"), help_text=_("The external reviewers who approved it.")
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = ClockStamp(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved_cap_yen__gt=models.F("plan_cap_yen")),
                name="cap_exception_above_plan",
            )
        ]


class DeclarationCheck(models.Model):
    """The officer's check of one application condition the applicant declared, at the first
    review (the conditions kikin cannot decide from the proposal's data)."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="declaration_checks"
    )
    code = models.CharField(_("condition"), max_length=64)
    confirmed = models.BooleanField(_("confirmed"))
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    checked_at = ClockStamp(auto_now=True)

    class Meta:
        ordering = ["proposal", "code"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "code"], name="one_check_per_condition")
        ]
