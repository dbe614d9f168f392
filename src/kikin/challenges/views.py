"""Pages of the prize challenges: the public challenge page and leaderboards; team registration,
entries and documents for entrants; the jury's scoring; the organisers' pages to define a
challenge, run it, give its prizes and record their payment. Thin: forms parse, services write,
selectors read. Another team's pages answer 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kikin.accounts.models import Role, User
from kikin.core import timeutil
from kikin.core.downloads import content_disposition
from kikin.core.lookup import posted_object_or_404
from kikin.core.workflow import TransitionError

from . import forms, permissions, selectors, services
from .models import (
    DocumentKind,
    JuryScore,
    PrizeAward,
    StageDocument,
    Submission,
    SubmissionState,
    Team,
)


def _apply(form, exc) -> None:
    """A service's refusal on the form: on the field it names where the form has it."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("You may not do this."))
        return
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
    for name, errs in items:
        field = name if name in form.fields else None
        for e in errs:
            form.add_error(field, e)


def _refusal(request, exc) -> None:
    from kikin.core.feedback import errors_to_messages

    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        errors_to_messages(request, exc)


def _form_errors(form) -> ValidationError:
    """A form's own errors as one ValidationError, each field named by its label."""
    return ValidationError(
        {
            (str(form.fields[k].label) if k in form.fields else k): [str(e) for e in errs]
            for k, errs in form.errors.items()
        }
    )


def _staff(request) -> None:
    if not permissions.is_staff(request.user):
        raise Http404


# --------------------------------------------------------------------------------------------
# Public


def challenge_list(request):
    return render(request, "challenges/list.html", {"challenges": selectors.challenges()})


def challenge_detail(request, slug: str):
    challenge = selectors.challenge_by_slug(slug)
    now = timeutil.now()
    stages = selectors.stages_of(challenge)
    divisions = list(challenge.divisions.prefetch_related("themes"))
    by_code = {d.code: d for d in divisions}
    rows = [
        {
            "stage": s,
            "open": selectors.is_open(s, now),
            "closed": selectors.has_closed(s, now),
            "spec": s.evaluation_spec(),
            "divisions": [by_code[c] for c in s.divisions if c in by_code],
        }
        for s in stages
    ]
    prizes = list(
        challenge.prizes.select_related("stage", "division", "theme").prefetch_related(
            "awards__team"
        )
    )
    return render(
        request,
        "challenges/detail.html",
        {
            "challenge": challenge,
            "program": challenge.program,
            "stages": rows,
            "divisions": divisions,
            "prizes": prizes,
            "within_total": sum(p.spec().total_yen for p in prizes if not p.spec().outside_total),
            "team": selectors.team_of(request.user, challenge),
            "is_staff": permissions.is_staff(request.user),
            "is_juror": permissions.is_juror(request.user, challenge),
            "can_register": permissions.can_register(request.user)[0]
            or not request.user.is_authenticated,
            "registration_open": selectors.registration_open(challenge, now),
        },
    )


def board(request, slug: str, stage: str):
    challenge = selectors.challenge_by_slug(slug)
    st = get_object_or_404(challenge.stages, code=stage)
    spec = st.evaluation_spec()
    if spec is None:
        raise Http404
    now = timeutil.now()
    closed = selectors.has_closed(st, now)
    show_final = closed or permissions.is_staff(request.user)
    return render(
        request,
        "challenges/board.html",
        {
            "challenge": challenge,
            "stage": st,
            "spec": spec,
            "board": selectors.leaderboard(st, now=now),
            "final": selectors.final_ranking(st) if show_final else None,
            "closed": closed,
            "qualified": selectors.qualified_team_ids(st),
            "my_team": selectors.team_of(request.user, challenge),
        },
    )


# --------------------------------------------------------------------------------------------
# Entrants


