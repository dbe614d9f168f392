"""Reads of the prize challenges: the public leaderboard, the final ranking, the jury's ranking,
the fair queue, and what a user may see. Each costs a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Q
from django.shortcuts import get_object_or_404

from kikin.core.timeutil import jst_end_of, jst_start_of
from kikin.rules import challenges as rules

from .models import Challenge, JuryScore, Stage, Submission, SubmissionState, Team


def stage_window(stage: Stage) -> tuple[dt.datetime, dt.datetime]:
    """The stage's opening and closing instants: its first and last day in JST, both whole."""
    return jst_start_of(stage.opens_on), jst_end_of(stage.closes_on)


def is_open(stage: Stage, now: dt.datetime) -> bool:
    opens_at, closes_at = stage_window(stage)
    return opens_at <= now <= closes_at


def has_closed(stage: Stage, now: dt.datetime) -> bool:
    return now > stage_window(stage)[1]


def registration_open(challenge: Challenge, now: dt.datetime) -> bool:
    """Teams may register until the last stage open to all teams (taking entries) closes."""
    return any(
        not has_closed(s, now)
        for s in challenge.stages.all()
        if s.eligible == "all" and s.entry != "none"
    )


def challenge_by_slug(slug: str) -> Challenge:
    return get_object_or_404(Challenge.objects.select_related("program"), slug=slug)


def challenges():
    return Challenge.objects.select_related("program").order_by("-program__start_date")


def stages_of(challenge: Challenge) -> list[Stage]:
    return list(challenge.stages.order_by("order"))


def team_of(user, challenge: Challenge) -> Team | None:
    if not user.is_authenticated:
        return None
    return (
        Team.objects.filter(challenge=challenge, memberships__user=user)
        .select_related("division", "theme")
        .first()
    )


# --------------------------------------------------------------------------------------------
# Boards


@dataclass(frozen=True)
class BoardRow:
    rank: int | None
    team: Team
    score: Decimal | None
    at: dt.datetime | None
    submissions: int
    tied: bool = False


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    refresh: str
    cutoff: dt.datetime | None
    next_refresh: dt.datetime | None
    lower_is_better: bool


def _teams(ids) -> dict[int, Team]:
    return {t.pk: t for t in Team.objects.filter(pk__in=set(ids))}


def leaderboard(stage: Stage, *, now: dt.datetime) -> Board:
    """The public leaderboard: each team's best public score among its entries evaluated up to
    the board's cutoff (real time, or the last weekly refresh), ranked by the stage's tie rule.
    Two queries."""
    spec = stage.evaluation_spec()
    opens_at, closes_at = stage_window(stage)
    cutoff = rules.board_cutoff(now, opens_at, closes_at, stage.board)
    following = rules.next_board_refresh(now, opens_at, closes_at, stage.board)
    if spec is None or cutoff is None:
        return Board([], stage.board, cutoff, following, True)
    rows = (
        Submission.objects.filter(stage=stage, status="ok", submitted_at__lte=cutoff)
        .values_list("team_id", "public_score", "submitted_at")
        .order_by("submitted_at", "pk")
    )
    best: dict[int, tuple[Decimal | None, dt.datetime]] = {}
    counts: dict[int, int] = defaultdict(int)
    for team_id, score, at in rows:
        counts[team_id] += 1
        held = best.get(team_id)
        if held is None or (
            score is not None
            and (held[0] is None or (score < held[0] if spec.lower_is_better else score > held[0]))
        ):
            best[team_id] = (score, at)
    teams = _teams(best)
    placed = rules.rank_entries(
        [rules.Ranked(tid, s, at, tid) for tid, (s, at) in best.items()],
        lower_is_better=spec.lower_is_better,
        tie=spec.tie,
    )
    return Board(
        [
            BoardRow(p.rank, teams[p.key], p.score, best[p.key][1], counts[p.key], p.tied)
            for p in placed
        ],
        stage.board,
        cutoff,
        following,
        spec.lower_is_better,
    )


def final_submissions(stage: Stage) -> dict[int, Submission]:
    """Each team's submission for the final ranking: the one it chose, else its latest entry
    evaluated without fault. One query."""
    chosen: dict[int, Submission] = {}
    for s in (
        Submission.objects.filter(stage=stage, status="ok")
        .only("pk", "team_id", "hidden_score", "public_score", "submitted_at", "is_final", "number")
        .order_by("submitted_at", "pk")
    ):
        held = chosen.get(s.team_id)
        if held is None or not held.is_final:
            chosen[s.team_id] = s
    return chosen


def final_ranking(stage: Stage) -> list[BoardRow]:
    """The final ranking on the hidden part (so that tuning to the public board does not pay),
    by the stage's tie rule; teams whose entry did not reach the goal come last, unranked.
    Two queries."""
    spec = stage.evaluation_spec()
    if spec is None:
        return []
    chosen = final_submissions(stage)
    teams = _teams(chosen)
    placed = rules.rank_entries(
        [rules.Ranked(tid, s.hidden_score, s.submitted_at, tid) for tid, s in chosen.items()],
        lower_is_better=spec.lower_is_better,
        tie=spec.tie,
    )
    return [
        BoardRow(p.rank, teams[p.key], p.score, chosen[p.key].submitted_at, 1, p.tied)
        for p in placed
    ]


