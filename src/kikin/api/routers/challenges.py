"""Prize challenges (懸賞金型事業, `kikin.challenges`) as their pages show them.

The public reads a challenge (rules, stages, prizes and their winners) and a stage's leaderboard
on the public problems; the final ranking on the hidden problems once the stage has closed (the
staff at any time). An entrant registers a team, reads it and its entries, submits an entry to an
open stage and chooses which entry counts in the final ranking; the team's members and the staff
read an entry (the hidden score only the staff); another team's entry is not found.

A code entry is queued for the sandbox and evaluated by the background worker in a fair queue
(teams take turns): the answer is 202 with the entry, its place in the queue and its `url`, to be
read again until its state is `done`. The worker's jobs are not the team's to follow (each
evaluates the next entry of the queue, maybe another team's), so no job is returned.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from kikin.challenges import permissions, selectors, services
from kikin.challenges.models import Challenge, PrizeAward, Submission, SubmissionState, Team
from kikin.core import timeutil
from kikin.rules import challenges as rules

from ..auth import public_or_token
from ..schemas import ERRORS, responses
from ._common import PageParams, page

PREFIX = "/challenges"
router = Router(tags=["challenges"])

CODE = re.compile(r"^[-\w]{1,40}$")


class ChallengeOut(Schema):
    slug: str
    program: str
    title_ja: str
    title_en: str
    start_date: dt.date | None
    end_date: dt.date | None
    total_prize_yen: int
    anonymous_allowed: bool


class ChallengeThemeOut(Schema):
    code: str
    title_ja: str
    title_en: str


class ChallengeDivisionOut(ChallengeThemeOut):
    themes: list[ChallengeThemeOut]


class ChallengeStageOut(Schema):
    code: str
    kind: str
    title_ja: str
    title_en: str
    opens_on: dt.date
    closes_on: dt.date
    divisions: list[str]
    entry: str = Field(..., description="code, document or none")
    eligible: str = Field(..., description="all, or qualified (teams advanced from before)")
    daily_limit: int | None
    board: str
    advance: int | None
    requires_identity: bool
    requires_paper: bool
    metric: str | None
    lower_is_better: bool | None
    decimals: int | None
    is_open: bool
    has_closed: bool


class PrizeWinnerOut(Schema):
    rank: int | None
    team: str
    amount_yen: int


class ChallengePrizeOut(Schema):
    code: str
    kind: str
    basis: str
    title_ja: str
    title_en: str
    stage: str | None
    division: str | None
    theme: str | None
    amounts_yen: list[int]
    amount_yen: int
    count: int
    sponsor_ja: str
    sponsor_en: str
    winners: list[PrizeWinnerOut]


class ChallengeDetailOut(ChallengeOut):
    rules_ja: str
    rules_en: str
    ip: str
    ip_ja: str
    ip_en: str
    registration_open: bool
    divisions: list[ChallengeDivisionOut]
    stages: list[ChallengeStageOut]
    prizes: list[ChallengePrizeOut]
    my_team: str | None = Field(..., description="The handle of my team, if I have one")


class ChallengePage(Schema):
    count: int
    items: list[ChallengeOut]


class BoardRowOut(Schema):
    rank: int | None = Field(..., description="null: the target was not reached")
    tied: bool
    team: str = Field(..., description="The handle (and the name, unless anonymous)")
    baseline: bool
    mine: bool
    score: str | None = Field(..., description="At the stage's stated precision")
    submitted_at: dt.datetime | None
    submissions: int


class FinalRowOut(BoardRowOut):
    advances: bool


class BoardOut(Schema):
    stage: str
    metric: str
    lower_is_better: bool
    refresh: str = Field(..., description="realtime or weekly")
    cutoff: dt.datetime | None = Field(..., description="Entries evaluated up to this instant")
    next_refresh: dt.datetime | None
    rows: list[BoardRowOut]
    final: list[FinalRowOut] | None = Field(
        ...,
        description="The ranking on the hidden problems: once the stage has closed (staff: always)",
    )


class TeamMemberOut(Schema):
    username: str
    joined_at: dt.datetime


class TeamPrizeOut(Schema):
    prize: str
    title_ja: str
    title_en: str
    rank: int | None
    amount_yen: int
    paid_on: dt.date | None


class TeamOut(Schema):
    handle: str
    anonymous: bool
    display_name: str
    public_name: str
    division: str | None
    theme: str | None
    registered_at: dt.datetime
    members: list[TeamMemberOut]
    qualified_for: list[str] = Field(..., description="Stages the team advanced from")
    awards: list[TeamPrizeOut]


class TeamIn(Schema):
    handle: str = Field(..., max_length=40, description="2–40 letters, digits, - . or _")
    anonymous: bool = False
    display_name: str = Field("", max_length=200, description="Required unless anonymous")
    division: str = Field("", pattern=r"^[-\w]{0,32}$", description="The division's code")
    theme: str = Field("", pattern=r"^[-\w]{0,32}$", description="The theme's code")


class ProblemScoreOut(Schema):
    name: str
    status: str
    evaluations: int
    refused_calls: int
    score: str | None


class SubmissionOut(Schema):
    id: int
    number: int
    stage: str
    title: str
    file_name: str
    size: int
    sha256: str
    submitted_at: dt.datetime
    state: str = Field(..., description="queued, running, done, or received (a document)")
    status: str = Field(..., description="Once done: ok, or what went wrong")
    reason: str
    public_score: str | None
    hidden_score: str | None = Field(..., description="The staff only")
    evaluations: int
    seconds: str | None
    is_final: bool
    queue_position: int | None = Field(..., description="1: next (teams take turns)")
    public_problems: list[ProblemScoreOut]
    url: str = Field(..., description="Read it here until its state is done")


class SubmissionPage(Schema):
    count: int
    items: list[SubmissionOut]


class EntryIn(Schema):
    stage: str = Field(..., max_length=32, description="The stage's code")
    title: str = Field("", max_length=200)


# ---------------------------------------------------------------------------------------------


def _code(value: str) -> str:
    if not CODE.match(value):
        raise Http404
    return value


def _challenge(slug: str) -> Challenge:
    return selectors.challenge_by_slug(_code(slug))


def challenge_out(c: Challenge) -> dict:
    return {
        "slug": c.slug,
        "program": c.program.code,
        "title_ja": c.program.title_ja,
        "title_en": c.program.title_en,
        "start_date": c.program.start_date,
        "end_date": c.program.end_date,
        "total_prize_yen": c.total_prize_yen,
        "anonymous_allowed": c.anonymous_allowed,
    }


def _stage_out(s, now) -> dict:
    spec = s.evaluation_spec()
    return {
        **{
            name: getattr(s, name)
            for name in (
                "code",
                "kind",
                "title_ja",
                "title_en",
                "opens_on",
                "closes_on",
                "divisions",
                "entry",
                "eligible",
                "daily_limit",
                "board",
                "advance",
                "requires_identity",
                "requires_paper",
            )
        },
        "metric": spec.metric if spec else None,
        "lower_is_better": spec.lower_is_better if spec else None,
        "decimals": spec.decimals if spec else None,
        "is_open": selectors.is_open(s, now),
        "has_closed": selectors.has_closed(s, now),
    }


def _prize_out(p) -> dict:
    return {
        "code": p.code,
        "kind": p.kind,
        "basis": p.basis,
        "title_ja": p.title_ja,
        "title_en": p.title_en,
        "stage": p.stage.code if p.stage_id else None,
        "division": p.division.code if p.division_id else None,
        "theme": p.theme.code if p.theme_id else None,
        "amounts_yen": list(p.amounts_yen),
        "amount_yen": p.amount_yen,
        "count": p.count,
        "sponsor_ja": p.sponsor_ja,
        "sponsor_en": p.sponsor_en,
        "winners": [
            {"rank": a.rank, "team": a.team.public_name, "amount_yen": a.amount_yen}
            for a in p.awards.all()
        ],
    }


def _score(value, decimals: int) -> str | None:
    return None if value is None else rules.quantize(value, decimals).to_eng_string()


def _own_team(request, challenge: Challenge) -> Team:
    team = selectors.team_of(request.user, challenge)
    if team is None:
        raise HttpError(404, _("You have no team in this challenge."))
    return team


def submission_out(request, s: Submission) -> dict:
    return {
        "id": s.pk,
        "number": s.number,
        "stage": s.stage.code,
        "title": s.title,
        "file_name": s.file_name,
        "size": s.size,
        "sha256": s.sha256,
        "submitted_at": s.submitted_at,
        "state": s.state,
        "status": s.status,
        "reason": s.reason,
        "public_score": s.public_text or None,
        "hidden_score": (s.hidden_text or None) if permissions.is_staff(request.user) else None,
        "evaluations": s.evaluations,
        "seconds": None if s.seconds is None else str(s.seconds),
        "is_final": s.is_final,
        "queue_position": selectors.queue_position(s),
        "public_problems": [
            {
                "name": p["name"],
                "status": p["status"],
                "evaluations": p["evaluations"],
                "refused_calls": p["refused_calls"],
                "score": None if p.get("score") is None else str(p["score"]),
            }
            for p in s.details.get("problems", [])
            if p.get("part") == "public"
        ],
        "url": f"/api/v1{PREFIX}/{s.team.challenge.slug}/submissions/{s.pk}",
    }


def _visible_submission(request, slug: str, submission_id: int) -> Submission:
    """An entry its team's members and the staff may read (the entry's page), else 404."""
    sub = get_object_or_404(
        Submission.objects.select_related("team__challenge", "stage"),
        pk=submission_id,
        team__challenge__slug=_code(slug),
    )
    if not permissions.can_view_team(request.user, sub.team)[0]:
        raise Http404
    return sub


# ---------------------------------------------------------------------------------------------
# Public


@router.get(
    "",
    response=responses(ChallengePage, public=True),
    summary="List prize challenges, newest first",
    auth=public_or_token,
)
def list_challenges(request, params: Query[PageParams]):
    return page(
        selectors.challenges().order_by("-program__start_date", "slug"), params, challenge_out
    )


@router.get(
    "/{slug}",
    response=responses(ChallengeDetailOut, public=True),
    summary="A challenge: rules, divisions, stages, prizes and their winners",
    auth=public_or_token,
)
def get_challenge(request, slug: str):
    challenge = _challenge(slug)
    now = timeutil.now()
    divisions = challenge.divisions.prefetch_related("themes")
    prizes = challenge.prizes.select_related("stage", "division", "theme").prefetch_related(
        "awards__team"
    )
    team = selectors.team_of(request.user, challenge)
    return {
        **challenge_out(challenge),
        "rules_ja": challenge.rules_ja,
        "rules_en": challenge.rules_en,
        "ip": challenge.ip,
        "ip_ja": challenge.ip_ja,
        "ip_en": challenge.ip_en,
        "registration_open": selectors.registration_open(challenge, now),
        "divisions": [
            {
                "code": d.code,
                "title_ja": d.title_ja,
                "title_en": d.title_en,
                "themes": [
                    {"code": t.code, "title_ja": t.title_ja, "title_en": t.title_en}
                    for t in d.themes.all()
                ],
            }
            for d in divisions
        ],
        "stages": [_stage_out(s, now) for s in selectors.stages_of(challenge)],
        "prizes": [_prize_out(p) for p in prizes],
        "my_team": team.handle if team else None,
    }


@router.get(
    "/{slug}/stages/{stage}/board",
    response=responses(BoardOut, public=True),
    summary="A stage's leaderboard (public problems), and its final ranking once closed",
    auth=public_or_token,
)
def get_board(request, slug: str, stage: str):
    challenge = _challenge(slug)
    st = get_object_or_404(challenge.stages, code=_code(stage))
    spec = st.evaluation_spec()
    if spec is None:
        raise Http404  # a stage without a leaderboard (documents for the jury)
    now = timeutil.now()
    board = selectors.leaderboard(st, now=now)
    mine = selectors.team_of(request.user, challenge)
    mine_id = mine.pk if mine else None

    def row(r) -> dict:
        return {
            "rank": r.rank,
            "tied": r.tied,
            "team": r.team.public_name,
            "baseline": r.team.is_baseline,
            "mine": r.team.pk == mine_id,
            "score": _score(r.score, spec.decimals),
            "submitted_at": r.at,
            "submissions": r.submissions,
        }

    final = None
    if selectors.has_closed(st, now) or permissions.is_staff(request.user):
        qualified = selectors.qualified_team_ids(st)
        final = [
            {**row(r), "advances": r.team.pk in qualified} for r in selectors.final_ranking(st)
        ]
    return {
        "stage": st.code,
        "metric": spec.metric,
        "lower_is_better": board.lower_is_better,
        "refresh": board.refresh,
        "cutoff": board.cutoff,
        "next_refresh": board.next_refresh,
        "rows": [row(r) for r in board.rows],
        "final": final,
    }


# ---------------------------------------------------------------------------------------------
# Entrants


def team_out(team: Team) -> dict:
    return {
        "handle": team.handle,
        "anonymous": team.anonymous,
        "display_name": team.display_name,
        "public_name": team.public_name,
        "division": team.division.code if team.division_id else None,
        "theme": team.theme.code if team.theme_id else None,
        "registered_at": team.registered_at,
        "members": [
            {"username": m.user.get_username(), "joined_at": m.joined_at}
            for m in team.memberships.select_related("user").order_by("joined_at", "pk")
        ],
        "qualified_for": [q.stage.code for q in team.qualifications.select_related("stage")],
        "awards": [
            {
                "prize": a.prize.code,
                "title_ja": a.prize.title_ja,
                "title_en": a.prize.title_en,
                "rank": a.rank,
                "amount_yen": a.amount_yen,
                "paid_on": a.paid_on,
            }
            for a in PrizeAward.objects.filter(team=team).select_related("prize")
        ],
    }


@router.get("/{slug}/team", response=responses(TeamOut), summary="My team in a challenge")
def get_team(request, slug: str):
    return team_out(_own_team(request, _challenge(slug)))


@router.post(
    "/{slug}/team",
    response=responses(TeamOut, status=201),
    summary="Register a team; I become its first member (entrants)",
)
def register_team(request, slug: str, payload: TeamIn):
    challenge = _challenge(slug)
    services.register_team(actor=request.user, challenge=challenge, **payload.model_dump())
    return Status(201, team_out(_own_team(request, challenge)))


@router.get(
    "/{slug}/submissions",
    response=responses(SubmissionPage),
    summary="My team's entries, newest first",
)
def list_submissions(request, slug: str, params: Query[PageParams]):
    team = _own_team(request, _challenge(slug))
    qs = selectors.team_submissions(team).select_related("team__challenge")
    return page(qs, params, lambda s: submission_out(request, s))


@router.post(
    "/{slug}/submissions",
    response={
        201: SubmissionOut,
        202: SubmissionOut,
        **ERRORS,
    },
    summary="Submit an entry to an open stage (my team's members): code is queued for "
    "evaluation (202), a document is received for the jury (201)",
)
def submit_entry(request, slug: str, payload: Form[EntryIn], file: File[UploadedFile]):
    challenge = _challenge(slug)
    team = _own_team(request, challenge)
    stage = (
        challenge.stages.filter(code=payload.stage).first() if CODE.match(payload.stage) else None
    )
    if stage is None:
        raise ValidationError({"stage": _("No stage of this challenge has this code.")})
    sub = services.submit_entry(
        actor=request.user, team=team, stage=stage, upload=file, title=payload.title
    )
    out = submission_out(request, _visible_submission(request, slug, sub.pk))
    return Status(202 if sub.state == SubmissionState.QUEUED else 201, out)


@router.get(
    "/{slug}/submissions/{submission_id}",
    response=responses(SubmissionOut),
    summary="An entry and its evaluation (the team's members; the staff)",
)
def get_submission(request, slug: str, submission_id: int):
    return submission_out(request, _visible_submission(request, slug, submission_id))


@router.post(
    "/{slug}/submissions/{submission_id}/final",
    response=responses(SubmissionOut),
    summary="Choose the entry that counts in the final ranking (the team's members)",
)
def choose_final(request, slug: str, submission_id: int):
    sub = _visible_submission(request, slug, submission_id)
    services.choose_final_submission(actor=request.user, submission=sub)
    return submission_out(request, _visible_submission(request, slug, submission_id))
