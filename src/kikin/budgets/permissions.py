"""Who sees what of the budget frames.

The budget lines are public (they are the government's published budgets). How much of a
program's budget the fund has committed to awards, and paid, is for the ministry and the agency.
"""

from kikin.accounts.models import Role

SPENDING_ROLES = frozenset({Role.MINISTRY, Role.AGENCY})


def can_see_spending(user) -> bool:
    """Commitments and payments against the budget: the ministry and the agency only."""
    return (
        bool(getattr(user, "is_authenticated", False))
        and getattr(user, "role", None) in SPENDING_ROLES
    )
