"""Who takes part in the selection. Each predicate answers an `Answer` (kikin.core.permissions):
(allowed, reason)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.permissions import is_reviewer, is_staff_member
from kikin.core.permissions import Answer, allow, deny, predicate


@predicate
def can_run_selection(user) -> Answer:
    """The selection's pages (calls' panels, assignments, decisions): the ministry and the agency."""
    if is_staff_member(user):
        return allow()
    return deny(_("The selection is run by the ministry and the agency."))


@predicate
def can_write_reviews(user) -> Answer:
    """A committee reviewer's own assignments, reviews and expertise."""
    if is_reviewer(user):
        return allow()
    return deny(_("Only committee reviewers write reviews."))
