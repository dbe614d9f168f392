"""The challenge's life through its services: plan, teams, entries, the fair queue, boards,
advancing, documents, the jury, prizes and payments, with each role's rights."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kikin.accounts.models import Role
from kikin.audit.models import AuditRecord
from kikin.challenges import selectors, services
from kikin.challenges.models import (
    Challenge,
    DocumentKind,
    PrizeAward,
    StageDocument,
    Submission,
    SubmissionState,
)
from kikin.core.timeutil import JST, jst_end_of, jst_start_of
from kikin.review.models import ConflictDeclaration
from kikin.rules.challenges import parse_challenge_plan
from tests import factories as f

from .helpers import CENTRE_ENTRY, load, needs_sandbox, pdf, plan, team, upload

pytestmark = pytest.mark.django_db


def scored(t, stage, public, hidden, at, number=None, status="ok"):
    """An entry as the evaluator leaves it (the evaluation itself is tested on its own)."""
    n = number or (t.submissions.count() + 1)
    s = Submission(
        team=t,
        stage=stage,
        number=n,
        file_name="e.py",
        size=1,
        sha256="0" * 64,
        submitted_at=at,
        state=SubmissionState.DONE,
        status=status,
        public_score=None if public is None else Decimal(public),
        hidden_score=None if hidden is None else Decimal(hidden),
        evaluated_at=at,
    )
    s.file.name = "challenges/x.py"
    s.save()
    return s


def after(stage, days=1):
    return jst_end_of(stage.closes_on) + dt.timedelta(days=days)


# ------------------------------------------------------------------------------ the plan


def test_loading_a_plan_twice_changes_nothing_and_keeps_the_hidden_key():
    challenge = load()
    key = challenge.hidden_key
    n = AuditRecord.objects.filter(action="challenges.load_plan").count()
    again = load()
    assert again.pk == challenge.pk and again.hidden_key == key and len(key) == 64
    assert AuditRecord.objects.filter(action="challenges.load_plan").count() == n
    assert [s.code for s in challenge.stages.all()] == ["preliminary", "final"]
    assert (
        challenge.stages.get(code="preliminary").evaluation_spec().problems[1].transform
        == "shift_rotate"
    )


def test_the_seed_plan_files_load(db):
    made = services.load_challenge_plans()
    assert {c.slug for c in made} == {"hpo", "supply-chain"}
    hpo = Challenge.objects.get(slug="hpo")
    assert hpo.program.start_date == dt.date(2022, 12, 16)
    assert "HPO" in services.plan_text_of(hpo) and hpo.prizes.count() == 2


def test_a_stage_with_entries_cannot_be_dropped_by_a_new_plan(media):
    challenge = load()
    t, user = team(challenge, "alpha")
    services.submit_entry(
        actor=user, team=t, stage=challenge.stages.get(code="preliminary"), upload=upload()
    )
    data = plan()
    data["challenge"]["stage"][0]["code"] = "round-one"
    data["challenge"]["stage"][1].pop("eligible")
    with pytest.raises(ValidationError) as exc:
        services.load_challenge_plan(spec=parse_challenge_plan(data), program=challenge.program)
    assert "preliminary" in str(exc.value)
    assert challenge.stages.filter(code="preliminary").exists()


# ------------------------------------------------------------------------------ teams


def test_register_a_team_anonymous_where_allowed():
    challenge = load()
    t, user = team(challenge, "ghost", anonymous=True, display_name="")
    assert t.anonymous and t.public_name == "ghost" and t.organisation is None
    assert t.memberships.get().user == user
    with pytest.raises(ValidationError) as exc:
        team(challenge, "ghost2", user=user)
    assert "already in a team" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        team(challenge, "GHOST")
    assert "handle" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        team(challenge, "has space")
    assert "handle" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        team(challenge, "named", display_name="")
    assert "display_name" in exc.value.message_dict


def test_anonymous_is_refused_where_the_challenge_does_not_allow_it(db):
    services.load_challenge_plans()
    scdc = Challenge.objects.get(slug="supply-chain")
    stage = scdc.stages.get(code="application")
    now = jst_start_of(stage.opens_on) + dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as exc:
        services.register_team(
            actor=f.applicant(),
            challenge=scdc,
            handle="x1",
            anonymous=True,
            division="idea",
            now=now,
        )
    assert "anonymous" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.register_team(
            actor=f.applicant(),
            challenge=scdc,
            handle="x2",
            display_name="X",
            division="system",
            now=now,
        )
    assert "theme" in exc.value.message_dict
    t = services.register_team(
        actor=f.applicant(),
        challenge=scdc,
        handle="x3",
        display_name="X",
        division="system",
        theme="port",
        now=now,
    )
    assert t.theme.code == "port"
    with pytest.raises(ValidationError) as exc:  # every stage open to new teams is over
        services.register_team(
            actor=f.applicant(), challenge=scdc, handle="x4", display_name="X", division="idea"
        )
    assert "Registration has closed" in str(exc.value)


@pytest.mark.parametrize("role", [Role.AGENCY, Role.MINISTRY, Role.REVIEWER])
def test_only_entrants_register(role):
    challenge = load()
    with pytest.raises(PermissionDenied):
        services.register_team(
            actor=f.user(role), challenge=challenge, handle="staff", display_name="S"
        )


def test_a_member_adds_an_entrant(db):
    challenge = load()
    t, user = team(challenge, "duo")
    other = f.applicant()
    services.add_team_member(actor=user, team=t, username=other.username)
    assert set(t.members.all()) == {user, other}
    with pytest.raises(PermissionDenied):
        services.add_team_member(actor=f.applicant(), team=t, username="nobody")
    with pytest.raises(ValidationError):
        services.add_team_member(actor=user, team=t, username=other.username)


# ------------------------------------------------------------------------------ entries


def test_submissions_per_day_are_limited_in_jst(media):
    challenge = load(daily_limit=2)
    stage = challenge.stages.get(code="preliminary")
    t, user = team(challenge, "busy")
    morning = timezone.now().astimezone(JST).replace(hour=0, minute=30)
    if morning < jst_start_of(stage.opens_on):
        morning += dt.timedelta(days=1)
    for i in range(2):
        services.submit_entry(
            actor=user, team=t, stage=stage, upload=upload(), now=morning + dt.timedelta(minutes=i)
        )
    with pytest.raises(ValidationError) as exc:
        services.submit_entry(
            actor=user, team=t, stage=stage, upload=upload(), now=morning + dt.timedelta(hours=20)
        )
    assert "Daily limit" in exc.value.message_dict["file"][0]
    # The next JST day opens a fresh allowance.
    s = services.submit_entry(
        actor=user, team=t, stage=stage, upload=upload(), now=morning + dt.timedelta(hours=24)
    )
    assert s.number == 3 and s.state == SubmissionState.QUEUED


def test_entries_are_checked_before_they_are_kept(media):
    challenge = load()
    stage = challenge.stages.get(code="preliminary")
    t, user = team(challenge, "careful")
    for bad, message in [
        (upload(name="entry.txt"), "Python file"),
        (upload(b"\xff\xfe\x00", "entry.py"), "UTF-8"),
        (upload(b"#" * (257 * 1024)), "larger than"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.submit_entry(actor=user, team=t, stage=stage, upload=bad)
        assert message in exc.value.message_dict["file"][0]
    assert not Submission.objects.exists()
    with pytest.raises(PermissionDenied):
        services.submit_entry(actor=f.applicant(), team=t, stage=stage, upload=upload())


def test_closed_and_qualified_only_stages_refuse_entries(media):
    challenge = load()
    prelim, final = challenge.stages.order_by("order")
    t, user = team(challenge, "late")
    with pytest.raises(ValidationError) as exc:
        services.submit_entry(actor=user, team=t, stage=prelim, upload=upload(), now=after(prelim))
    assert "takes entries from" in exc.value.message_dict["stage"][0]
    inside_final = jst_start_of(final.opens_on) + dt.timedelta(hours=2)
    with pytest.raises(ValidationError) as exc:
        services.submit_entry(actor=user, team=t, stage=final, upload=upload(), now=inside_final)
    assert "passed the previous stage" in exc.value.message_dict["stage"][0]


# ------------------------------------------------------------------------------ the queue


@needs_sandbox
def test_the_fair_queue_takes_turns_and_a_bad_entry_does_not_stop_it(media):
    challenge = load()
    stage = challenge.stages.get(code="preliminary")
    greedy, g_user = team(challenge, "greedy")
    modest, m_user = team(challenge, "modest")
    now = timezone.now()
    crash = b"def minimize(o, b, n, s):\n    raise RuntimeError('boom')\n"
    entries = [
        services.submit_entry(
            actor=g_user, team=greedy, stage=stage, upload=upload(crash), now=now
        ),
        services.submit_entry(
            actor=g_user,
            team=greedy,
            stage=stage,
            upload=upload(),
            now=now + dt.timedelta(seconds=1),
        ),
        services.submit_entry(
            actor=g_user,
            team=greedy,
            stage=stage,
            upload=upload(),
            now=now + dt.timedelta(seconds=2),
        ),
        services.submit_entry(
            actor=m_user,
            team=modest,
            stage=stage,
            upload=upload(CENTRE_ENTRY),
            now=now + dt.timedelta(seconds=3),
        ),
    ]
    assert selectors.queue_position(entries[3]) == 2
    order = []
    while (s := services.evaluate_next()) is not None:
        order.append(s.pk)
    assert order == [entries[0].pk, entries[3].pk, entries[1].pk, entries[2].pk]
    first = Submission.objects.get(pk=entries[0].pk)
    assert first.status == "error" and "RuntimeError: boom" in first.reason
    assert first.public_score is None
    good = Submission.objects.get(pk=entries[1].pk)
    assert good.status == "ok" and good.public_score is not None and good.hidden_score is not None
    assert good.evaluations == 24 and good.state == SubmissionState.DONE
    assert AuditRecord.objects.filter(action="challenges.evaluate", object_id=str(good.pk)).exists()
    board = selectors.leaderboard(stage, now=now + dt.timedelta(minutes=1))
    assert {r.team.handle for r in board.rows} == {"greedy", "modest"}
    assert all(r.rank for r in board.rows)


def test_an_evaluation_that_cannot_run_goes_back_to_the_queue(media, monkeypatch):
    from kikin.challenges.sandbox import SandboxUnavailable

    challenge = load()
    stage = challenge.stages.get(code="preliminary")
    t, user = team(challenge, "unlucky")
    s = services.submit_entry(actor=user, team=t, stage=stage, upload=upload())

    def no_sandbox(**kwargs):
        raise SandboxUnavailable("bwrap is not installed")

    monkeypatch.setattr(services, "run_evaluation", no_sandbox)
    for attempt in range(1, 4):
        with pytest.raises(SandboxUnavailable):
            services.evaluate_next()
        s.refresh_from_db()
        assert s.attempts == attempt
    assert s.state == SubmissionState.DONE and s.status == "error"
    assert services.evaluate_next() is None


# ------------------------------------------------------------------------------ boards


def test_leaderboard_best_public_score_per_team_with_the_baseline_and_the_tie_rule():
    challenge = load()
    stage = challenge.stages.get(code="preliminary")
    now = timezone.now()
    a, _ = team(challenge, "ta")
    b, _ = team(challenge, "tb")
    base = services.ensure_baseline_team(challenge=challenge)
    scored(a, stage, "0.300000", "0.1", now - dt.timedelta(hours=5))
    scored(a, stage, "0.100000", "0.9", now - dt.timedelta(hours=4))
    scored(b, stage, "0.100000", "0.2", now - dt.timedelta(hours=3))  # ties a, later
    scored(base, stage, "0.200000", "0.3", now - dt.timedelta(hours=6))
    scored(b, stage, None, None, now - dt.timedelta(hours=1), status="error")
    board = selectors.leaderboard(stage, now=now)
    assert [(r.rank, r.team.handle, str(r.score)) for r in board.rows] == [
        (1, "ta", "0.100000000"),
        (2, "tb", "0.100000000"),
        (3, "baseline", "0.200000000"),
    ]
    assert board.rows[0].submissions == 2
    # The final ranking: each team's latest good entry (a's hidden 0.9), or the one it chose.
    final = selectors.final_ranking(stage)
    assert [(r.team.handle, str(r.score)) for r in final] == [
        ("tb", "0.200000000"),
        ("baseline", "0.300000000"),
        ("ta", "0.900000000"),
    ]
    first_of_a = a.submissions.order_by("number").first()
    services.choose_final_submission(actor=a.members.get(), submission=first_of_a, now=now)
    assert next(r.team.handle for r in selectors.final_ranking(stage)) == "ta"


def test_a_weekly_board_shows_entries_up_to_the_last_refresh():
    today = timezone.now().astimezone(JST).date()
    challenge = load(opens=today - dt.timedelta(days=10), board="weekly")
    stage = challenge.stages.get(code="preliminary")
    opens_at = jst_start_of(stage.opens_on)
    a, _ = team(challenge, "ta")
    b, _ = team(challenge, "tb")
    scored(a, stage, "0.5", "0.5", opens_at + dt.timedelta(days=2))
    scored(b, stage, "0.1", "0.1", opens_at + dt.timedelta(days=8))
    now = opens_at + dt.timedelta(days=9)
    board = selectors.leaderboard(stage, now=now)
    assert board.cutoff == opens_at + dt.timedelta(days=7)
    assert [r.team.handle for r in board.rows] == ["ta"]
    assert board.next_refresh == opens_at + dt.timedelta(days=14)
    later = selectors.leaderboard(stage, now=opens_at + dt.timedelta(days=14, minutes=1))
    assert [r.team.handle for r in later.rows] == ["tb", "ta"]


# ------------------------------------------------------------------------------ finals


def test_the_best_teams_advance_after_the_close_but_never_the_baseline(officer):
    challenge = load()
    prelim = challenge.stages.get(code="preliminary")
    now = timezone.now()
    teams = [team(challenge, h)[0] for h in ("ta", "tb", "tc")]
    base = services.ensure_baseline_team(challenge=challenge)
    for t, h in zip(teams, ("0.3", "0.1", "0.2"), strict=True):
        scored(t, prelim, "0.5", h, now)
    scored(base, prelim, "0.5", "0.01", now)
    with pytest.raises(ValidationError):
        services.advance_teams(actor=officer, stage=prelim)
    with pytest.raises(PermissionDenied):
        services.advance_teams(actor=f.applicant(), stage=prelim, now=after(prelim))
    made = services.advance_teams(actor=officer, stage=prelim, now=after(prelim))
    assert {q.team.handle for q in made} == {"tb", "tc"}  # advance = 2, by the hidden part
    assert services.advance_teams(actor=officer, stage=prelim, now=after(prelim)) == []


def finals(officer, media):
    """Three teams passed; the finals open; returns (challenge, final stage, {handle: (team, user)})."""
    challenge = load()
    prelim, final = challenge.stages.order_by("order")
    now = timezone.now()
    teams = {h: team(challenge, h) for h in ("ta", "tb", "tc")}
    for (t, _u), h in zip(teams.values(), ("0.1", "0.2", "0.3"), strict=True):
        scored(t, prelim, "0.5", h, now)
    challenge.stages.filter(pk=prelim.pk).update(advance=3)
    prelim.refresh_from_db()
    services.advance_teams(actor=officer, stage=prelim, now=after(prelim))
    return challenge, final, teams


def test_finalists_file_identity_documents_before_their_first_entry(officer, media):
    _challenge, final, teams = finals(officer, media)
    t, user = teams["ta"]
    inside = jst_start_of(final.opens_on) + dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as exc:
        services.submit_entry(actor=user, team=t, stage=final, upload=upload(), now=inside)
    assert "identity documents" in exc.value.message_dict["stage"][0]
    with pytest.raises(ValidationError):  # a Python file is not a document
        services.submit_stage_document(
            actor=user, team=t, stage=final, kind=DocumentKind.IDENTITY, upload=upload(), now=inside
        )
    services.submit_stage_document(
        actor=user, team=t, stage=final, kind=DocumentKind.IDENTITY, upload=pdf(), now=inside
    )
    s = services.submit_entry(actor=user, team=t, stage=final, upload=upload(), now=inside)
    assert s.state == SubmissionState.QUEUED
    with pytest.raises(ValidationError):  # the paper is due by the closing date, not after
        services.submit_stage_document(
            actor=user, team=t, stage=final, kind=DocumentKind.PAPER, upload=pdf(), now=after(final)
        )


def test_prizes_by_the_final_ranking_only_for_those_who_reach_the_goal_with_their_paper(
    officer, media
):
    challenge, final, teams = finals(officer, media)
    inside = jst_start_of(final.opens_on) + dt.timedelta(hours=1)
    outsider, _ = team(challenge, "outsider")  # never qualified
    scored(outsider, final, "1", "1", inside)
    for h, hidden in (("ta", "30"), ("tb", None), ("tc", "20")):
        t, user = teams[h]
        scored(t, final, "10", hidden, inside)  # b did not reach the target on the hidden part
        StageDocument.objects.create(
            team=t,
            stage=final,
            kind=DocumentKind.PAPER,
            file_name="p.pdf",
            submitted_by=user,
            submitted_at=inside,
        )
    prize = challenge.prizes.get(code="fastest")
    with pytest.raises(ValidationError):
        services.assign_prizes(actor=officer, prize=prize)  # not closed yet
    awards = services.assign_prizes(actor=officer, prize=prize, now=after(final))
    assert [(a.team.handle, a.rank, a.amount_yen) for a in awards] == [
        ("tc", 1, 500_000),
        ("ta", 2, 500_000),
    ]
    # A team without its paper takes no place: a moves up, b still has no score.
    StageDocument.objects.filter(team=teams["tc"][0]).delete()
    awards = services.assign_prizes(actor=officer, prize=prize, now=after(final))
    assert [(a.team.handle, a.rank) for a in awards] == [("ta", 1)]
    award = awards[0]
    with pytest.raises(ValidationError) as exc:
        services.record_prize_payment(
            actor=officer, award=award, paid_on=dt.date(2030, 1, 1), reference=" "
        )
    assert "reference" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.record_prize_payment(
            actor=f.user(Role.MINISTRY), award=award, paid_on=dt.date(2030, 1, 1), reference="T-1"
        )
    services.record_prize_payment(
        actor=officer, award=award, paid_on=dt.date(2030, 1, 1), reference="T-1"
    )
    award.refresh_from_db()
    assert award.paid_on == dt.date(2030, 1, 1) and award.amount_yen == 500_000
    with pytest.raises(ValidationError):
        services.assign_prizes(actor=officer, prize=prize, now=after(final))  # settled


def test_the_jury_scores_with_the_rubric_and_conflicts_are_refused(officer, media):
    challenge, final, teams = finals(officer, media)
    org = f.organisation()
    juror = f.reviewer(org=org)
    colleague = f.reviewer(org=org)
    stranger = f.reviewer()
    services.seat_juror(actor=officer, challenge=challenge, user=juror)
    services.seat_juror(actor=officer, challenge=challenge, user=colleague)
    with pytest.raises(ValidationError):
        services.seat_juror(actor=officer, challenge=challenge, user=f.applicant())
    a, b, c = (teams[h][0] for h in ("ta", "tb", "tc"))
    # A member of the juror's organisation is on team c: the juror may not score it.
    services.add_team_member(actor=teams["tc"][1], team=c, username=f.applicant(org).username)
    with pytest.raises(PermissionDenied):
        services.save_jury_score(
            actor=juror, team=c, stage=final, scores={"novelty": 5, "clarity": 5}
        )
    with pytest.raises(PermissionDenied):  # not on the jury
        services.save_jury_score(
            actor=stranger, team=a, stage=final, scores={"novelty": 5, "clarity": 5}
        )
    ConflictDeclaration.objects.create(
        reviewer=colleague,
        organisation=a.memberships.get().user.organisation,
        reason="x",
        declared_by=colleague,
    )
    with pytest.raises(PermissionDenied):
        services.save_jury_score(
            actor=colleague, team=a, stage=final, scores={"novelty": 5, "clarity": 5}
        )
    with pytest.raises(ValidationError) as exc:
        services.save_jury_score(
            actor=juror, team=a, stage=final, scores={"novelty": 9}, submit=True
        )
    assert set(exc.value.message_dict) == {"score_novelty", "score_clarity"}
    js = services.save_jury_score(
        actor=juror, team=a, stage=final, scores={"novelty": 5, "clarity": 2}, submit=True
    )
    assert js.weighted_score == Decimal("80.000")  # (2×5 + 1×2) / (2×5 + 1×5)
    with pytest.raises(ValidationError):
        services.save_jury_score(
            actor=juror, team=a, stage=final, scores={"novelty": 1, "clarity": 1}
        )
    services.save_jury_score(
        actor=juror, team=b, stage=final, scores={"novelty": 5, "clarity": 2}, submit=True
    )
    services.save_jury_score(
        actor=colleague, team=b, stage=final, scores={"novelty": 3, "clarity": 3}, submit=True
    )
    ranking = selectors.jury_ranking(final)
    assert [(r.rank, r.team.handle, str(r.score)) for r in ranking] == [
        (1, "ta", "80.000"),
        (2, "tb", "70.000"),
    ]
    services.declare_team_conflict(actor=juror, juror=juror, team=b, reason="共同研究者")
    assert [r.team.handle for r in selectors.jury_ranking(final)] == ["ta", "tb"]
    assert selectors.jury_ranking(final)[1].score == Decimal("60.000")  # only the colleague's now
    prize = challenge.prizes.get(code="innovative")
    StageDocument.objects.bulk_create(
        StageDocument(
            team=t,
            stage=final,
            kind=DocumentKind.PAPER,
            file_name="p.pdf",
            submitted_by=officer,
            submitted_at=jst_start_of(final.opens_on),
        )
        for t in (a, b)
    )
    awards = services.assign_prizes(actor=officer, prize=prize, now=after(final))
    assert [(aw.team.handle, aw.amount_yen) for aw in awards] == [("ta", 250_000), ("tb", 250_000)]


def test_organisers_name_the_winner_of_a_prize_without_money(officer):
    challenge = load()
    t, _ = team(challenge, "friendly")
    honour = challenge.prizes.get(code="honour")
    award = services.name_prize_winner(actor=officer, prize=honour, team=t)
    assert award.amount_yen == 0
    with pytest.raises(ValidationError):
        services.record_prize_payment(
            actor=officer, award=award, paid_on=dt.date(2030, 1, 1), reference="x"
        )
    other, _ = team(challenge, "other")
    with pytest.raises(ValidationError):  # one winner
        services.name_prize_winner(actor=officer, prize=honour, team=other)
    with pytest.raises(ValidationError):
        services.name_prize_winner(
            actor=officer, prize=challenge.prizes.get(code="fastest"), team=t
        )
    assert PrizeAward.objects.count() == 1
