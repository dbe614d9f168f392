"""Pages of awards for each role. Views read with selectors and write with services only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kikin.accounts.models import Role, User
from kikin.accounts.permissions import is_agency, is_ministry, is_staff_member
from kikin.awards.permissions import (
    can_list_awards,
    can_manage_awards,
    can_see_portfolio,
    is_implementer,
)
from kikin.calls.models import Proposal
from kikin.core.feedback import errors_to_messages
from kikin.core.lookup import posted_object_or_404
from kikin.core.paging import page_of
from kikin.core.posted import at, parse_date, parse_int, posted_date, posted_int, posted_rate
from kikin.core.timeutil import today_jst
from kikin.core.workflow import TransitionError
from kikin.exports.tabular import export_format

from . import selectors, services
from .exports import PORTFOLIO
from .models import CostCategory, CostClaim, GateOutcome, Outlook, ProgressReport


@login_required
def award_list(request):
    user = request.user
    if not can_list_awards(user):
        raise Http404
    today = today_jst()
    qs = selectors.with_portfolio_figures(selectors.awards_for_user(user), today)
    listing = selectors.AWARD_LIST.apply(request, qs)
    if fmt := export_format(request):
        return PORTFOLIO.response(listing.rows, fmt=fmt)
    page = page_of(listing.rows, request.GET.get("page"), 50)
    context = {
        "page": page,
        "listing": listing,
        "today": today,
        "is_staff_view": bool(can_see_portfolio(user)),
    }
    if is_ministry(user):
        context["summary"] = selectors.ministry_summary(today)
    return render(request, "awards/award_list.html", context)


@login_required
def claim_list(request):
    """The cost claims of the awards the person may see: for the agency, those to check
    (``?state=submitted``); for an implementer, their own."""
    if not can_list_awards(request.user):
        raise Http404
    listing = selectors.CLAIM_LIST.apply(request, selectors.claims_for_user(request.user))
    return render(
        request,
        "awards/claim_list.html",
        {
            "page": page_of(listing.rows, request.GET.get("page"), 50),
            "listing": listing,
            "is_staff_view": bool(can_see_portfolio(request.user)),
        },
    )


@login_required
def award_detail(request, pk: int):
    award = selectors.visible_award_or_404(request.user, pk)
    user = request.user
    return render(
        request,
        "awards/award_detail.html",
        {
            "award": award,
            "ledger": selectors.ledger(award),
            "gates": award.gate_reviews.all(),
            "reports": award.progress_reports.all(),
            "evaluations": award.evaluations.all(),
            "directives": award.directives.all(),
            "today": today_jst(),
            "is_member": is_implementer(user, award),
            "is_agency": bool(is_agency(user)),
            "is_ministry": bool(is_ministry(user)),
            "categories": CostCategory.choices,
            "outcomes": GateOutcome.choices,
            "outlooks": Outlook.choices,
            "received_for_refund": selectors.received_for_refund(award),
            "claim_rows": range(5),
            "spec": selectors.award_spec(award),
            "cap_entries": award.cap_entries.all(),
            "milestones": award.milestones.all(),
            "continuation": getattr(award, "continuation", None),
            "continuation_rules": award.theme.program.plan_rules().continuation,
        },
    )


@login_required
@require_POST
def award_create(request, proposal_pk: int):
    if not can_manage_awards(request.user):
        raise Http404
    proposal = get_object_or_404(Proposal, pk=proposal_pk)
    try:
        award = services.create_award(
            actor=request.user, proposal=proposal, rate=posted_rate(request.POST, "rate")
        )
    except (ValidationError, PermissionDenied, ValueError, ZeroDivisionError) as exc:
        errors_to_messages(request, exc)
        return redirect("review:proposal", pk=proposal_pk)
    messages.success(request, _("Award %(n)s created.") % {"n": award.number})
    return redirect("awards:detail", pk=award.pk)


@login_required
@require_POST
def award_action(request, pk: int, action: str):
    award = selectors.visible_award_or_404(request.user, pk)
    post = request.POST
    try:
        if action == "claim":
            services.submit_claim(
                actor=request.user,
                award=award,
                fiscal_year=posted_int(post, "fiscal_year"),
                budget_kind=post.get("budget_kind", "base"),
                lines=_claim_lines(request),
            )
        elif action == "approve":
            claim = posted_object_or_404(CostClaim, post.get("claim"), award=award)
            eligible = {}
            for key, value in post.items():
                if key.startswith("eligible_") and value.strip():
                    line = parse_int(key.split("_", 1)[1], field=key, minimum=1)
                    eligible[line] = parse_int(value, field=key)
            services.approve_claim(
                actor=request.user, claim=claim, eligible=eligible, note=post.get("note", "")
            )
        elif action == "refuse":
            claim = posted_object_or_404(CostClaim, post.get("claim"), award=award)
            services.refuse_claim(actor=request.user, claim=claim, reason=post.get("reason", ""))
        elif action == "gate":
            services.decide_stage_gate(
                actor=request.user,
                award=award,
                held_on=posted_date(post, "held_on"),
                outcome=post.get("outcome", ""),
                note=post.get("note", ""),
                budget_change_yen=posted_int(post, "budget_change_yen", required=False, default=0),
                fiscal_year=posted_int(post, "fiscal_year", required=False),
                gx_commitment_confirmed=post.get("gx_commitment_confirmed") == "1",
            )
        elif action == "gate-earlier":
            services.schedule_stage_gate_early(
                actor=request.user,
                award=award,
                on=posted_date(post, "on"),
                reason=post.get("reason", ""),
            )
        elif action == "report":
            report = posted_object_or_404(ProgressReport, post.get("report"), award=award)
            services.submit_progress_report(
                actor=request.user,
                report=report,
                summary=post.get("summary", ""),
                issues=post.get("issues", ""),
                milestones={
                    int(k.split("_", 1)[1]): v
                    for k, v in post.items()
                    if k.startswith("milestone_") and v
                },
            )
        elif action == "milestones":
            titles, dues = post.getlist("milestone_title"), post.getlist("milestone_due")
            services.set_milestones(
                actor=request.user,
                award=award,
                milestones=[
                    {
                        "title": t,
                        "due_date": parse_date(d, field=f"milestones.{i + 1}.due_date")
                        if d.strip()
                        else None,
                    }
                    for i, (t, d) in enumerate(zip(titles, dues, strict=False))
                    if t.strip() or d.strip()
                ],
            )
        elif action == "continuation":
            services.approve_continuation(
                actor=request.user,
                award=award,
                months=posted_int(post, "months"),
                form=post.get("form", ""),
                rate=posted_rate(post, "rate"),
                budget_by_fy={
                    parse_int(fy, field="budget_fy"): parse_int(yen, field="budget_yen")
                    for fy, yen in zip(
                        post.getlist("budget_fy"), post.getlist("budget_yen"), strict=False
                    )
                    if fy.strip() and yen.strip()
                },
                note=post.get("note", ""),
            )
        elif action == "evaluation":
            services.record_evaluation(
                actor=request.user,
                award=award,
                fiscal_year=posted_int(post, "fiscal_year"),
                outlook=post.get("outlook", ""),
                comment=post.get("comment", ""),
                budget_needed=post.get("budget_needed") == "1",
                team_sound=post.get("team_sound") == "1",
            )
        elif action == "directive":
            services.record_directive(
                actor=request.user,
                award=award,
                issued_on=posted_date(post, "issued_on"),
                effective_from=posted_date(post, "effective_from"),
                fiscal_year=posted_int(post, "fiscal_year"),
                amount_yen=posted_int(post, "amount_yen"),
                note=post.get("note", ""),
            )
        else:
            raise Http404
        messages.success(request, _("Saved."))
    except (ValidationError, PermissionDenied, TransitionError) as exc:
        errors_to_messages(request, exc)
    except (ValueError, ZeroDivisionError):
        messages.error(
            request, _("A value is not in the expected form (dates as 2027-04-01, whole yen).")
        )
    return redirect("awards:detail", pk=pk)


def _claim_lines(request) -> list[dict]:
    """The claim form's rows (a row with neither description nor amount is left out)."""
    post = request.POST
    amounts, days = post.getlist("amount"), post.getlist("incurred_on")
    categories, fixed = post.getlist("category"), set(post.getlist("fixed_amount"))
    lines = []
    for i, description in enumerate(post.getlist("description")):
        amount = at(amounts, i).strip()
        if not description.strip() and not amount:
            continue
        lines.append(
            {
                "category": at(categories, i),
                "description": description,
                "incurred_on": parse_date(at(days, i), field=f"lines.{i + 1}.incurred_on"),
                "amount_yen": parse_int(amount, field=f"lines.{i + 1}.amount_yen"),
                "fixed_amount": str(i) in fixed,
                "evidence": request.FILES.get(f"evidence_{i}"),
            }
        )
    return lines


