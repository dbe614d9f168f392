"""What review adds to the calls' pages (registered in `ReviewConfig.ready`, kikin.calls.extensions)."""

from __future__ import annotations

from .models import Decision
from .selectors import reviews_visible_to, with_authors


def proposal_context(user, proposal, *, is_member: bool) -> dict:
    """Beside a proposal: the reviews as `user` may see them, and for the proposing
    organisation, once told, the notice (the result and, for an adoption, its conditions), never
    the reviews."""
    if not is_member:
        return {"reviews": with_authors(reviews_visible_to(user, proposal), user)}
    if proposal.result_notified_at:
        return {"notice": Decision.objects.filter(proposal=proposal).first()}
    return {}
