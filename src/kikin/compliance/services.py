"""Writes of technology-leakage prevention. Each function: one transaction, a role check, an audit record.

Reports (000 lines 6400–6462): the agency asks for a report before a committee; the implementer
(an applicant of the award's organisation) submits its measures (ア)–(ウ); the agency assesses it.
An insufficient assessment opens a shortcoming due at the end of the NEXT fiscal year (JST
fiscal years, April–March); a sufficient report for a later committee closes it. A shortcoming
not fixed by its due date goes to the committee, which resolves to stop the theme (the award
ends early) and reclaim part of the money paid, or to continue, with its reason.

Prior consultation (lines 6476–6515): the implementer records a planned act; the rules engine
(`kikin.rules.leakage.prior_consultation_required`) says whether it needs prior consultation and
why; a required one goes to the ministry at least `consultation_lead_days()` days before the act;
the ministry answers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.accounts.permissions import require_role
from kikin.audit.services import record
from kikin.awards.models import Award, AwardState, Payment
from kikin.awards.permissions import is_implementer
from kikin.awards.services import terminate_award
from kikin.core import timeutil
from kikin.core.rule_messages import rule_refusal
from kikin.core.timeutil import today_jst
from kikin.rules import fiscal
from kikin.rules.deadlines import shortcoming_due_date
from kikin.rules.errors import RuleError
from kikin.rules.leakage import prior_consultation_required

from .models import (
    Act,
    ConsultationAnswer,
    ConsultationState,
    LeakageReport,
    PriorConsultation,
    ReportState,
    Shortcoming,
    ShortcomingState,
)
from .workflow import CONSULTATION, REPORT, SHORTCOMING

#: Days a required prior consultation must reach the ministry before the planned act. The seed
#: asks only for 十分な時間的余裕 ("enough time", 000 line 6482) and names no figure; 30 days is
#: this system's default, to be confirmed with the ministry. Override with the setting
#: `KIKIN_CONSULTATION_LEAD_DAYS`.
DEFAULT_CONSULTATION_LEAD_DAYS = 30

#: The largest capacity increase the form takes (the column holds 99,999.99).
MAX_CAPACITY_INCREASE_PERCENT = 10_000

#: Acts that happen in another country: the country cannot be Japan.
ABROAD_ACTS = {Act.RD_ABROAD, Act.PRODUCTION_ABROAD}


def consultation_lead_days() -> int:
    return int(getattr(settings, "KIKIN_CONSULTATION_LEAD_DAYS", DEFAULT_CONSULTATION_LEAD_DAYS))


def money_paid(award: Award) -> int:
    """All the money paid on the award (every kind of budget), in yen."""
    return Payment.objects.filter(award=award).aggregate(s=Sum("amount_yen"))["s"] or 0


def _require_implementer(actor, award: Award) -> None:
    if not is_implementer(actor, award):
        raise PermissionDenied(_("Only the implementer of this award may do this."))


def _locked_award(award: Award) -> Award:
    return Award.objects.select_for_update().get(pk=award.pk)


def _past_or_today(field: str, day: dt.date) -> None:
    if day > today_jst():
        raise ValidationError({field: _("A date in the future cannot be recorded.")})


# ---------------------------------------------------------------------------------------------
# Reports


@transaction.atomic
def request_report(*, actor, award: Award, committee_date: dt.date) -> LeakageReport:
    """The agency asks the implementer for its report for a committee."""
    require_role(actor, Role.AGENCY)
    award = _locked_award(award)
    if award.state == AwardState.TERMINATED:
        raise ValidationError({"award": _("The theme has been stopped.")})
    if committee_date < award.start_date:
        raise ValidationError(
            {
                "committee_date": _("The committee cannot be before the work starts (%(day)s).")
                % {"day": award.start_date.isoformat()}
            }
        )
    if LeakageReport.objects.filter(award=award, committee_date=committee_date).exists():
        raise ValidationError({"committee_date": _("A report for this committee already exists.")})
    report = LeakageReport.objects.create(
        award=award,
        committee_date=committee_date,
        fiscal_year=fiscal.fiscal_year(committee_date),
        state=ReportState.REQUESTED,
        requested_by=actor,
        requested_at=timeutil.now(),
    )
    record(
        actor=actor,
        action="leakage.report_request",
        obj=report,
        after={"award": award.number, "committee_date": committee_date.isoformat()},
    )
    return report


REPORT_TEXT_FIELDS = ("core_technologies", "access_control", "staff_management", "partner_controls")


@transaction.atomic
def submit_report(
    *,
    actor,
    award: Award,
    committee_date: dt.date,
    core_technologies: str,
    access_control: str,
    staff_management: str,
    partner_controls: str,
    staff_with_access: int,
    partners_covered: str = "",
    consultation_check: str = "",
) -> LeakageReport:
    """The implementer reports its measures for a committee: fills the report the agency asked
    for, or files one of its own. A report not yet assessed may be submitted again."""
    award = _locked_award(award)
    _require_implementer(actor, award)
    errors: dict[str, list[str]] = {}
    add = lambda field, message: errors.setdefault(field, []).append(message)  # noqa: E731
    if award.state == AwardState.TERMINATED:
        add("award", _("The theme has been stopped."))
    if committee_date is None:
        add("committee_date", _("Give the committee's date."))
    elif committee_date < award.start_date:
        add(
            "committee_date",
            _("The committee cannot be before the work starts (%(day)s).")
            % {"day": award.start_date.isoformat()},
        )
    texts = {
        "core_technologies": core_technologies,
        "access_control": access_control,
        "staff_management": staff_management,
        "partner_controls": partner_controls,
    }
    for name, value in texts.items():
        if not (value or "").strip():
            add(name, _("Describe this measure."))
    if (
        not isinstance(staff_with_access, int)
        or isinstance(staff_with_access, bool)
        or staff_with_access < 1
    ):
        add("staff_with_access", _("A whole number of people, at least 1."))
    if errors:
        raise ValidationError(errors)
    report = (
        LeakageReport.objects.select_for_update()
        .filter(award=award, committee_date=committee_date)
        .first()
    )
    before = None
    if report is None:
        report = LeakageReport(
            award=award,
            committee_date=committee_date,
            fiscal_year=fiscal.fiscal_year(committee_date),
        )
    elif report.state in (ReportState.SUFFICIENT, ReportState.INSUFFICIENT):
        raise ValidationError(
            {
                "committee_date": _(
                    "The report for this committee has been assessed; it can no longer be changed."
                )
            }
        )
    elif report.state == ReportState.SUBMITTED:
        before = {
            name: getattr(report, name)
            for name in (*REPORT_TEXT_FIELDS, "staff_with_access", "partners_covered")
        }
    measures = {name: value.strip() for name, value in texts.items()}
    measures["staff_with_access"] = staff_with_access
    measures["partners_covered"] = (partners_covered or "").strip()
    measures["consultation_check"] = (consultation_check or "").strip()
    for name, value in measures.items():
        setattr(report, name, value)
    REPORT.apply(
        report,
        "submit",
        actor,
        also={**measures, "submitted_by": actor, "submitted_at": timeutil.now()},
        before=before,
        extra={
            "award": award.number,
            "committee_date": committee_date.isoformat(),
            "staff_with_access": staff_with_access,
            "partners": len(report.partner_list),
        },
    )
    return report


@transaction.atomic
def assess_report(
    *,
    actor,
    report: LeakageReport,
    sufficient: bool,
    findings: str = "",
    assessed_on: dt.date | None = None,
) -> LeakageReport:
    """The agency assesses a submitted report. Insufficient: the findings are the improvements
    pointed out, and a shortcoming opens (due at the end of the next fiscal year) unless one is
    already open, whose due date then stands. Sufficient: an open shortcoming pointed out on an
    earlier committee's report is closed as fixed."""
    require_role(actor, Role.AGENCY)
    award = _locked_award(
        Award(pk=LeakageReport.objects.values_list("award_id", flat=True).get(pk=report.pk))
    )
    report = LeakageReport.objects.select_for_update().get(pk=report.pk)
    assessed_on = assessed_on or today_jst()
    if report.state != ReportState.SUBMITTED:
        raise ValidationError(
            {"report": _("Only a submitted report awaiting assessment can be assessed.")}
        )
    if assessed_on < report.committee_date:
        raise ValidationError(
            {
                "assessed_on": _("The assessment cannot be before the committee (%(day)s).")
                % {"day": report.committee_date.isoformat()}
            }
        )
    _past_or_today("assessed_on", assessed_on)
    if not sufficient and not findings.strip():
        raise ValidationError({"findings": _("Say what must be improved.")})
    REPORT.apply(
        report,
        "assess_sufficient" if sufficient else "assess_insufficient",
        actor,
        note=findings.strip(),
        also={"findings": findings.strip(), "assessed_on": assessed_on, "assessed_by": actor},
        extra={"assessed_on": assessed_on.isoformat()},
    )
    open_one = (
        Shortcoming.objects.select_for_update()
        .filter(award=award, state=ShortcomingState.OPEN)
        .select_related("opened_by")
        .first()
    )
    if not sufficient and open_one is None:
        shortcoming = Shortcoming.objects.create(
            award=award,
            opened_by=report,
            opened_on=assessed_on,
            findings=report.findings,
            due_date=shortcoming_due_date(assessed_on),
        )
        record(
            actor=actor,
            action="leakage.shortcoming_open",
            obj=shortcoming,
            after={
                "award": award.number,
                "opened_on": assessed_on.isoformat(),
                "due_date": shortcoming.due_date.isoformat(),
            },
        )
    elif (
        sufficient
        and open_one is not None
        and report.committee_date > open_one.opened_by.committee_date
    ):
        SHORTCOMING.apply(
            open_one,
            "fix",
            actor,
            also={"closed_by": report, "closed_on": assessed_on},
            extra={
                "closed_on": assessed_on.isoformat(),
                "due_date": open_one.due_date.isoformat(),
                "late": assessed_on > open_one.due_date,
            },
        )
    return report


