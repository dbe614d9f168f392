"""Reads of the matching board and the events, each page in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from kikin.accounts.permissions import is_applicant
from kikin.awards.models import Award
from kikin.awards.selectors import awards_with_mode_for

from .models import CommunityEvent, DataOffer, DataRequest, EventKind, Introduction
from .permissions import is_staff

#: The special mode of the themes whose developers use the board (GENIAC's compute support,
#: rules.md §6; the mode `kikin.compute` serves).
MODE = "compute_support"


def developer_awards_for(user) -> QuerySet[Award]:
    """The awards of themes with compute support `user` may see: staff every one, an applicant
    their organisation's."""
    return awards_with_mode_for(user, MODE)


# --------------------------------------------------------------------------------------------
# Matching board and events


@dataclass
class Board:
    offers: list[DataOffer]
    requests: list[DataRequest]
    introductions: list[Introduction]
    counts: dict[str, int]


def matching_board(user) -> Board:
    """Staff: everything. A developer: the open offers, and their own organisation's wanted
    notices with the introductions made for them."""
    offers = DataOffer.objects.select_related("holder").order_by("-created_at", "-id")
    requests = DataRequest.objects.select_related("award__organisation").order_by(
        "-created_at", "-id"
    )
    intros = Introduction.objects.select_related("offer", "request__award__organisation").order_by(
        "-introduced_at", "-id"
    )
    if not is_staff(user):
        org = user.organisation_id if is_applicant(user) else None
        offers = offers.filter(is_open=True)
        requests = requests.filter(award__organisation_id=org) if org else requests.none()
        intros = intros.filter(request__award__organisation_id=org) if org else intros.none()
    intros = list(intros)
    counts = {
        o: sum(1 for i in intros if i.outcome == o) for o in ("pending", "agreed", "declined")
    }
    return Board(offers=list(offers), requests=list(requests), introductions=intros, counts=counts)


def events() -> list[CommunityEvent]:
    return list(CommunityEvent.objects.order_by("-held_on", "-id"))


def event_totals(rows: list[CommunityEvent]) -> list[dict]:
    """Per kind of event: its label, how many were held and their attendees."""
    out = {
        k: {"kind": k, "label": label, "events": 0, "attendees": 0}
        for k, label in EventKind.choices
    }
    for e in rows:
        out[e.kind]["events"] += 1
        out[e.kind]["attendees"] += e.attendees
    return list(out.values())
