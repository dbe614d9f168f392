"""Who may read what. Each predicate answers (allowed, reason); pages answer 404 on a denial,
because an award's leakage-prevention records are confidential to its organisation."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.awards.models import Award
from kikin.awards.permissions import is_implementer

from .models import ConsultationState, PriorConsultation


def can_view_award(user, award: Award) -> tuple[bool, str]:
    """The implementer (an applicant of the award's organisation) and the agency."""
    if not getattr(user, "is_authenticated", False):
        return False, _("Log in.")
    if user.role == Role.AGENCY or is_implementer(user, award):
        return True, ""
    return False, _(
        "Only the implementer and the agency see an award's leakage-prevention records."
    )


def can_view_consultation(user, consultation: PriorConsultation) -> tuple[bool, str]:
    """The implementer and the agency; the ministry once it has been sent to it."""
    allowed, reason = can_view_award(user, consultation.award)
    if allowed:
        return True, ""
    if getattr(user, "role", None) == Role.MINISTRY and consultation.state in (
        ConsultationState.SENT,
        ConsultationState.ANSWERED,
    ):
        return True, ""
    return False, reason
