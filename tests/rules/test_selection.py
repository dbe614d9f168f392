"""When the selection may decide (000 lines 5169–5171, 5193): after the call's deadline, on a
proposal with a submitted review; at their boundaries."""

import datetime as dt

from kikin.rules.selection import (
    BEFORE_DEADLINE,
    NO_REVIEW,
    deadline_passed,
    decision_refusals,
)

CLOSES = dt.datetime(2025, 1, 31, 14, 59, 59, tzinfo=dt.UTC)  # 23:59:59 JST
TICK = dt.timedelta(microseconds=1)


def test_the_deadline_passes_only_after_the_last_moment_a_proposal_is_accepted():
    assert not deadline_passed(CLOSES, CLOSES - dt.timedelta(days=1))
    assert not deadline_passed(CLOSES, CLOSES)  # still taking proposals at that instant
    assert deadline_passed(CLOSES, CLOSES + TICK)


def test_a_decision_on_a_call_needs_its_deadline_passed():
    assert decision_refusals(closes_at=CLOSES, now=CLOSES) == [BEFORE_DEADLINE]
    assert decision_refusals(closes_at=CLOSES, now=CLOSES + TICK) == []


def test_a_decision_on_a_proposal_needs_a_submitted_review_too():
    after = CLOSES + dt.timedelta(days=10)
    assert decision_refusals(closes_at=CLOSES, now=after, submitted_reviews=0) == [NO_REVIEW]
    assert decision_refusals(closes_at=CLOSES, now=after, submitted_reviews=1) == []
    assert decision_refusals(closes_at=CLOSES, now=after, submitted_reviews=3) == []
    assert decision_refusals(closes_at=CLOSES, now=CLOSES, submitted_reviews=0) == [
        BEFORE_DEADLINE,
        NO_REVIEW,
    ]
