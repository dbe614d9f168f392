"""Pages of the data-holder matching board and the community events (under /compute/, GENIAC's
pages): the staff see everything and the agency writes; a developer of a theme with compute
support sees the open offers and their own wanted notices. Thin: forms parse, services write,
selectors read; anyone else is answered 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kikin.core.feedback import errors_to_messages, refusal_to_form
from kikin.core.lookup import posted_object_or_404

from . import forms, selectors, services
from .models import DataOffer, DataRequest
from .permissions import can_manage, can_view_board, is_staff


def _agency(request) -> None:
    if not can_manage(request.user):
        raise PermissionDenied(_("Only the agency may do this."))


def _apply(form, exc) -> None:
    """Put a service's refusal on the form: on the field it names where the form has it, else
    above it naming the field by its label."""
    refusal_to_form(form, exc)


@login_required
def board(request):
    staff = is_staff(request.user)
    if not can_view_board(request.user):
        raise Http404
    offer_form = forms.DataOfferForm(prefix="offer")
    wanted_form = forms.StaffDataRequestForm(prefix="wanted")
    intro_form = forms.IntroductionForm(prefix="intro")
    if request.method == "POST":
        _agency(request)
        action = request.POST.get("action")
        forms_by_action = {
            "offer": forms.DataOfferForm,
            "wanted": forms.StaffDataRequestForm,
            "intro": forms.IntroductionForm,
        }
        try:
            if action in forms_by_action:
                form = forms_by_action[action](request.POST, prefix=action)
                if action == "offer":
                    offer_form = form
                elif action == "wanted":
                    wanted_form = form
                else:
                    intro_form = form
                if form.is_valid():
                    if action == "offer":
                        services.offer_data(actor=request.user, **form.cleaned_data)
                    elif action == "wanted":
                        services.request_data(actor=request.user, **form.cleaned_data)
                    else:
                        services.introduce(actor=request.user, **form.cleaned_data)
                    messages.success(request, _("Saved."))
                    return redirect("matching:board")
            elif action == "outcome":
                form = forms.OutcomeForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors.get_json_data())
                services.record_introduction_outcome(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Saved."))
                return redirect("matching:board")
            elif action in {"close_offer", "close_wanted"}:
                model = DataOffer if action == "close_offer" else DataRequest
                services.close_posting(
                    actor=request.user, posting=posted_object_or_404(model, request.POST.get("pk"))
                )
                messages.success(request, _("Taken off the board."))
                return redirect("matching:board")
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            if action not in forms_by_action:
                errors_to_messages(request, exc)
                return redirect("matching:board")
            _apply({"offer": offer_form, "wanted": wanted_form, "intro": intro_form}[action], exc)
    return render(
        request,
        "matching/board.html",
        {
            "board": selectors.matching_board(request.user),
            "staff": staff,
            "can_manage": can_manage(request.user),
            "offer_form": offer_form,
            "wanted_form": wanted_form,
            "intro_form": intro_form,
            "outcomes": forms.IntroductionOutcome.choices,
        },
    )


@login_required
def events(request):
    if not can_view_board(request.user):
        raise Http404
    form = forms.EventForm()
    if request.method == "POST":
        _agency(request)
        form = forms.EventForm(request.POST)
        if form.is_valid():
            try:
                services.record_event(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Event recorded."))
                return redirect("matching:events")
            except (ValidationError, PermissionDenied) as exc:
                _apply(form, exc)
    rows = selectors.events()
    return render(
        request,
        "matching/events.html",
        {
            "events": rows,
            "totals": selectors.event_totals(rows),
            "form": form,
            "can_manage": can_manage(request.user),
        },
    )