def jury_ranking(stage: Stage, *, division_id=None, theme_id=None) -> list[BoardRow]:
    """Teams by the mean of their jurors' submitted weighted scores at `stage` (0–100, higher is
    better); equal means share a place. Two queries."""
    qs = JuryScore.objects.filter(stage=stage, submitted_at__isnull=False, team__is_baseline=False)
    if division_id:
        qs = qs.filter(team__division_id=division_id)
    if theme_id:
        qs = qs.filter(team__theme_id=theme_id)
    means = {
        r["team_id"]: (r["mean"], r["n"])
        for r in qs.values("team_id").annotate(mean=Avg("weighted_score"), n=Count("pk"))
    }
    teams = _teams(means)
    placed = rules.rank_entries(
        [
            rules.Ranked(tid, Decimal(m).quantize(Decimal("0.001")), None, tid)
            for tid, (m, _n) in means.items()
        ],
        lower_is_better=False,
        tie="shared",
    )
    return [BoardRow(p.rank, teams[p.key], p.score, None, means[p.key][1], p.tied) for p in placed]


# --------------------------------------------------------------------------------------------
# The queue


def queued(stage_ids=None) -> list[rules.Queued]:
    qs = Submission.objects.filter(state=SubmissionState.QUEUED)
    if stage_ids is not None:
        qs = qs.filter(stage_id__in=stage_ids)
    return [
        rules.Queued(pk, team_id, at)
        for pk, team_id, at in qs.values_list("pk", "team_id", "submitted_at")
    ]


def last_started(team_ids) -> dict[int, dt.datetime | None]:
    return dict(
        Team.objects.filter(pk__in=set(team_ids)).values_list("pk", "last_evaluation_started_at")
    )


def queue_position(submission: Submission) -> int | None:
    """Where a queued submission stands in the fair queue (1 = next). Two queries."""
    if submission.state != SubmissionState.QUEUED:
        return None
    waiting = queued()
    return rules.queue_position(waiting, last_started({q.team for q in waiting}), submission.pk)


def team_submissions(team: Team):
    return team.submissions.select_related("stage").order_by("-submitted_at")


def submissions_today(team: Team, stage: Stage, now: dt.datetime) -> int:
    """Entries the team sent to `stage` on today's date in JST (the daily limit's count)."""
    day = now.astimezone(jst_start_of(now.date()).tzinfo).date()
    return Submission.objects.filter(
        team=team,
        stage=stage,
        submitted_at__gte=jst_start_of(day),
        submitted_at__lte=jst_end_of(day),
    ).count()


def teams_of(challenge: Challenge):
    return (
        Team.objects.filter(challenge=challenge)
        .select_related("division", "theme")
        .annotate(n_submissions=Count("submissions"))
        .order_by("is_baseline", "handle")
    )


def qualified_team_ids(stage: Stage) -> set[int]:
    return set(stage.qualified.values_list("team_id", flat=True))


def staff_queue_counts() -> dict[str, int]:
    return dict(
        Submission.objects.filter(
            Q(state=SubmissionState.QUEUED) | Q(state=SubmissionState.RUNNING)
        )
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )


def jury_teams(stage: Stage) -> list[Team]:
    """The teams the jury judges at `stage`: entrants (never the baseline) of the stage's
    divisions, qualified where the stage admits qualified teams only, that sent an entry to this
    stage or to an earlier one taking documents or code."""
    from kikin.rules.challenges import advancing_stage

    from .services import s_spec_stub

    stages = list(stage.challenge.stages.order_by("order"))
    earlier = [s.pk for s in stages if s.order <= stage.order and s.entry != "none"]
    qs = Team.objects.filter(
        challenge=stage.challenge, is_baseline=False, submissions__stage_id__in=earlier
    )
    if stage.divisions:
        qs = qs.filter(division__code__in=stage.divisions)
    if stage.eligible == "qualified":
        previous = advancing_stage([s_spec_stub(s) for s in stages], stage.code)
        qs = qs.filter(qualifications__stage__code=previous.code if previous else "")
    return list(qs.select_related("division", "theme").distinct().order_by("handle"))


def latest_entries(teams: list[Team], stage: Stage) -> dict[int, Submission]:
    """Each team's latest entry to `stage` or an earlier stage (what the jury reads)."""
    earlier = [s.pk for s in stage.challenge.stages.all() if s.order <= stage.order]
    out: dict[int, Submission] = {}
    for s in Submission.objects.filter(team__in=teams, stage_id__in=earlier).order_by(
        "submitted_at", "pk"
    ):
        out[s.team_id] = s
    return out
