"""When the selection may decide: after the call's deadline, and on a proposal only once its
second review has been made.

Seed: 000_628dcc7e01f6f899.txt
- lines 5169–5171: 公募要領に合致する提案を対象に、一次採択審査及び二次採択審査を行った上で、実施者を
  採択する (implementers are adopted only after the first and the second review; item ④ and
  surveys skip the first review, never the second): a committee decision, the ministry's approval
  of it and the recommended set need at least one submitted review of the proposal;
- lines 5179–5181: ＮＥＤＯは、二次採択審査の結果を経済産業省に対して報告し… (the agency reports the
  second review's result to the ministry, which approves): the decision rests on that review;
- line 5193: 公募の締切から採択決定までの期間は、原則として５５日以内とする (the period from the call's
  deadline to the adoption decision): the decision comes after the deadline, when every proposal
  of the call is in. No decision, recommended set, result notice or publication of a call is
  made while the call still takes proposals (at or before its `closes_at`, the last moment a
  proposal is accepted).
"""

from __future__ import annotations

import datetime as dt

#: The call still takes proposals: its deadline has not passed (line 5193).
BEFORE_DEADLINE = "before_deadline"
#: No reviewer has submitted a review of the proposal: no second review yet (lines 5169–5171).
NO_REVIEW = "no_review"


def deadline_passed(closes_at: dt.datetime, now: dt.datetime) -> bool:
    """Has the call's deadline passed at `now`? `closes_at` is the last moment a proposal is
    accepted, so at that very instant the call is still open (000 line 5193)."""
    return now > closes_at


def decision_refusals(
    *, closes_at: dt.datetime, now: dt.datetime, submitted_reviews: int | None = None
) -> list[str]:
    """Why a selection decision may not be made now, as codes (none: it may).

    `submitted_reviews` is the number of submitted reviews of the proposal decided on; None where
    the decision is on the whole call (its notices, its publication), which needs the deadline
    only. A proposal needs at least one submitted review (000 lines 5169–5171); a call, its
    deadline passed (line 5193)."""
    refusals = []
    if not deadline_passed(closes_at, now):
        refusals.append(BEFORE_DEADLINE)
    if submitted_reviews is not None and submitted_reviews < 1:
        refusals.append(NO_REVIEW)
    return refusals
