"""The committee packet page: a form for the range; the PDF is then laid out by the background
worker and waits on the job's page. For ministry and agency staff only; anyone else is answered
404, as if the page did not exist."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kikin.core.timeutil import today_jst
from kikin.jobs.services import enqueue_job

from .jobs import PACKET, packet_params
from .packet import MAX_THEMES, packet_themes, parse_choice
from .permissions import can_see_portfolio

_CHOICE_PARAMS = ("from", "to", "award", "numbers")


@login_required
def packet(request):
    """GET without a choice: the form. With `from` and `to` (or `award` ids, or award `numbers`):
    the packet queued for the worker and the person sent to its job page, or the form again
    with what is wrong (400)."""
    if not can_see_portfolio(request.user):
        raise Http404
    today = today_jst()
    context = {
        "start": request.GET.get("from") or today.isoformat(),
        "end": request.GET.get("to") or (today + dt.timedelta(days=90)).isoformat(),
        "numbers": request.GET.get("numbers", ""),
        "max_themes": MAX_THEMES,
    }
    if not any(request.GET.get(p) for p in _CHOICE_PARAMS):
        return render(request, "awards/packet_form.html", context)
    try:
        choice = parse_choice(request.GET)
        themes = packet_themes(**choice)
    except ValidationError as exc:
        return render(
            request, "awards/packet_form.html", {**context, "errors": exc.messages}, status=400
        )
    if not themes:
        return render(request, "awards/packet_form.html", {**context, "empty": True})
    start, end = choice.get("start"), choice.get("end")
    label = (
        _("Committee packet %(start)s – %(end)s") % {"start": start, "end": end}
        if start
        else _("Committee packet of %(n)s themes") % {"n": len(themes)}
    )
    job = enqueue_job(
        kind=PACKET, params=packet_params(choice), requested_by=request.user, label=label
    )
    return redirect("jobs:detail", pk=job.pk)
