"""Pages of the selection: the staff dashboard with the 55-day countdown, the review panel of a
proposal, the reviewer's queue and scoring form, and the public list of adoptions."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kikin.accounts.models import Role, User
from kikin.accounts.permissions import is_agency, is_ministry
from kikin.calls.models import Call, ProposalState
from kikin.calls.selectors import (
    call_summaries,
    proposal_document,
    proposals_for_user,
    state_counts,
)
from kikin.calls.validation import proposal_eligibility
from kikin.calls.workflow import TransitionError
from kikin.core.feedback import errors_to_messages
from kikin.core.lookup import posted_object_or_404
from kikin.core.paging import page_of
from kikin.core.permissions import require
from kikin.core.posted import parse_int, posted_datetime, posted_int
from kikin.core.timeutil import today_jst
from kikin.exports.tabular import export_format
from kikin.jobs.services import enqueue_job
from kikin.rules.deadlines import adoption_countdown
from kikin.rules.identifiers import normalise_digits

from . import jobs as review_jobs
from . import selectors, services
from .conflicts import conflict_reasons
from .exports import ADOPTIONS
from .models import Assignment, CapException, Decision, DeclarationCheck, Hearing, Review
from .permissions import can_run_selection, can_write_reviews


def _staff(request):
    if not can_run_selection(request.user):
        raise Http404


def deadline_status(call: Call, pending: int, today: dt.date | None = None) -> dict:
    """The 55-day countdown from the call's deadline to the adoption decision
    (`kikin.rules.deadlines.adoption_countdown`)."""
    return asdict(adoption_countdown(call.deadline_date, today or today_jst(), pending))


@login_required
def dashboard(request):
    _staff(request)
    calls = list(Call.objects.select_related("program").order_by("-closes_at"))
    rows = call_summaries(calls)
    for row in rows:
        row["deadline"] = deadline_status(row["call"], row["pending"])
    return render(request, "review/dashboard.html", {"rows": rows})


@login_required
def call_panel(request, pk: int):
    _staff(request)
    call = get_object_or_404(Call, pk=pk)
    qs = proposals_for_user(request.user, call).select_related("decision", "first_review")
    listing = selectors.CALL_PANEL_LIST.apply(request, qs)
    page = page_of(listing.rows, request.GET.get("page"), 50)
    # Each proposal's reviewers (by name: the staff's page), scores, committee score and rank.
    scores = selectors.call_panel_scores(call, page.object_list)
    counts = state_counts(call)
    pending = sum(
        counts[s]
        for s in ("submitted", "first_passed", "in_review", "recommended", "not_recommended")
    )
    plan = call.adoption_plans.first()
    return render(
        request,
        "review/call_panel.html",
        {
            "call": call,
            "page": page,
            "counts": counts,
            "listing": listing,
            "panel": scores["rows"],
            "scored": scores["scored"],
            "states": ProposalState.choices,
            "deadline": deadline_status(call, pending),
            "plan": plan,
            "is_agency": bool(is_agency(request.user)),
            "is_ministry": bool(is_ministry(request.user)),
            "decision_refused": _decision_refusals(call=call),
        },
    )


@login_required
@require_POST
def call_action(request, pk: int, action: str):
    _staff(request)
    call = get_object_or_404(Call, pk=pk)
    try:
        if action in {"assign", "recommend"}:
            # The agency runs them (the jobs' services say so too): refused here, before any
            # job is queued for someone who may not run it.
            require(is_agency(request.user))
        if action == "assign":
            params = {
                "call": call.pk,
                "per_proposal": posted_int(request.POST, "per_proposal", required=False, default=3),
                "max_load": posted_int(request.POST, "max_load", required=False),
                "fair": request.POST.get("fair") == "1",
            }
            job = enqueue_job(
                kind=review_jobs.ASSIGN,
                params=params,
                requested_by=request.user,
                label=_("Reviewer assignment: %(call)s") % {"call": call},
            )
            return redirect("jobs:detail", pk=job.pk)
        elif action == "recommend":
            services.check_may_decide(call=call)  # refused here, not in the worker's run
            job = enqueue_job(
                kind=review_jobs.RECOMMEND,
                params={"call": call.pk},
                requested_by=request.user,
                label=_("Recommended adoptions: %(call)s") % {"call": call},
            )
            return redirect("jobs:detail", pk=job.pk)
        elif action == "notify":
            notified = services.issue_notices(actor=request.user, call=call)
            messages.success(request, _("%(n)s notices issued.") % {"n": len(notified)})
        elif action == "publish":
            n = services.publish_adoptions(actor=request.user, call=call)
            messages.success(request, _("%(n)s adoptions published.") % {"n": n})
        else:
            raise Http404
    except (ValidationError, PermissionDenied, TransitionError) as exc:
        errors_to_messages(request, exc)
    return redirect("review:call", pk=pk)


@login_required
def proposal_panel(request, pk: int):
    _staff(request)
    proposal = get_object_or_404(proposals_for_user(request.user), pk=pk)
    return _render_panel(request, proposal)


def _render_panel(request, proposal, *, typed=None, status=200):
    """The proposal's review panel; `typed` ({action: the refused POST}) fills the refused
    form again with what was typed."""
    panel = selectors.panel_reviewers(proposal)
    return render(
        request,
        "review/proposal_panel.html",
        {
            "typed": typed or {},
            "proposal": proposal,
            "first_review": getattr(proposal, "first_review", None),
            "assignments": panel["assignments"],
            "candidates": panel["candidates"],
            "reviews": selectors.reviews_visible_to(request.user, proposal),
            "hearings": proposal.hearings.all(),
            "decision": Decision.objects.filter(proposal=proposal).first(),
            "committee_score": selectors.committee_score(proposal),
            "is_agency": bool(is_agency(request.user)),
            "is_ministry": bool(is_ministry(request.user)),
            "outcomes": Decision.Outcome.choices,
            "plan": proposal.call.adoption_plans.first(),
            "move_items": proposal.theme.program.items.filter(move_target=True).exclude(
                number=proposal.theme.item.number
            ),
            "declarations": _declaration_rows(proposal),
            "eligibility": proposal_eligibility(proposal),
            "cap_exception": CapException.objects.filter(proposal=proposal).first(),
            "pools": selectors.pool_room(proposal),
            "spec": proposal.theme_spec(),
            "flags": panel["flags"],
            "decision_refused": _decision_refusals(call=proposal.call, proposal=proposal),
        },
        status=status,
    )


def _decision_refusals(*, call, proposal=None) -> list[str]:
    """Why no selection decision may be made now on `call` (its deadline) or `proposal` (no
    review), as the services would refuse it: the page says so instead of offering a form bound
    to be refused."""
    try:
        services.check_may_decide(call=call, proposal=proposal)
    except ValidationError as exc:
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return []


def _declaration_rows(proposal):
    """Each condition the theme asks to be declared: declared?, the officer's check."""
    checks = {c.code: c for c in DeclarationCheck.objects.filter(proposal=proposal)}
    declared = set(proposal.declarations or ())
    return [
        {"condition": c, "declared": c.code in declared, "check": checks.get(c.code)}
        for c in proposal_eligibility(proposal).declarations_needed
    ]