def register(request, slug: str):
    challenge = selectors.challenge_by_slug(slug)
    user = request.user
    if user.is_authenticated:
        allowed, reason = permissions.can_register(user)
        if not allowed:
            messages.error(request, reason)
            return redirect("challenges:detail", slug=slug)
        if selectors.team_of(user, challenge):
            return redirect("challenges:team", slug=slug)
    entrant_form = None if user.is_authenticated else forms.EntrantForm(request.POST or None)
    team_form = forms.TeamForm(request.POST or None, challenge=challenge)
    if request.method == "POST":
        ok = team_form.is_valid() and (entrant_form is None or entrant_form.is_valid())
        if ok:
            data = team_form.cleaned_data
            try:
                from django.db import transaction

                with transaction.atomic():
                    if entrant_form is not None:
                        user = services.register_entrant(**entrant_form.cleaned_data)
                    services.register_team(
                        actor=user,
                        challenge=challenge,
                        handle=data["handle"],
                        anonymous=data.get("anonymous", False),
                        display_name=data.get("display_name", ""),
                        division=data.get("division", ""),
                        theme=data.get("theme", ""),
                    )
            except (ValidationError, PermissionDenied, TransitionError) as exc:
                target = entrant_form if entrant_form is not None else team_form
                if hasattr(exc, "error_dict") and any(
                    k in team_form.fields or k == "__all__" for k in exc.error_dict
                ):
                    target = team_form
                _apply(target, exc)
            else:
                if not request.user.is_authenticated:
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Your team is registered."))
                return redirect("challenges:team", slug=slug)
    return render(
        request,
        "challenges/register.html",
        {"challenge": challenge, "entrant_form": entrant_form, "team_form": team_form},
    )


@login_required
def team_page(request, slug: str):
    challenge = selectors.challenge_by_slug(slug)
    team = selectors.team_of(request.user, challenge)
    if team is None:
        return redirect("challenges:register", slug=slug)
    now = timeutil.now()
    stages = selectors.stages_of(challenge)
    entry_forms = {s.pk: forms.EntryForm(prefix=f"s{s.pk}") for s in stages}
    doc_forms = {
        (s.pk, k): forms.DocumentForm(prefix=f"d{s.pk}{k}")
        for s in stages
        for k in DocumentKind.values
    }
    member_form = forms.MemberForm(prefix="m")
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = None
        try:
            if action == "submit":
                stage = posted_object_or_404(challenge.stages, request.POST.get("stage"))
                form = entry_forms[stage.pk] = forms.EntryForm(
                    request.POST, request.FILES, prefix=f"s{stage.pk}"
                )
                if form.is_valid():
                    s = services.submit_entry(
                        actor=request.user,
                        team=team,
                        stage=stage,
                        upload=form.cleaned_data["file"],
                        title=form.cleaned_data["title"],
                    )
                    messages.success(request, _("Entry #%(n)s received.") % {"n": s.number})
                    return redirect("challenges:submission", slug=slug, pk=s.pk)
            elif action == "document":
                stage = posted_object_or_404(challenge.stages, request.POST.get("stage"))
                kind = request.POST.get("kind", "")
                if kind not in DocumentKind.values:
                    raise Http404
                form = doc_forms[(stage.pk, kind)] = forms.DocumentForm(
                    request.POST, request.FILES, prefix=f"d{stage.pk}{kind}"
                )
                if form.is_valid():
                    services.submit_stage_document(
                        actor=request.user,
                        team=team,
                        stage=stage,
                        kind=kind,
                        upload=form.cleaned_data["file"],
                    )
                    messages.success(request, _("Document filed."))
                    return redirect("challenges:team", slug=slug)
            elif action == "member":
                member_form = forms.MemberForm(request.POST, prefix="m")
                form = member_form
                if form.is_valid():
                    services.add_team_member(
                        actor=request.user, team=team, username=form.cleaned_data["username"]
                    )
                    messages.success(request, _("Member added."))
                    return redirect("challenges:team", slug=slug)
            elif action == "final":
                sub = posted_object_or_404(Submission, request.POST.get("submission"), team=team)
                form = None
                services.choose_final_submission(actor=request.user, submission=sub)
                messages.success(
                    request, _("Entry #%(n)s counts in the final ranking.") % {"n": sub.number}
                )
                return redirect("challenges:team", slug=slug)
            else:
                raise Http404
        except (ValidationError, PermissionDenied, TransitionError) as exc:
            if form is None:
                _refusal(request, exc)
            else:
                _apply(form, exc)
    docs = list(team.documents.select_related("stage"))
    stage_rows = []
    for s in stages:
        if s.entry == "none" and not (s.requires_identity or s.requires_paper):
            continue
        if s.divisions and (team.division is None or team.division.code not in s.divisions):
            continue
        stage_rows.append(
            {
                "stage": s,
                "open": selectors.is_open(s, now),
                "closed": selectors.has_closed(s, now),
                "form": entry_forms[s.pk],
                "used_today": selectors.submissions_today(team, s, now) if s.daily_limit else None,
                "identity_form": doc_forms[(s.pk, "identity")] if s.requires_identity else None,
                "paper_form": doc_forms[(s.pk, "paper")] if s.requires_paper else None,
                "docs": [d for d in docs if d.stage_id == s.pk],
            }
        )
    submissions = list(selectors.team_submissions(team))
    return render(
        request,
        "challenges/team.html",
        {
            "challenge": challenge,
            "team": team,
            "members": team.memberships.select_related("user"),
            "member_form": member_form,
            "stages": stage_rows,
            "submissions": submissions,
            "qualified": team.qualifications.select_related("stage"),
            "awards": PrizeAward.objects.filter(team=team).select_related("prize"),
        },
    )


