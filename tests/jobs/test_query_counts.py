"""Constant-queries test of the jobs list: as many queries for 8 jobs as for 2."""

import pytest
from django.urls import reverse

from kikin.accounts.models import Role
from kikin.jobs.models import Job, JobState
from tests import factories as f
from tests.query_counts import assert_constant_queries

pytestmark = pytest.mark.django_db

STATES = [JobState.QUEUED, JobState.RUNNING, JobState.DONE, JobState.FAILED]


def jobs_for(user, start, n):
    return Job.objects.bulk_create(
        [
            Job(
                kind="review.packet",
                label=f"委員会資料{i}",
                requested_by=user,
                state=STATES[i % len(STATES)],
                progress_done=i,
                progress_total=10,
            )
            for i in range(start, start + n)
        ]
    )


def test_job_list_is_constant(client):
    agency = f.user(Role.AGENCY)
    jobs_for(f.user(Role.AGENCY), 0, 3)  # someone else's jobs stay out of the list
    jobs_for(agency, 0, 2)
    client.force_login(agency)
    _, html = assert_constant_queries(
        client,
        reverse("jobs:list"),
        lambda: jobs_for(agency, 2, 6),
        small=["委員会資料0", "委員会資料1"],
        large=[f"委員会資料{i}" for i in range(8)],
    )
    assert html.count("委員会資料") == 8