@login_required
@require_POST
def proposal_action(request, pk: int, action: str):
    _staff(request)
    proposal = get_object_or_404(proposals_for_user(request.user), pk=pk)
    post = request.POST
    try:
        if action == "first_review":
            services.decide_first_review(
                actor=request.user,
                proposal=proposal,
                passed=post.get("passed") == "1",
                reason=post.get("reason", ""),
            )
        elif action == "assign":
            reviewer = posted_object_or_404(User, post.get("reviewer"), role=Role.REVIEWER)
            services.assign_reviewer(actor=request.user, proposal=proposal, reviewer=reviewer)
        elif action == "hearing":
            services.schedule_hearing(
                actor=request.user,
                proposal=proposal,
                scheduled_at=posted_datetime(post, "scheduled_at"),
                place=post.get("place", ""),
            )
        elif action == "hearing_notes":
            hearing = posted_object_or_404(Hearing, post.get("hearing"), proposal=proposal)
            services.record_hearing(
                actor=request.user, hearing=hearing, notes=post.get("notes", "")
            )
        elif action == "decide":
            item = posted_int(post, "adopted_as_item", required=False)
            services.record_decision(
                actor=request.user,
                proposal=proposal,
                outcome=post.get("outcome", ""),
                reason=post.get("reason", ""),
                conditions=post.get("conditions", ""),
                adopted_as_item=item,
                override_reason=post.get("override_reason", ""),
            )
        elif action == "declarations":
            codes = post.getlist("code")
            services.check_declarations(
                actor=request.user,
                proposal=proposal,
                results={c: post.get(f"confirm_{c}") == "1" for c in codes},
                note=post.get("note", ""),
            )
        elif action == "cap_exception":
            services.approve_cap_exception(
                actor=request.user,
                proposal=proposal,
                approved_cap_yen=posted_int(post, "approved_cap_yen", minimum=0),
                reason=post.get("reason", ""),
                approved_by_names=post.get("approved_by_names", ""),
            )
        elif action == "name_match":
            services.decide_name_match(
                actor=request.user,
                name_a=post.get("name_a", ""),
                name_b=post.get("name_b", ""),
                same=post.get("same") == "1",
                note=post.get("note", ""),
            )
        elif action == "approve":
            services.approve_decision(
                actor=request.user,
                proposal=proposal,
                approve=post.get("approve") == "1",
                note=post.get("note", ""),
            )
        else:
            raise Http404
        messages.success(request, _("Saved."))
    except (ValidationError, PermissionDenied, TransitionError) as exc:
        errors_to_messages(request, exc)
        # Refused: the panel again with the refusal and what was typed (nothing of it is kept).
        proposal = get_object_or_404(proposals_for_user(request.user), pk=pk)
        return _render_panel(request, proposal, typed={action: post}, status=400)
    return redirect("review:proposal", pk=pk)


