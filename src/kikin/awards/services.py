"""Writes for awards and their money. Each function: one transaction, a role check, an audit record.

Rules enforced here, each refusal naming its rule:
- a claim's fiscal year and every line's date lie inside the award's period (and the program's);
- a claim never exceeds what is left of its fiscal year's budget of its kind;
- the 80 % rule: a system technology theme whose period is over 18 months and whose budget was
  not increased may book at most 80 % of the whole period's proposal-time cost on costs incurred
  up to 3 months after its stage-gate review (000 lines 4822–4830);
- a payment is the eligible cost × the rate, truncated to the yen (切り捨て), plus fixed-amount
  (定額) joint-research lines of a grant in full (000 lines 4700–4704).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.accounts.permissions import require_role
from kikin.audit.services import record
from kikin.calls.models import Proposal, ProposalState
from kikin.calls.validation import call_date
from kikin.core.files import check_document
from kikin.core.templatetags.kikin_format import fiscal_year as fiscal_year_label
from kikin.programs.selectors import terms_in_force
from kikin.rules import caps, fiscal
from kikin.rules.dates import period_end
from kikin.rules.errors import RuleError
from kikin.rules.money import apply_rate, format_rate
from kikin.rules.schedule import PROGRAM_END, end_if_gate_failed, theme_schedule
from kikin.rules.subsidy import subsidy_terms

from .permissions import is_implementer
from .models import (
    Award,
    AwardForm,
    AwardState,
    BudgetEntry,
    BudgetKind,
    ClaimLine,
    ClaimState,
    CostClaim,
    Directive,
    GateOutcome,
    Outlook,
    Payment,
    ProgressReport,
    StageGateReview,
    YearlyEvaluation,
)

#: Progress reports fall due every this many months from the start, and at the period's end.
REPORT_EVERY_MONTHS = 6


def report_due_dates(start: dt.date, last_day: dt.date) -> list[dt.date]:
    """Every six months from the start while inside the period, and the period's last day."""
    from kikin.rules.dates import add_months

    dates, k = [], 1
    while (d := add_months(start, REPORT_EVERY_MONTHS * k)) < last_day:
        dates.append(d)
        k += 1
    return [*dates, last_day]

#: Leading research ③: 36 months, a gate after 1 to 1.5 years (000 lines 4443–4447, 5296).
LEADING_RESEARCH = {"period_months": 36, "stage_gate_months": 18, "stage_gate_earliest_months": 12}


@transaction.atomic
def create_award(*, actor, proposal: Proposal, rate: Fraction | None = None) -> Award:
    """Turn an adopted proposal into a contract or a grant: the rate from the rules engine (theme,
    call, applicant category; `rate` where the theme has several), the dates from the theme's
    terms in force on the call's date, and the proposal-time budget by fiscal year."""
    require_role(actor, Role.AGENCY)
    proposal = Proposal.objects.select_for_update().select_related("call", "theme__item", "organisation").get(pk=proposal.pk)
    if proposal.state != ProposalState.ADOPTED:
        raise ValidationError({"proposal": _("Only an adopted proposal becomes an award.")})
    if Award.objects.filter(proposal=proposal).exists():
        raise ValidationError({"proposal": _("This proposal already has its award.")})
    terms = terms_in_force(proposal.theme, call_date(proposal)).terms
    spec = terms.as_spec()
    decision = getattr(proposal, "decision", None)
    adopted_as_item = decision.adopted_as_item if decision else None
    try:
        st = subsidy_terms(
            spec,
            call=proposal.call.key if spec.rates_by_call else None,
            applicant=proposal.organisation.category if spec.rates_by_call else None,
            project_year=1 if spec.rates_by_project_year else None,
            rate=rate,
        )
    except RuleError as exc:
        raise ValidationError({"rate": str(exc)}) from None
    if adopted_as_item == 3:
        spec = replace(spec, **LEADING_RESEARCH)
    period_months = min(proposal.period_months, spec.period_for_call(proposal.call.key))
    schedule = theme_schedule(spec, proposal.start_date, call=proposal.call.key, program_end=proposal.theme.program.end_date)
    end = min(period_end(proposal.start_date, period_months), proposal.theme.program.end_date)
    lines = list(proposal.budget_lines.all())
    award = Award.objects.create(
        proposal=proposal, call=proposal.call, theme=proposal.theme, organisation=proposal.organisation,
        number=f"A-{proposal.receipt_number}", form=AwardForm.CONTRACT if st.form == "contract" else AwardForm.GRANT,
        rate=format_rate(st.rate), rate_label=st.label, start_date=proposal.start_date, period_months=period_months,
        period_end=end, stage_gate_due=schedule.stage_gate_due, stage_gate_earliest=schedule.stage_gate_earliest,
        conditions=decision.conditions if decision else "", adopted_as_item=adopted_as_item,
        set_value=proposal.set_value, pledged_self_investment_yen=proposal.self_investment_yen or 0,
        proposal_contract_yen=sum(b.requested_yen for b in lines), system_technology=spec.system_technology and adopted_as_item != 3,
        created_by=actor,
    )
    BudgetEntry.objects.bulk_create([
        BudgetEntry(award=award, fiscal_year=b.fiscal_year, kind=BudgetKind.BASE, amount_yen=b.requested_yen,
                    effective_from=award.start_date, note="proposal", created_by=actor)
        for b in lines
    ])
    if schedule.stage_gate_due:
        StageGateReview.objects.create(award=award, number=1, scheduled_for=schedule.stage_gate_due)
    ProgressReport.objects.bulk_create([ProgressReport(award=award, due_date=d) for d in report_due_dates(award.start_date, end)])
    record(actor=actor, action="award.create", obj=award,
           after={"form": award.form, "rate": award.rate, "period_end": end.isoformat(), "proposal_contract_yen": award.proposal_contract_yen})
    return award


