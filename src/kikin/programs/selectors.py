"""Reads of programs and their plans."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch

from kikin.core.compiled import CompiledQuery

from .models import PlanRevision, Program, ResearchItem, Theme, ThemeTerms


@dataclass(frozen=True)
class TermsInForce:
    """A theme's terms on a date, and on what basis they were chosen."""

    theme: Theme
    terms: ThemeTerms | None
    #: "in_force": the latest revision on or before the date; "earliest_recorded": the date is
    #: before every revision that states the theme's terms, so the earliest one is shown.
    basis: str


def revision_in_force(program: Program, on: dt.date) -> PlanRevision | None:
    """The plan revision in force on `on`: the latest whose date is on or before it."""
    return program.revisions.filter(effective_date__lte=on).order_by("-effective_date").first()


def _latest_terms_on(theme_id: int, on: dt.date):
    return (
        ThemeTerms.objects.select_related("revision")
        .filter(theme_id=theme_id, revision__effective_date__lte=on)
        .order_by("-revision__effective_date")[:1]
    )


#: Compiled once a process (kikin.core.compiled): every submission asks it once.
_LATEST_TERMS_ON = CompiledQuery(_latest_terms_on, theme_id=-918_273_646, on=dt.date(1, 1, 3))


def terms_in_force(theme: Theme, on: dt.date) -> TermsInForce:
    """The terms that applied to `theme` on `on` (rules.md §1: the revision in force then)."""
    # A theme read with its item (and its parent, if it has one) lends them to its terms: the
    # query then joins the revision alone (a deadline's submissions each ask this once).
    loaded = Theme.item.is_cached(theme) and (
        theme.parent_id is None or Theme.parent.is_cached(theme)
    )
    qs = theme.terms.select_related(
        *(["revision"] if loaded else ["revision", "theme__item", "theme__parent"])
    )
    if loaded and type(on) is dt.date:
        current = next(iter(_LATEST_TERMS_ON.fetch(theme_id=theme.pk, on=on)), None)
    else:
        current = (
            qs.filter(revision__effective_date__lte=on)
            .order_by("-revision__effective_date")
            .first()
        )
    basis = "in_force"
    if current is None:
        current, basis = qs.order_by("revision__effective_date").first(), "earliest_recorded"
    if current is not None and loaded:
        current.theme = theme
    return TermsInForce(theme, current, basis)


def terms_in_force_many(pairs: Iterable[tuple[Theme, dt.date]]) -> list[TermsInForce]:
    """`terms_in_force` for many (theme, date) pairs, in one query whatever their number; pairs
    of one theme share its terms' instances (each parses its spec once)."""
    pairs = list(pairs)
    by_theme: dict[int, list[ThemeTerms]] = defaultdict(list)
    if pairs:
        for terms in (
            ThemeTerms.objects.filter(theme_id__in={theme.pk for theme, _on in pairs})
            .select_related("revision", "theme__item", "theme__parent")
            .order_by("revision__effective_date", "pk")
        ):
            by_theme[terms.theme_id].append(terms)
    out = []
    for theme, on in pairs:
        recorded = by_theme.get(theme.pk, [])
        before = [t for t in recorded if t.revision.effective_date <= on]
        if before:
            out.append(TermsInForce(theme, before[-1], "in_force"))
        else:
            out.append(TermsInForce(theme, recorded[0] if recorded else None, "earliest_recorded"))
    return out


@dataclass(frozen=True)
class ItemWithThemes:
    item: ResearchItem
    rows: list[TermsInForce]


def program_plan_on(program: Program, on: dt.date) -> list[ItemWithThemes]:
    """Items → themes with the terms in force on `on`, in three queries whatever the size."""
    themes = list(
        Theme.objects.filter(program=program)
        .select_related("item", "parent")
        .prefetch_related(
            Prefetch(
                "terms",
                queryset=ThemeTerms.objects.select_related("revision").order_by(
                    "revision__effective_date"
                ),
            )
        )
    )
    by_item: dict[int, list[TermsInForce]] = {}
    for theme in themes:
        terms = list(theme.terms.all())
        before = [t for t in terms if t.revision.effective_date <= on]
        if before:
            row = TermsInForce(theme, before[-1], "in_force")
        else:
            row = TermsInForce(theme, terms[0] if terms else None, "earliest_recorded")
        by_item.setdefault(theme.item_id, []).append(row)
    items = ResearchItem.objects.filter(program=program).order_by("number")
    return [ItemWithThemes(item, by_item.get(item.pk, [])) for item in items]


def themes_with_mode(mode: str):
    """The themes whose plan declares a special mode (e.g. `compute_support`) in any revision."""
    return Theme.objects.filter(terms__modes_text__contains=f" {mode} ").distinct()


def program_evaluations(program: Program) -> list[dict]:
    """The ministry's evaluations of the program the plan schedules, each with its record."""
    from django.utils.translation import gettext as _

    from kikin.rules.schedule import program_evaluation_due_dates

    from .models import ProgramEvaluation

    due = program_evaluation_due_dates(
        program.start_date, program.end_date, program.plan_rules().program_evaluation
    )
    records = {(e.kind, e.due_date): e for e in ProgramEvaluation.objects.filter(program=program)}
    labels = {"interim": _("Interim evaluation"), "post": _("Post evaluation")}
    return [
        {"kind": kind, "label": labels[kind], "due": day, "record": records.get((kind, day))}
        for kind, day in due
    ]
