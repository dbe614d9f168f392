"""Budget frames (予算の枠組み): each program's budget lines by fiscal year (rules.md §10).

A `BudgetFrame` is one figure of a budget document (seeds 002 and 004): a program's initial
(当初, often still a draft 案) or supplementary (補正) budget of one fiscal year, as a fund (基金),
an annual appropriation, an operating grant (交付金) or equity (出資). Money is exact integer yen;
the figure as the seed writes it (amount and unit) and the seed line stay beside it.

A line may be part of a larger one (内数, `part_of`, resolved to `parent` where the larger line
is in the data); parents need not equal the sum of their children. A GX share is inside the
line, not added to it. Only the post-5G fund is a `Program` kikin runs; other programs are
known by their code and title alone.
"""

from __future__ import annotations

import contextlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from kikin.programs.models import Program


class BudgetType(models.TextChoices):
    """予算の区分: 当初 or 補正."""

    INITIAL = "initial", _("Initial budget (当初)")
    SUPPLEMENTARY = "supplementary", _("Supplementary budget (補正)")


class FrameKind(models.TextChoices):
    """What the money is: 基金, 歳出予算, 運営費交付金, 出資, or not stated."""

    FUND = "fund", _("Fund (基金)")
    APPROPRIATION = "appropriation", _("Appropriation (歳出予算)")
    GRANT = "grant", _("Operating grant (交付金)")
    EQUITY = "equity", _("Equity (出資)")
    OTHER = "other", _("Other or not stated")


class AmountUnit(models.TextChoices):
    CHO = "cho", "兆円"
    OKU = "oku", "億円"
    HYAKUMAN = "hyakuman", "百万円"
    MAN = "man", "万円"


class Ministry(models.TextChoices):
    METI = "METI", _("Ministry of Economy, Trade and Industry (METI)")
    MEXT = "MEXT", _("Ministry of Education, Culture, Sports, Science and Technology (MEXT)")


#: The ministries' names as Japanese readers know them, beside the English.
MINISTRY_NAMES_JA = {Ministry.METI: "経済産業省", Ministry.MEXT: "文部科学省"}


class BudgetFrame(models.Model):
    """One budget line: a program's budget of one fiscal year, as one seed line states it."""

    source = models.CharField(_("source document"), max_length=100)
    seed_line = models.PositiveIntegerField(_("source line"))
    ministry = models.CharField(_("ministry"), max_length=8, choices=Ministry.choices)
    program_code = models.SlugField(_("program code"), max_length=40, db_index=True)
    program_ja = models.CharField(_("program (Japanese)"), max_length=300)
    program_en = models.CharField(_("program (English)"), max_length=300, blank=True)
    program = models.ForeignKey(
        Program,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="budget_frames",
        verbose_name=_("program run in kikin"),
        help_text=_("Set where kikin runs the program (matched by code)."),
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    budget = models.CharField(_("budget"), max_length=16, choices=BudgetType.choices)
    draft = models.BooleanField(_("draft (案)"), default=False)
    kind = models.CharField(_("kind"), max_length=16, choices=FrameKind.choices)
    amount_text = models.CharField(_("amount as written"), max_length=40)
    unit = models.CharField(_("unit"), max_length=10, choices=AmountUnit.choices)
    amount_yen = models.BigIntegerField(_("amount (yen)"))
    gx_share_yen = models.BigIntegerField(
        _("GX share (yen)"),
        null=True,
        blank=True,
        help_text=_("Inside the amount, not added to it."),
    )
    prior_year_yen = models.BigIntegerField(_("prior year's figure (yen)"), null=True, blank=True)
    part_of = models.CharField(_("part of (内数)"), max_length=300, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("larger line"),
    )
    note_ja = models.TextField(_("note (Japanese)"), blank=True)

    class Meta:
        ordering = ["program_code", "fiscal_year", "budget", "source", "seed_line"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "seed_line"], name="one_budget_frame_per_seed_line"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_yen__gte=0), name="budget_frame_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(gx_share_yen__isnull=True)
                | (
                    models.Q(gx_share_yen__gte=0)
                    & models.Q(gx_share_yen__lte=models.F("amount_yen"))
                ),
                name="budget_frame_gx_share_inside",
            ),
            models.CheckConstraint(
                condition=models.Q(prior_year_yen__isnull=True) | models.Q(prior_year_yen__gte=0),
                name="budget_frame_prior_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["program_code", "fiscal_year"])]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")

    def __str__(self):
        draft = "（案）" if self.draft else ""
        kind = "当初" if self.budget == BudgetType.INITIAL else "補正"
        return f"{self.program_ja} FY{self.fiscal_year} {kind}{draft} {self.amount_text}{self.get_unit_display()}"

    @property
    def is_fund(self) -> bool:
        return self.kind == FrameKind.FUND

    @property
    def source_short(self) -> str:
        """`002` for 002_a9a2f2a212ac3399.txt."""
        return self.source.split("_", 1)[0]

    @property
    def amount_as_written(self) -> str:
        """The figure as the seed writes it: 1,617億円, 9.8億円, 5,152百万円."""
        return written_amount(self.amount_text, self.get_unit_display())


def written_amount(text: str, unit_label: str) -> str:
    whole, dot, frac = text.partition(".")
    with contextlib.suppress(ValueError):
        whole = f"{int(whole):,}"
    return f"{whole}{dot}{frac}{unit_label}"