def budget_left(award: Award, fiscal_year: int, kind: str, *, exclude_claim: CostClaim | None = None) -> int:
    """What is left of a fiscal year's budget of one kind, in the fund's money (NEDO負担額): the
    entries (reductions count against the proposal-time budget) less what approved claims were
    paid and the fund's share of claims awaiting the check (cost × rate, plus fixed-amount lines:
    for a grant the budget is the subsidy, not the cost)."""
    kinds = [kind, BudgetKind.REDUCTION] if kind == BudgetKind.BASE else [kind]
    budget = BudgetEntry.objects.filter(award=award, fiscal_year=fiscal_year, kind__in=kinds).aggregate(s=Sum("amount_yen"))["s"] or 0
    claims = CostClaim.objects.filter(award=award, fiscal_year=fiscal_year, budget_kind=kind)
    if exclude_claim is not None and exclude_claim.pk:
        claims = claims.exclude(pk=exclude_claim.pk)
    paid = Payment.objects.filter(claim__in=claims.filter(state=ClaimState.APPROVED)).aggregate(s=Sum("amount_yen"))["s"] or 0
    pending: dict[int, list[tuple[int, bool]]] = {}
    for claim_id, amount, fixed in ClaimLine.objects.filter(claim__in=claims.filter(state=ClaimState.SUBMITTED)).values_list(
            "claim_id", "amount_yen", "fixed_amount"):
        pending.setdefault(claim_id, []).append((amount, fixed))
    rate = rate_for_year(award, fiscal_year) if pending else award.rate_fraction
    return budget - paid - sum(fund_share(award, lines, rate) for lines in pending.values())


def award_spec(award: Award):
    """The rules engine's view (`ThemeSpec`) of the award's theme, as the terms in force on its
    call's date set it."""
    return terms_in_force(award.theme, call_date(award.proposal)).terms.as_spec()


def rate_for_year(award: Award, fiscal_year: int) -> Fraction:
    """The rate of the award's costs of one fiscal year. Most themes keep one rate; (g6) is a
    five-year plan whose rate changes with the project year: year 1 a contract (1), years 2–4 a
    grant at 2/3, year 5 at 1/2 (000 lines 2487–2501). The project year is counted in fiscal
    years from the start (the start's fiscal year is year 1). Building and operating (g6)'s
    testbed is a contract whatever the year (lines 2497–2501)."""
    spec = award_spec(award)
    if not spec.rates_by_project_year:
        return award.rate_fraction
    years = len(spec.rates_by_project_year)
    project_year = min(max(fiscal_year - fiscal.fiscal_year(award.start_date) + 1, 1), years)
    testbed = award.proposal.cap_option == "testbed"
    return subsidy_terms(spec, project_year=project_year, testbed=testbed).rate


