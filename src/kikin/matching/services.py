"""Writes of the matching board and the events. Each function: one transaction, a role check, an
audit record (their actions keep the names they had in `kikin.compute`: "compute.data_offer", …).

- only the agency (and the development acceleration supporter working for it) records offers,
  introductions, their outcomes and events; a developer posts and closes their own wanted notices;
- a wanted notice is for an award of a theme with compute support;
- an offer and a wanted notice are introduced once, both open.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.accounts.permissions import is_agency, require_role
from kikin.audit.services import record
from kikin.awards.models import Award
from kikin.awards.permissions import is_implementer
from kikin.core import timeutil
from kikin.programs.selectors import themes_with_mode

from .models import (
    CommunityEvent,
    DataOffer,
    DataRequest,
    EventKind,
    Introduction,
    IntroductionOutcome,
)
from .selectors import MODE


def _whole(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: _("A whole number.")})
    if value < 0:
        raise ValidationError({field: _("Not negative.")})
    return value


def _required(**fields) -> None:
    errors = {k: _("Required.") for k, v in fields.items() if not (v or "").strip()}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def offer_data(
    *, actor, holder_name: str, title: str, description: str, conditions: str, holder=None
) -> DataOffer:
    """The supporter records data a holder offers, with its conditions of use."""
    require_role(actor, Role.AGENCY)
    _required(holder_name=holder_name, title=title, description=description, conditions=conditions)
    offer = DataOffer.objects.create(
        holder_name=holder_name.strip(),
        holder=holder,
        title=title.strip(),
        description=description,
        conditions=conditions,
        created_by=actor,
    )
    record(
        actor=actor,
        action="compute.data_offer",
        obj=offer,
        after={"holder": offer.holder_name, "title": offer.title},
    )
    return offer


@transaction.atomic
def request_data(*, actor, award: Award, title: str, description: str) -> DataRequest:
    """A developer (or the agency for them) posts data they want."""
    award = Award.objects.select_related("theme__item").get(pk=award.pk)
    if not (is_implementer(actor, award) or is_agency(actor)):
        raise PermissionDenied(_("Only the developer or the agency may post this."))
    if not themes_with_mode(MODE).filter(pk=award.theme_id).exists():
        raise ValidationError(
            {"award": _("Only developers of themes with compute support use the matching board.")}
        )
    _required(title=title, description=description)
    req = DataRequest.objects.create(
        award=award, title=title.strip(), description=description, created_by=actor
    )
    record(
        actor=actor,
        action="compute.data_request",
        obj=req,
        after={"award": award.number, "title": req.title},
    )
    return req


@transaction.atomic
def close_posting(*, actor, posting: DataOffer | DataRequest) -> DataOffer | DataRequest:
    """Take an offer or a wanted notice off the board."""
    if isinstance(posting, DataRequest):
        if not (is_implementer(actor, posting.award) or is_agency(actor)):
            raise PermissionDenied(_("Only the developer or the agency may close this."))
    else:
        require_role(actor, Role.AGENCY)
    type(posting).objects.filter(pk=posting.pk).update(is_open=False)
    posting.is_open = False
    record(actor=actor, action="compute.posting_close", obj=posting)
    return posting


@transaction.atomic
def introduce(*, actor, offer: DataOffer, request: DataRequest, note: str = "") -> Introduction:
    """The supporter introduces a developer to a data holder."""
    require_role(actor, Role.AGENCY)
    if not (offer.is_open and request.is_open):
        raise ValidationError({"offer": _("Both the offer and the wanted notice must be open.")})
    if Introduction.objects.filter(offer=offer, request=request).exists():
        raise ValidationError({"offer": _("These two have been introduced already.")})
    intro = Introduction.objects.create(
        offer=offer, request=request, note=note, introduced_by=actor
    )
    record(
        actor=actor,
        action="compute.introduce",
        obj=intro,
        after={"offer": offer.pk, "request": request.pk},
    )
    return intro


@transaction.atomic
def record_introduction_outcome(
    *, actor, introduction: Introduction, outcome: str, note: str = ""
) -> Introduction:
    """Agreed or declined (or back to pending), as the parties report it."""
    require_role(actor, Role.AGENCY)
    if outcome not in IntroductionOutcome.values:
        raise ValidationError({"outcome": _("Choose agreed, declined or pending.")})
    intro = Introduction.objects.select_for_update().get(pk=introduction.pk)
    before = {"outcome": intro.outcome}
    intro.outcome = outcome
    intro.note = note or intro.note
    intro.decided_at = None if outcome == IntroductionOutcome.PENDING else timeutil.now()
    intro.save()
    record(
        actor=actor,
        action="compute.introduction_outcome",
        obj=intro,
        before=before,
        after={"outcome": outcome},
        note=note,
    )
    return intro


@transaction.atomic
def record_event(
    *, actor, title: str, held_on: dt.date, kind: str, attendees: int = 0, note: str = ""
) -> CommunityEvent:
    require_role(actor, Role.AGENCY)
    _required(title=title)
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("Choose seminar, developer exchange or matching event.")})
    if held_on is None:
        raise ValidationError({"held_on": _("Required.")})
    event = CommunityEvent.objects.create(
        title=title.strip(),
        held_on=held_on,
        kind=kind,
        attendees=_whole(attendees, "attendees"),
        note=note,
        created_by=actor,
    )
    record(
        actor=actor,
        action="compute.event",
        obj=event,
        after={
            "title": event.title,
            "held_on": held_on.isoformat(),
            "kind": kind,
            "attendees": event.attendees,
        },
    )
    return event
