"""Writes of the prize challenges. Each function: keyword-only arguments, one transaction, a role
check, an audit record (kikin.audit.services.record).

Plan → challenge (`load_challenge_plan`, also from the staff page's plan text) → teams register
(`register_team`) → entries (`submit_entry`) → the fair queue and the sandbox
(`evaluate_next`) → teams advance (`advance_teams`) and file their documents
(`submit_stage_document`) → the jury scores (`save_jury_score`) → prizes by rank and rule
(`assign_prizes`, `name_prize_winner`) → payments (`record_prize_payment`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from kikin.accounts.models import Role, User
from kikin.audit.services import record
from kikin.core import timeutil
from kikin.core.files import check_document
from kikin.programs.models import Program
from kikin.rules import challenges as rules
from kikin.rules.plan import PlanDataError
from kikin.rules.scoring import weighted_score

from . import permissions, selectors
from .evaluation import run_evaluation
from .models import (
    Challenge,
    Division,
    DivisionTheme,
    DocumentKind,
    Juror,
    JuryCriterion,
    JuryScore,
    Prize,
    PrizeAward,
    Qualification,
    Stage,
    StageDocument,
    Submission,
    SubmissionState,
    Team,
    TeamConflict,
    TeamMember,
)
from .plan_io import evaluation_to_json
from .workflow import SUBMISSION

log = logging.getLogger(__name__)

HANDLE_RE = re.compile(r"^[\w\-.]{2,40}$")
MAX_ATTEMPTS = 3


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timeutil.now()


def _allow(answer: tuple[bool, str]) -> None:
    allowed, reason = answer
    if not allowed:
        raise PermissionDenied(reason)


# --------------------------------------------------------------------------------------------
# The plan


def _stage_values(s: rules.StageSpec, order: int) -> dict:
    return {
        "order": order,
        "kind": s.kind,
        "title_ja": s.title_ja,
        "title_en": s.title_en,
        "opens_on": s.opens,
        "closes_on": s.closes,
        "divisions": list(s.divisions),
        "entry": s.entry,
        "eligible": s.eligible,
        "daily_limit": s.daily_limit,
        "board": s.board,
        "advance": s.advance,
        "requires_identity": s.requires_identity,
        "requires_paper": s.requires_paper,
        "benefits_ja": s.benefits_ja,
        "benefits_en": s.benefits_en,
        "note_ja": s.note_ja,
        "note_en": s.note_en,
        "evaluation": evaluation_to_json(s.evaluation) if s.evaluation else None,
        "seed_line": s.line,
        "lines": {
            k: v
            for k, v in {
                "board": s.board_line,
                "advance": s.advance_line,
                "conditions": s.conditions_line,
                "evaluation": s.evaluation.line if s.evaluation else None,
            }.items()
            if v
        },
    }


@transaction.atomic
def load_challenge_plan(
    *,
    spec: rules.ChallengeSpec,
    program: Program | None = None,
    actor=None,
    program_values: dict | None = None,
) -> Challenge:
    """Create or update the challenge of `spec`, attached to the program of the plan's code
    (created here when the plan loader has not made it yet). Safe to run any number of times:
    rows are matched by their codes, and a second run changes nothing. A stage, prize or
    division the plan no longer has is removed, unless entries or awards hang on it (refused).
    Side effect: one audit record when anything changed. The hidden key is made once and never
    changed by a reload.
    """
    if program is None:
        program, _created = Program.objects.get_or_create(
            code=spec.program_code,
            defaults=program_values
            or {
                "title_ja": spec.title_ja,
                "title_en": spec.title_en,
                "start_date": min(s.opens for s in spec.stages),
                "end_date": max(s.closes for s in spec.stages),
            },
        )
    changes: list[str] = []

    def upsert(model, lookup: dict, values: dict, label: str):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **values)
            changes.append(f"+{label}")
            return obj
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        if changed:
            for k in changed:
                setattr(obj, k, values[k])
            obj.save(update_fields=changed)
            changes.append(f"~{label}")
        return obj

    other = Challenge.objects.filter(slug=spec.slug).exclude(program=program).first()
    if other is not None:
        raise ValidationError(
            {"slug": _("The slug “%(slug)s” is taken by another challenge.") % {"slug": spec.slug}}
        )
    challenge = upsert(
        Challenge,
        {"program": program},
        {
            "slug": spec.slug,
            "total_prize_yen": spec.total_prize_yen,
            "total_line": spec.total_line,
            "entries_reported": spec.entries_reported,
            "participants_reported": spec.participants_reported,
            "anonymous_allowed": spec.anonymous_allowed,
            "ip": spec.ip,
            "ip_ja": spec.ip_ja,
            "ip_en": spec.ip_en,
            "ip_line": spec.ip_line,
            "rules_ja": spec.rules_ja.strip(),
            "rules_en": spec.rules_en.strip(),
        },
        "challenge",
    )
    divisions = {}
    for i, d in enumerate(spec.divisions):
        division = upsert(
            Division,
            {"challenge": challenge, "code": d.code},
            {
                "title_ja": d.title_ja,
                "title_en": d.title_en,
                "description_ja": d.description_ja,
                "description_en": d.description_en,
                "order": i,
                "seed_line": d.line,
            },
            f"division {d.code}",
        )
        divisions[d.code] = division
        for j, th in enumerate(d.themes):
            upsert(
                DivisionTheme,
                {"division": division, "code": th.code},
                {
                    "title_ja": th.title_ja,
                    "title_en": th.title_en,
                    "order": j,
                    "seed_line": th.line,
                },
                f"theme {d.code}/{th.code}",
            )
        _drop(
            DivisionTheme.objects.filter(division=division).exclude(
                code__in=[t.code for t in d.themes]
            ),
            changes,
            "theme",
        )
    stages = {}
    for i, s in enumerate(spec.stages):
        stages[s.code] = upsert(
            Stage, {"challenge": challenge, "code": s.code}, _stage_values(s, i), f"stage {s.code}"
        )
    for i, p in enumerate(spec.prizes):
        division = divisions.get(p.division)
        theme = (
            DivisionTheme.objects.get(division=division, code=p.theme)
            if division and p.theme
            else None
        )
        upsert(
            Prize,
            {"challenge": challenge, "code": p.code},
            {
                "order": i,
                "kind": p.kind,
                "basis": p.basis,
                "title_ja": p.title_ja,
                "title_en": p.title_en,
                "stage": stages.get(p.stage),
                "division": division,
                "theme": theme,
                "amounts_yen": list(p.amounts_yen),
                "amount_yen": p.amount_yen,
                "count": p.count,
                "sponsor_ja": p.sponsor_ja,
                "sponsor_en": p.sponsor_en,
                "seed_line": p.line,
            },
            f"prize {p.code}",
        )
    for i, c in enumerate(spec.rubric):
        upsert(
            JuryCriterion,
            {"challenge": challenge, "code": c.code},
            {
                "label_ja": c.label_ja,
                "label_en": c.label_en,
                "weight": c.weight,
                "max_score": c.max_score,
                "stages": list(c.stages),
                "order": i,
            },
            f"criterion {c.code}",
        )
    _drop(challenge.prizes.exclude(code__in=[p.code for p in spec.prizes]), changes, "prize")
    _drop(challenge.criteria.exclude(code__in=[c.code for c in spec.rubric]), changes, "criterion")
    _drop(challenge.stages.exclude(code__in=[s.code for s in spec.stages]), changes, "stage")
    _drop(
        challenge.divisions.exclude(code__in=[d.code for d in spec.divisions]), changes, "division"
    )
    if changes:
        record(
            actor=actor,
            action="challenges.load_plan",
            obj=challenge,
            after={"slug": challenge.slug, "changes": changes[:100]},
        )
    return challenge


def _drop(qs, changes: list[str], label: str) -> None:
    from django.db.models import ProtectedError

    for obj in qs:
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError:
            raise ValidationError(
                {
                    "plan": _(
                        "The %(what)s “%(code)s” cannot be removed: entries, teams or awards"
                        " refer to it."
                    )
                    % {"what": label, "code": obj.code}
                }
            )
        changes.append(f"-{label} {obj.code}")


def load_challenge_plans(*, actor=None) -> list[Challenge]:
    """Every challenge of the plan catalogue (`rules/data/programs/`), through the programs'
    own loader (which calls `load_challenge_plan` for the challenge's tables)."""
    from kikin.programs.services import load_program
    from kikin.rules import plan as plan_rules

    out = []
    with transaction.atomic():
        for spec in plan_rules.programs():
            if spec.kind == rules.KIND:
                program, _counts = load_program(spec, actor=actor)
                out.append(Challenge.objects.get(program=program))
    return out


def plan_text_of(challenge: Challenge) -> str:
    """The plan as staff last saved it, else as the catalogue's plan file states it."""
    if challenge.plan_text:
        return challenge.plan_text
    from kikin.rules import plan as plan_rules

    try:
        return plan_rules.dump_program(plan_rules.program(challenge.program.code))
    except KeyError:
        return ""


@transaction.atomic
def save_challenge_plan_text(*, actor, text: str, challenge: Challenge | None = None) -> Challenge:
    """Staff define a new challenge, or edit one, as plan text (a plan file's TOML): read and
    checked by the same parser as the plan files and loaded by the same loader; an error names
    the key path at fault and nothing is saved."""
    from kikin.programs.models import Program
    from kikin.programs.services import load_program
    from kikin.rules import plan as plan_rules

    _allow(permissions.can_manage(actor))
    try:
        spec = plan_rules.parse_text(text)
    except PlanDataError as exc:
        raise ValidationError(
            {"plan": _("The plan does not hold together at %(e)s") % {"e": str(exc)}}
        )
    if spec.kind != rules.KIND:
        raise ValidationError({"plan": _("program.kind: a challenge's plan is of kind challenge.")})
    if challenge is not None and spec.code != challenge.program.code:
        raise ValidationError(
            {
                "plan": _("program.code: this challenge's plan is “%(code)s”.")
                % {"code": challenge.program.code}
            }
        )
    if challenge is None and Challenge.objects.filter(program__code=spec.code).exists():
        raise ValidationError(
            {
                "plan": _("program.code: “%(code)s” already has a challenge; edit that one.")
                % {"code": spec.code}
            }
        )
    if (
        challenge is None
        and Program.objects.filter(code=spec.code).exclude(kind=rules.KIND).exists()
    ):
        raise ValidationError(
            {"plan": _("program.code: “%(code)s” is another program's.") % {"code": spec.code}}
        )
    program, _counts = load_program(spec, actor=actor)
    saved = Challenge.objects.get(program=program)
    saved.plan_text = text
    saved.save(update_fields=["plan_text"])
    return saved


@transaction.atomic
def reschedule_stage(*, actor, stage: Stage, opens_on: dt.date, closes_on: dt.date) -> Stage:
    """Staff move a stage's dates (the published period changes: audited with before/after)."""
    _allow(permissions.can_manage(actor))
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("A stage cannot close before it opens.")})
    before = {"opens_on": stage.opens_on.isoformat(), "closes_on": stage.closes_on.isoformat()}
    stage.opens_on, stage.closes_on = opens_on, closes_on
    stage.save(update_fields=["opens_on", "closes_on"])
    record(
        actor=actor,
        action="challenges.reschedule_stage",
        obj=stage,
        before=before,
        after={"opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat()},
    )
    return stage


# --------------------------------------------------------------------------------------------
# Teams


@transaction.atomic
def register_team(
    *,
    actor,
    challenge: Challenge,
    handle: str,
    anonymous: bool = False,
    display_name: str = "",
    division: str = "",
    theme: str = "",
    now: dt.datetime | None = None,
) -> Team:
    """A user registers a team and becomes its first member. The handle is public; an anonymous
    team shows nothing else, where the challenge allows it (003 line 301). Registration is open
    until the last stage open to all teams closes."""
    _allow(permissions.can_register(actor))
    now = _now(now)
    errors: dict[str, str] = {}
    handle = handle.strip()
    if not HANDLE_RE.match(handle):
        errors["handle"] = _(
            "Handle: 2 to 40 letters, digits, hyphens, dots or underscores, without spaces."
        )
    elif Team.objects.filter(challenge=challenge, handle__iexact=handle).exists():
        errors["handle"] = _("Handle: “%(h)s” is taken in this challenge.") % {"h": handle}
    if anonymous and not challenge.anonymous_allowed:
        errors["anonymous"] = _("Anonymous: this challenge does not allow anonymous teams.")
    if not anonymous and not display_name.strip():
        errors["display_name"] = _(
            "Name: give the team's name (or the entrant's), shown beside the handle."
        )
    div = the = None
    if challenge.divisions.exists():
        div = challenge.divisions.filter(code=division).first()
        if div is None:
            errors["division"] = _("Division: choose the division you enter.")
        elif div.themes.exists():
            the = div.themes.filter(code=theme).first()
            if the is None:
                errors["theme"] = _("Theme: choose the theme you enter in this division.")
    if not selectors.registration_open(challenge, now):
        errors["__all__"] = _("Registration has closed: every stage open to new teams is over.")
    if TeamMember.objects.filter(challenge=challenge, user=actor).exists():
        errors["__all__"] = _("You are already in a team of this challenge.")
    if errors:
        raise ValidationError(errors)
    team = Team.objects.create(
        challenge=challenge,
        handle=handle,
        anonymous=anonymous,
        display_name="" if anonymous else display_name.strip(),
        organisation=actor.organisation if not anonymous else None,
        division=div,
        theme=the,
    )
    TeamMember.objects.create(team=team, user=actor, challenge=challenge)
    record(
        actor=actor,
        action="challenges.register_team",
        obj=team,
        after={"challenge": challenge.slug, "handle": handle, "anonymous": anonymous},
    )
    return team


@transaction.atomic
def register_entrant(*, username: str, password: str, email: str = "") -> User:
    """An individual entrant signs up (no organisation needed: individuals, students and
    entrants from abroad take part, 003 line 244)."""
    from django.contrib.auth.password_validation import validate_password

    errors: dict[str, list[str]] = {}
    username = username.strip()
    if not username:
        errors["username"] = [_("User name: required.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("User name: this user name is taken.")]
    user = User(username=username, role=Role.APPLICANT, email=email.strip())
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = [_("Password: %(e)s") % {"e": " ".join(exc.messages)}]
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    record(actor=user, action="challenges.register_entrant", obj=user, after={"username": username})
    return user


@transaction.atomic
def add_team_member(*, actor, team: Team, username: str) -> TeamMember:
    """A member adds another registered entrant (by user name) to the team."""
    if not permissions.is_member(actor, team):
        raise PermissionDenied(_("Only the team's members add members."))
    user = User.objects.filter(username=username.strip(), is_active=True).first()
    if user is None or user.role != Role.APPLICANT:
        raise ValidationError({"username": _("User name: no entrant has this user name.")})
    if TeamMember.objects.filter(challenge=team.challenge, user=user).exists():
        raise ValidationError(
            {"username": _("User name: this entrant is already in a team of this challenge.")}
        )
    member = TeamMember.objects.create(team=team, user=user, challenge=team.challenge)
    record(actor=actor, action="challenges.add_member", obj=team, after={"user": user.pk})
    return member


@transaction.atomic
def ensure_baseline_team(*, challenge: Challenge, handle: str = "baseline") -> Team:
    """The organisers' baseline team: on the board, never qualifying nor paid."""
    team, created = Team.objects.get_or_create(
        challenge=challenge,
        is_baseline=True,
        defaults={"handle": handle, "display_name": _("Organisers' baseline")},
    )
    if created:
        record(actor=None, action="challenges.baseline_team", obj=team, after={"handle": handle})
    return team


# --------------------------------------------------------------------------------------------
# Entries


def _check_code(upload, limits: rules.Limits) -> tuple[bytes, str]:
    name = upload.name or ""
    if not name.lower().endswith(".py"):
        raise ValidationError({"file": _("File: an entry is one Python file (.py).")})
    if upload.size > limits.entry_kb * 1024:
        raise ValidationError(
            {"file": _("File: larger than the limit of %(kb)s KB.") % {"kb": limits.entry_kb}}
        )
    upload.seek(0)
    data = upload.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError({"file": _("File: not UTF-8 text.")})
    return data, hashlib.sha256(data).hexdigest()


def _eligibility(team: Team, stage: Stage, now: dt.datetime) -> None:
    """Refuse (ValidationError naming the rule) an entry the stage does not admit."""
    if stage.entry == "none":
        raise ValidationError({"stage": _("This stage takes no entries.")})
    if not selectors.is_open(stage, now):
        raise ValidationError(
            {
                "stage": _("This stage takes entries from %(o)s to %(c)s (JST).")
                % {"o": stage.opens_on.isoformat(), "c": stage.closes_on.isoformat()}
            }
        )
    if team.is_baseline:
        return
    if stage.divisions and (team.division is None or team.division.code not in stage.divisions):
        raise ValidationError({"stage": _("This stage is not open to your team's division.")})
    if stage.eligible == "qualified":
        _eligibility_qualified(team, stage)
    if (
        stage.requires_identity
        and not StageDocument.objects.filter(
            team=team, stage=stage, kind=DocumentKind.IDENTITY
        ).exists()
    ):
        raise ValidationError(
            {"stage": _("File your identity documents before your first entry to this stage.")}
        )


def s_spec_stub(stage: Stage) -> rules.StageSpec:
    """The few fields of a stage the stage rules read (order and who advances)."""
    return rules.StageSpec(
        code=stage.code,
        kind=stage.kind,
        title_ja=stage.title_ja,
        title_en=stage.title_en,
        opens=stage.opens_on,
        closes=stage.closes_on,
        line=stage.seed_line or 0,
        advance=stage.advance,
    )


@transaction.atomic
def submit_entry(
    *,
    actor,
    team: Team,
    stage: Stage,
    upload,
    title: str = "",
    now: dt.datetime | None = None,
) -> Submission:
    """A team submits an entry to a stage: code (queued for the sandbox, fairly between teams)
    or a document (for the jury). Refused with the rule's name when the stage is closed, not
    open to the team, or the team has used its entries of the day (JST)."""
    _allow(permissions.can_submit(actor, team))
    now = _now(now)
    team = (
        Team.objects.select_for_update(of=("self",))
        .select_related("challenge", "division")
        .get(pk=team.pk)
    )
    if stage.challenge_id != team.challenge_id:
        raise ValidationError({"stage": _("This stage belongs to another challenge.")})
    _eligibility(team, stage, now)
    if upload is None:
        raise ValidationError({"file": _("File: choose the file to submit.")})
    if stage.daily_limit and not team.is_baseline:
        used = selectors.submissions_today(team, stage, now)
        if used >= stage.daily_limit:
            raise ValidationError(
                {
                    "file": _(
                        "Daily limit: your team has sent %(n)s of its %(limit)s entries today"
                        " (JST); try again tomorrow."
                    )
                    % {"n": used, "limit": stage.daily_limit}
                }
            )
    if stage.entry == "code":
        spec = stage.evaluation_spec()
        data, digest = _check_code(upload, spec.limits)
        content = ContentFile(data)
        state = SubmissionState.QUEUED
    else:
        _ctype, digest = check_document(upload, field="file")
        upload.seek(0)
        content = upload
        state = SubmissionState.RECEIVED
    number = (
        team.submissions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    name = (upload.name or "entry").rsplit("/", 1)[-1][:150]
    submission = Submission(
        team=team,
        stage=stage,
        number=number,
        title=title.strip()[:200],
        file_name=name,
        size=upload.size,
        sha256=digest,
        submitted_by=actor if getattr(actor, "pk", None) else None,
        submitted_at=now,
        state=state,
    )
    submission.file.save(name, content, save=False)
    submission.save()
    record(
        actor=actor,
        action="challenges.submit_entry",
        obj=submission,
        after={"team": team.handle, "stage": stage.code, "sha256": digest, "state": state},
    )
    if state == SubmissionState.QUEUED:
        transaction.on_commit(lambda: dispatch_evaluation(submission))
    return submission


def dispatch_evaluation(submission: Submission, *, attempt: int = 0) -> None:
    """Hand one evaluation to the background worker (kikin.jobs). Each job evaluates the next
    entry of the fair queue, not necessarily this one, so that every team gets its turn; there
    is one job per queued entry, so every entry is evaluated. `manage.py run_evaluations` drains
    the queue by hand."""
    from kikin.jobs.services import enqueue_job

    enqueue_job(
        kind="challenges.evaluate",
        params={},
        requested_by=None,
        key=f"challenge-submission-{submission.pk}" + (f"-{attempt}" if attempt else ""),
        label="challenges.evaluate",
    )


@transaction.atomic
def _claim_next(stage_ids=None, now: dt.datetime | None = None) -> Submission | None:
    waiting = selectors.queued(stage_ids)
    if not waiting:
        return None
    nxt = rules.fair_next(waiting, selectors.last_started({q.team for q in waiting}))
    submission = (
        Submission.objects.select_for_update(skip_locked=True)
        .filter(pk=nxt.id, state=SubmissionState.QUEUED)
        .select_related("team", "stage__challenge")
        .first()
    )
    if submission is None:
        return None
    now = _now(now)
    SUBMISSION.apply(
        submission,
        "start",
        None,
        also={"started_at": now, "attempts": submission.attempts + 1},
        extra={"attempt": submission.attempts + 1},
    )
    Team.objects.filter(pk=submission.team_id).update(last_evaluation_started_at=now)
    return submission


def evaluate_next(*, stage_ids=None, progress=None) -> Submission | None:
    """Evaluate the next entry of the fair queue in the sandbox and record its result.

    Not one transaction: the claim (queued → running) commits first, the sandbox runs outside
    any transaction, and the result is written in a second one with its audit record. A machine
    that cannot sandbox puts the entry back in the queue (up to three attempts) and raises.
    """
    submission = _claim_next(stage_ids)
    if submission is None:
        return None
    stage = submission.stage
    spec = stage.evaluation_spec()
    try:
        with submission.file.open("rb") as fh:
            source = fh.read()
        result = run_evaluation(
            evaluation=spec,
            entry_source=source,
            key=stage.challenge.hidden_key,
            hidden=True,
            progress=progress,
        )
    except Exception:  # SandboxUnavailable, a lost file, a fault of ours: try again later
        _requeue(submission)
        raise
    return _record_result(submission, result)


@transaction.atomic
def _requeue(submission: Submission) -> None:
    s = Submission.objects.select_for_update().get(pk=submission.pk)
    if s.attempts >= MAX_ATTEMPTS:
        SUBMISSION.apply(
            s,
            "give_up",
            None,
            also={
                "status": "error",
                "reason": _("The evaluation could not be run; the organisers have been told."),
                "evaluated_at": timeutil.now(),
            },
            extra={"attempts": s.attempts},
        )
        log.error("challenge entry %s could not be evaluated after %s attempts", s.pk, s.attempts)
    else:
        SUBMISSION.apply(s, "requeue", None, extra={"attempts": s.attempts})
        transaction.on_commit(lambda: dispatch_evaluation(s, attempt=s.attempts))


@transaction.atomic
def _record_result(submission: Submission, result) -> Submission:
    s = Submission.objects.select_for_update().get(pk=submission.pk)
    return SUBMISSION.apply(
        s,
        "evaluate",
        None,
        also={
            "status": result.status,
            "reason": result.reason,
            "public_score": result.public_score,
            "hidden_score": result.hidden_score,
            "evaluations": result.evaluations,
            "seconds": Decimal(str(round(result.seconds, 3))),
            "details": {"problems": [p.as_json() for p in result.problems]},
            "output_tail": result.output_tail[-2000:],
            "evaluated_at": timeutil.now(),
        },
        extra={
            "status": result.status,
            "public_score": str(result.public_score) if result.public_score is not None else None,
            "hidden_score": str(result.hidden_score) if result.hidden_score is not None else None,
            "evaluations": result.evaluations,
        },
    )


def run_evaluations(*, limit: int | None = None) -> int:
    """Drain the fair queue (the worker's loop, for `manage.py run_evaluations`)."""
    done = 0
    while limit is None or done < limit:
        if evaluate_next() is None:
            break
        done += 1
    return done


@transaction.atomic
def choose_final_submission(*, actor, submission: Submission, now=None) -> Submission:
    """A team picks which of its entries counts in the final ranking (until the stage closes)."""
    team = submission.team
    _allow(permissions.can_submit(actor, team))
    if selectors.has_closed(submission.stage, _now(now)):
        raise ValidationError({"submission": _("The stage has closed: the choice is final.")})
    if submission.status != "ok":
        raise ValidationError({"submission": _("Only an entry evaluated without fault can count.")})
    Submission.objects.filter(team=team, stage=submission.stage).update(is_final=False)
    submission.is_final = True
    submission.save(update_fields=["is_final"])
    record(actor=actor, action="challenges.choose_final", obj=submission, after={"final": True})
    return submission


# --------------------------------------------------------------------------------------------
# Advancing, documents


@transaction.atomic
def advance_teams(*, actor, stage: Stage, now=None) -> list[Qualification]:
    """After a stage closes, its best `advance` teams pass: by the final ranking on the hidden
    part (an evaluated stage; 精度上位10チーム, 003 line 316) or by the jury's scores (a
    document review; 20 teams, line 276). The baseline never passes; teams without a score do
    not either. Running it again changes nothing."""
    _allow(permissions.can_manage(actor))
    if not stage.advance:
        raise ValidationError({"stage": _("This stage advances no teams.")})
    if not selectors.has_closed(stage, _now(now)):
        raise ValidationError({"stage": _("Teams advance once the stage has closed.")})
    rows = (
        selectors.final_ranking(stage) if stage.entry == "code" else selectors.jury_ranking(stage)
    )
    passing = [r for r in rows if r.rank is not None and not r.team.is_baseline]
    passing = [
        r
        for r in passing
        if not stage.divisions or (r.team.division and r.team.division.code in stage.divisions)
    ]
    chosen = passing[: stage.advance]
    # Teams tied with the last one passing share its place: they pass too.
    if chosen and len(passing) > len(chosen):
        last = chosen[-1].rank
        chosen += [r for r in passing[len(chosen) :] if r.rank == last]
    made = []
    for r in chosen:
        q, created = Qualification.objects.get_or_create(
            team=r.team, stage=stage, defaults={"rank": r.rank, "decided_by": actor}
        )
        if created:
            made.append(q)
    record(
        actor=actor,
        action="challenges.advance_teams",
        obj=stage,
        after={"teams": [r.team.handle for r in chosen]},
    )
    return made


@transaction.atomic
def submit_stage_document(
    *, actor, team: Team, stage: Stage, kind: str, upload, now=None
) -> StageDocument:
    """A team files a document its stage asks for: identity documents (before its first entry)
    or the explanatory paper (by the stage's closing date, 003 line 311)."""
    _allow(permissions.can_submit(actor, team))
    now = _now(now)
    if kind == DocumentKind.IDENTITY and not stage.requires_identity:
        raise ValidationError({"kind": _("This stage asks for no identity documents.")})
    if kind == DocumentKind.PAPER and not stage.requires_paper:
        raise ValidationError({"kind": _("This stage asks for no explanatory paper.")})
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose identity documents or the explanatory paper.")})
    if selectors.has_closed(stage, now):
        raise ValidationError(
            {"file": _("The stage closed on %(d)s (JST).") % {"d": stage.closes_on.isoformat()}}
        )
    if stage.eligible == "qualified" and not team.is_baseline:
        _eligibility_qualified(team, stage)
    if upload is None:
        raise ValidationError({"file": _("File: choose the file to submit.")})
    check_document(upload, field="file")
    name = (upload.name or "document").rsplit("/", 1)[-1][:150]
    doc = StageDocument(
        team=team, stage=stage, kind=kind, file_name=name, submitted_by=actor, submitted_at=now
    )
    doc.file.save(name, upload, save=False)
    doc.save()
    record(actor=actor, action="challenges.submit_document", obj=doc, after={"kind": kind})
    return doc


def _eligibility_qualified(team: Team, stage: Stage) -> None:
    previous = rules.advancing_stage(
        [s_spec_stub(s) for s in stage.challenge.stages.order_by("order")], stage.code
    )
    if (
        previous is None
        or not Qualification.objects.filter(
            team=team, stage__challenge=stage.challenge, stage__code=previous.code
        ).exists()
    ):
        raise ValidationError({"stage": _("Only teams that passed the previous stage enter.")})


# --------------------------------------------------------------------------------------------
# The jury


@transaction.atomic
def seat_juror(*, actor, challenge: Challenge, user: User) -> Juror:
    _allow(permissions.can_manage(actor))
    if user.role != Role.REVIEWER:
        raise ValidationError({"user": _("Juror: only committee reviewers sit on a jury.")})
    juror, created = Juror.objects.get_or_create(
        challenge=challenge, user=user, defaults={"added_by": actor}
    )
    if created:
        record(actor=actor, action="challenges.seat_juror", obj=challenge, after={"user": user.pk})
    return juror


@transaction.atomic
def declare_team_conflict(*, actor, juror: User, team: Team, reason: str) -> TeamConflict:
    """A juror declares a conflict with a team (or staff for them); their scores of it go."""
    if actor.pk != juror.pk:
        _allow(permissions.can_manage(actor))
    if not reason.strip():
        raise ValidationError({"reason": _("Reason: give the reason for the conflict.")})
    conflict, _created = TeamConflict.objects.get_or_create(
        juror=juror, team=team, defaults={"reason": reason.strip(), "declared_by": actor}
    )
    JuryScore.objects.filter(juror=juror, team=team).delete()
    record(actor=actor, action="challenges.declare_conflict", obj=team, after={"juror": juror.pk})
    return conflict


def criteria_for(stage: Stage) -> list[JuryCriterion]:
    return [c for c in stage.challenge.criteria.all() if not c.stages or stage.code in c.stages]


@transaction.atomic
def save_jury_score(
    *,
    actor,
    team: Team,
    stage: Stage,
    scores: dict[str, int],
    comment: str = "",
    submit: bool = False,
) -> JuryScore:
    """A juror scores a team at a stage with the rubric (weighted as the review app weighs a
    proposal's scores). Conflicts are checked here; a submitted score is final."""
    _allow(permissions.can_score(actor, team, stage))
    criteria = criteria_for(stage)
    if not criteria:
        raise ValidationError({"stage": _("This stage has no rubric.")})
    js, _created = JuryScore.objects.select_for_update().get_or_create(
        juror=actor, team=team, stage=stage
    )
    if js.submitted_at:
        raise ValidationError({"score": _("A submitted score cannot be changed.")})
    errors = {}
    for c in criteria:
        value = scores.get(c.code)
        label = c.label_ja
        if value is None:
            if submit:
                errors[f"score_{c.code}"] = _("%(c)s: score it before submitting.") % {"c": label}
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= c.max_score:
            errors[f"score_{c.code}"] = _("%(c)s: a whole number from 1 to %(n)s.") % {
                "c": label,
                "n": c.max_score,
            }
    for code in set(scores) - {c.code for c in criteria}:
        errors[f"score_{code}"] = _("Not a criterion of this stage.")
    if errors:
        raise ValidationError(errors)
    js.scores = {c.code: scores[c.code] for c in criteria if c.code in scores}
    js.comment = comment
    js.weighted_score = (
        weighted_score(criteria, js.scores) if len(js.scores) == len(criteria) else None
    )
    if submit:
        js.submitted_at = timeutil.now()
    js.save()
    record(
        actor=actor,
        action="challenges.submit_score" if submit else "challenges.save_score",
        obj=team,
        after={"stage": stage.code, "weighted_score": str(js.weighted_score)},
    )
    return js


# --------------------------------------------------------------------------------------------
# Prizes


def _prize_candidates(prize: Prize) -> list[selectors.BoardRow]:
    stage = prize.stage
    if prize.basis == "ranking":
        rows = selectors.final_ranking(stage)
        lower = stage.evaluation_spec().lower_is_better
        tie = stage.evaluation_spec().tie
    else:
        rows = selectors.jury_ranking(stage, division_id=prize.division_id, theme_id=prize.theme_id)
        lower, tie = False, "shared"
    eligible = []
    paper_teams = set()
    if stage.requires_paper:
        _o, closes_at = selectors.stage_window(stage)
        paper_teams = set(
            StageDocument.objects.filter(
                stage=stage, kind=DocumentKind.PAPER, submitted_at__lte=closes_at
            ).values_list("team_id", flat=True)
        )
    qualified = None
    if stage.eligible == "qualified":
        previous = rules.advancing_stage(
            [s_spec_stub(s) for s in stage.challenge.stages.order_by("order")], stage.code
        )
        qualified = set(
            Qualification.objects.filter(
                stage__challenge=stage.challenge, stage__code=previous.code
            ).values_list("team_id", flat=True)
        )
    for r in rows:
        t = r.team
        if t.is_baseline or r.rank is None:
            continue
        if prize.division_id and t.division_id != prize.division_id:
            continue
        if prize.theme_id and t.theme_id != prize.theme_id:
            continue
        if stage.requires_paper and t.pk not in paper_teams:
            continue
        if qualified is not None and t.pk not in qualified:
            continue
        eligible.append(r)
    # Re-place among the eligible only: a baseline or a team without its paper takes no place.
    placed = rules.rank_entries(
        [rules.Ranked(r.team.pk, r.score, r.at, i) for i, r in enumerate(eligible)],
        lower_is_better=lower,
        tie=tie,
    )
    by_team = {r.team.pk: r for r in eligible}
    return [
        selectors.BoardRow(p.rank, by_team[p.key].team, p.score, by_team[p.key].at, 1, p.tied)
        for p in placed
    ]


@transaction.atomic
def assign_prizes(*, actor, prize: Prize, now=None) -> list[PrizeAward]:
    """Give a prize by its rule once its stage has closed: rank prizes by place, flat prizes to
    each of the N best, among teams that reached the goal (a score) and met the stage's
    conditions (the paper filed by the closing date; having qualified). The baseline takes no
    place. Ties follow the stage's rule (shared places split their slots' money, whole yen).
    Reassigning replaces unpaid awards; once one is paid, the prize is settled."""
    _allow(permissions.can_manage(actor))
    if prize.basis == "organisers":
        raise ValidationError({"prize": _("The organisers name this prize's winner.")})
    if not selectors.has_closed(prize.stage, _now(now)):
        raise ValidationError({"prize": _("Prizes are given once the stage has closed.")})
    if prize.awards.filter(paid_on__isnull=False).exists():
        raise ValidationError({"prize": _("This prize has been paid: it is settled.")})
    rows = _prize_candidates(prize)
    placed = [rules.Placed(r.team.pk, r.score, r.rank, r.tied) for r in rows]
    shares = rules.prize_shares(placed, prize.spec().slots_yen)
    scores = {r.team.pk: r.score for r in rows}
    before = list(prize.awards.values("team_id", "amount_yen"))
    prize.awards.all().delete()
    awards = [
        PrizeAward.objects.create(
            prize=prize,
            team_id=s.key,
            rank=s.rank,
            amount_yen=s.amount_yen,
            score=scores[s.key],
            decided_by=actor,
        )
        for s in shares
    ]
    record(
        actor=actor,
        action="challenges.assign_prizes",
        obj=prize,
        before={"awards": before} if before else None,
        after={
            "awards": [{"team": a.team_id, "rank": a.rank, "yen": a.amount_yen} for a in awards]
        },
    )
    return awards


@transaction.atomic
def name_prize_winner(*, actor, prize: Prize, team: Team) -> PrizeAward:
    """The organisers name the winner of a sponsor prize or a prize without money."""
    _allow(permissions.can_manage(actor))
    if prize.basis != "organisers":
        raise ValidationError({"prize": _("This prize is given by its rule, not by naming.")})
    if team.challenge_id != prize.challenge_id or team.is_baseline:
        raise ValidationError({"team": _("Team: not an entrant of this challenge.")})
    if prize.awards.count() >= prize.count and not prize.awards.filter(team=team).exists():
        raise ValidationError(
            {"team": _("This prize has its %(n)s winner(s) already.") % {"n": prize.count}}
        )
    award, created = PrizeAward.objects.get_or_create(
        prize=prize,
        team=team,
        defaults={"rank": None, "amount_yen": prize.amount_yen, "decided_by": actor},
    )
    if created:
        record(
            actor=actor,
            action="challenges.name_winner",
            obj=prize,
            after={"team": team.pk, "yen": award.amount_yen},
        )
    return award


@transaction.atomic
def record_prize_payment(
    *, actor, award: PrizeAward, paid_on: dt.date, reference: str
) -> PrizeAward:
    """Record that a prize's money was paid (integer yen, as awarded). A prize without money
    has nothing to pay."""
    _allow(permissions.can_manage(actor))
    award = PrizeAward.objects.select_for_update().get(pk=award.pk)
    if award.amount_yen == 0:
        raise ValidationError({"award": _("A prize without money has nothing to pay.")})
    if award.paid_on:
        raise ValidationError({"award": _("This prize has been paid already.")})
    if not reference.strip():
        raise ValidationError({"reference": _("Payment reference: give the transfer's reference.")})
    award.paid_on, award.payment_reference, award.paid_by = paid_on, reference.strip(), actor
    award.save(update_fields=["paid_on", "payment_reference", "paid_by"])
    record(
        actor=actor,
        action="challenges.record_payment",
        obj=award,
        after={"yen": award.amount_yen, "paid_on": paid_on.isoformat(), "reference": reference},
    )
    return award


__all__ = [
    "add_team_member",
    "advance_teams",
    "assign_prizes",
    "choose_final_submission",
    "declare_team_conflict",
    "ensure_baseline_team",
    "evaluate_next",
    "load_challenge_plan",
    "load_challenge_plans",
    "name_prize_winner",
    "record_prize_payment",
    "register_entrant",
    "register_team",
    "reschedule_stage",
    "run_evaluations",
    "save_challenge_plan_text",
    "save_jury_score",
    "seat_juror",
    "submit_entry",
    "submit_stage_document",
]