# ---------------------------------------------------------------------------------------------
# The committee's resolution on a shortcoming not fixed in time


class Resolution:
    STOP = "stop"
    CONTINUE = "continue"
    CHOICES = (STOP, CONTINUE)


@transaction.atomic
def decide_on_unfixed_shortcoming(
    *,
    actor,
    shortcoming: Shortcoming,
    resolution: str,
    reason: str,
    decided_on: dt.date | None = None,
    reclaim_yen: int = 0,
    end_date: dt.date | None = None,
) -> Shortcoming:
    """Record the committee's resolution on a shortcoming not fixed by its due date: stop the
    theme (the award ends on `end_date`, by default the day of the resolution) and reclaim
    `reclaim_yen` (a whole number of yen, 0 up to the money paid less what was already
    reclaimed), or continue, with the reason."""
    require_role(actor, Role.AGENCY)
    award = _locked_award(
        Award(pk=Shortcoming.objects.values_list("award_id", flat=True).get(pk=shortcoming.pk))
    )
    shortcoming = Shortcoming.objects.select_for_update().get(pk=shortcoming.pk)
    decided_on = decided_on or today_jst()
    if resolution not in Resolution.CHOICES:
        raise ValidationError({"resolution": _("Choose to stop the theme or to continue it.")})
    if shortcoming.decided:
        raise ValidationError(
            {"shortcoming": _("The committee has already resolved on this shortcoming.")}
        )
    _past_or_today("decided_on", decided_on)
    if not shortcoming.unfixed_by_due_date(decided_on):
        raise ValidationError(
            {
                "shortcoming": _(
                    "Only a shortcoming not fixed by its due date (%(day)s) goes to the committee."
                )
                % {"day": shortcoming.due_date.isoformat()}
            }
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the committee's reason.")})
    if not isinstance(reclaim_yen, int) or isinstance(reclaim_yen, bool):
        raise ValidationError({"reclaim_yen": _("A whole number of yen.")})
    stopped = {}
    if resolution == Resolution.CONTINUE:
        if reclaim_yen != 0:
            raise ValidationError(
                {"reclaim_yen": _("Money is reclaimed only when the theme is stopped.")}
            )
    else:
        if award.state != AwardState.ACTIVE:
            raise ValidationError({"resolution": _("The award is no longer in progress.")})
        end_date = end_date or decided_on
        if not decided_on <= end_date <= award.period_end:
            raise ValidationError(
                {
                    "end_date": _(
                        "Between the resolution (%(a)s) and the end of the period (%(b)s)."
                    )
                    % {"a": decided_on.isoformat(), "b": award.period_end.isoformat()}
                }
            )
        paid = money_paid(award)
        reclaimed = (
            Shortcoming.objects.filter(award=award)
            .exclude(pk=shortcoming.pk)
            .aggregate(s=Sum("reclaim_yen"))["s"]
            or 0
        )
        most = paid - reclaimed
        if not 0 <= reclaim_yen <= most:
            raise ValidationError(
                {
                    "reclaim_yen": _("Between 0 and the money paid (%(most)s yen).")
                    % {"most": f"{most:,}"}
                }
            )
        stopped = {"reclaim_yen": reclaim_yen, "end_date": end_date}
        terminate_award(actor=actor, award=award, end_date=end_date, reason=reason.strip())
    SHORTCOMING.apply(
        shortcoming,
        "stop" if resolution == Resolution.STOP else "continue",
        actor,
        also={
            **stopped,
            "decided_on": decided_on,
            "decision_reason": reason.strip(),
            "decided_by": actor,
        },
        extra={
            "resolution": resolution,
            "decided_on": decided_on.isoformat(),
            "reclaim_yen": stopped.get("reclaim_yen", 0),
            "end_date": stopped["end_date"].isoformat() if stopped else None,
        },
        note=reason.strip(),
    )
    return shortcoming


# ---------------------------------------------------------------------------------------------
# Prior consultation


def _percent(field: str, value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({field: _("A number.")}) from None
    if not d.is_finite():
        raise ValidationError({field: _("A number.")})
    return d


@transaction.atomic
def record_planned_act(
    *,
    actor,
    award: Award,
    act: str,
    description: str,
    counterparty: str,
    country: str,
    planned_date: dt.date,
    capacity_increase_percent=None,
    local_consumption_percent=None,
    forced_transfer_risk: bool = False,
    counterparty_broke_norms_5y: bool = False,
    foreign_government_influence: bool = False,
    ministry_requested: bool = False,
    new_site: bool = False,
    carried_out_by: str = "",
) -> PriorConsultation:
    """The implementer records an act it plans toward another party or country; the rules engine
    decides whether prior consultation with the ministry is required, and the reasons are kept."""
    award = _locked_award(award)
    _require_implementer(actor, award)
    errors: dict[str, list[str]] = {}
    add = lambda field, message: errors.setdefault(field, []).append(message)  # noqa: E731
    country = (country or "").strip().upper()
    if act not in Act.values:
        add("act", _("Choose the act."))
    if not (description or "").strip():
        add("description", _("Say what is planned."))
    if not (counterparty or "").strip():
        add("counterparty", _("Name the other party."))
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        add("country", _("A two-letter country code (ISO 3166), e.g. JP, US."))
    elif act in ABROAD_ACTS and country == "JP":
        add("country", _("This act takes place in another country."))
    if planned_date is None:
        add("planned_date", _("Give the planned date."))
    elif planned_date < today_jst():
        add("planned_date", _("The planned date has passed."))
    capacity = _percent("capacity_increase_percent", capacity_increase_percent)
    local = _percent("local_consumption_percent", local_consumption_percent)
    if capacity is not None and capacity > MAX_CAPACITY_INCREASE_PERCENT:
        add(
            "capacity_increase_percent",
            _("At most %(n)s %%.") % {"n": MAX_CAPACITY_INCREASE_PERCENT},
        )
    if act != Act.PRODUCTION_ABROAD and (capacity is not None or local is not None or new_site):
        add(
            "act",
            _("Site, capacity and local consumption apply only to a production site abroad."),
        )
    if errors:
        raise ValidationError(errors)
    try:
        required, reasons = prior_consultation_required(
            act,
            capacity_increase_percent=capacity,
            local_consumption_percent=local,
            forced_transfer_risk=bool(forced_transfer_risk),
            counterparty_broke_norms_5y=bool(counterparty_broke_norms_5y),
            foreign_government_influence=bool(foreign_government_influence),
            ministry_requested=bool(ministry_requested),
            new_site=bool(new_site),
        )
    except RuleError as exc:
        raise rule_refusal(exc) from None
    consultation = PriorConsultation.objects.create(
        award=award,
        act=act,
        description=description.strip(),
        carried_out_by=(carried_out_by or "").strip(),
        counterparty=counterparty.strip(),
        country=country,
        planned_date=planned_date,
        new_site=bool(new_site),
        capacity_increase_percent=capacity,
        local_consumption_percent=local,
        forced_transfer_risk=bool(forced_transfer_risk),
        counterparty_broke_norms_5y=bool(counterparty_broke_norms_5y),
        foreign_government_influence=bool(foreign_government_influence),
        ministry_requested=bool(ministry_requested),
        required=required,
        reasons=reasons,
        state=ConsultationState.TO_SEND if required else ConsultationState.NOT_REQUIRED,
        created_by=actor,
    )
    record(
        actor=actor,
        action="leakage.act_record",
        obj=consultation,
        after={
            "award": award.number,
            "act": act,
            "planned_date": planned_date.isoformat(),
            "required": required,
            "reasons": reasons,
        },
    )
    return consultation


def last_day_to_send(consultation: PriorConsultation) -> dt.date:
    return consultation.planned_date - dt.timedelta(days=consultation_lead_days())


@transaction.atomic
def send_consultation(*, actor, consultation: PriorConsultation) -> PriorConsultation:
    """The implementer sends a required consultation to the ministry, at least the lead time
    before the planned act."""
    consultation = (
        PriorConsultation.objects.select_for_update()
        .select_related("award")
        .get(pk=consultation.pk)
    )
    _require_implementer(actor, consultation.award)
    if consultation.state != ConsultationState.TO_SEND:
        raise ValidationError(
            {"consultation": _("Only a required consultation not yet sent can be sent.")}
        )
    today, last = today_jst(), last_day_to_send(consultation)
    if today > last:
        raise ValidationError(
            {
                "planned_date": _(
                    "A prior consultation must reach the ministry at least %(n)s days before the act: for %(day)s, by %(last)s. "
                    "Withdraw this one and record the act with a later date."
                )
                % {
                    "n": consultation_lead_days(),
                    "day": consultation.planned_date.isoformat(),
                    "last": last.isoformat(),
                }
            }
        )
    CONSULTATION.apply(
        consultation,
        "send",
        actor,
        also={"sent_by": actor, "sent_at": timeutil.now()},
        extra={
            "planned_date": consultation.planned_date.isoformat(),
            "days_ahead": (consultation.planned_date - today).days,
        },
    )
    return consultation


@transaction.atomic
def withdraw_consultation(
    *, actor, consultation: PriorConsultation, reason: str = ""
) -> PriorConsultation:
    """The implementer withdraws a planned act not yet answered (dropped, or to be recorded again)."""
    consultation = (
        PriorConsultation.objects.select_for_update()
        .select_related("award")
        .get(pk=consultation.pk)
    )
    _require_implementer(actor, consultation.award)
    if consultation.state not in (
        ConsultationState.NOT_REQUIRED,
        ConsultationState.TO_SEND,
        ConsultationState.SENT,
    ):
        raise ValidationError(
            {"consultation": _("An answered or withdrawn consultation cannot be withdrawn.")}
        )
    return CONSULTATION.apply(consultation, "withdraw", actor, note=reason)


@transaction.atomic
def answer_consultation(
    *, actor, consultation: PriorConsultation, answer: str, note: str = ""
) -> PriorConsultation:
    """The ministry answers a consultation sent to it: no objection, objection, or conditions.
    An objection or conditions need the note saying why or which."""
    require_role(actor, Role.MINISTRY)
    consultation = PriorConsultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.state != ConsultationState.SENT:
        raise ValidationError(
            {
                "consultation": _(
                    "Only a consultation sent to the ministry and not yet answered can be answered."
                )
            }
        )
    if answer not in ConsultationAnswer.values:
        raise ValidationError({"answer": _("Choose the answer.")})
    if answer != ConsultationAnswer.NO_OBJECTION and not (note or "").strip():
        raise ValidationError({"note": _("Say why, or which conditions.")})
    return CONSULTATION.apply(
        consultation,
        "answer",
        actor,
        note=(note or "").strip(),
        also={
            "answer": answer,
            "answer_note": (note or "").strip(),
            "answered_by": actor,
            "answered_at": timeutil.now(),
        },
        extra={"answer": answer},
    )
