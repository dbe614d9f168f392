"""The committee packet page: a form for the range, then the PDF. For ministry and agency staff
only; anyone else is answered 404, as if the page did not exist."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render

from kikin.accounts.models import Role
from kikin.core.pdf import pdf_response
from kikin.core.timeutil import today_jst

from .packet import MAX_THEMES, packet_themes, parse_choice, render_packet

_CHOICE_PARAMS = ("from", "to", "award", "numbers")


@login_required
def packet(request):
    """GET without a choice: the form. With `from` and `to` (or `award` ids, or award `numbers`):
    the packet as a PDF download, or the form again with what is wrong (400)."""
    if request.user.role not in {Role.MINISTRY, Role.AGENCY}:
        raise Http404
    today = today_jst()
    context = {"start": request.GET.get("from") or today.isoformat(),
               "end": request.GET.get("to") or (today + dt.timedelta(days=90)).isoformat(),
               "numbers": request.GET.get("numbers", ""), "max_themes": MAX_THEMES}
    if not any(request.GET.get(p) for p in _CHOICE_PARAMS):
        return render(request, "exports/packet_form.html", context)
    try:
        choice = parse_choice(request.GET)
        themes = packet_themes(**choice)
    except ValidationError as exc:
        return render(request, "exports/packet_form.html", {**context, "errors": exc.messages}, status=400)
    if not themes:
        return render(request, "exports/packet_form.html", {**context, "empty": True})
    start, end = choice.get("start"), choice.get("end")
    pdf = render_packet(themes, start=start, end=end)
    name = f"ステージゲート審査資料_{start}_{end}.pdf" if start else f"ステージゲート審査資料_{today}.pdf"
    return pdf_response(pdf, name)
