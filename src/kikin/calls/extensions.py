"""What the apps above `calls` add to its checks and pages, registered when they are ready
(`AppConfig.ready`), so that `calls` imports none of them:

- the conflict-of-interest check that keeps a reviewer from a proposal
  (`register_conflict_check`; kikin.review registers `review.conflicts.has_conflict`). Until one
  is registered every reviewer counts as conflicted: a reviewer opens no proposal;
- what the proposal's page shows beside the proposal itself (`register_proposal_context`;
  kikin.review adds the reviews, or the result's notice for the proposer).
"""

from __future__ import annotations

from collections.abc import Callable

_conflict_checks: list[Callable] = []
_proposal_contexts: list[Callable] = []


def register_conflict_check(check: Callable) -> None:
    """`check(user, proposal) -> bool`: whether `user` has a conflict with `proposal`."""
    if check not in _conflict_checks:
        _conflict_checks.append(check)


def has_conflict(user, proposal) -> bool:
    if not _conflict_checks:
        return True
    return any(check(user, proposal) for check in _conflict_checks)


def register_proposal_context(context: Callable) -> None:
    """`context(user, proposal, *, is_member) -> dict`: entries for the proposal's page."""
    if context not in _proposal_contexts:
        _proposal_contexts.append(context)


def proposal_context(user, proposal, *, is_member: bool) -> dict:
    extra: dict = {}
    for context in _proposal_contexts:
        extra.update(context(user, proposal, is_member=is_member))
    return extra
