"""A small world for the API: every role, a draft, a proposal in review with its reviewer, an
award with a claim and a filing, each user with a token."""

import datetime as dt
import json

import pytest

from kikin.accounts.models import Role
from kikin.api.services import create_token
from kikin.awards import services as awards
from kikin.calls.services import submit_proposal
from kikin.core.timeutil import clock_at
from kikin.outcomes import services as outcomes
from kikin.review import services as review
from tests import factories as f


def _stored(data: bytes) -> str:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    return default_storage.save("imports/exchange/test/bad.csv", ContentFile(data))


class Api:
    """The Django test client speaking JSON to /api/v1 as one user (or anonymous)."""

    def __init__(self, client, token=None, language="ja"):
        self.client, self.token, self.language = client, token, language

    def _headers(self):
        h = {"HTTP_ACCEPT_LANGUAGE": self.language}
        if self.token:
            h["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        return h

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, **self._headers())

    def send(self, method, path, body=None):
        return getattr(self.client, method.lower())(
            f"/api/v1{path}",
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            **self._headers(),
        )

    def post(self, path, body=None):
        return self.send("post", path, body)

    def patch(self, path, body=None):
        return self.send("patch", path, body)


@pytest.fixture
def world(plan):
    adopted, app, ministry, agency = f.adopted(plan, "1-a1")
    org = app.organisation
    call = f.open_call(plan, themes=("1-a1",), key="api-call")
    draft = f.complete_proposal(app, call, title="APIの下書き")
    submitted = f.complete_proposal(app, call, title="提出済みの提案")
    submit_proposal(actor=app, proposal=submitted, submission_key=f"k{submitted.pk}")
    in_review = f.complete_proposal(app, call, title="審査中の提案")
    submit_proposal(actor=app, proposal=in_review, submission_key=f"k{in_review.pk}")
    review.decide_first_review(actor=ministry, proposal=in_review, passed=True, reason="合致")
    reviewer = f.reviewer()
    assignment = review.assign_reviewer(actor=agency, proposal=in_review, reviewer=reviewer)
    award = awards.create_award(actor=agency, proposal=adopted)
    with clock_at(award.start_date):  # claimed on the day the cost was incurred
        claim = awards.submit_claim(
            actor=app,
            award=award,
            fiscal_year=award.start_date.year,
            lines=[
                {
                    "category": "equipment",
                    "description": "計測器",
                    "incurred_on": award.start_date,
                    "amount_yen": 1_000_000,
                    "fixed_amount": False,
                }
            ],
        )
    start_fy = award.start_date.year if award.start_date.month >= 4 else award.start_date.year - 1
    filing = outcomes.submit_filing(
        actor=app, award=award, fiscal_year=start_fy - 2, product_sales_yen=0
    )
    from kikin.exchange import jobs as exchange_jobs
    from kikin.jobs.services import enqueue_job

    job = enqueue_job(
        kind=exchange_jobs.IMPORT,
        params={"kind": "budgets", "path": _stored(b"not,a,layout\n"), "encoding": "auto"},
        requested_by=app,
    )
    other = f.applicant()
    users = {
        "ministry": ministry,
        "agency": agency,
        "reviewer": reviewer,
        "applicant": app,
        "other_applicant": other,
    }
    tokens = {role: create_token(actor=u, name="test")[1] for role, u in users.items()}
    assert ministry.role == Role.MINISTRY and other.organisation != org
    return {
        "users": users,
        "tokens": tokens,
        "call": call,
        "draft": draft,
        "submitted": submitted,
        "in_review": in_review,
        "assignment": assignment,
        "award": award,
        "claim": claim,
        "filing": filing,
        "job": job,
        "start_fy": start_fy,
        "today": dt.date.today(),
    }


@pytest.fixture
def api_as(client, world):
    def make(role, language="ja"):
        return Api(client, world["tokens"].get(role), language)

    return make
