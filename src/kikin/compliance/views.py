"""Pages of technology-leakage prevention: the implementer's page per award, the agency's list,
the ministry's queue of consultations, and one page per report, shortcoming and consultation.
Views read with selectors and write with services only; a record the user may not read is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kikin.accounts.permissions import is_agency, is_applicant
from kikin.awards.models import AwardState
from kikin.awards.permissions import is_implementer
from kikin.core.feedback import errors_to_messages
from kikin.core.timeutil import today_jst
from kikin.core.workflow import TransitionError

from . import permissions, selectors, services
from .forms import (
    AnswerForm,
    AssessForm,
    DecisionForm,
    PlannedActForm,
    ReportForm,
    RequestReportForm,
    add_service_errors,
)
from .models import ConsultationState, PriorConsultation, ReportState, Shortcoming, ShortcomingState


def _require(answer):
    if not answer:
        raise Http404


@login_required
def home(request):
    """Each role's entry: the agency's list, the ministry's queue, the implementer's awards."""
    if permissions.can_check_reports(request.user):
        return redirect("compliance:agency")
    if permissions.can_answer_consultations(request.user):
        return redirect("compliance:ministry")
    _require(is_applicant(request.user))
    awards = (
        selectors.awards_visible_to(request.user)
        .annotate(
            reports_due=Count(
                "leakage_reports",
                filter=Q(leakage_reports__state=ReportState.REQUESTED),
                distinct=True,
            ),
            open_shortcomings=Count(
                "leakage_shortcomings",
                filter=Q(leakage_shortcomings__state=ShortcomingState.OPEN),
                distinct=True,
            ),
            consultations_to_send=Count(
                "prior_consultations",
                filter=Q(prior_consultations__state=ConsultationState.TO_SEND),
                distinct=True,
            ),
        )
        .order_by("number")
    )
    return render(request, "compliance/home.html", {"awards": awards})


def _award(request, pk: int):
    award = get_object_or_404(
        selectors.awards_visible_to(request.user).select_related("proposal"), pk=pk
    )
    if not permissions.can_view_award(request.user, award)[0]:
        raise Http404
    return award


def _report_initial(award, data: dict) -> dict:
    """The last report's measures (or the application's declarations), and the next committee asked for."""
    last = next((r for r in data["reports"] if r.state != ReportState.REQUESTED), None)
    if last is not None:
        initial = {
            name: getattr(last, name)
            for name in (*services.REPORT_TEXT_FIELDS, "staff_with_access", "partners_covered")
        }
    else:
        p = award.proposal
        initial = {
            "core_technologies": p.leakage_core_technologies,
            "access_control": p.leakage_access_control,
            "staff_management": p.leakage_staff_management,
            "partner_controls": p.leakage_partner_controls,
        }
    if data["reports_due"]:
        initial["committee_date"] = min(r.committee_date for r in data["reports_due"])
    return initial


def _award_page(request, award, *, report_form=None, act_form=None, request_form=None, status=200):
    today = today_jst()
    data = selectors.award_page(award, today)
    implementer = is_implementer(request.user, award)
    context = {
        "award": award,
        "today": today,
        "is_implementer": implementer,
        "is_agency": bool(is_agency(request.user)),
        "lead_days": services.consultation_lead_days(),
        "proposal": award.proposal,
        **data,
    }
    if implementer and award.state != AwardState.TERMINATED:
        context["report_form"] = report_form or ReportForm(initial=_report_initial(award, data))
    if implementer:  # technology-transfer acts are recorded even after the theme stops
        context["act_form"] = act_form or PlannedActForm()
    if context["is_agency"] and award.state != AwardState.TERMINATED:
        context["request_form"] = request_form or RequestReportForm()
    for c in data["consultations"]:
        c.last_day_to_send = services.last_day_to_send(c)
        c.too_late = c.state == ConsultationState.TO_SEND and today > c.last_day_to_send
    return render(request, "compliance/award.html", context, status=status)


@login_required
def award_page(request, pk: int):
    return _award_page(request, _award(request, pk))


@login_required
@require_POST
def award_action(request, pk: int, action: str):
    award = _award(request, pk)
    forms = {"report": ReportForm, "act": PlannedActForm, "request": RequestReportForm}
    if action not in forms:
        raise Http404
    form = forms[action](request.POST)
    if form.is_valid():
        try:
            if action == "report":
                services.submit_report(actor=request.user, award=award, **form.cleaned_data)
                messages.success(request, _("Report submitted."))
            elif action == "act":
                c = services.record_planned_act(
                    actor=request.user, award=award, **form.cleaned_data
                )
                messages.success(
                    request,
                    _("Prior consultation required: send it to the ministry.")
                    if c.required
                    else _("Recorded: prior consultation is not required."),
                )
                return redirect("compliance:consultation", pk=c.pk)
            else:
                services.request_report(actor=request.user, award=award, **form.cleaned_data)
                messages.success(request, _("Report requested."))
            return redirect("compliance:award", pk=award.pk)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _award_page(request, award, status=400, **{f"{action}_form": form})


@login_required
def report_detail(request, pk: int):
    report = get_object_or_404(
        selectors.reports_visible_to(request.user).select_related(
            "award__organisation", "submitted_by", "assessed_by"
        ),
        pk=pk,
    )
    form = None
    if permissions.can_check_reports(request.user) and report.state == ReportState.SUBMITTED:
        form = AssessForm(request.POST or None, initial={"assessed_on": today_jst()})
        if request.method == "POST" and form.is_valid():
            try:
                services.assess_report(actor=request.user, report=report, **form.cleaned_data)
                messages.success(request, _("Assessment recorded."))
                return redirect("compliance:report", pk=report.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
    elif request.method == "POST":
        raise Http404
    shortcoming = Shortcoming.objects.filter(Q(opened_by=report) | Q(closed_by=report)).first()
    return render(
        request,
        "compliance/report.html",
        {"report": report, "award": report.award, "form": form, "shortcoming": shortcoming},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def shortcoming_detail(request, pk: int):
    qs = Shortcoming.objects.filter(
        award__in=selectors.awards_visible_to(request.user).values("pk")
    )
    shortcoming = get_object_or_404(
        qs.select_related("award__organisation", "opened_by", "closed_by", "decided_by"), pk=pk
    )
    today = today_jst()
    flagged = shortcoming.unfixed_by_due_date(today)
    form = None
    if permissions.can_check_reports(request.user) and flagged:
        form = DecisionForm(request.POST or None, initial={"decided_on": today, "reclaim_yen": 0})
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            data["reclaim_yen"] = data["reclaim_yen"] or 0
            try:
                services.decide_on_unfixed_shortcoming(
                    actor=request.user, shortcoming=shortcoming, **data
                )
                messages.success(request, _("The committee's resolution is recorded."))
                return redirect("compliance:shortcoming", pk=shortcoming.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "compliance/shortcoming.html",
        {
            "shortcoming": shortcoming,
            "award": shortcoming.award,
            "flagged": flagged,
            "form": form,
            "paid": services.money_paid(shortcoming.award),
            "today": today,
        },
        status=400 if form is not None and form.errors else 200,
    )


def _consultation(request, pk: int) -> PriorConsultation:
    c = get_object_or_404(
        selectors.consultations_visible_to(request.user).select_related(
            "sent_by", "answered_by", "created_by"
        ),
        pk=pk,
    )
    if not permissions.can_view_consultation(request.user, c)[0]:
        raise Http404
    return c


@login_required
def consultation_detail(request, pk: int, form=None):
    c = _consultation(request, pk)
    c.last_day_to_send = services.last_day_to_send(c)
    today = today_jst()
    implementer = is_implementer(request.user, c.award)
    if permissions.can_answer_consultations(request.user) and c.state == ConsultationState.SENT:
        form = form or AnswerForm()
    return render(
        request,
        "compliance/consultation.html",
        {
            "c": c,
            "award": c.award,
            "today": today,
            "is_implementer": implementer,
            "form": form,
            "too_late": c.state == ConsultationState.TO_SEND and today > c.last_day_to_send,
            "lead_days": services.consultation_lead_days(),
            "days_left": (c.planned_date - today).days,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def consultation_action(request, pk: int, action: str):
    c = _consultation(request, pk)
    try:
        if action == "send":
            services.send_consultation(actor=request.user, consultation=c)
            messages.success(request, _("Sent to the ministry."))
        elif action == "withdraw":
            services.withdraw_consultation(
                actor=request.user, consultation=c, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Withdrawn."))
        elif action == "answer":
            form = AnswerForm(request.POST)
            if not form.is_valid():
                return consultation_detail(request, pk, form=form)
            try:
                services.answer_consultation(
                    actor=request.user, consultation=c, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                return consultation_detail(request, pk, form=form)
            messages.success(request, _("Answer recorded."))
            return redirect("compliance:ministry")
        else:
            raise Http404
    except PermissionDenied:
        raise Http404 from None
    except (ValidationError, TransitionError) as exc:
        errors_to_messages(request, exc)
    return redirect("compliance:consultation", pk=c.pk)


@login_required
def agency_list(request):
    _require(permissions.can_check_reports(request.user))
    today = today_jst()
    unfixed = list(selectors.unfixed_shortcomings(today))
    open_ = list(selectors.open_shortcomings())
    flagged_ids = {s.pk for s in unfixed}
    for s in open_:
        s.flagged = s.pk in flagged_ids
        s.days_left = (s.due_date - today).days
    return render(
        request,
        "compliance/agency.html",
        {
            "today": today,
            "to_assess": selectors.reports_to_assess(),
            "outstanding": selectors.reports_outstanding(),
            "open_shortcomings": open_,
            "unfixed": unfixed,
            "to_answer": selectors.consultations_to_answer(),
        },
    )


@login_required
def ministry_queue(request):
    _require(permissions.can_answer_consultations(request.user))
    today = today_jst()
    queue = list(selectors.consultations_to_answer())
    for c in queue:
        c.days_left = (c.planned_date - today).days
    return render(
        request,
        "compliance/ministry.html",
        {"queue": queue, "answered": selectors.recently_answered(), "today": today},
    )
