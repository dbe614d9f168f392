"""Program pages: items → themes with the terms in force on a chosen date."""

import datetime as dt

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from kikin.core.timeutil import today_jst

from .models import Program
from .selectors import program_plan_on, revision_in_force


def _parse_on(value: str | None) -> tuple[dt.date, str]:
    if not value:
        return today_jst(), ""
    try:
        return dt.date.fromisoformat(value), ""
    except ValueError:
        return today_jst(), _("Date: “%(value)s” is not a date in the form 2025-04-01; showing today.") % {"value": value}


def program_list(request):
    programs = Program.objects.all()
    return render(request, "programs/program_list.html", {"programs": programs})


def program_detail(request, code: str):
    program = get_object_or_404(Program, code=code)
    on, error = _parse_on(request.GET.get("on"))
    revision = revision_in_force(program, on)
    items = program_plan_on(program, on)
    earliest_only = any(row.basis == "earliest_recorded" for it in items for row in it.rows)
    return render(
        request,
        "programs/program_detail.html",
        {
            "program": program,
            "on": on,
            "date_error": error,
            "revision": revision,
            "revisions": program.revisions.all(),
            "items": items,
            "earliest_only": earliest_only,
            "calls": program.calls.prefetch_related("themes__item").order_by("opens_at"),
        },
    )