@login_required
def evidence_download(request, pk: int, line_pk: int):
    """A claim line's evidence file, for the implementer and the staff only."""
    from django.http import FileResponse

    from .models import ClaimLine

    award = selectors.visible_award_or_404(request.user, pk)
    line = get_object_or_404(ClaimLine, pk=line_pk, claim__award=award)
    if not line.evidence:
        raise Http404
    response = FileResponse(
        line.evidence.open("rb"),
        as_attachment=True,
        filename=line.evidence_name or line.evidence.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def area_detail(request, code: str, number: int):
    """An area run by its program director (Q-LEAP's technology areas, 004 line 278): the
    director, the policy, benchmarks and budget by fiscal year, and the progress of every award
    in the area. For the agency, the ministry and the area's director."""
    from kikin.programs import services as program_services
    from kikin.programs.models import ResearchItem

    item = get_object_or_404(ResearchItem, program__code=code, number=number, director=True)
    director = program_services.current_director(item)
    user = request.user
    is_director = director is not None and director.user_id == user.pk
    if not is_staff_member(user) and not is_director:
        raise Http404
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("action") == "appoint":
                appointee = get_object_or_404(User, pk=post.get("user"))
                program_services.appoint_area_director(
                    actor=user,
                    item=item,
                    user=appointee,
                    appointed_on=posted_date(post, "appointed_on"),
                )
            elif post.get("action") == "policy":
                program_services.set_area_policy(
                    actor=user,
                    item=item,
                    fiscal_year=posted_int(post, "fiscal_year"),
                    policy=post.get("policy", ""),
                    benchmarks=post.get("benchmarks", ""),
                    budget_yen=posted_int(post, "budget_yen"),
                )
            else:
                raise Http404
            messages.success(request, _("Saved."))
        except (ValidationError, PermissionDenied, TransitionError) as exc:
            errors_to_messages(request, exc)
        except ValueError:
            messages.error(
                request, _("A value is not in the expected form (dates as 2027-04-01, whole yen).")
            )
        return redirect("awards:area", code=code, number=number)
    return render(
        request,
        "awards/area_detail.html",
        {
            "item": item,
            "program": item.program,
            "director": director,
            "is_director": is_director,
            "is_agency": bool(is_agency(user)),
            "policies": item.policies.all(),
            "rows": selectors.area_progress(item, today_jst()),
            "staff": User.objects.filter(
                role__in=[Role.AGENCY, Role.REVIEWER], is_active=True
            ).order_by("username"),
            "today": today_jst(),
        },
    )
