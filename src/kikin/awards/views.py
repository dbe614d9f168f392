"""Pages of awards for each role. Views read with selectors and write with services only."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kikin.accounts.models import Role
from kikin.awards.permissions import is_implementer
from kikin.calls.models import Proposal
from kikin.core.feedback import errors_to_messages
from kikin.core.paging import page_of
from kikin.core.timeutil import today_jst
from kikin.exports import columns as export_columns
from kikin.exports.tabular import export_format, export_response

from . import selectors, services
from .models import CostCategory, CostClaim, GateOutcome, Outlook, ProgressReport, StageGateReview


@login_required
def award_list(request):
    user = request.user
    if user.role == Role.REVIEWER:
        raise Http404
    today = today_jst()
    qs = selectors.with_portfolio_figures(selectors.awards_for_user(user), today).order_by("number")
    flt = request.GET.get("show")
    if flt == "overdue":
        qs = qs.filter(pk__in=ProgressReport.objects.filter(submitted_at__isnull=True, due_date__lt=today).values("award"))
    elif flt == "gates":
        qs = qs.filter(pk__in=StageGateReview.objects.filter(
            held_on__isnull=True, scheduled_for__lte=today + dt.timedelta(days=90)).values("award"))
    if fmt := export_format(request):
        return export_response(export_columns.award_rows(qs), export_columns.AWARD_COLUMNS,
                               filename=export_columns.filename(export_columns.AWARDS_FILE), fmt=fmt)
    page = page_of(qs, request.GET.get("page"), 50)
    context = {"page": page, "today": today, "show": flt, "is_staff_view": user.role in {Role.MINISTRY, Role.AGENCY}}
    if user.role == Role.MINISTRY:
        context["summary"] = selectors.ministry_summary(today)
    return render(request, "awards/award_list.html", context)


@login_required
def award_detail(request, pk: int):
    award = selectors.visible_award_or_404(request.user, pk)
    user = request.user
    return render(request, "awards/award_detail.html", {
        "award": award,
        "ledger": selectors.ledger(award),
        "gates": award.gate_reviews.all(),
        "reports": award.progress_reports.all(),
        "evaluations": award.evaluations.all(),
        "directives": award.directives.all(),
        "today": today_jst(),
        "is_member": is_implementer(user, award),
        "is_agency": user.role == Role.AGENCY,
        "is_ministry": user.role == Role.MINISTRY,
        "categories": CostCategory.choices,
        "outcomes": GateOutcome.choices,
        "outlooks": Outlook.choices,
        "received_for_refund": services.received_for_refund(award),
        "claim_rows": range(5),
    })


@login_required
@require_POST
def award_create(request, proposal_pk: int):
    if request.user.role != Role.AGENCY:
        raise Http404
    proposal = get_object_or_404(Proposal, pk=proposal_pk)
    rate = request.POST.get("rate") or None
    try:
        award = services.create_award(actor=request.user, proposal=proposal, rate=Fraction(rate) if rate else None)
    except (ValidationError, PermissionDenied, ValueError, ZeroDivisionError) as exc:
        errors_to_messages(request, exc)
        return redirect("review:proposal", pk=proposal_pk)
    messages.success(request, _("Award %(n)s created.") % {"n": award.number})
    return redirect("awards:detail", pk=award.pk)


def _int(text: str) -> int:
    return int(text.replace(",", "").strip())


@login_required
@require_POST
def award_action(request, pk: int, action: str):
    award = selectors.visible_award_or_404(request.user, pk)
    post = request.POST
    try:
        if action == "claim":
            lines = []
            for i, desc in enumerate(post.getlist("description")):
                amount = post.getlist("amount")[i].strip()
                if not desc.strip() and not amount:
                    continue
                try:
                    lines.append({"category": post.getlist("category")[i], "description": desc.strip(),
                                  "incurred_on": dt.date.fromisoformat(post.getlist("incurred_on")[i]),
                                  "amount_yen": _int(amount), "fixed_amount": str(i) in post.getlist("fixed_amount"),
                                  "evidence": request.FILES.get(f"evidence_{i}")})
                except (ValueError, IndexError):
                    raise ValidationError({f"lines.{i + 1}": _("A date such as 2027-04-01 and an amount in whole yen.")}) from None
            services.submit_claim(actor=request.user, award=award, fiscal_year=_int(post.get("fiscal_year", "0")),
                                  budget_kind=post.get("budget_kind", "base"), lines=lines)
        elif action == "approve":
            claim = get_object_or_404(CostClaim, pk=post.get("claim"), award=award)
            eligible = {int(k.split("_", 1)[1]): _int(v) for k, v in post.items() if k.startswith("eligible_") and v.strip()}
            services.approve_claim(actor=request.user, claim=claim, eligible=eligible, note=post.get("note", ""))
        elif action == "refuse":
            claim = get_object_or_404(CostClaim, pk=post.get("claim"), award=award)
            services.refuse_claim(actor=request.user, claim=claim, reason=post.get("reason", ""))
        elif action == "gate":
            services.decide_stage_gate(actor=request.user, award=award, held_on=dt.date.fromisoformat(post.get("held_on", "")),
                                       outcome=post.get("outcome", ""), note=post.get("note", ""),
                                       budget_change_yen=_int(post.get("budget_change_yen") or "0"),
                                       fiscal_year=_int(post["fiscal_year"]) if post.get("fiscal_year") else None)
        elif action == "gate-earlier":
            services.schedule_stage_gate_early(actor=request.user, award=award, on=dt.date.fromisoformat(post.get("on", "")),
                                               reason=post.get("reason", ""))
        elif action == "report":
            report = get_object_or_404(ProgressReport, pk=post.get("report"), award=award)
            services.submit_progress_report(actor=request.user, report=report, summary=post.get("summary", ""), issues=post.get("issues", ""))
        elif action == "evaluation":
            services.record_evaluation(actor=request.user, award=award, fiscal_year=_int(post.get("fiscal_year", "0")),
                                       outlook=post.get("outlook", ""), comment=post.get("comment", ""),
                                       budget_needed=post.get("budget_needed") == "1", team_sound=post.get("team_sound") == "1")
        elif action == "directive":
            services.record_directive(actor=request.user, award=award, issued_on=dt.date.fromisoformat(post.get("issued_on", "")),
                                      effective_from=dt.date.fromisoformat(post.get("effective_from", "")),
                                      fiscal_year=_int(post.get("fiscal_year", "0")), amount_yen=_int(post.get("amount_yen", "0")),
                                      note=post.get("note", ""))
        else:
            raise Http404
        messages.success(request, _("Saved."))
    except (ValidationError, PermissionDenied) as exc:
        errors_to_messages(request, exc)
    except ValueError as exc:
        messages.error(request, _("A value is not in the expected form: %(e)s") % {"e": exc})
    return redirect("awards:detail", pk=pk)


@login_required
def evidence_download(request, pk: int, line_pk: int):
    """A claim line's evidence file, for the implementer and the staff only."""
    from django.http import FileResponse

    from .models import ClaimLine

    award = selectors.visible_award_or_404(request.user, pk)
    line = get_object_or_404(ClaimLine, pk=line_pk, claim__award=award)
    if not line.evidence:
        raise Http404
    response = FileResponse(line.evidence.open("rb"), as_attachment=True, filename=line.evidence.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    return response
