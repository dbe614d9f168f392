"""Prize challenges (懸賞金型事業, 003_a6c6e9bd1c198956.txt lines 135–428): a challenge is a
program of its own kind, declared in its plan file and copied here by
`services.load_challenge_plan`; staff may then edit it in the app.

A challenge has divisions (部門) with themes, stages with dates (an open round, document review,
development, finals or pitch), prizes (by rank, flat per qualifying team, sponsor prizes outside
the total, prizes without money) and a rubric for the jury. Teams register under a handle
(anonymous where the challenge allows it), submit entries (code evaluated in the sandbox, or
documents for the jury), advance between stages, file the documents a stage asks for, and are
awarded prizes whose payment is recorded. Only those who reach the goal are paid; there is no
確定検査 and no interim review (line 186).
"""

from __future__ import annotations

import secrets

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kikin.accounts.models import Organisation, User
from kikin.core.fields import ClockStamp
from kikin.programs.models import Program
from kikin.rules import challenges as rules


def _choices(values) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


def new_hidden_key() -> str:
    return secrets.token_hex(32)


class Challenge(models.Model):
    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="challenge")
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    total_prize_yen = models.BigIntegerField(_("total prize money (yen)"))
    total_line = models.PositiveIntegerField(_("source line of the total"), null=True, blank=True)
    entries_reported = models.PositiveIntegerField(_("entries reported"), null=True, blank=True)
    participants_reported = models.PositiveIntegerField(
        _("participants reported"), null=True, blank=True
    )
    anonymous_allowed = models.BooleanField(_("anonymous handles allowed"), default=False)
    ip = models.CharField(
        _("intellectual property"), max_length=24, choices=_choices(rules.IP_TERMS)
    )
    ip_ja = models.CharField(_("intellectual property (Japanese)"), max_length=300)
    ip_en = models.CharField(_("intellectual property (English)"), max_length=300)
    ip_line = models.PositiveIntegerField(_("source line of the IP terms"), null=True, blank=True)
    rules_ja = models.TextField(_("published rules (Japanese)"))
    rules_en = models.TextField(_("published rules (English)"))
    #: The secret that makes the hidden problems' parameters. Never shown, never in a plan file.
    hidden_key = models.CharField(max_length=128, default=new_hidden_key, editable=False)
    plan_text = models.TextField(_("plan text"), blank=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("prize challenge")
        verbose_name_plural = _("prize challenges")

    def __str__(self):
        return self.program.title_ja


class Division(models.Model):
    """部門: e.g. the idea division and the system development division."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="divisions")
    code = models.SlugField(max_length=32)
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    description_ja = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    seed_line = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["challenge", "order"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "code"], name="one_division_code")
        ]

    def __str__(self):
        return self.title_ja


class DivisionTheme(models.Model):
    """A theme within a division (テーマ1 港湾, テーマ2 災害)."""

    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="themes")
    code = models.SlugField(max_length=32)
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    order = models.PositiveSmallIntegerField(default=0)
    seed_line = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["division", "order"]
        constraints = [
            models.UniqueConstraint(fields=["division", "code"], name="one_theme_code_per_division")
        ]

    def __str__(self):
        return self.title_ja


class Stage(models.Model):
    """One stage of a challenge, with its dates (JST days, both included) and what it asks for.

    `evaluation` holds the plan's evaluation table (suite, metric, tie rule, limits) as JSON; it
    is turned back into the rules engine's EvaluationSpec with `evaluation_spec()`.
    """

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="stages")
    code = models.SlugField(max_length=32)
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=_choices(rules.STAGE_KINDS))
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    divisions = models.JSONField(_("divisions"), default=list, blank=True)
    entry = models.CharField(_("entries"), max_length=16, choices=_choices(rules.ENTRY_KINDS))
    eligible = models.CharField(
        _("who may enter"), max_length=16, choices=_choices(rules.ELIGIBILITY)
    )
    daily_limit = models.PositiveSmallIntegerField(
        _("submissions per team per day"), null=True, blank=True
    )
    board = models.CharField(_("leaderboard"), max_length=16, choices=_choices(rules.BOARDS))
    advance = models.PositiveSmallIntegerField(_("teams that advance"), null=True, blank=True)
    requires_identity = models.BooleanField(_("identity documents before it opens"), default=False)
    requires_paper = models.BooleanField(_("explanatory paper by its closing date"), default=False)
    benefits_ja = models.TextField(blank=True)
    benefits_en = models.TextField(blank=True)
    note_ja = models.TextField(blank=True)
    note_en = models.TextField(blank=True)
    evaluation = models.JSONField(null=True, blank=True)
    seed_line = models.PositiveIntegerField(null=True, blank=True)
    lines = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["challenge", "order"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "code"], name="one_stage_code"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="stage_closes_after_opening"
            ),
        ]

    def __str__(self):
        return self.title_ja

    def evaluation_spec(self) -> rules.EvaluationSpec | None:
        from .plan_io import evaluation_from_json

        return evaluation_from_json(self.evaluation) if self.evaluation else None


class Prize(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="prizes")
    code = models.SlugField(max_length=32)
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=_choices(rules.PRIZE_KINDS))
    basis = models.CharField(_("decided by"), max_length=16, choices=_choices(rules.PRIZE_BASES))
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="prizes"
    )
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, null=True, blank=True, related_name="prizes"
    )
    theme = models.ForeignKey(
        DivisionTheme, on_delete=models.PROTECT, null=True, blank=True, related_name="prizes"
    )
    amounts_yen = models.JSONField(_("amounts by place (yen)"), default=list, blank=True)
    amount_yen = models.BigIntegerField(_("amount (yen)"), default=0)
    count = models.PositiveSmallIntegerField(_("number of winners"), default=1)
    sponsor_ja = models.CharField(max_length=200, blank=True)
    sponsor_en = models.CharField(max_length=200, blank=True)
    seed_line = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["challenge", "order"]
        constraints = [models.UniqueConstraint(fields=["challenge", "code"], name="one_prize_code")]

    def __str__(self):
        return self.title_ja

    def spec(self) -> rules.PrizeSpec:
        return rules.PrizeSpec(
            code=self.code,
            kind=self.kind,
            basis=self.basis,
            title_ja=self.title_ja,
            title_en=self.title_en,
            line=self.seed_line or 0,
            amounts_yen=tuple(self.amounts_yen),
            amount_yen=self.amount_yen,
            count=self.count,
        )


class JuryCriterion(models.Model):
    """One criterion of the jury's rubric (a stage's, or every stage's when `stages` is empty)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(max_length=32)
    label_ja = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200)
    weight = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    max_score = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])
    stages = models.JSONField(default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["challenge", "order"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "code"], name="one_jury_criterion_code")
        ]


