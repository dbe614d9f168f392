"""Receipt numbers at a deadline: applicants submitting together do not wait for each other's
transactions (kikin.core.sequences), and no number is ever given twice."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kikin.calls.models import Proposal, ProposalVersion
from kikin.calls.services import save_draft, submit_proposal
from tests import factories as f


@pytest.mark.django_db(transaction=True)
def test_twelve_submissions_at_once_get_twelve_different_numbers_in_order(plan):
    call = f.open_call(plan)
    people = [f.applicant() for _ in range(12)]
    drafts = [f.complete_proposal(a, call, title=f"同時提出 {i}") for i, a in enumerate(people)]
    barrier = threading.Barrier(len(drafts))
    errors = []

    def submit(actor, draft, i):
        try:
            barrier.wait()
            submit_proposal(actor=actor, proposal=draft, submission_key=f"rush-{i}")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=(a, d, i))
        for i, (a, d) in enumerate(zip(people, drafts, strict=True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(Proposal.objects.filter(call=call).values_list("receipt_number", flat=True))
    assert numbers == [f"{call.key}-{n:05d}" for n in range(1, 13)]
    assert ProposalVersion.objects.filter(proposal__call=call).count() == 12


@pytest.mark.django_db(transaction=True)
def test_a_key_that_races_in_while_the_proposal_is_locked_answers_with_the_winners_version(plan):
    """The submission reads the proposal and whether its key was used in one locked statement.
    Another connection holds the lock and stores a version under the same key meanwhile: the
    waiting submission's insert then meets the unique key, its work is rolled back whole and it
    answers with the version that won (on PostgreSQL; SQLite's single writer waits before)."""
    call = f.open_call(plan)
    actor = f.applicant()
    p = f.complete_proposal(actor, call)
    locked, answers, errors = threading.Event(), [], []

    def holder():
        try:
            with transaction.atomic():
                Proposal.objects.select_for_update().get(pk=p.pk)
                locked.set()
                time.sleep(0.5)  # the submission below is waiting for the lock by now
                ProposalVersion.objects.create(
                    proposal=p,
                    number=1,
                    content={"title": p.title},
                    submitted_at=timezone.now(),
                    submitted_by=actor,
                    submission_key="raced",
                )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    def submitter():
        try:
            locked.wait(10)
            answers.append(submit_proposal(actor=actor, proposal=p, submission_key="raced"))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=submitter)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    winner = ProposalVersion.objects.get(submission_key="raced")
    assert [v.pk for v in answers] == [winner.pk]
    assert ProposalVersion.objects.filter(proposal=p).count() == 1
    p.refresh_from_db()
    assert p.state == "draft" and p.receipt_number is None  # the loser changed nothing


@pytest.mark.django_db(transaction=True)
def test_a_submission_rolled_back_leaves_a_gap_never_a_repeat(plan):
    call = f.open_call(plan)
    first, second, third = (f.applicant() for _ in range(3))
    p1 = f.complete_proposal(first, call, title="一件目")
    p2 = f.complete_proposal(second, call, title="二件目")
    p3 = f.complete_proposal(third, call, title="三件目")
    submit_proposal(actor=first, proposal=p1, submission_key="gap-1")

    class Cut(Exception):
        pass

    with pytest.raises(Cut), transaction.atomic():  # a server stopped mid-request
        submit_proposal(actor=second, proposal=p2, submission_key="gap-2")
        raise Cut
    submit_proposal(actor=third, proposal=p3, submission_key="gap-3")
    p1.refresh_from_db(), p2.refresh_from_db(), p3.refresh_from_db()
    assert not p2.receipt_number and not ProposalVersion.objects.filter(proposal=p2).exists()
    if connection.vendor == "postgresql":
        assert (p1.receipt_number, p3.receipt_number) == (f"{call.key}-00001", f"{call.key}-00003")
    else:  # the counter row is rolled back with the submission
        assert (p1.receipt_number, p3.receipt_number) == (f"{call.key}-00001", f"{call.key}-00002")


@pytest.mark.django_db
def test_a_submission_reads_the_proposal_once_however_many_rows_it_has(plan):
    """The checks and the frozen version share one read of the proposal's rows: the number of
    queries does not grow with the budget years, team or partners."""
    call = f.open_call(plan)

    def queries(team_size: int) -> int:
        actor = f.applicant()
        p = f.complete_proposal(actor, call, title=f"チーム {team_size} 人")
        team = [
            {"name": f"研究員{i}", "affiliation": "研究所", "role": "開発", "is_lead": i == 0}
            for i in range(team_size)
        ]
        save_draft(actor=actor, proposal=p, fields={}, team=team)
        draft = {
            "fields": {"title": p.title},
            "budget": list(
                p.budget_lines.order_by("pk").values(
                    "fiscal_year", "requested_yen", "eligible_cost_yen"
                )
            ),
            "team": team,
            "partners": None,
        }
        with CaptureQueriesContext(connection) as ctx:
            submit_proposal(actor=actor, proposal=p, submission_key=f"q-{team_size}", draft=draft)
        p.refresh_from_db()
        assert p.receipt_number
        return len(ctx.captured_queries)

    queries(1)  # warm the process's caches (the sequence, the plan's terms)
    small, large = queries(2), queries(12)
    assert small == large
    assert large <= 24, large
