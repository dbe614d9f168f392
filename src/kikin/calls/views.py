"""Pages for calls and proposals. Views read with selectors and write with services only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kikin.accounts.models import Role
from kikin.core.feedback import errors_to_messages
from kikin.core.lookup import posted_object_or_404
from kikin.core.paging import page_of
from kikin.exports.tabular import export_format
from kikin.programs.selectors import terms_in_force

from . import exports, extensions, permissions, selectors, services
from .forms import parse_draft
from .models import (
    Attachment,
    Call,
    DevelopmentType,
    PartnerRelation,
    Proposal,
    ProposalState,
    ProposalVersion,
)
from .validation import call_date, cap_for, check_proposal
from .workflow import TransitionError

PAGE_SIZE = 50


def call_list(request):
    calls = (
        Call.objects.select_related("program")
        .prefetch_related("themes__item")
        .order_by("-closes_at")
    )
    if fmt := export_format(request):
        return exports.CALLS.response(calls, fmt=fmt)
    now = timezone.now()
    return render(request, "calls/call_list.html", {"calls": calls, "now": now})


def call_detail(request, pk: int):
    call = get_object_or_404(Call.objects.select_related("program"), pk=pk)
    themes = call.themes.select_related("item").order_by("item__number", "sort_order")
    return render(
        request,
        "calls/call_detail.html",
        {"call": call, "themes": themes, "is_open": call.is_open()},
    )


def _visible(request, pk: int) -> Proposal:
    proposal = get_object_or_404(
        Proposal.objects.select_related("call__program", "theme__item", "organisation"), pk=pk
    )
    if not permissions.can_view(request.user, proposal):
        raise Http404  # existence itself is confidential
    return proposal


@login_required
@require_POST
def proposal_start(request, call_pk: int):
    call = get_object_or_404(Call, pk=call_pk)
    theme = posted_object_or_404(call.themes.all(), request.POST.get("theme"))
    try:
        proposal = services.create_proposal(actor=request.user, call=call, theme=theme)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("calls:detail", pk=call.pk)
    return redirect("calls:proposal_edit", pk=proposal.pk)


@login_required
def proposal_list(request):
    qs = selectors.proposals_for_user(request.user).order_by("-updated_at", "-id")
    state = request.GET.get("state")
    if state in ProposalState.values and request.user.role != Role.APPLICANT:
        qs = qs.filter(state=state)
    if fmt := export_format(request):
        return exports.PROPOSALS.response(
            qs, fmt=fmt, applicant=request.user.role == Role.APPLICANT
        )
    page = page_of(qs, request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "calls/proposal_list.html",
        {
            "page": page,
            "state": state,
            "states": ProposalState.choices,
            "is_applicant": request.user.role == Role.APPLICANT,
        },
    )


def _form_context(request, proposal: Proposal, errors=None, problems=None):
    terms = terms_in_force(proposal.theme, call_date(proposal)).terms
    spec = terms.as_spec() if terms else None
    budget = list(proposal.budget_lines.all())
    rules = proposal.theme.program.plan_rules()
    conditions = (*rules.conditions, *(spec.conditions if spec else ()))
    return {
        "proposal": proposal,
        "spec": spec,
        "terms": terms,
        "cap": cap_for(proposal),
        "budget_rows": budget + [None] * max(1, 6 - len(budget)),
        "team_rows": list(proposal.team.all()) + [None] * 2,
        "partner_rows": [*list(proposal.partners.all()), None],
        "attachments": proposal.attachments.all(),
        "development_types": DevelopmentType.choices,
        "relations": PartnerRelation.choices,
        "errors": errors or {},
        "problems": problems if problems is not None else check_proposal(proposal),
        "needs_leakage": _needs_leakage(proposal),
        "has_compute_support": bool(spec and spec.has_mode("compute_support")),
        "declarable": [c for c in conditions if c.check in ("declaration", "not_option_only")],
        "advice": [c for c in conditions if c.check == "advice"],
        "first_gate_cap": bool(spec and spec.cap.scope == "first_gate"),
        "self_investment": bool(spec and rules.self_investment_applies(spec.support)),
        "saved_at": None,
    }


def _needs_leakage(proposal: Proposal) -> bool:
    from kikin.rules.fiscal import fiscal_year

    return proposal.theme.program.plan_rules().leakage_applies(fiscal_year(proposal.call.opens_at))


@login_required
def proposal_edit(request, pk: int):
    proposal = _visible(request, pk)
    ok, reason = permissions.can_edit(request.user, proposal)
    if not ok:
        messages.error(request, reason)
        return redirect("calls:proposal_detail", pk=pk)
    if request.method == "POST":
        fields, budget, team, partners, errors = parse_draft(request.POST)
        try:
            proposal = services.save_draft(
                actor=request.user,
                proposal=proposal,
                fields=fields,
                budget=budget,
                team=team,
                partners=partners,
            )
        except ValidationError as exc:
            errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
        if request.htmx:
            proposal.refresh_from_db()
            return render(
                request,
                "calls/_save_status.html",
                {
                    "errors": errors,
                    "problems": check_proposal(proposal),
                    "saved_at": timezone.localtime(),
                    "cap": cap_for(proposal),
                },
            )
        if not errors:
            messages.success(request, _("Draft saved."))
            return redirect("calls:proposal_edit", pk=pk)
        # Refused: nothing of it is kept (kikin.core.idempotency rolls the request back).
        return render(
            request,
            "calls/proposal_form.html",
            _form_context(request, proposal, errors),
            status=400,
        )
    return render(request, "calls/proposal_form.html", _form_context(request, proposal))


@login_required
@require_POST
def proposal_submit(request, pk: int):
    proposal = _visible(request, pk)
    fields, budget, team, partners, errors = parse_draft(request.POST)
    if errors:
        return render(
            request,
            "calls/proposal_form.html",
            _form_context(request, proposal, errors),
            status=400,
        )
    try:
        if fields or budget is not None:
            proposal = services.save_draft(
                actor=request.user,
                proposal=proposal,
                fields=fields,
                budget=budget,
                team=team,
                partners=partners,
            )
        version = services.submit_proposal(
            actor=request.user,
            proposal=proposal,
            # The form's own key identifies the submission (kikin.core.idempotency); a client
            # that sends a submission key of its own keeps it.
            submission_key=request.POST.get("submission_key") or request.form_digest,
        )
    except services.SubmissionRefused as exc:
        return render(
            request,
            "calls/proposal_form.html",
            _form_context(request, proposal, problems=exc.problems),
            status=400,
        )
    except ValidationError as exc:
        return render(
            request,
            "calls/proposal_form.html",
            _form_context(request, proposal, {k: " ".join(v) for k, v in exc.message_dict.items()}),
            status=400,
        )
    proposal.refresh_from_db()
    messages.success(
        request,
        _("Submitted. Receipt number %(number)s (version %(version)s).")
        % {"number": proposal.receipt_number, "version": version.number},
    )
    return redirect("calls:proposal_detail", pk=pk)


@login_required
@require_POST
def proposal_withdraw(request, pk: int):
    proposal = _visible(request, pk)
    try:
        services.withdraw_proposal(
            actor=request.user, proposal=proposal, reason=request.POST.get("reason", "")
        )
    except (PermissionDenied, TransitionError) as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        errors_to_messages(request, exc)
    return redirect("calls:proposal_detail", pk=pk)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    proposal = _visible(request, pk)
    upload = request.FILES.get("attachment")
    if upload is None:
        messages.error(request, _("Attachment: choose a file."))
    else:
        try:
            services.add_attachment(actor=request.user, proposal=proposal, uploaded=upload)
            messages.success(request, _("Attached “%(name)s”.") % {"name": upload.name})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    return redirect("calls:proposal_edit", pk=pk)


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    proposal = _visible(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, proposal=proposal)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def proposal_detail(request, pk: int):
    proposal = _visible(request, pk)
    user = request.user
    is_member = permissions.is_member(user, proposal)
    versions = list(proposal.versions.order_by("-number"))
    latest = versions[0] if versions else None
    context = {
        "proposal": proposal,
        "is_member": is_member,
        "applicant_status": permissions.applicant_status(proposal),
        "can_edit": permissions.can_edit(user, proposal)[0],
        "versions": versions,
        "content": latest.content if latest else None,
        "is_staff_view": user.role in {Role.MINISTRY, Role.AGENCY},
    }
    # The reviews, or the result's notice for the proposer (kikin.review, calls.extensions).
    context.update(extensions.proposal_context(user, proposal, is_member=is_member))
    return render(request, "calls/proposal_detail.html", context)


@login_required
def version_diff(request, pk: int, number: int):
    proposal = _visible(request, pk)
    new = get_object_or_404(ProposalVersion, proposal=proposal, number=number)
    old = ProposalVersion.objects.filter(proposal=proposal, number=number - 1).first()
    changes = services.diff_versions(old.content if old else {}, new.content)
    return render(
        request,
        "calls/version_diff.html",
        {"proposal": proposal, "new": new, "old": old, "changes": changes},
    )
