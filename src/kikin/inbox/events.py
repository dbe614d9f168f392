"""From the audit trail to notifications.

Every state change writes one `AuditRecord` (kikin.audit); this module listens to them and,
once the change has committed, tells the people it concerns (`services.notify`). The other apps
stay untouched: a new event is one entry in `EVENTS`. Nothing is told about a change that rolled
back, and a failure here never undoes the change (it is logged). The language a person signs in
with is remembered for what is written to them later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kikin.accounts.models import Role, User
from kikin.audit.models import AuditRecord

from . import services
from .services import Both, Yen

log = logging.getLogger(__name__)


def _members(organisation_id) -> list[User]:
    """The applicants acting for an organisation (an award's implementer)."""
    return list(
        User.objects.filter(organisation_id=organisation_id, role=Role.APPLICANT, is_active=True)
    )


def _award_name(award) -> Both:
    return Both(
        f"{award.number}「{award.theme.title_ja}」",
        f"{award.number} ({award.theme.title_en or award.theme.title_ja})",
    )


def proposal_result(rec: AuditRecord) -> None:
    from kikin.calls.models import Proposal

    p = Proposal.objects.select_related("call").get(pk=rec.object_id)
    services.notify(
        recipients=_members(p.organisation_id),
        kind="proposal.result",
        obj=p,
        subject=_("The result of your proposal %(number)s"),
        body=_(
            "The result of your proposal “%(title)s” (%(number)s) to the call %(call)s: %(result)s."
        ),
        params={
            "number": p.receipt_number or p.pk,
            "title": p.title,
            "call": Both(p.call.title_ja, p.call.title_en),
            "result": p.get_state_display,
        },
        url=reverse("calls:proposal_detail", args=[p.pk]),
        key=f"proposal.result:{p.pk}:{p.state}",
    )


def claim_decided(rec: AuditRecord) -> None:
    from kikin.awards.models import ClaimState, CostClaim, Payment

    claim = CostClaim.objects.select_related("award__theme").get(pk=rec.object_id)
    award = claim.award
    params = {"award": _award_name(award), "year": claim.fiscal_year, "note": claim.decision_note}
    if claim.state == ClaimState.APPROVED:
        payment = Payment.objects.filter(claim=claim).first()
        params["amount"] = Yen(payment.amount_yen if payment else 0)
        subject = _("Your cost claim for FY%(year)s was approved")
        body = _(
            "Your cost claim for fiscal year %(year)s of %(award)s was approved: %(amount)s will be paid."
        )
        kind = "claim.paid"
    elif claim.state == ClaimState.REFUSED:
        subject = _("Your cost claim for FY%(year)s was refused")
        body = _("Your cost claim for fiscal year %(year)s of %(award)s was refused: %(note)s")
        kind = "claim.refused"
    else:
        return
    services.notify(
        recipients=_members(award.organisation_id),
        kind=kind,
        obj=claim,
        subject=subject,
        body=body,
        params=params,
        url=reverse("awards:detail", args=[award.pk]),
        key=f"{kind}:{claim.pk}",
    )


def gate_decided(rec: AuditRecord) -> None:
    from kikin.awards.models import StageGateReview

    gate = StageGateReview.objects.select_related("award__theme").get(pk=rec.object_id)
    if not gate.outcome:
        return
    services.notify(
        recipients=_members(gate.award.organisation_id),
        kind="gate.decided",
        obj=gate,
        subject=_("Stage gate %(number)s decided: %(outcome)s"),
        body=_("The stage gate %(number)s of %(award)s was decided: %(outcome)s. %(note)s"),
        params={
            "number": gate.number,
            "award": _award_name(gate.award),
            "outcome": gate.get_outcome_display,
            "note": gate.note,
        },
        url=reverse("awards:detail", args=[gate.award_id]),
        key=f"gate.decided:{gate.pk}",
    )


def filing_returned(rec: AuditRecord) -> None:
    from kikin.outcomes.models import Filing, FilingState

    filing = Filing.objects.select_related("award__theme").get(pk=rec.object_id)
    if filing.state != FilingState.RETURNED:
        return
    services.notify(
        recipients=_members(filing.award.organisation_id),
        kind="filing.returned",
        obj=filing,
        subject=_("Your filing for FY%(year)s was returned for correction"),
        body=_(
            "Your yearly filing for fiscal year %(year)s of %(award)s was returned for correction: %(note)s"
        ),
        params={"year": filing.fiscal_year, "award": _award_name(filing.award), "note": rec.note},
        url=reverse("outcomes:award", args=[filing.award_id]),
        key=f"filing.returned:{rec.pk}",
    )


def _tell_reviewers(assignments) -> None:
    for a in assignments:
        p = a.proposal
        services.notify(
            recipients=[a.reviewer],
            kind="review.assigned",
            obj=a,
            subject=_("You are asked to review proposal %(number)s"),
            body=_(
                "You are asked to review the proposal “%(title)s” (%(number)s) to the call %(call)s, by %(due)s."
            ),
            params={
                "number": p.receipt_number or p.pk,
                "title": p.title,
                "call": Both(p.call.title_ja, p.call.title_en),
                "due": p.call.adoption_due_date.isoformat(),
            },
            url=reverse("review:review_form", args=[a.pk]),
            key=f"review.assigned:{a.pk}",
        )


def reviewer_assigned(rec: AuditRecord) -> None:
    from kikin.review.models import Assignment

    reviewer = (rec.after or {}).get("reviewer")
    _tell_reviewers(
        Assignment.objects.select_related("proposal__call", "reviewer").filter(
            proposal_id=rec.object_id, reviewer_id=reviewer
        )
    )


def reviewers_assigned(rec: AuditRecord) -> None:
    from kikin.review.models import Assignment

    _tell_reviewers(
        Assignment.objects.select_related("proposal__call", "reviewer").filter(
            proposal__call_id=rec.object_id, review__isnull=True
        )
    )


def set_value_decided(rec: AuditRecord) -> None:
    from kikin.outcomes.models import SetValueChange

    change = SetValueChange.objects.select_related("award__theme", "requested_by").get(
        pk=rec.object_id
    )
    services.notify(
        recipients=[change.requested_by],
        kind="set_value.decided",
        obj=change,
        subject=_("The set value change for %(award)s: %(state)s"),
        body=_("The change of the set value of %(award)s from %(old)s to %(new)s: %(state)s."),
        params={
            "award": _award_name(change.award),
            "old": change.old_value,
            "new": change.new_value,
            "state": change.get_state_display,
        },
        url=reverse("outcomes:award", args=[change.award_id]),
        key=f"set_value.decided:{change.pk}",
    )


def consultation_sent(rec: AuditRecord) -> None:
    from kikin.compliance.models import PriorConsultation

    c = PriorConsultation.objects.select_related("award__theme", "award__organisation").get(
        pk=rec.object_id
    )
    services.notify(
        recipients=User.objects.filter(role=Role.MINISTRY, is_active=True),
        kind="consultation.sent",
        obj=c,
        subject=_("A prior consultation awaits your answer (%(award)s)"),
        body=_(
            "%(organisation)s asks for the ministry's answer on a planned act under %(award)s (%(act)s, planned for %(date)s)."
        ),
        params={
            "award": _award_name(c.award),
            "organisation": Both(c.award.organisation.name_ja, c.award.organisation.name_en),
            "act": c.get_act_display,
            "date": c.planned_date.isoformat(),
        },
        url=reverse("compliance:consultation", args=[c.pk]),
        key=f"consultation.sent:{c.pk}",
    )


def consultation_answered(rec: AuditRecord) -> None:
    from kikin.compliance.models import PriorConsultation

    c = PriorConsultation.objects.select_related("award__theme").get(pk=rec.object_id)
    services.notify(
        recipients=_members(c.award.organisation_id),
        kind="consultation.answered",
        obj=c,
        subject=_("The ministry answered your prior consultation (%(award)s)"),
        body=_("The ministry answered your prior consultation on %(act)s under %(award)s."),
        params={"award": _award_name(c.award), "act": c.get_act_display},
        url=reverse("compliance:consultation", args=[c.pk]),
        key=f"consultation.answered:{rec.pk}",
    )


def report_requested(rec: AuditRecord) -> None:
    from kikin.compliance.models import LeakageReport

    if rec.object_type != LeakageReport._meta.label_lower:
        return
    report = LeakageReport.objects.select_related("award__theme").get(pk=rec.object_id)
    services.notify(
        recipients=_members(report.award.organisation_id),
        kind="leakage.report_requested",
        obj=report,
        subject=_("A leakage-control report is requested (%(award)s)"),
        body=_(
            "The agency asks for your technology-leakage control report on %(award)s for the committee of %(date)s."
        ),
        params={"award": _award_name(report.award), "date": report.committee_date.isoformat()},
        url=reverse("compliance:report", args=[report.pk]),
        key=f"leakage.report_requested:{report.pk}",
    )


#: Audit action → who is told what. `gate.<outcome>` actions are matched by their prefix.
EVENTS: dict[str, Callable[[AuditRecord], None]] = {
    "proposal.notify": proposal_result,
    "claim.approve": claim_decided,
    "claim.refuse": claim_decided,
    "outcomes.check_filing": filing_returned,
    "outcomes.reopen_filing": filing_returned,
    "review.assign": reviewer_assigned,
    "review.auto_assign": reviewers_assigned,
    "outcomes.set_value_applied": set_value_decided,
    "outcomes.set_value_refused": set_value_decided,
    "leakage.consultation_send": consultation_sent,
    "leakage.consultation_answer": consultation_answered,
    "leakage.report_request": report_requested,
}


def handler_for(action: str) -> Callable[[AuditRecord], None] | None:
    if action.startswith("gate."):
        return gate_decided
    return EVENTS.get(action)


def dispatch(record_id: int) -> None:
    """Tell the people an audited change concerns (after it committed)."""
    rec = AuditRecord.objects.filter(pk=record_id).first()
    handler = handler_for(rec.action) if rec is not None else None
    if handler is None:
        return
    try:
        with transaction.atomic():
            handler(rec)
    except Exception:
        log.exception("notifications for audit record %s (%s) failed", record_id, rec.action)


@receiver(post_save, sender=AuditRecord, dispatch_uid="kikin.inbox.events")
def audited(sender, instance: AuditRecord, created: bool, **kwargs):
    if created and handler_for(instance.action) is not None:
        record_id = instance.pk
        transaction.on_commit(lambda: dispatch(record_id))


@receiver(user_logged_in, dispatch_uid="kikin.inbox.language_at_sign_in")
def signed_in(sender, request, user, **kwargs):
    language = getattr(request, "LANGUAGE_CODE", "") if request is not None else ""
    services.remember_language(user=user, language=language)