class Juror(models.Model):
    """A committee member on the challenge's jury."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="jurors")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="juries")
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["challenge", "user"], name="one_seat_per_juror")
        ]


class Team(models.Model):
    """A registered team. Its handle is what the public sees; an anonymous team shows nothing
    else (名前を公表せず参加可能, 003 line 301). The organisers' baseline entry is a team too,
    on the board but never qualifying nor paid."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="teams")
    handle = models.CharField(_("handle"), max_length=40)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    display_name = models.CharField(_("name shown with the handle"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, null=True, blank=True, related_name="teams"
    )
    theme = models.ForeignKey(
        DivisionTheme, on_delete=models.PROTECT, null=True, blank=True, related_name="teams"
    )
    is_baseline = models.BooleanField(_("organisers' baseline"), default=False)
    members = models.ManyToManyField(User, through="TeamMember", related_name="challenge_teams")
    registered_at = models.DateTimeField(auto_now_add=True)
    last_evaluation_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["challenge", "handle"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "handle"], name="one_handle_per_challenge")
        ]

    def __str__(self):
        return self.handle

    @property
    def public_name(self) -> str:
        if self.anonymous or not self.display_name:
            return self.handle
        return f"{self.handle} ({self.display_name})"


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="challenge_memberships")
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="+")
    joined_at = ClockStamp(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["challenge", "user"], name="one_team_per_user")
        ]