def fund_share(award: Award, lines: list[tuple[int, bool]], rate: Fraction | None = None) -> int:
    """The fund's share of claimed lines (amount, fixed-amount?): Σ × rate truncated, plus 定額 lines."""
    normal = sum(amount for amount, fixed in lines if not fixed)
    rate = award.rate_fraction if rate is None else rate
    return apply_rate(normal, rate) + sum(amount for amount, fixed in lines if fixed)


def _booking_limit(award: Award) -> tuple[dt.date, int] | None:
    """(last day counted, most bookable) for the 80 % rule, or None where it does not bind."""
    if not caps.eighty_percent_rule_applies(award.system_technology, award.period_months, award.accelerated):
        return None
    gate = award.gate_reviews.filter(number=1).first()
    gate_date = (gate.held_on if gate and gate.held_on else None) or award.stage_gate_due
    if gate_date is None:
        return None
    return caps.booking_limit_date(gate_date), caps.max_bookable_before_gate(award.proposal_contract_yen, award.period_months, award.accelerated)


def _check_claim(award: Award, claim: CostClaim, lines: list[dict], amounts_key: str) -> None:
    errors: dict[str, list[str]] = {}
    add = lambda field, message: errors.setdefault(field, []).append(message)  # noqa: E731
    first_fy, last_fy = fiscal.fiscal_year(award.start_date), fiscal.fiscal_year(award.last_day)
    if not first_fy <= claim.fiscal_year <= last_fy:
        add("fiscal_year", _("Fiscal year %(fy)s is outside the award's period (%(a)s–%(b)s).") % {"fy": claim.fiscal_year, "a": first_fy, "b": last_fy})
    fy_start, fy_end = fiscal.fiscal_year_bounds(claim.fiscal_year)
    for i, line in enumerate(lines, 1):
        day = line["incurred_on"]
        if not award.start_date <= day <= min(award.last_day, PROGRAM_END):
            add(f"lines.{i}.incurred_on", _("%(day)s is outside the period (%(a)s – %(b)s): costs outside the period are not eligible.")
                % {"day": day.isoformat(), "a": award.start_date.isoformat(), "b": award.last_day.isoformat()})
        elif not fy_start <= day <= fy_end:
            add(f"lines.{i}.incurred_on", _("%(day)s is not in fiscal year %(fy)s.") % {"day": day.isoformat(), "fy": claim.fiscal_year})
        if line.get("fixed_amount") and award.form != AwardForm.GRANT:
            add(f"lines.{i}.fixed_amount", _("Fixed-amount lines exist only in grants (joint research with academia)."))
        if line[amounts_key] is None or line[amounts_key] < 0:
            add(f"lines.{i}.{amounts_key}", _("A whole number of yen, not negative."))
    if errors:
        raise ValidationError(errors)
    total = fund_share(award, [(line[amounts_key], bool(line.get("fixed_amount"))) for line in lines],
                       rate_for_year(award, claim.fiscal_year))
    left = budget_left(award, claim.fiscal_year, claim.budget_kind, exclude_claim=claim)
    if total > left:
        add("lines", _("The fund's share of the claim (%(total)s yen) is above what is left of the %(fy)s budget (%(left)s yen).")
            % {"total": f"{total:,}", "fy": fiscal_year_label(claim.fiscal_year), "left": f"{left:,}"})
    limit = _booking_limit(award)
    if limit is not None and claim.budget_kind == BudgetKind.BASE:
        last_day, most = limit
        booked = ClaimLine.objects.filter(
            claim__award=award, claim__state=ClaimState.APPROVED, claim__budget_kind=BudgetKind.BASE, incurred_on__lte=last_day
        ).exclude(claim_id=claim.pk).aggregate(s=Sum("eligible_yen"))["s"] or 0
        pending = ClaimLine.objects.filter(
            claim__award=award, claim__state=ClaimState.SUBMITTED, claim__budget_kind=BudgetKind.BASE, incurred_on__lte=last_day
        ).exclude(claim_id=claim.pk).aggregate(s=Sum("amount_yen"))["s"] or 0
        this = sum(line[amounts_key] for line in lines if line["incurred_on"] <= last_day)
        if booked + pending + this > most:
            add("lines", _("80 %% rule: costs up to %(day)s may come to at most %(most)s yen, 80 %% of the proposal-time cost; with this claim they would be %(now)s yen.")
                % {"day": last_day.isoformat(), "most": f"{most:,}", "now": f"{booked + pending + this:,}"})
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def submit_claim(*, actor, award: Award, fiscal_year: int, lines: list[dict], budget_kind: str = BudgetKind.BASE) -> CostClaim:
    """The implementer claims a fiscal year's costs, line by line (category, description,
    incurred_on, amount_yen, fixed_amount, evidence). Refused whole, with every rule broken."""
    award = Award.objects.select_for_update().get(pk=award.pk)
    if not is_implementer(actor, award):
        raise PermissionDenied(_("Only the implementer may claim costs."))
    if award.state == AwardState.ENDED:
        raise ValidationError({"award": _("The award has ended.")})
    if budget_kind not in {BudgetKind.BASE, BudgetKind.ACCELERATION, BudgetKind.CONTINUATION}:
        raise ValidationError({"budget_kind": _("Claim against the proposal-time, acceleration or continuation budget.")})
    if not lines:
        raise ValidationError({"lines": _("A claim needs at least one line.")})
    claim = CostClaim(award=award, fiscal_year=fiscal_year, budget_kind=budget_kind, created_by=actor)
    _check_claim(award, claim, lines, "amount_yen")
    for i, line in enumerate(lines, 1):
        if line.get("evidence"):
            check_document(line["evidence"], field=f"lines.{i}.evidence")
    claim.state, claim.submitted_at = ClaimState.SUBMITTED, timezone.now()
    claim.save()
    for line in lines:
        ClaimLine.objects.create(claim=claim, category=line["category"], description=line["description"], incurred_on=line["incurred_on"],
                                 amount_yen=line["amount_yen"], fixed_amount=bool(line.get("fixed_amount")), evidence=line.get("evidence") or "")
    record(actor=actor, action="claim.submit", obj=claim, after={"award": award.number, "fiscal_year": fiscal_year,
                                                                  "total_yen": sum(line["amount_yen"] for line in lines)})
    return claim


