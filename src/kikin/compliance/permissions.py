"""Who may read what. Each predicate answers an `Answer` (allowed, reason); pages answer 404 on a
denial, because an award's leakage-prevention records are confidential to its organisation."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kikin.accounts.permissions import is_agency, is_ministry
from kikin.awards.models import Award
from kikin.awards.permissions import is_implementer
from kikin.core.permissions import Answer, allow, deny, predicate

from .models import ConsultationState, PriorConsultation


@predicate
def can_view_award(user, award: Award) -> Answer:
    """The implementer (an applicant of the award's organisation) and the agency."""
    if not getattr(user, "is_authenticated", False):
        return deny(_("Log in."))
    if is_agency(user) or is_implementer(user, award):
        return allow()
    return deny(_("Only the implementer and the agency see an award's leakage-prevention records."))


@predicate
def can_view_consultation(user, consultation: PriorConsultation) -> Answer:
    """The implementer and the agency; the ministry once it has been sent to it."""
    allowed, reason = can_view_award(user, consultation.award)
    if allowed:
        return allow()
    if is_ministry(user) and consultation.state in (
        ConsultationState.SENT,
        ConsultationState.ANSWERED,
    ):
        return allow()
    return deny(reason)


@predicate
def can_check_reports(user) -> Answer:
    """The agency checks the implementers' leakage reports and follows their shortcomings."""
    if is_agency(user):
        return allow()
    return deny(_("Only the agency's program officers check leakage reports."))


@predicate
def can_answer_consultations(user) -> Answer:
    """The ministry answers the prior consultations sent to it."""
    if is_ministry(user):
        return allow()
    return deny(_("Only the ministry answers prior consultations."))
