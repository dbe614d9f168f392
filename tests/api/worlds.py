"""Research data and a prize challenge added to the API's small world (tests/api/conftest.py),
built through the apps' own services as their tests build them.

- The applicant's organisation manages an open and a shared dataset (published) and a draft;
  another organisation's applicant has asked for the shared one (waiting for the check).
- A challenge whose preliminary stage is open today: the applicant's team "alpha" has one entry
  evaluated (public score 0.25, hidden 0.5) and one waiting in the queue.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from kikin.challenges import services as challenge_services
from kikin.challenges.models import Submission, SubmissionState
from kikin.datasets import services as dataset_services
from tests.challenges import helpers as ch
from tests.datasets import helpers as dh

PROBLEMS = [
    {
        "name": "branin",
        "part": "public",
        "status": "ok",
        "reason": "",
        "evaluations": 12,
        "refused_calls": 0,
        "seconds": 0.1,
        "score": "0.250000",
    },
    {
        "name": "branin-hidden",
        "part": "hidden",
        "status": "ok",
        "reason": "",
        "evaluations": 12,
        "refused_calls": 0,
        "seconds": 0.1,
        "score": "0.500000",
    },
]


def add_research_data(world: dict) -> dict:
    app = world["users"]["applicant"]
    other = world["users"]["other_applicant"]
    shared = dh.published(app, "shared")
    draft = dataset_services.create_dataset(actor=app, fields=dh.fields("open"))
    dataset_services.add_file(actor=app, dataset=draft, uploaded=dh.upload())
    world.update(
        open_dataset=dh.published(app, "open"),
        shared_dataset=shared,
        draft_dataset=draft,
        access_request=dh.request(shared, other),
    )
    return world


def evaluated(submission: Submission, public="0.25", hidden="0.5") -> Submission:
    """The entry as the sandbox would have left it (tests do not run the sandbox here)."""
    Submission.objects.filter(pk=submission.pk).update(
        state=SubmissionState.DONE,
        status="ok",
        public_score=Decimal(public),
        hidden_score=Decimal(hidden),
        evaluations=24,
        seconds=Decimal("0.200"),
        details={"problems": PROBLEMS},
        evaluated_at=timezone.now(),
    )
    submission.refresh_from_db()
    return submission


def add_challenge(world: dict) -> dict:
    app = world["users"]["applicant"]
    challenge = ch.load(ch.plan(slug="api-hpo", code="api-hpo"))
    team, _user = ch.team(challenge, "alpha", user=app)
    stage = challenge.stages.get(code="preliminary")
    done = challenge_services.submit_entry(actor=app, team=team, stage=stage, upload=ch.upload())
    queued = challenge_services.submit_entry(
        actor=app, team=team, stage=stage, upload=ch.upload(ch.CENTRE_ENTRY, "centre.py")
    )
    world.update(
        challenge=challenge,
        team=team,
        stage=stage,
        entry=evaluated(done),
        queued_entry=queued,
    )
    return world
