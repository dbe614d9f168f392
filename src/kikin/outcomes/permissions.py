"""Who may follow the outcomes. Each predicate answers an `Answer` (kikin.core.permissions):
(allowed, reason)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.permissions import is_staff_member
from kikin.core.permissions import Answer, allow, deny, predicate


@predicate
def can_follow_outcomes(user) -> Answer:
    """The filings, the assessments of money that comes back and the fund's targets: the
    ministry and the agency."""
    if is_staff_member(user):
        return allow()
    return deny(_("The fund's outcomes are followed by the ministry and the agency."))
