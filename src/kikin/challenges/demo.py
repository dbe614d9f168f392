"""Demo data: both challenges of the seed as it states them (003 lines 238–333), run through the
same services as the site, at the seed's dates.

The HPO module contest: the seed's quantitative and qualitative winners as anonymous teams with
small optimisers as entries, the organisers' baseline, real sandboxed evaluations, the top teams
advancing to the finals with their identity documents and papers, the finals' prizes given by
the final ranking and the jury, and their payments. The supply-chain data challenge: the seed's
award-winning teams, their application papers, the jury's document review (teams passing), the
pitch, and the prizes by division and theme; the sponsor prize and the prize without money are
left for the organisers to name in the demo.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from kikin.accounts.demo import DEMO_PASSWORD
from kikin.accounts.models import Role, User
from kikin.core.demo import minimal_pdf
from kikin.core.timeutil import jst_start_of

from . import services
from .models import Challenge, DocumentKind
from .sandbox import SandboxUnavailable

PDF = minimal_pdf("kikin demo document")

# (handle, entry file, days after the preliminaries open of its entry, finals' rubric scores)
HPO_TEAMS = [
    ("tanuking0", "shrinking_gauss.py", 25, (3, 3, 4)),
    ("pizza3900", "coordinate_search.py", 27, (5, 5, 4)),
    ("Kot", "trust_region.py", 29, (3, 4, 3)),
    ("sgm", "nelder_mead.py", 35, (2, 3, 3)),
    ("Niko", "trust_region.py", 40, (5, 4, 5)),
]

# (handle, name as the seed gives it, division, theme, jury scores by criterion)
SUPPLY_CHAIN_TEAMS = [
    ("spacebd", "Space BD(株)", "idea", "", (5, 5, 5)),
    ("spaceshift-idea", "(株)スペースシフト", "idea", "", (4, 5, 4)),
    ("watanabe", "渡邊 学", "idea", "", (4, 4, 3)),
    ("team-pup", "Team プップ (富士通(株))", "system", "port", (5, 5, 5)),
    ("portmoma", "Synspective Team PortMoma", "system", "port", (5, 4, 4)),
    ("ogawa", "小川 芳樹", "system", "port", (4, 4, 4)),
    ("spaceshift-flood", "(株)スペースシフト", "system", "disaster", (5, 5, 5)),
    ("resi-tech", "Resi-Tech Innovators", "system", "disaster", (5, 4, 4)),
    ("hato", "羽藤 英二", "system", "disaster", (4, 4, 4)),
]


def _in(stage, days: int = 0, hour: int = 10) -> dt.datetime:
    """An instant `days` after `stage` opens (JST): the demo's history follows the plan's dates."""
    return jst_start_of(stage.opens_on) + dt.timedelta(days=days, hours=hour)


def _paid_on(stage, days: int) -> dt.date:
    return stage.closes_on + dt.timedelta(days=days)


def _entrant(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.register_entrant(username=username, password=DEMO_PASSWORD)
    return user


def _entry(name: str) -> SimpleUploadedFile:
    data = resources.files("kikin.challenges").joinpath("demo_entries", name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="text/x-python")


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _evaluate_all() -> bool:
    """Evaluate every queued entry in the sandbox; False when this machine cannot sandbox."""
    try:
        services.run_evaluations()
    except SandboxUnavailable:
        return False
    return True


def _officer() -> User:
    return User.objects.filter(role=Role.AGENCY).order_by("pk").first()


def _juror(challenge: Challenge, officer: User) -> User | None:
    reviewer = User.objects.filter(username="reviewer").first() or (
        User.objects.filter(role=Role.REVIEWER).order_by("pk").first()
    )
    if reviewer is not None:
        services.seat_juror(actor=officer, challenge=challenge, user=reviewer)
    return reviewer


def _score_all(challenge, juror, stage_code: str, scores_by_handle: dict[str, tuple]) -> None:
    stage = challenge.stages.get(code=stage_code)
    codes = [c.code for c in services.criteria_for(stage)]
    for handle, values in scores_by_handle.items():
        team = challenge.teams.get(handle=handle)
        services.save_jury_score(
            actor=juror,
            team=team,
            stage=stage,
            scores=dict(zip(codes, values, strict=True)),
            comment="デモの講評。",
            submit=True,
        )


def load_demo_hpo(officer: User) -> Challenge | None:
    challenge = Challenge.objects.filter(slug="hpo").first()
    if challenge is None or challenge.teams.filter(is_baseline=False).exists():
        return challenge
    prelim = challenge.stages.get(code="preliminary")
    final = challenge.stages.get(code="final")
    baseline = services.ensure_baseline_team(challenge=challenge)
    baseline.submissions.all().delete()
    services.submit_entry(
        actor=officer,
        team=baseline,
        stage=prelim,
        upload=_entry("random_search.py"),
        title="ランダム探索",
        now=_in(prelim),
    )
    teams = {}
    for handle, entry, day, _scores in HPO_TEAMS:
        user = _entrant(handle.lower())
        team = services.register_team(
            actor=user, challenge=challenge, handle=handle, anonymous=True, now=_in(prelim)
        )
        teams[handle] = (team, user)
        services.submit_entry(
            actor=user, team=team, stage=prelim, upload=_entry(entry), now=_in(prelim, day)
        )
    if not _evaluate_all():
        return challenge
    services.advance_teams(actor=officer, stage=prelim)
    services.submit_entry(
        actor=officer,
        team=baseline,
        stage=final,
        upload=_entry("random_search.py"),
        title="ランダム探索",
        now=_in(final),
    )
    for handle, entry, day, _scores in HPO_TEAMS:
        team, user = teams[handle]
        if not team.qualifications.exists():
            continue
        services.submit_stage_document(
            actor=user,
            team=team,
            stage=final,
            kind=DocumentKind.IDENTITY,
            upload=_pdf("identity.pdf"),
            now=_in(final, 0, 9),
        )
        services.submit_entry(
            actor=user, team=team, stage=final, upload=_entry(entry), now=_in(final, day % 7)
        )
        services.submit_stage_document(
            actor=user,
            team=team,
            stage=final,
            kind=DocumentKind.PAPER,
            upload=_pdf("paper.pdf"),
            now=_in(final, 21),
        )
    if not _evaluate_all():
        return challenge
    juror = _juror(challenge, officer)
    if juror is not None:
        _score_all(
            challenge,
            juror,
            "final",
            {h: s for h, _e, _d, s in HPO_TEAMS if teams[h][0].qualifications.exists()},
        )
    for prize in challenge.prizes.all():
        if prize.basis == "jury" and juror is None:
            continue
        for award in services.assign_prizes(actor=officer, prize=prize):
            services.record_prize_payment(
                actor=officer,
                award=award,
                paid_on=_paid_on(final, 31),
                reference=f"HPO-{award.pk}",
            )
    return challenge


def load_demo_supply_chain(officer: User) -> Challenge | None:
    challenge = Challenge.objects.filter(slug="supply-chain").first()
    if challenge is None or challenge.teams.exists():
        return challenge
    application = challenge.stages.get(code="application")
    pitch = challenge.stages.get(code="pitch")
    for i, (handle, name, division, theme, _s) in enumerate(SUPPLY_CHAIN_TEAMS):
        user = _entrant(f"scdc-{handle}")
        team = services.register_team(
            actor=user,
            challenge=challenge,
            handle=handle,
            display_name=name,
            division=division,
            theme=theme,
            now=_in(application),
        )
        services.submit_entry(
            actor=user,
            team=team,
            stage=application,
            upload=_pdf(f"{handle}-application.pdf"),
            title=f"{name} 応募書類",
            now=_in(application, 14 + i),
        )
    juror = _juror(challenge, officer)
    if juror is None:
        return challenge
    scores = {h: s for h, _n, _d, _t, s in SUPPLY_CHAIN_TEAMS}
    _score_all(challenge, juror, "idea-review", {h: s for h, s in scores.items() if h in _idea()})
    _score_all(
        challenge, juror, "document-review", {h: (4, 4, 4) for h in scores if h not in _idea()}
    )
    services.advance_teams(actor=officer, stage=challenge.stages.get(code="document-review"))
    for i, team in enumerate(challenge.teams.filter(division__code="system").order_by("handle")):
        user = team.members.first()
        services.submit_entry(
            actor=user,
            team=team,
            stage=pitch,
            upload=_pdf(f"{team.handle}-pitch.pdf"),
            title=f"{team.display_name} ピッチ資料",
            now=_in(pitch, 4 + i),
        )
    _score_all(challenge, juror, "pitch", {h: s for h, s in scores.items() if h not in _idea()})
    for prize in challenge.prizes.filter(basis="jury"):
        for award in services.assign_prizes(actor=officer, prize=prize):
            if award.rank == 1:
                services.record_prize_payment(
                    actor=officer,
                    award=award,
                    paid_on=_paid_on(pitch, 74),
                    reference=f"SCDC-{award.pk}",
                )
    return challenge


def _idea() -> set[str]:
    return {h for h, _n, d, _t, _s in SUPPLY_CHAIN_TEAMS if d == "idea"}


def load_demo_challenges() -> list[Challenge]:
    """Load the plans, then the demo history of both challenges (once: a challenge that has
    teams is left alone). Entries are evaluated in the sandbox where this machine has one."""
    with transaction.atomic():
        services.load_challenge_plans()
    officer = _officer()
    if officer is None:
        return []
    out = [load_demo_hpo(officer), load_demo_supply_chain(officer)]
    return [c for c in out if c is not None]
