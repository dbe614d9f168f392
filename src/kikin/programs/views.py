"""Program pages: items → themes with the terms in force on a chosen date."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kikin.accounts.permissions import is_ministry
from kikin.core.feedback import errors_to_messages
from kikin.core.posted import posted_date
from kikin.core.timeutil import today_jst

from . import services
from .models import Program
from .permissions import can_follow_areas
from .selectors import program_evaluations, program_plan_on, revision_in_force


def _parse_on(value: str | None) -> tuple[dt.date, str]:
    if not value:
        return today_jst(), ""
    try:
        return dt.date.fromisoformat(value), ""
    except ValueError:
        return today_jst(), _(
            "Date: “%(value)s” is not a date in the form 2025-04-01; showing today."
        ) % {"value": value}


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
            "roles": program.descriptive.get("role", []),
            "show_area_links": can_follow_areas(request.user, program),
            "is_ministry": bool(is_ministry(request.user)),
            "evaluations": program_evaluations(program),
        },
    )


@login_required
@require_POST
def record_evaluation(request, code: str):
    """The ministry records one of its evaluations of the whole program."""
    program = get_object_or_404(Program, code=code)
    try:
        services.record_program_evaluation(
            actor=request.user,
            program=program,
            kind=request.POST.get("kind", ""),
            due_date=posted_date(request.POST, "due_date"),
            held_on=posted_date(request.POST, "held_on"),
            result=request.POST.get("result", ""),
        )
        messages.success(request, _("Saved."))
    except (ValidationError, PermissionDenied) as exc:
        errors_to_messages(request, exc)
    return redirect("programs:detail", code=code)
