"""Pages of the GENIAC compute support: a developer's own compute page, and the staff pages
(pools, allocations, usage imports with their error reports, alerts, the leaderboard; the
matching board and the events are `kikin.matching`'s). Thin: forms parse, services write,
selectors read. Another organisation's award answers 404."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kikin.core.feedback import refusal_to_form
from kikin.core.timeutil import today_jst
from kikin.jobs.services import enqueue_job
from kikin.matching import forms as matching_forms
from kikin.matching import services as matching_services

from . import forms, selectors, services
from . import jobs as compute_jobs
from .models import Allocation, ComputePool, UsageImport
from .permissions import can_manage, can_view_award, is_developer_of, is_staff
from .usage import HeaderError, check_header


def _staff(request) -> None:
    if not is_staff(request.user):
        raise Http404


def _agency(request) -> None:
    if not can_manage(request.user):
        raise PermissionDenied(_("Only the agency may do this."))


def _apply(form, exc) -> None:
    """Put a service's refusal on the form: on the field it names where the form has it, else
    above it naming the field by its label."""
    refusal_to_form(form, exc)


def _as_of(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return today_jst()


@login_required
def index(request):
    if is_staff(request.user):
        return redirect("compute:pools")
    return redirect("compute:mine")


# --------------------------------------------------------------------------------------------
# The developer's page


@login_required
def mine(request):
    awards = list(selectors.geniac_awards_for(request.user).order_by("number"))
    if is_staff(request.user):
        return redirect("compute:pools")
    if len(awards) == 1:
        return redirect("compute:award", pk=awards[0].pk)
    return render(request, "compute/mine.html", {"awards": awards})


@login_required
def award_page(request, pk: int):
    award = get_object_or_404(
        selectors.geniac_awards_for(request.user).select_related("theme__item"), pk=pk
    )
    if not can_view_award(request.user, award):
        raise Http404
    developer = is_developer_of(request.user, award)
    declaration = selectors.declaration_of(award)
    declare_form = forms.DeclarationForm(prefix="declare")
    result_form = forms.ResultForm(prefix="result", initial={"evaluated_on": today_jst()})
    wanted_form = matching_forms.DataRequestForm(prefix="wanted")
    if request.method == "POST":
        if not developer:
            raise PermissionDenied(_("Only the developer may do this."))
        action = request.POST.get("action")
        try:
            if action == "declare":
                declare_form = forms.DeclarationForm(request.POST, prefix="declare")
                if declare_form.is_valid():
                    services.declare_no_evaluation_data(
                        actor=request.user,
                        award=award,
                        statement=declare_form.cleaned_data["statement"],
                    )
                    messages.success(request, _("Declaration recorded."))
                    return redirect("compute:award", pk=pk)
            elif action == "result":
                result_form = forms.ResultForm(request.POST, prefix="result")
                if result_form.is_valid():
                    services.submit_result(
                        actor=request.user, award=award, **result_form.cleaned_data
                    )
                    messages.success(request, _("Result submitted."))
                    return redirect("compute:award", pk=pk)
            elif action == "wanted":
                wanted_form = matching_forms.DataRequestForm(request.POST, prefix="wanted")
                if wanted_form.is_valid():
                    matching_services.request_data(
                        actor=request.user, award=award, **wanted_form.cleaned_data
                    )
                    messages.success(request, _("Posted on the matching board."))
                    return redirect("compute:award", pk=pk)
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            target = {"declare": declare_form, "result": result_form, "wanted": wanted_form}[action]
            _apply(target, exc)
    as_of = _as_of(request)
    return render(
        request,
        "compute/award.html",
        {
            "award": award,
            "summary": selectors.award_compute(award, as_of=as_of),
            "as_of": as_of,
            "declaration": declaration,
            "results": selectors.results_of(award),
            "developer": developer,
            "declare_form": declare_form,
            "result_form": result_form,
            "wanted_form": wanted_form,
        },
    )


# --------------------------------------------------------------------------------------------
# Staff: pools, allocations, imports


@login_required
def pools(request):
    _staff(request)
    form = forms.PoolForm()
    if request.method == "POST":
        _agency(request)
        form = forms.PoolForm(request.POST)
        if form.is_valid():
            try:
                pool = services.create_pool(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Pool recorded."))
                return redirect("compute:pool", pk=pool.pk)
            except (ValidationError, PermissionDenied) as exc:
                _apply(form, exc)
    return render(
        request,
        "compute/pools.html",
        {"pools": selectors.pools_overview(), "form": form, "can_manage": can_manage(request.user)},
    )


@login_required
def pool_page(request, pk: int):
    _staff(request)
    pool = get_object_or_404(ComputePool.objects.select_related("call"), pk=pk)
    allocate_form = forms.AllocationForm(pool=pool, prefix="allocate")
    upload_form = forms.UsageUploadForm(prefix="upload")
    if request.method == "POST":
        _agency(request)
        action = request.POST.get("action")
        try:
            if action == "allocate":
                allocate_form = forms.AllocationForm(request.POST, pool=pool, prefix="allocate")
                if allocate_form.is_valid():
                    services.allocate(actor=request.user, pool=pool, **allocate_form.cleaned_data)
                    messages.success(request, _("Hours allocated."))
                    return redirect("compute:pool", pk=pk)
            elif action == "upload":
                upload_form = forms.UsageUploadForm(request.POST, request.FILES, prefix="upload")
                if upload_form.is_valid():
                    upload = upload_form.cleaned_data["file"]
                    try:
                        check_header(upload)
                    except HeaderError as exc:
                        raise ValidationError({"file": str(exc)}) from None
                    job = enqueue_job(
                        kind=compute_jobs.IMPORT,
                        params={
                            "pool": pool.pk,
                            "path": compute_jobs.store_upload(upload),
                            "file_name": upload.name,
                        },
                        requested_by=request.user,
                        label=_("Usage import: %(file)s") % {"file": upload.name},
                    )
                    return redirect("jobs:detail", pk=job.pk)
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            _apply(allocate_form if action == "allocate" else upload_form, exc)
    rows = selectors.allocations_of(pool)
    pool.allocated = sum(a.hours for a in rows)
    pool.unallocated = pool.hours_bought - pool.allocated
    return render(
        request,
        "compute/pool.html",
        {
            "pool": pool,
            "allocations": rows,
            "imports": selectors.imports_of(pool),
            "allocate_form": allocate_form,
            "upload_form": upload_form,
            "can_manage": can_manage(request.user),
            "header": ",".join(services.csvusage.HEADER),
        },
    )


@login_required
def allocation_change(request, pk: int):
    _staff(request)
    allocation = get_object_or_404(
        Allocation.objects.select_related("pool", "award__organisation"), pk=pk
    )
    monthly = "\n".join(f"{p.month:%Y-%m} {p.hours}" for p in allocation.planned_months.all())
    form = forms.ChangeAllocationForm(
        initial={
            "hours": allocation.hours,
            "starts_on": allocation.starts_on,
            "ends_on": allocation.ends_on,
            "monthly": monthly,
        }
    )
    if request.method == "POST":
        _agency(request)
        form = forms.ChangeAllocationForm(request.POST)
        if form.is_valid():
            try:
                services.change_allocation(
                    actor=request.user, allocation=allocation, **form.cleaned_data
                )
                messages.success(request, _("Allocation changed."))
                return redirect("compute:pool", pk=allocation.pool_id)
            except (ValidationError, PermissionDenied) as exc:
                _apply(form, exc)
    return render(
        request, "compute/allocation_change.html", {"allocation": allocation, "form": form}
    )


@login_required
def import_report(request, pk: int):
    _staff(request)
    imp = get_object_or_404(
        UsageImport.objects.select_related("pool", "uploaded_by", "same_file_as"), pk=pk
    )
    from .usage import reason_for_reader

    errors = [{**e, "reason": reason_for_reader(e)} for e in imp.errors]
    return render(
        request,
        "compute/import.html",
        {"imp": imp, "errors": errors, "more_errors": imp.rows_bad - len(imp.errors)},
    )


@login_required
def alerts(request):
    _staff(request)
    as_of = _as_of(request)
    rows = selectors.alerts(as_of=as_of)
    return render(
        request,
        "compute/alerts.html",
        {
            "as_of": as_of,
            "run_out": [a for a in rows if a.kind == "run_out"],
            "unused": [a for a in rows if a.kind == "unused"],
            "recent_days": selectors.RECENT_DAYS,
            "underuse_percent": int(selectors.UNDERUSE_SHARE * 100),
        },
    )


@login_required
def leaderboard(request):
    _staff(request)
    return render(request, "compute/leaderboard.html", {"boards": selectors.leaderboards()})