class SubmissionState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Evaluating")
    DONE = "done", _("Done")
    RECEIVED = "received", _("Received")  # a document: nothing to evaluate


def submission_path(instance, filename: str) -> str:
    return (
        f"challenges/{instance.team.challenge_id}/{instance.team_id}/{instance.number}-{filename}"
    )


class Submission(models.Model):
    """One entry: code to evaluate, or a document for the jury. The evaluation's outcome is
    kept here; `hidden_score` is shown to nobody but staff until the stage's final ranking."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="submissions")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveIntegerField()
    title = models.CharField(pgettext_lazy("challenge", "title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=submission_path, max_length=300)
    file_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True)
    submitted_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=SubmissionState.choices)
    status = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)
    public_score = models.DecimalField(max_digits=20, decimal_places=9, null=True, blank=True)
    hidden_score = models.DecimalField(max_digits=20, decimal_places=9, null=True, blank=True)
    evaluations = models.PositiveIntegerField(default=0)
    seconds = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    output_tail = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    is_final = models.BooleanField(_("chosen for the final ranking"), default=False)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["team", "number"], name="one_submission_number"),
        ]
        indexes = [
            models.Index(fields=["stage", "state", "submitted_at"]),
            models.Index(fields=["team", "stage", "submitted_at"]),
        ]

    def __str__(self):
        return f"{self.team.handle} #{self.number}"

    def _text(self, value) -> str:
        if value is None:
            return ""
        decimals = (self.stage.evaluation or {}).get("decimals", 6)
        return rules.quantize(value, decimals).to_eng_string()

    @property
    def public_text(self) -> str:
        """The public score at the stage's stated precision ('' when there is none)."""
        return self._text(self.public_score)

    @property
    def hidden_text(self) -> str:
        return self._text(self.hidden_score)


class Qualification(models.Model):
    """A team passed `stage` (advanced to the stages that admit qualified teams)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="qualifications")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="qualified")
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = ClockStamp(auto_now_add=True)

    class Meta:
        ordering = ["stage", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["team", "stage"], name="one_qualification_per_stage")
        ]


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", _("Identity documents")
    PAPER = "paper", _("Explanatory paper")


def document_path(instance, filename: str) -> str:
    return f"challenges/{instance.team.challenge_id}/{instance.team_id}/docs/{instance.kind}-{filename}"


class StageDocument(models.Model):
    """A document a stage asks of a team: identity documents before the finals open, the
    explanatory paper by their closing date (003 line 311). Seen by the team and staff only."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="documents")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    file = models.FileField(upload_to=document_path, max_length=300)
    file_name = models.CharField(max_length=200)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]


class JuryScore(models.Model):
    """A juror's rubric scores for one team at one stage; `weighted_score` on 0–100 as the
    review app computes it (review.services.weighted_score)."""

    juror = models.ForeignKey(User, on_delete=models.PROTECT, related_name="jury_scores")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="jury_scores")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="jury_scores")
    scores = models.JSONField(default=dict)
    weighted_score = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["juror", "team", "stage"], name="one_jury_score")
        ]


class TeamConflict(models.Model):
    """A juror's declared conflict of interest with a team (the review app's declarations cover
    organisations; a team may have none)."""

    juror = models.ForeignKey(User, on_delete=models.CASCADE, related_name="team_conflicts")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.TextField()
    declared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    declared_at = ClockStamp(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["juror", "team"], name="one_conflict_per_juror_team")
        ]


class PrizeAward(models.Model):
    """A prize given to a team at a place, with its money (integer yen) and its payment."""

    prize = models.ForeignKey(Prize, on_delete=models.PROTECT, related_name="awards")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="awards")
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_yen = models.BigIntegerField(_("amount (yen)"), validators=[MinValueValidator(0)])
    score = models.DecimalField(max_digits=20, decimal_places=9, null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = ClockStamp(auto_now_add=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    paid_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["prize", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prize", "team"], name="one_award_per_prize_team"),
            models.CheckConstraint(
                condition=Q(amount_yen__gte=0), name="award_amount_not_negative"
            ),
        ]
