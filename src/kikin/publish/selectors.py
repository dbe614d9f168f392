"""Reads of what the fund publishes: every call with its themes and the terms they had when the
call opened, in a fixed number of queries however many calls there are."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Max, Min, Prefetch
from django.utils import timezone

from kikin.audit.models import AuditRecord
from kikin.calls.models import Call
from kikin.core.timeutil import JST
from kikin.programs.models import Theme, ThemeTerms

#: Opportunity ids are stable UUIDs derived from the program code and the call key (RFC 4122 v5),
#: so they survive a reload of the plan and never reveal a database key.
OPPORTUNITY_NAMESPACE = uuid.UUID("6f1c2b0e-8d4a-5f3e-9b7c-4b696b696e21")


def opportunity_id(call: Call) -> uuid.UUID:
    return uuid.uuid5(OPPORTUNITY_NAMESPACE, f"call/{call.program.code}/{call.key}")


@dataclass(frozen=True)
class ThemeOnCall:
    theme: Theme
    terms: ThemeTerms | None


@dataclass(frozen=True)
class PublishedCall:
    """A call as published: its themes with the terms in force on its opening day (JST), and
    when its record was first and last written (the plan loads that brought it)."""

    call: Call
    themes: list[ThemeOnCall]
    created_at: dt.datetime
    modified_at: dt.datetime

    @property
    def id(self) -> uuid.UUID:
        return opportunity_id(self.call)


def _in_force(terms: list[ThemeTerms], on: dt.date) -> ThemeTerms | None:
    """The latest terms on or before `on`, else the earliest recorded (programs.selectors)."""
    ordered = sorted(terms, key=lambda t: t.revision.effective_date)
    current = [t for t in ordered if t.revision.effective_date <= on]
    if current:
        return current[-1]
    return ordered[0] if ordered else None


def published_calls() -> list[PublishedCall]:
    """Every call, newest first, as the public sees it (four queries)."""
    calls = list(
        Call.objects.select_related("program")
        .prefetch_related(
            Prefetch(
                "themes",
                queryset=Theme.objects.select_related("item", "parent")
                .prefetch_related(
                    Prefetch("terms", queryset=ThemeTerms.objects.select_related("revision"))
                )
                .order_by("item__number", "sort_order", "code"),
            )
        )
        .order_by("-opens_at", "pk")
    )
    stamps = {
        row["object_id"]: (row["first"], row["last"])
        for row in AuditRecord.objects.filter(
            object_type="programs.program",
            object_id__in={str(c.program_id) for c in calls},
        )
        .values("object_id")
        .annotate(first=Min("at"), last=Max("at"))
        .order_by()
    }
    out = []
    for call in calls:
        opened = timezone.localtime(call.opens_at, JST).date()
        themes = [ThemeOnCall(t, _in_force(list(t.terms.all()), opened)) for t in call.themes.all()]
        first, last = stamps.get(str(call.program_id), (None, None))
        created = first or call.opens_at
        out.append(PublishedCall(call, themes, created, max(last or created, created)))
    return out
