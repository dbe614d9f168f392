"""Who may do what with programs. Each check answers (allowed, reason) or a plain yes/no
where only a link depends on it."""

from __future__ import annotations

from kikin.accounts.models import Role


def can_follow_areas(user, program) -> bool:
    """The agency, the ministry and the program directors of the program's areas see the areas'
    policy and progress pages."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role in (Role.AGENCY, Role.MINISTRY):
        return True
    return user.directed_areas.filter(item__program=program, ended_on__isnull=True).exists()