@login_required
def my_assignments(request):
    if not can_write_reviews(request.user):
        raise Http404
    return render(
        request,
        "review/my_assignments.html",
        {"assignments": selectors.assignments_for_reviewer(request.user)},
    )


@login_required
def review_form(request, pk: int):
    assignment = get_object_or_404(
        Assignment.objects.select_related("proposal__call", "proposal__theme__item"),
        pk=pk,
        reviewer=request.user,
    )
    proposal = assignment.proposal
    if conflict_reasons(request.user, proposal):
        raise Http404
    criteria = services.ensure_criteria(call=proposal.call)
    review = getattr(assignment, "review", None)
    errors = {}
    if request.method == "POST":
        scores = {}
        for c in criteria:
            raw = request.POST.get(f"score_{c.code}", "").strip()
            if raw:
                try:
                    scores[c.code] = parse_int(raw, field=f"score.{c.code}", maximum=10**6)
                except ValidationError:
                    errors[f"score.{c.code}"] = _("A whole number from 1 to %(n)s.") % {
                        "n": c.max_score
                    }
        if not errors:
            try:
                review = services.save_review(
                    actor=request.user,
                    assignment=assignment,
                    scores=scores,
                    comment=request.POST.get("comment", ""),
                    recommendation=request.POST.get("recommendation", ""),
                    submit=request.POST.get("submit") == "1",
                )
                messages.success(
                    request, _("Review submitted.") if review.is_submitted else _("Review saved.")
                )
                return redirect("review:review_form", pk=pk)
            except (ValidationError, PermissionDenied, TransitionError) as exc:
                if isinstance(exc, ValidationError):
                    errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
                else:
                    errors = {"review": str(exc)}
    # All of the proposal as submitted: files, team, partners, the technology-leakage plan.
    document = proposal_document(proposal)
    current = {s.criterion_id: s.value for s in review.scores.all()} if review else {}
    return render(
        request,
        "review/review_form.html",
        {
            "assignment": assignment,
            "proposal": proposal,
            "document": document,
            "content": document.content if document.version else {},
            "criteria": [(c, current.get(c.pk), range(1, c.max_score + 1)) for c in criteria],
            "review": review,
            "errors": errors,
            "others": selectors.reviews_visible_to(request.user, proposal).exclude(
                assignment=assignment
            ),
            "recommendations": Review.Recommendation.choices,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def declare_conflict(request, pk: int):
    assignment = get_object_or_404(Assignment, pk=pk, reviewer=request.user)
    try:
        services.declare_conflict(
            actor=request.user,
            reviewer=request.user,
            proposal=assignment.proposal,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Conflict declared; the assignment is withdrawn."))
        return redirect("review:mine")
    except ValidationError as exc:
        errors_to_messages(request, exc)
        return redirect("review:review_form", pk=pk)


def public_adoptions(request):
    if fmt := export_format(request):
        return ADOPTIONS.response(selectors.published_adoptions(), fmt=fmt)
    return render(
        request,
        "review/public_adoptions.html",
        {"decisions": selectors.published_adoptions()[:500]},
    )


@login_required
def reviewer_profile(request):
    if not can_write_reviews(request.user):
        raise Http404
    from .models import ReviewerProfile

    errors = {}
    if request.method == "POST":
        try:
            services.update_reviewer_profile(
                actor=request.user,
                keywords=request.POST.get("keywords", ""),
                profile=request.POST.get("profile", ""),
                max_load=posted_int(request.POST, "max_load", required=False, default=10),
                researcher_number=normalise_digits(request.POST.get("researcher_number", "")),
            )
            messages.success(request, _("Saved."))
            return redirect("review:profile")
        except ValidationError as exc:
            errors = exc.message_dict
    profile = ReviewerProfile.objects.filter(user=request.user).first()
    return render(
        request,
        "review/profile.html",
        {"profile": profile, "errors": errors},
        status=400 if errors else 200,
    )