def payment_amount(award: Award, lines: list[ClaimLine], rate: Fraction | None = None) -> tuple[int, int]:
    """(eligible cost, payment) for checked lines: Σ eligible × rate truncated, plus fixed-amount lines."""
    normal = sum(line.eligible_yen for line in lines if not line.fixed_amount)
    fixed = sum(line.eligible_yen for line in lines if line.fixed_amount)
    return normal + fixed, apply_rate(normal, award.rate_fraction if rate is None else rate) + fixed


@transaction.atomic
def approve_claim(*, actor, claim: CostClaim, eligible: dict[int, int] | None = None, note: str = "") -> Payment:
    """The agency checks a claim: the eligible cost of each line (default: as claimed), the rules
    again on the eligible amounts, then the payment."""
    require_role(actor, Role.AGENCY)
    claim = CostClaim.objects.select_for_update().select_related("award").get(pk=claim.pk)
    if claim.state != ClaimState.SUBMITTED:
        raise ValidationError({"claim": _("Only a submitted claim can be approved.")})
    award = claim.award
    lines = list(claim.lines.all())
    eligible = eligible or {}
    unknown = set(eligible) - {line.pk for line in lines}
    if unknown:
        raise ValidationError({"eligible": _("Lines %(ids)s are not in this claim.") % {"ids": sorted(unknown)}})
    for line in lines:
        value = eligible.get(line.pk, line.amount_yen)
        if not 0 <= value <= line.amount_yen:
            raise ValidationError({f"eligible.{line.pk}": _("The eligible cost is between 0 and the amount claimed (%(n)s yen).") % {"n": f"{line.amount_yen:,}"}})
        line.eligible_yen = value
    claim.state = ClaimState.DRAFT  # not counted as pending while re-checked
    _check_claim(award, claim, [{"incurred_on": line.incurred_on, "eligible_yen": line.eligible_yen, "fixed_amount": line.fixed_amount} for line in lines], "eligible_yen")
    ClaimLine.objects.bulk_update(lines, ["eligible_yen"])
    rate = rate_for_year(award, claim.fiscal_year)
    total, amount = payment_amount(award, lines, rate)
    now = timezone.now()
    claim.state, claim.decided_by, claim.decided_at, claim.decision_note = ClaimState.APPROVED, actor, now, note
    claim.save()
    payment = Payment.objects.create(award=award, claim=claim, fiscal_year=claim.fiscal_year, budget_kind=claim.budget_kind,
                                     eligible_yen=total, rate=format_rate(rate), amount_yen=amount, approved_at=now)
    record(actor=actor, action="claim.approve", obj=claim, after={"eligible_yen": total, "payment_yen": amount, "rate": format_rate(rate)})
    return payment


