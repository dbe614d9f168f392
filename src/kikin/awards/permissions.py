"""Who an award belongs to: one check, used by every app that lets an implementer act on its award."""

from __future__ import annotations

from kikin.accounts.models import Role


def is_implementer(user, award) -> bool:
    """The user is an applicant of the organisation carrying out the award (its implementer)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "role", None) == Role.APPLICANT
        and user.organisation_id
        and user.organisation_id == award.organisation_id
    )
