"""Who sees what of the budget frames.

The budget lines are public (they are the government's published budgets). How much of a
program's budget the fund has committed to awards, and paid, is for the ministry and the agency.
Each predicate answers an `Answer` (kikin.core.permissions).
"""

from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.accounts.permissions import is_staff_member
from kikin.core.permissions import Answer, allow, deny, predicate

SPENDING_ROLES = frozenset({Role.MINISTRY, Role.AGENCY})


@predicate
def can_see_spending(user) -> Answer:
    """Commitments and payments against the budget: the ministry and the agency only."""
    if is_staff_member(user):
        return allow()
    return deny(_("Commitments and payments are for the ministry and the agency."))