@transaction.atomic
def refuse_claim(*, actor, claim: CostClaim, reason: str) -> CostClaim:
    require_role(actor, Role.AGENCY)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    claim = CostClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.state != ClaimState.SUBMITTED:
        raise ValidationError({"claim": _("Only a submitted claim can be refused.")})
    claim.state, claim.decided_by, claim.decided_at, claim.decision_note = ClaimState.REFUSED, actor, timezone.now(), reason
    claim.save()
    record(actor=actor, action="claim.refuse", obj=claim, note=reason)
    return claim


def received_for_refund(award: Award) -> int:
    """委託費受領額: all money received less acceleration increases and continuation money."""
    return Payment.objects.filter(award=award, budget_kind=BudgetKind.BASE).aggregate(s=Sum("amount_yen"))["s"] or 0


@transaction.atomic
def decide_stage_gate(*, actor, award: Award, held_on: dt.date, outcome: str, note: str = "",
                      budget_change_yen: int = 0, fiscal_year: int | None = None) -> StageGateReview:
    """Record a stage-gate review. Fail: the theme ends 3 months after the review (6 where its
    period is five years), never after its period's end. Accelerate / shrink: a budget entry of
    that kind for `fiscal_year`."""
    require_role(actor, Role.AGENCY)
    award = Award.objects.select_for_update().get(pk=award.pk)
    if outcome not in GateOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if held_on < award.start_date:
        raise ValidationError({"held_on": _("A review cannot be held before the work starts.")})
    review = award.gate_reviews.filter(held_on__isnull=True).order_by("number").first()
    if review is None:
        number = (award.gate_reviews.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        review = StageGateReview(award=award, number=number, scheduled_for=held_on)
    if outcome in {GateOutcome.ACCELERATE, GateOutcome.SHRINK}:
        if budget_change_yen <= 0 or fiscal_year is None:
            raise ValidationError({"budget_change_yen": _("Give the amount (more than 0) and the fiscal year of the change.")})
        kind = BudgetKind.ACCELERATION if outcome == GateOutcome.ACCELERATE else BudgetKind.REDUCTION
        BudgetEntry.objects.create(award=award, fiscal_year=fiscal_year, kind=kind,
                                   amount_yen=budget_change_yen if kind == BudgetKind.ACCELERATION else -budget_change_yen,
                                   effective_from=held_on, note=f"stage gate {review.number}", created_by=actor)
        if kind == BudgetKind.ACCELERATION:
            award.accelerated = True
    if outcome == GateOutcome.FAIL:
        review.new_end_date = end_if_gate_failed(held_on, award.period_months, award.period_end)
        award.end_date, award.state = review.new_end_date, AwardState.TERMINATED
        # Reports due after the new end fall away; a final report is due on the end date.
        award.progress_reports.filter(submitted_at__isnull=True, due_date__gt=review.new_end_date).delete()
        ProgressReport.objects.get_or_create(award=award, due_date=review.new_end_date)
    if outcome == GateOutcome.MOVE_TO_LEADING:
        award.adopted_as_item = 3
    award.save()
    review.held_on, review.outcome, review.note, review.decided_by = held_on, outcome, note, actor
    review.budget_change_yen = budget_change_yen
    review.save()
    record(actor=actor, action="award.stage_gate", obj=award,
           after={"gate": review.number, "outcome": outcome, "end_date": award.end_date.isoformat() if award.end_date else None})
    return review


@transaction.atomic
def schedule_stage_gate_early(*, actor, award: Award, on: dt.date, reason: str) -> StageGateReview:
    """Bring the first gate forward, where the selection review allowed it (000 lines 5300–5302)."""
    require_role(actor, Role.AGENCY)
    if not reason.strip():
        raise ValidationError({"reason": _("Say where the selection allowed an earlier gate.")})
    review = StageGateReview.objects.select_for_update().get(award=award, number=1)
    if review.held_on:
        raise ValidationError({"on": _("The gate has been held.")})
    if not award.start_date < on <= review.scheduled_for:
        raise ValidationError({"on": _("An earlier date between the start and %(due)s.") % {"due": review.scheduled_for.isoformat()}})
    before = review.scheduled_for
    review.scheduled_for = on
    review.save(update_fields=["scheduled_for"])
    Award.objects.filter(pk=award.pk).update(stage_gate_due=on)
    record(actor=actor, action="award.gate_earlier", obj=award, before={"due": before.isoformat()}, after={"due": on.isoformat()}, note=reason)
    return review


@transaction.atomic
def record_directive(*, actor, award: Award, issued_on: dt.date, effective_from: dt.date, fiscal_year: int,
                     amount_yen: int, note: str) -> Directive:
    """A ministry directive changing a theme's budget, applied from its date."""
    require_role(actor, Role.MINISTRY)
    if amount_yen == 0 or not note.strip():
        raise ValidationError({"amount_yen": _("Give a change other than 0 and its reason.")})
    directive = Directive.objects.create(award=award, issued_on=issued_on, effective_from=effective_from, fiscal_year=fiscal_year,
                                         amount_yen=amount_yen, note=note, issued_by=actor)
    BudgetEntry.objects.create(award=award, fiscal_year=fiscal_year,
                               kind=BudgetKind.ACCELERATION if amount_yen > 0 else BudgetKind.REDUCTION,
                               amount_yen=amount_yen, effective_from=effective_from, note=f"directive {directive.pk}", created_by=actor)
    if amount_yen > 0:
        Award.objects.filter(pk=award.pk).update(accelerated=True)
    record(actor=actor, action="award.directive", obj=award, after={"fiscal_year": fiscal_year, "amount_yen": amount_yen})
    return directive


@transaction.atomic
def submit_progress_report(*, actor, report: ProgressReport, summary: str, issues: str = "") -> ProgressReport:
    """The implementer files a progress report that is due."""
    report = ProgressReport.objects.select_for_update().select_related("award").get(pk=report.pk)
    if not is_implementer(actor, report.award):
        raise PermissionDenied(_("Only the implementer files progress reports."))
    if report.submitted_at:
        raise ValidationError({"report": _("This report has been filed.")})
    if not summary.strip():
        raise ValidationError({"summary": _("Describe the progress.")})
    report.summary, report.issues, report.submitted_at, report.submitted_by = summary, issues, timezone.now(), actor
    report.save()
    record(actor=actor, action="award.progress_report", obj=report.award, after={"due": report.due_date.isoformat()})
    return report


@transaction.atomic
def record_evaluation(*, actor, award: Award, fiscal_year: int, outlook: str, comment: str,
                      budget_needed: bool = True, team_sound: bool = True) -> YearlyEvaluation:
    """The committee's yearly evaluation, recorded by the agency."""
    require_role(actor, Role.AGENCY)
    if outlook not in Outlook.values:
        raise ValidationError({"outlook": _("Choose the outlook for the targets.")})
    if not comment.strip():
        raise ValidationError({"comment": _("Give the committee's comment.")})
    evaluation, _created = YearlyEvaluation.objects.update_or_create(
        award=award, fiscal_year=fiscal_year,
        defaults={"outlook": outlook, "comment": comment, "budget_needed": budget_needed, "team_sound": team_sound, "evaluated_by": actor},
    )
    record(actor=actor, action="award.evaluation", obj=award, after={"fiscal_year": fiscal_year, "outlook": outlook})
    return evaluation