def _visible_submission(request, slug: str, pk: int) -> Submission:
    sub = get_object_or_404(
        Submission.objects.select_related("team__challenge", "stage"),
        pk=pk,
        team__challenge__slug=slug,
    )
    if not permissions.can_view_team(request.user, sub.team)[0]:
        raise Http404
    return sub


@login_required
def submission_detail(request, slug: str, pk: int):
    sub = _visible_submission(request, slug, pk)
    context = {
        "challenge": sub.team.challenge,
        "sub": sub,
        "position": selectors.queue_position(sub),
        "public_problems": [p for p in sub.details.get("problems", []) if p["part"] == "public"],
        "is_staff": permissions.is_staff(request.user),
    }
    template = (
        "challenges/_submission_status.html" if request.htmx else "challenges/submission.html"
    )
    return render(request, template, context)


@login_required
def submission_file(request, slug: str, pk: int):
    sub = get_object_or_404(
        Submission.objects.select_related("team__challenge", "stage"),
        pk=pk,
        team__challenge__slug=slug,
    )
    if not permissions.can_download_submission(request.user, sub):
        raise Http404
    response = FileResponse(sub.file.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition(sub.file_name)
    return response


@login_required
def document_file(request, slug: str, pk: int):
    doc = get_object_or_404(
        StageDocument.objects.select_related("team__challenge", "stage"),
        pk=pk,
        team__challenge__slug=slug,
    )
    juror_may = doc.kind == DocumentKind.PAPER and permissions.is_juror(
        request.user, doc.team.challenge
    )
    if not (permissions.can_view_team(request.user, doc.team)[0] or juror_may):
        raise Http404
    response = FileResponse(doc.file.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition(doc.file_name)
    return response


# --------------------------------------------------------------------------------------------
# The jury


@login_required
def jury(request, slug: str):
    challenge = selectors.challenge_by_slug(slug)
    if not permissions.is_juror(request.user, challenge):
        raise Http404
    mine = {(j.stage_id, j.team_id): j for j in JuryScore.objects.filter(juror=request.user)}
    blocks = []
    for stage in selectors.stages_of(challenge):
        judged = any(p.stage_id == stage.pk and p.basis == "jury" for p in challenge.prizes.all())
        reviewed = stage.kind == "review" and stage.advance
        if not services.criteria_for(stage) or not (judged or reviewed):
            continue
        teams = selectors.jury_teams(stage)
        blocks.append(
            {
                "stage": stage,
                "rows": [
                    {
                        "team": t,
                        "score": mine.get((stage.pk, t.pk)),
                        "conflict": bool(permissions.jury_conflict_reasons(request.user, t)),
                    }
                    for t in teams
                ],
            }
        )
    return render(request, "challenges/jury.html", {"challenge": challenge, "blocks": blocks})


@login_required
def jury_score(request, slug: str, stage: str, team: int):
    challenge = selectors.challenge_by_slug(slug)
    if not permissions.is_juror(request.user, challenge):
        raise Http404
    st = get_object_or_404(challenge.stages, code=stage)
    tm = get_object_or_404(Team, pk=team, challenge=challenge, is_baseline=False)
    if tm not in selectors.jury_teams(st):
        raise Http404
    allowed, reason = permissions.can_score(request.user, tm, st)
    criteria = services.criteria_for(st)
    existing = JuryScore.objects.filter(juror=request.user, team=tm, stage=st).first()
    conflict_form = forms.ConflictForm(prefix="c")
    errors: dict[str, str] = {}
    values = dict(existing.scores) if existing else {}
    comment = existing.comment if existing else ""
    if request.method == "POST" and request.POST.get("action") == "conflict":
        conflict_form = forms.ConflictForm(request.POST, prefix="c")
        if conflict_form.is_valid():
            services.declare_team_conflict(
                actor=request.user, juror=request.user, team=tm, **conflict_form.cleaned_data
            )
            messages.success(request, _("Conflict declared: you will not score this team."))
            return redirect("challenges:jury", slug=slug)
    elif request.method == "POST":
        values, bad = {}, {}
        for c in criteria:
            raw = request.POST.get(f"score_{c.code}", "").strip()
            if raw:
                try:
                    values[c.code] = int(raw)
                except ValueError:
                    bad[f"score_{c.code}"] = _("%(c)s: a whole number.") % {"c": c.label_ja}
        comment = request.POST.get("comment", "")
        try:
            if bad:
                raise ValidationError(bad)
            services.save_jury_score(
                actor=request.user,
                team=tm,
                stage=st,
                scores=values,
                comment=comment,
                submit=request.POST.get("submit") == "1",
            )
            messages.success(request, _("Scores saved."))
            return redirect("challenges:jury", slug=slug)
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
        except PermissionDenied as exc:
            errors = {"__all__": str(exc)}
    entries = selectors.latest_entries([tm], st)
    return render(
        request,
        "challenges/jury_score.html",
        {
            "challenge": challenge,
            "stage": st,
            "team": tm,
            "allowed": allowed,
            "reason": reason,
            "criteria": [
                {
                    "c": c,
                    "value": values.get(c.code),
                    "error": errors.get(f"score_{c.code}", ""),
                    "range": range(1, c.max_score + 1),
                }
                for c in criteria
            ],
            "comment": comment,
            "errors": errors,
            # a template reads no key starting with "_": the form's own refusal, by name
            "form_error": errors.get("__all__", ""),
            "existing": existing,
            "entry": entries.get(tm.pk),
            "papers": tm.documents.filter(kind=DocumentKind.PAPER, stage=st),
            "conflict_form": conflict_form,
        },
    )


# --------------------------------------------------------------------------------------------
# The organisers


@login_required
def manage(request, slug: str):
    challenge = selectors.challenge_by_slug(slug)
    _staff(request)
    now = timeutil.now()
    stages = selectors.stages_of(challenge)
    schedule_forms = {
        s.pk: forms.ScheduleForm(
            prefix=f"r{s.pk}", initial={"opens_on": s.opens_on, "closes_on": s.closes_on}
        )
        for s in stages
    }
    baseline_forms = {s.pk: forms.EntryForm(prefix=f"b{s.pk}") for s in stages if s.entry == "code"}
    payment_forms: dict[int, forms.PaymentForm] = {}
    if request.method == "POST":
        if not permissions.can_manage(request.user)[0]:
            raise PermissionDenied(permissions.can_manage(request.user)[1])
        action = request.POST.get("action", "")
        try:
            if action == "reschedule":
                stage = posted_object_or_404(challenge.stages, request.POST.get("stage"))
                form = schedule_forms[stage.pk] = forms.ScheduleForm(
                    request.POST, prefix=f"r{stage.pk}"
                )
                if not form.is_valid():
                    raise _form_errors(form)
                services.reschedule_stage(actor=request.user, stage=stage, **form.cleaned_data)
                messages.success(request, _("Stage dates saved."))
            elif action == "advance":
                stage = posted_object_or_404(challenge.stages, request.POST.get("stage"))
                made = services.advance_teams(actor=request.user, stage=stage)
                messages.success(request, _("%(n)s team(s) advance.") % {"n": len(made)})
            elif action == "baseline":
                stage = posted_object_or_404(challenge.stages, request.POST.get("stage"))
                form = forms.EntryForm(request.POST, request.FILES, prefix=f"b{stage.pk}")
                if not form.is_valid():
                    raise _form_errors(form)
                team = services.ensure_baseline_team(challenge=challenge)
                services.submit_entry(
                    actor=request.user,
                    team=team,
                    stage=stage,
                    upload=form.cleaned_data["file"],
                    title=form.cleaned_data["title"] or _("Organisers' baseline"),
                )
                messages.success(request, _("Baseline entry queued."))
            elif action == "juror":
                user = User.objects.filter(
                    username=request.POST.get("username", "").strip(), role=Role.REVIEWER
                ).first()
                if user is None:
                    raise ValidationError(
                        {"user": _("Juror: no committee reviewer has this user name.")}
                    )
                services.seat_juror(actor=request.user, challenge=challenge, user=user)
                messages.success(request, _("Juror seated."))
            elif action == "assign":
                prize = posted_object_or_404(challenge.prizes, request.POST.get("prize"))
                awards = services.assign_prizes(actor=request.user, prize=prize)
                messages.success(request, _("%(n)s award(s) made.") % {"n": len(awards)})
            elif action == "name":
                prize = posted_object_or_404(challenge.prizes, request.POST.get("prize"))
                team = posted_object_or_404(challenge.teams, request.POST.get("team"))
                services.name_prize_winner(actor=request.user, prize=prize, team=team)
                messages.success(request, _("Winner named."))
            elif action == "pay":
                award = posted_object_or_404(
                    PrizeAward, request.POST.get("award"), prize__challenge=challenge
                )
                form = payment_forms[award.pk] = forms.PaymentForm(
                    request.POST, prefix=f"p{award.pk}"
                )
                if not form.is_valid():
                    raise _form_errors(form)
                services.record_prize_payment(actor=request.user, award=award, **form.cleaned_data)
                messages.success(request, _("Payment recorded."))
            else:
                raise Http404
            return redirect("challenges:manage", slug=slug)
        except (ValidationError, PermissionDenied, TransitionError) as exc:
            _refusal(request, exc)
    prizes = list(
        challenge.prizes.select_related("stage", "division", "theme").prefetch_related(
            "awards__team"
        )
    )
    for p in prizes:
        for a in p.awards.all():
            a.form = payment_forms.get(a.pk) or forms.PaymentForm(
                prefix=f"p{a.pk}", initial={"paid_on": now.date()}
            )
    return render(
        request,
        "challenges/manage.html",
        {
            "challenge": challenge,
            "can_manage": permissions.can_manage(request.user)[0],
            "stages": [
                {
                    "stage": s,
                    "closed": selectors.has_closed(s, now),
                    "form": schedule_forms[s.pk],
                    "baseline_form": baseline_forms.get(s.pk),
                    "qualified": s.qualified.select_related("team"),
                    "jury": selectors.jury_ranking(s) if services.criteria_for(s) else [],
                }
                for s in stages
            ],
            "teams": selectors.teams_of(challenge),
            "queue": selectors.staff_queue_counts(),
            "jurors": challenge.jurors.select_related("user"),
            "prizes": prizes,
            "entrant_teams": challenge.teams.filter(is_baseline=False).order_by("handle"),
            "submissions": Submission.objects.filter(team__challenge=challenge)
            .select_related("team", "stage")
            .order_by("-submitted_at")[:50],
            "queued_state": SubmissionState.QUEUED,
        },
    )


@login_required
def plan_edit(request, slug: str | None = None):
    challenge = selectors.challenge_by_slug(slug) if slug else None
    _staff(request)
    initial = services.plan_text_of(challenge) if challenge else ""
    form = forms.PlanForm(request.POST or None, initial={"text": initial})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_challenge_plan_text(
                actor=request.user, text=form.cleaned_data["text"], challenge=challenge
            )
        except (ValidationError, PermissionDenied, TransitionError) as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("Challenge saved."))
            return redirect("challenges:detail", slug=saved.slug)
    return render(request, "challenges/plan.html", {"challenge": challenge, "form": form})
