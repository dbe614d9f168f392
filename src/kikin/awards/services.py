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
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.accounts.permissions import require_role
from kikin.audit.services import record
from kikin.calls.models import Proposal, ProposalState
from kikin.calls.validation import call_date
from kikin.core import timeutil
from kikin.core import validation as v
from kikin.core.files import check_document
from kikin.core.rule_messages import rule_refusal
from kikin.core.templatetags.kikin_format import fiscal_year as fiscal_year_label
from kikin.programs.selectors import terms_in_force
from kikin.rules import caps, fiscal
from kikin.rules.dates import period_end
from kikin.rules.deadlines import report_due_dates
from kikin.rules.errors import RuleError
from kikin.rules.money import apply_rate, format_rate, fund_share
from kikin.rules.plan import as_item
from kikin.rules.schedule import end_if_gate_failed, theme_schedule
from kikin.rules.subsidy import subsidy_terms

from .models import (
    Award,
    AwardForm,
    AwardState,
    BudgetEntry,
    BudgetKind,
    CapEntry,
    CapKind,
    ClaimLine,
    ClaimState,
    CostCategory,
    CostClaim,
    Directive,
    GateOutcome,
    Milestone,
    MilestoneState,
    Outlook,
    Payment,
    ProgressReport,
    StageGateReview,
    YearlyEvaluation,
)
from .permissions import is_implementer
from .selectors import award_spec, budget_left, rate_for_year
from .workflow import AWARD, CLAIM, GATE, MILESTONE, MILESTONE_BY_STATE

#: The plan's eligible cost kinds (`eligible_costs`) as claim-line categories ((g3), line 4711).
COST_KIND_CATEGORIES = {
    "compute_fee": {CostCategory.COMPUTE},
    "data_preparation_outsourced": {CostCategory.DATA_PREPARATION},
}


def _award_years(award: Award) -> tuple[int, int]:
    return fiscal.fiscal_year(award.start_date), fiscal.fiscal_year(award.last_day)


def _check_award_year(award: Award, fiscal_year, *, field: str = "fiscal_year") -> int:
    """A fiscal year of the award's period."""
    first, last = _award_years(award)
    v.whole_number(fiscal_year, field=field, minimum=0, maximum=9999)
    if not first <= fiscal_year <= last:
        raise ValidationError(
            {
                field: _("Fiscal year %(fy)s is outside the award's period (%(a)s–%(b)s).")
                % {"fy": fiscal_year, "a": first, "b": last}
            }
        )
    return fiscal_year


def _within_program(award: Award, day, *, field: str, first=None, last=None):
    """A date inside the program's life (and inside [first, last] where given)."""
    program = award.theme.program
    return v.date_between(
        day,
        field=field,
        first=max(d for d in (program.start_date, first) if d is not None),
        last=min(d for d in (program.end_date, last) if d is not None),
        what=_("the program's life and the award's dates"),
    )


def _program_end(award_or_theme) -> dt.date | None:
    theme = getattr(award_or_theme, "theme", award_or_theme)
    return theme.program.end_date


@transaction.atomic
def create_award(*, actor, proposal: Proposal, rate: Fraction | None = None) -> Award:
    """Turn an adopted proposal into a contract or a grant: the rate from the rules engine (theme,
    call, applicant category; `rate` where the theme has several), the dates from the theme's
    terms in force on the call's date, and the proposal-time budget by fiscal year."""
    require_role(actor, Role.AGENCY)
    proposal = (
        Proposal.objects.select_for_update()
        .select_related("call", "theme__item", "organisation")
        .get(pk=proposal.pk)
    )
    if proposal.state != ProposalState.ADOPTED:
        raise ValidationError({"proposal": _("Only an adopted proposal becomes an award.")})
    if Award.objects.filter(proposal=proposal).exists():
        raise ValidationError({"proposal": _("This proposal already has its award.")})
    terms = terms_in_force(proposal.theme, call_date(proposal)).terms
    spec = terms.as_spec()
    program = proposal.theme.program
    rules = program.plan_rules()
    decision = getattr(proposal, "decision", None)
    adopted_as_item = decision.adopted_as_item if decision else None
    try:
        st = subsidy_terms(
            spec,
            call=proposal.call.key if spec.rates_by_call else None,
            applicant=proposal.organisation.category if spec.rates_by_call else None,
            project_year=1 if spec.rates_by_project_year else None,
            rate=rate,
            option=proposal.cap_option or None,
        )
    except RuleError as exc:
        raise rule_refusal(exc, field="rate") from None
    if adopted_as_item and adopted_as_item != proposal.theme.item.number:
        spec = as_item(spec, program.items.get(number=adopted_as_item))
    period_months = min(proposal.period_months, spec.period_for_call(proposal.call.key))
    schedule = theme_schedule(
        spec,
        proposal.start_date,
        call=proposal.call.key,
        program_end=program.end_date,
        stage_gate_rules=rules.stage_gate,
    )
    end = period_end(proposal.start_date, period_months)
    if program.end_date is not None:
        end = min(end, program.end_date)
    lines = list(proposal.budget_lines.all())
    award = Award.objects.create(
        proposal=proposal,
        call=proposal.call,
        theme=proposal.theme,
        organisation=proposal.organisation,
        number=f"A-{proposal.receipt_number}",
        form=AwardForm.CONTRACT if st.form == "contract" else AwardForm.GRANT,
        rate=format_rate(st.rate),
        rate_label=st.label,
        start_date=proposal.start_date,
        period_months=period_months,
        period_end=end,
        stage_gate_due=schedule.stage_gate_due,
        stage_gate_earliest=schedule.stage_gate_earliest,
        conditions=decision.conditions if decision else "",
        adopted_as_item=adopted_as_item,
        set_value=proposal.set_value,
        pledged_self_investment_yen=proposal.self_investment_yen or 0,
        proposal_contract_yen=sum(b.requested_yen for b in lines),
        system_technology=spec.refund_scheme,
        created_by=actor,
    )
    BudgetEntry.objects.bulk_create(
        [
            BudgetEntry(
                award=award,
                fiscal_year=b.fiscal_year,
                kind=BudgetKind.BASE,
                amount_yen=b.requested_yen,
                effective_from=award.start_date,
                note="proposal",
                created_by=actor,
            )
            for b in lines
        ]
    )
    if schedule.stage_gate_due:
        StageGateReview.objects.create(award=award, number=1, scheduled_for=schedule.stage_gate_due)
    every = rules.progress.report_every_months
    ProgressReport.objects.bulk_create(
        [
            ProgressReport(award=award, due_date=d)
            for d in report_due_dates(award.start_date, end, every)
        ]
    )
    from kikin.calls.validation import proposal_eligibility

    found = proposal_eligibility(proposal)
    if found.cap_yen is not None:
        CapEntry.objects.create(
            award=award,
            kind=CapKind.APPROVED if found.cap_kind == "approved" else CapKind.PLAN,
            cap_yen=found.cap_yen,
            scope=spec.cap.scope if found.cap_kind != "pooled" else "pooled",
            gate_number=1 if spec.cap.scope == "first_gate" else None,
            effective_from=award.start_date,
            note=found.cap_kind,
            created_by=actor,
        )
    record(
        actor=actor,
        action="award.create",
        obj=award,
        after={
            "form": award.form,
            "rate": award.rate,
            "period_end": end.isoformat(),
            "proposal_contract_yen": award.proposal_contract_yen,
        },
    )
    return award


def _booking_limit(award: Award) -> tuple[dt.date, int, int] | None:
    """(last day counted, most bookable, percent) for the booking limit the theme's plan
    declares (post-5G: 80 %), or None where it does not bind."""
    limit = award_spec(award).booking_limit
    if not caps.eighty_percent_rule_applies(limit, award.period_months, award.accelerated):
        return None
    gate = award.gate_reviews.filter(number=1).first()
    gate_date = (gate.held_on if gate and gate.held_on else None) or award.stage_gate_due
    if gate_date is None:
        return None
    return (
        caps.booking_limit_date(gate_date, limit),
        caps.max_bookable_before_gate(
            award.proposal_contract_yen, award.period_months, award.accelerated, limit
        ),
        limit.percent,
    )


def current_cap(award: Award) -> CapEntry | None:
    """The award's cap in force now: the latest entry of its cap ledger."""
    return award.cap_entries.order_by("-effective_from", "-id").first()


def _check_claim(award: Award, claim: CostClaim, lines: list[dict], amounts_key: str) -> None:
    errors: dict[str, list[str]] = {}
    add = lambda field, message: errors.setdefault(field, []).append(message)  # noqa: E731
    spec = award_spec(award)
    program_end = _program_end(award)
    start, last_day = award.start_date, award.last_day
    if claim.budget_kind == BudgetKind.CONTINUATION:
        continuation = getattr(award, "continuation", None)
        if continuation is None:
            raise ValidationError(
                {"budget_kind": _("No continuation has been approved for this award.")}
            )
        start, last_day = continuation.start_date, continuation.end_date
    if program_end is not None:
        last_day = min(last_day, program_end)
    first_fy, last_fy = fiscal.fiscal_year(start), fiscal.fiscal_year(last_day)
    if not first_fy <= claim.fiscal_year <= last_fy:
        add(
            "fiscal_year",
            _("Fiscal year %(fy)s is outside the award's period (%(a)s–%(b)s).")
            % {"fy": claim.fiscal_year, "a": first_fy, "b": last_fy},
        )
    fy_start, fy_end = fiscal.fiscal_year_bounds(claim.fiscal_year)
    for i, line in enumerate(lines, 1):
        day = line["incurred_on"]
        if not start <= day <= last_day:
            add(
                f"lines.{i}.incurred_on",
                _(
                    "%(day)s is outside the period (%(a)s – %(b)s): costs outside the period are not eligible."
                )
                % {
                    "day": day.isoformat(),
                    "a": start.isoformat(),
                    "b": last_day.isoformat(),
                },
            )
        elif not fy_start <= day <= fy_end:
            add(
                f"lines.{i}.incurred_on",
                _("%(day)s is not in fiscal year %(fy)s.")
                % {"day": day.isoformat(), "fy": claim.fiscal_year},
            )
        allowed = spec.costs_for_call(award.call.key)
        if allowed and "category" in line:
            categories = set().union(*(COST_KIND_CATEGORIES[k] for k in allowed))
            if line["category"] not in categories:
                add(
                    f"lines.{i}.category",
                    _(
                        "Only %(kinds)s are eligible costs of this theme (the plan limits them, e.g. GENIAC's compute fee)."
                    )
                    % {"kinds": ", ".join(str(CostCategory(c).label) for c in sorted(categories))},
                )
        if line.get("fixed_amount") and award.form != AwardForm.GRANT:
            add(
                f"lines.{i}.fixed_amount",
                _("Fixed-amount lines exist only in grants (joint research with academia)."),
            )
        if line[amounts_key] is None or line[amounts_key] < 0:
            add(f"lines.{i}.{amounts_key}", _("A whole number of yen, not negative."))
    if errors:
        raise ValidationError(errors)
    total = fund_share(
        [(line[amounts_key], bool(line.get("fixed_amount"))) for line in lines],
        rate_for_year(award, claim.fiscal_year, claim.budget_kind),
    )
    left = budget_left(award, claim.fiscal_year, claim.budget_kind, exclude_claim=claim)
    if total > left:
        add(
            "lines",
            _(
                "The fund's share of the claim (%(total)s yen) is above what is left of the %(fy)s budget (%(left)s yen)."
            )
            % {
                "total": f"{total:,}",
                "fy": fiscal_year_label(claim.fiscal_year),
                "left": f"{left:,}",
            },
        )
    cap = current_cap(award)
    if (
        cap is not None
        and cap.scope in ("first_gate", "proposal")
        and claim.budget_kind != BudgetKind.CONTINUATION
    ):
        paid = (
            Payment.objects.filter(award=award)
            .exclude(budget_kind=BudgetKind.CONTINUATION)
            .exclude(claim_id=claim.pk)
            .aggregate(s=Sum("amount_yen"))["s"]
            or 0
        )
        waiting: dict[int, list[tuple[int, bool]]] = {}
        for claim_id, fy, kind, amount, fixed in (
            ClaimLine.objects.filter(claim__award=award, claim__state=ClaimState.SUBMITTED)
            .exclude(claim__budget_kind=BudgetKind.CONTINUATION)
            .exclude(claim_id=claim.pk)
            .values_list(
                "claim_id", "claim__fiscal_year", "claim__budget_kind", "amount_yen", "fixed_amount"
            )
        ):
            waiting.setdefault((claim_id, fy, kind), []).append((amount, fixed))
        pending_share = sum(
            fund_share(v, rate_for_year(award, fy, kind)) for (_c, fy, kind), v in waiting.items()
        )
        if paid + pending_share + total > cap.cap_yen:
            add(
                "lines",
                _(
                    "The fund's share paid and claimed would come to %(sum)s yen, above the cap now in force of %(cap)s yen (%(why)s)."
                )
                % {
                    "sum": f"{paid + pending_share + total:,}",
                    "cap": f"{cap.cap_yen:,}",
                    "why": cap.get_kind_display(),
                },
            )
    limit = _booking_limit(award)
    if limit is not None and claim.budget_kind == BudgetKind.BASE:
        last_day, most, percent = limit
        booked = (
            ClaimLine.objects.filter(
                claim__award=award,
                claim__state=ClaimState.APPROVED,
                claim__budget_kind=BudgetKind.BASE,
                incurred_on__lte=last_day,
            )
            .exclude(claim_id=claim.pk)
            .aggregate(s=Sum("eligible_yen"))["s"]
            or 0
        )
        pending = (
            ClaimLine.objects.filter(
                claim__award=award,
                claim__state=ClaimState.SUBMITTED,
                claim__budget_kind=BudgetKind.BASE,
                incurred_on__lte=last_day,
            )
            .exclude(claim_id=claim.pk)
            .aggregate(s=Sum("amount_yen"))["s"]
            or 0
        )
        this = sum(line[amounts_key] for line in lines if line["incurred_on"] <= last_day)
        if booked + pending + this > most:
            add(
                "lines",
                _(
                    "%(percent)s %% rule: costs up to %(day)s may come to at most %(most)s yen, %(percent)s %% of the proposal-time cost; with this claim they would be %(now)s yen."
                )
                % {
                    "percent": percent,
                    "day": last_day.isoformat(),
                    "most": f"{most:,}",
                    "now": f"{booked + pending + this:,}",
                },
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def submit_claim(
    *, actor, award: Award, fiscal_year: int, lines: list[dict], budget_kind: str = BudgetKind.BASE
) -> CostClaim:
    """The implementer claims a fiscal year's costs, line by line (category, description,
    incurred_on, amount_yen, fixed_amount, evidence). Refused whole, with every rule broken."""
    award = Award.objects.select_for_update().get(pk=award.pk)
    if not is_implementer(actor, award):
        raise PermissionDenied(_("Only the implementer may claim costs."))
    if award.state == AwardState.ENDED and not (
        budget_kind == BudgetKind.CONTINUATION and hasattr(award, "continuation")
    ):
        raise ValidationError({"award": _("The award has ended.")})
    if budget_kind not in {BudgetKind.BASE, BudgetKind.ACCELERATION, BudgetKind.CONTINUATION}:
        raise ValidationError(
            {
                "budget_kind": _(
                    "Claim against the proposal-time, acceleration or continuation budget."
                )
            }
        )
    if not lines:
        raise ValidationError({"lines": _("A claim needs at least one line.")})
    refusals = v.Refusals()
    refusals.check(v.whole_number, fiscal_year, field="fiscal_year", minimum=0, maximum=9999)
    for i, line in enumerate(lines, 1):
        refusals.check(
            v.choice, line.get("category"), field=f"lines.{i}.category", choices=CostCategory
        )
        line["description"] = refusals.check(
            v.text,
            line.get("description"),
            field=f"lines.{i}.description",
            max_length=300,
            required=True,
        )
        refusals.check(v.yen, line.get("amount_yen"), field=f"lines.{i}.amount_yen")
        day = refusals.check(
            v.date_between, line.get("incurred_on"), field=f"lines.{i}.incurred_on"
        )
        if day is not None:
            refusals.check(
                v.not_after_today,
                day,
                field=f"lines.{i}.incurred_on",
                what=_("only costs already incurred can be claimed."),
            )
    refusals.raise_any()
    claim = CostClaim(
        award=award, fiscal_year=fiscal_year, budget_kind=budget_kind, created_by=actor
    )
    _check_claim(award, claim, lines, "amount_yen")
    for i, line in enumerate(lines, 1):
        if line.get("evidence"):
            check_document(line["evidence"], field=f"lines.{i}.evidence")
    CLAIM.apply(
        claim,
        "submit",
        actor,
        also={"submitted_at": timeutil.now()},
        extra={
            "award": award.number,
            "fiscal_year": fiscal_year,
            "total_yen": sum(line["amount_yen"] for line in lines),
        },
    )
    for line in lines:
        ClaimLine.objects.create(
            claim=claim,
            category=line["category"],
            description=line["description"],
            incurred_on=line["incurred_on"],
            amount_yen=line["amount_yen"],
            fixed_amount=bool(line.get("fixed_amount")),
            evidence=line.get("evidence") or "",
            evidence_name=(line["evidence"].name if line.get("evidence") else "")[:255],
        )
    return claim


def payment_amount(
    award: Award, lines: list[ClaimLine], rate: Fraction | None = None
) -> tuple[int, int]:
    """(eligible cost, payment) for checked lines: Σ eligible × rate truncated, plus fixed-amount lines."""
    normal = sum(line.eligible_yen for line in lines if not line.fixed_amount)
    fixed = sum(line.eligible_yen for line in lines if line.fixed_amount)
    return normal + fixed, apply_rate(normal, award.rate_fraction if rate is None else rate) + fixed


@transaction.atomic
def approve_claim(
    *, actor, claim: CostClaim, eligible: dict[int, int] | None = None, note: str = ""
) -> Payment:
    """The agency checks a claim: the eligible cost of each line (default: as claimed), the rules
    again on the eligible amounts, then the payment."""
    require_role(actor, Role.AGENCY)
    note = v.text(note, field="note")
    claim = CostClaim.objects.select_for_update().select_related("award").get(pk=claim.pk)
    if claim.state != ClaimState.SUBMITTED:
        raise ValidationError({"claim": _("Only a submitted claim can be approved.")})
    award = claim.award
    lines = list(claim.lines.all())
    eligible = eligible or {}
    unknown = set(eligible) - {line.pk for line in lines}
    if unknown:
        raise ValidationError(
            {"eligible": _("Lines %(ids)s are not in this claim.") % {"ids": sorted(unknown)}}
        )
    for line in lines:
        value = eligible.get(line.pk, line.amount_yen)
        if not 0 <= value <= line.amount_yen:
            raise ValidationError(
                {
                    f"eligible.{line.pk}": _(
                        "The eligible cost is between 0 and the amount claimed (%(n)s yen)."
                    )
                    % {"n": f"{line.amount_yen:,}"}
                }
            )
        line.eligible_yen = value
    # The checks leave this claim out of what is pending (by its id) while it is re-checked.
    _check_claim(
        award,
        claim,
        [
            {
                "incurred_on": line.incurred_on,
                "eligible_yen": line.eligible_yen,
                "fixed_amount": line.fixed_amount,
                "category": line.category,
            }
            for line in lines
        ],
        "eligible_yen",
    )
    ClaimLine.objects.bulk_update(lines, ["eligible_yen"])
    rate = rate_for_year(award, claim.fiscal_year, claim.budget_kind)
    total, amount = payment_amount(award, lines, rate)
    now = timeutil.now()
    CLAIM.apply(
        claim,
        "approve",
        actor,
        also={"decided_by": actor, "decided_at": now, "decision_note": note},
        extra={"eligible_yen": total, "payment_yen": amount, "rate": format_rate(rate)},
    )
    payment = Payment.objects.create(
        award=award,
        claim=claim,
        fiscal_year=claim.fiscal_year,
        budget_kind=claim.budget_kind,
        eligible_yen=total,
        rate=format_rate(rate),
        amount_yen=amount,
        approved_at=now,
    )
    return payment


@transaction.atomic
def refuse_claim(*, actor, claim: CostClaim, reason: str) -> CostClaim:
    require_role(actor, Role.AGENCY)
    reason = v.text(reason, field="reason")
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    claim = CostClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.state != ClaimState.SUBMITTED:
        raise ValidationError({"claim": _("Only a submitted claim can be refused.")})
    return CLAIM.apply(
        claim,
        "refuse",
        actor,
        note=reason,
        also={"decided_by": actor, "decided_at": timeutil.now(), "decision_note": reason},
    )


@transaction.atomic
def decide_stage_gate(
    *,
    actor,
    award: Award,
    held_on: dt.date,
    outcome: str,
    note: str = "",
    budget_change_yen: int = 0,
    fiscal_year: int | None = None,
    gx_commitment_confirmed: bool | None = None,
) -> StageGateReview:
    """Record a stage-gate review. Fail: the theme ends as its program's `[stage_gate]` says
    (post-5G: 3 months after the review, 6 where its period is five years, 000 lines 5303–5305),
    never after its period's end. Accelerate / shrink: a budget entry of that kind for
    `fiscal_year`; acceleration raises the cap in force by the same amount (000 lines 4968–4974,
    5145–5149). A passed gate opens the next cumulative total of a growing cap ((d1), (f2)). A
    GX theme passes only with the implementer's commitment confirmed (000 lines 4751–4755)."""
    require_role(actor, Role.AGENCY)
    award = Award.objects.select_for_update().select_related("theme__program").get(pk=award.pk)
    spec = award_spec(award)
    rules = award.theme.program.plan_rules()
    if outcome not in GateOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    note = v.text(note, field="note")
    v.date_between(held_on, field="held_on")
    v.not_after_today(
        held_on, field="held_on", what=_("a review is recorded once it has been held.")
    )
    if held_on < award.start_date:
        raise ValidationError({"held_on": _("A review cannot be held before the work starts.")})
    _within_program(award, held_on, field="held_on", last=award.last_day)
    v.yen(budget_change_yen, field="budget_change_yen")
    if outcome == GateOutcome.FAIL and not rules.stage_gate.may_stop:
        raise ValidationError({"outcome": _("This program's gates do not stop the work.")})
    if outcome == GateOutcome.FAIL and award.state != AwardState.ACTIVE:
        raise ValidationError({"outcome": _("The award is no longer in progress.")})
    if spec.gx and outcome != GateOutcome.FAIL and not gx_commitment_confirmed:
        raise ValidationError(
            {
                "gx_commitment_confirmed": _(
                    "A GX theme passes its gate only once the implementer's commitment to social implementation is confirmed."
                )
            }
        )
    review = award.gate_reviews.filter(held_on__isnull=True).order_by("number").first()
    if review is None:
        number = (
            award.gate_reviews.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        review = StageGateReview(award=award, number=number, scheduled_for=held_on)
    if outcome in {GateOutcome.ACCELERATE, GateOutcome.SHRINK}:
        if budget_change_yen <= 0 or fiscal_year is None:
            raise ValidationError(
                {
                    "budget_change_yen": _(
                        "Give the amount (more than 0) and the fiscal year of the change."
                    )
                }
            )
        _check_award_year(award, fiscal_year)
        kind = (
            BudgetKind.ACCELERATION if outcome == GateOutcome.ACCELERATE else BudgetKind.REDUCTION
        )
        BudgetEntry.objects.create(
            award=award,
            fiscal_year=fiscal_year,
            kind=kind,
            amount_yen=budget_change_yen if kind == BudgetKind.ACCELERATION else -budget_change_yen,
            effective_from=held_on,
            note=f"stage gate {review.number}",
            created_by=actor,
        )
        if kind == BudgetKind.ACCELERATION:
            award.accelerated = True
            cap = current_cap(award)
            if cap is not None:
                CapEntry.objects.create(
                    award=award,
                    kind=CapKind.ACCELERATION,
                    cap_yen=cap.cap_yen + budget_change_yen,
                    scope=cap.scope,
                    gate_number=cap.gate_number,
                    effective_from=held_on,
                    note=f"stage gate {review.number}",
                    created_by=actor,
                )
    if (
        outcome != GateOutcome.FAIL
        and spec.cap.tranches_yen
        and review.number <= len(spec.cap.tranches_yen)
    ):
        cap = current_cap(award)
        raised = (
            cap.cap_yen
            - (
                spec.cap.base_yen
                if review.number == 1
                else spec.cap.tranches_yen[review.number - 2]
            )
            if cap is not None
            else 0
        )
        CapEntry.objects.create(
            award=award,
            kind=CapKind.TRANCHE,
            cap_yen=spec.cap.tranches_yen[review.number - 1] + max(raised, 0),
            scope="first_gate",
            gate_number=review.number + 1,
            effective_from=held_on,
            note=f"stage gate {review.number} passed",
            created_by=actor,
        )
    if outcome == GateOutcome.FAIL:
        review.new_end_date = end_if_gate_failed(
            held_on, award.period_months, award.period_end, rules.stage_gate
        )
        terminate_award(
            actor=actor,
            award=award,
            end_date=review.new_end_date,
            reason=note,
            extra={"gate": review.number},
        )
        # Reports due after the new end fall away; a final report is due on the end date.
        award.progress_reports.filter(
            submitted_at__isnull=True, due_date__gt=review.new_end_date
        ).delete()
        ProgressReport.objects.get_or_create(award=award, due_date=review.new_end_date)
    if outcome == GateOutcome.MOVE_ITEM:
        target = award.theme.program.items.filter(move_target=True).first()
        if target is None or target.number == (award.adopted_as_item or award.theme.item.number):
            raise ValidationError(
                {"outcome": _("This program has no item to move the theme into.")}
            )
        award.adopted_as_item = target.number
        award.system_technology = False  # the refund scheme stays with the theme's own item
    award.save()
    GATE.apply(
        review,
        outcome,
        actor,
        note=note,
        also={
            "held_on": held_on,
            "note": note,
            "decided_by": actor,
            "budget_change_yen": budget_change_yen,
            "gx_commitment_confirmed": gx_commitment_confirmed if spec.gx else None,
            "new_end_date": review.new_end_date,
        },
        extra={
            "award": award.number,
            "gate": review.number,
            "end_date": award.end_date.isoformat() if award.end_date else None,
        },
    )
    return review


def terminate_award(
    *, actor, award: Award, end_date: dt.date, reason: str, extra: dict | None = None
) -> Award:
    """End an award early (state "terminated", its actual end date), with its audit record: a
    failed stage gate, or the leakage committee's stop. The one writer of that move; call inside
    the caller's transaction, on a row the caller has locked."""
    return AWARD.apply(
        award,
        "terminate",
        actor,
        note=reason,
        also={"end_date": end_date},
        before={"end_date": award.end_date.isoformat() if award.end_date else None},
        extra={"end_date": end_date.isoformat(), **(extra or {})},
    )


def end_award(*, actor, award: Award, end_date: dt.date, extra: dict | None = None) -> Award:
    """End an award that ran its course (state "ended"), on its final evaluation, keeping an actual
    end date already set. Call inside the caller's transaction, on a row the caller has locked."""
    end_date = award.end_date or end_date
    return AWARD.apply(
        award,
        "end",
        actor,
        also={"end_date": end_date},
        extra={"end_date": end_date.isoformat(), **(extra or {})},
    )


def set_award_set_value(*, award: Award, value) -> Award:
    """Write the award's cost-effectiveness set value, as a decided change of it says (the caller
    records the change and its audit record, inside its transaction)."""
    Award.objects.filter(pk=award.pk).update(set_value=value)
    award.set_value = value
    return award


@transaction.atomic
def schedule_stage_gate_early(*, actor, award: Award, on: dt.date, reason: str) -> StageGateReview:
    """Bring the first gate forward, where the selection review allowed it (000 lines 5300–5302)."""
    require_role(actor, Role.AGENCY)
    reason = v.text(reason, field="reason")
    v.date_between(on, field="on")
    if not reason:
        raise ValidationError({"reason": _("Say where the selection allowed an earlier gate.")})
    review = StageGateReview.objects.select_for_update().get(award=award, number=1)
    if review.held_on:
        raise ValidationError({"on": _("The gate has been held.")})
    if not award.start_date < on <= review.scheduled_for:
        raise ValidationError(
            {
                "on": _("An earlier date between the start and %(due)s.")
                % {"due": review.scheduled_for.isoformat()}
            }
        )
    before = review.scheduled_for
    review.scheduled_for = on
    review.save(update_fields=["scheduled_for"])
    Award.objects.filter(pk=award.pk).update(stage_gate_due=on)
    record(
        actor=actor,
        action="award.gate_earlier",
        obj=award,
        before={"due": before.isoformat()},
        after={"due": on.isoformat()},
        note=reason,
    )
    return review


@transaction.atomic
def record_directive(
    *,
    actor,
    award: Award,
    issued_on: dt.date,
    effective_from: dt.date,
    fiscal_year: int,
    amount_yen: int,
    note: str,
) -> Directive:
    """A ministry directive changing a theme's budget, applied from its date."""
    require_role(actor, Role.MINISTRY)
    award = Award.objects.select_for_update().select_related("theme__program").get(pk=award.pk)
    refusals = v.Refusals()
    refusals.check(v.yen, amount_yen, field="amount_yen", allow_negative=True)
    note = refusals.check(v.text, note, field="note")
    refusals.check(_within_program, award, issued_on, field="issued_on")
    refusals.check(
        _within_program,
        award,
        effective_from,
        field="effective_from",
        first=award.start_date,
        last=award.last_day,
    )
    refusals.check(_check_award_year, award, fiscal_year)
    refusals.raise_any()
    if amount_yen == 0 or not note:
        raise ValidationError({"amount_yen": _("Give a change other than 0 and its reason.")})
    if effective_from < issued_on:
        raise ValidationError(
            {"effective_from": _("A directive takes effect on or after the day it is issued.")}
        )
    if amount_yen < 0:
        left = budget_left(award, fiscal_year, BudgetKind.BASE)
        if -amount_yen > left:
            raise ValidationError(
                {
                    "amount_yen": _(
                        "A reduction of %(cut)s yen is more than what is left of the %(fy)s budget (%(left)s yen)."
                    )
                    % {
                        "cut": f"{-amount_yen:,}",
                        "fy": fiscal_year_label(fiscal_year),
                        "left": f"{left:,}",
                    }
                }
            )
    directive = Directive.objects.create(
        award=award,
        issued_on=issued_on,
        effective_from=effective_from,
        fiscal_year=fiscal_year,
        amount_yen=amount_yen,
        note=note,
        issued_by=actor,
    )
    BudgetEntry.objects.create(
        award=award,
        fiscal_year=fiscal_year,
        kind=BudgetKind.ACCELERATION if amount_yen > 0 else BudgetKind.REDUCTION,
        amount_yen=amount_yen,
        effective_from=effective_from,
        note=f"directive {directive.pk}",
        created_by=actor,
    )
    if amount_yen > 0:
        Award.objects.filter(pk=award.pk).update(accelerated=True)
    cap = current_cap(award)
    if cap is not None:  # any item's budget may be raised or cut (000 lines 4804–4808)
        CapEntry.objects.create(
            award=award,
            kind=CapKind.CHANGE,
            cap_yen=max(cap.cap_yen + amount_yen, 0),
            scope=cap.scope,
            gate_number=cap.gate_number,
            effective_from=effective_from,
            note=f"directive {directive.pk}",
            created_by=actor,
        )
    record(
        actor=actor,
        action="award.directive",
        obj=award,
        after={"fiscal_year": fiscal_year, "amount_yen": amount_yen},
    )
    return directive


@transaction.atomic
def submit_progress_report(
    *,
    actor,
    report: ProgressReport,
    summary: str,
    issues: str = "",
    milestones: dict[int, str] | None = None,
) -> ProgressReport:
    """The implementer files a progress report that is due, with where each intermediate
    milestone due by then stands (`milestones`: id → achieved / missed)."""
    report = ProgressReport.objects.select_for_update().select_related("award").get(pk=report.pk)
    if not is_implementer(actor, report.award):
        raise PermissionDenied(_("Only the implementer files progress reports."))
    if report.submitted_at:
        raise ValidationError({"report": _("This report has been filed.")})
    summary, issues = v.text(summary, field="summary"), v.text(issues, field="issues")
    if not summary.strip():
        raise ValidationError({"summary": _("Describe the progress.")})
    milestones = milestones or {}
    known = {m.pk: m for m in report.award.milestones.select_for_update()}
    for pk, state in milestones.items():
        if pk not in known:
            raise ValidationError({f"milestones.{pk}": _("Not a milestone of this theme.")})
        if state not in (MilestoneState.ACHIEVED, MilestoneState.MISSED):
            raise ValidationError({f"milestones.{pk}": _("Say whether it was achieved.")})
    for m in known.values():
        if (
            m.state == MilestoneState.PENDING
            and m.due_date <= report.due_date
            and m.pk not in milestones
        ):
            raise ValidationError(
                {
                    f"milestones.{m.pk}": _("Say whether the milestone “%(t)s” was achieved.")
                    % {"t": m.title}
                }
            )
    for pk, state in milestones.items():
        if known[pk].state == state:  # said again: the state stands
            Milestone.objects.filter(pk=pk).update(reported_in=report)
        else:
            MILESTONE.apply(
                known[pk],
                MILESTONE_BY_STATE[state],
                actor,
                also={"reported_in": report},
                extra={"report_due": report.due_date.isoformat()},
            )
    report.summary, report.issues, report.submitted_at, report.submitted_by = (
        summary,
        issues,
        timeutil.now(),
        actor,
    )
    report.save()
    record(
        actor=actor,
        action="award.progress_report",
        obj=report.award,
        after={"due": report.due_date.isoformat()},
    )
    return report


@transaction.atomic
def record_evaluation(
    *,
    actor,
    award: Award,
    fiscal_year: int,
    outlook: str,
    comment: str,
    budget_needed: bool = True,
    team_sound: bool = True,
) -> YearlyEvaluation:
    """The committee's yearly evaluation, recorded by the agency."""
    require_role(actor, Role.AGENCY)
    if outlook not in Outlook.values:
        raise ValidationError({"outlook": _("Choose the outlook for the targets.")})
    comment = v.text(comment, field="comment")
    _check_award_year(award, fiscal_year)
    if not comment.strip():
        raise ValidationError({"comment": _("Give the committee's comment.")})
    evaluation, _created = YearlyEvaluation.objects.update_or_create(
        award=award,
        fiscal_year=fiscal_year,
        defaults={
            "outlook": outlook,
            "comment": comment,
            "budget_needed": budget_needed,
            "team_sound": team_sound,
            "evaluated_by": actor,
        },
    )
    record(
        actor=actor,
        action="award.evaluation",
        obj=award,
        after={"fiscal_year": fiscal_year, "outlook": outlook},
    )
    return evaluation


@transaction.atomic
def set_milestones(*, actor, award: Award, milestones: list[dict]) -> list[Milestone]:
    """The agency sets a theme's intermediate milestones (中間目標, 000 lines 43–51): each a title
    and a due date inside the period. Refused for themes the plan exempts ((g3), item ④)."""
    require_role(actor, Role.AGENCY)
    award = Award.objects.select_for_update().get(pk=award.pk)
    if not award_spec(award).intermediate_targets:
        raise ValidationError(
            {"milestones": _("The plan sets no intermediate milestones for this theme.")}
        )
    errors: dict[str, str] = {}
    for i, m in enumerate(milestones, 1):
        if not (m.get("title") or "").strip():
            errors[f"milestones.{i}.title"] = _("Give the milestone.")
        due = m.get("due_date")
        if not isinstance(due, dt.date) or not award.start_date <= due <= award.period_end:
            errors[f"milestones.{i}.due_date"] = _(
                "A due date inside the period (%(a)s – %(b)s)."
            ) % {"a": award.start_date.isoformat(), "b": award.period_end.isoformat()}
    if not milestones:
        errors["milestones"] = _("Give at least one milestone.")
    if errors:
        raise ValidationError(errors)
    made = [
        Milestone.objects.create(award=award, title=m["title"].strip(), due_date=m["due_date"])
        for m in milestones
    ]
    record(
        actor=actor,
        action="award.milestones",
        obj=award,
        after={"milestones": [[m.title, m.due_date.isoformat()] for m in made]},
    )
    return made


@transaction.atomic
def approve_continuation(
    *,
    actor,
    award: Award,
    months: int,
    form: str,
    budget_by_fy: dict[int, int],
    rate: Fraction | None = None,
    note: str = "",
):
    """Approve continuation R&D (継続研究開発) after the end-of-term review (000 lines 4406–4420):
    only where the program has it and the original proposal foresaw it (continuation plan), for
    at most its `max_months` (three years) after the period, within the program's life; contract
    or grant decided now, at the theme's declared continuation terms where the plan states them
    ((c4): a grant at 1/2, at most 5億円, line 4860). Its budget goes to the ledger as continuation
    money, which the refund leaves out (lines 4534–4538)."""
    from .models import Continuation

    require_role(actor, Role.AGENCY)
    award = (
        Award.objects.select_for_update()
        .select_related("theme__program", "proposal")
        .get(pk=award.pk)
    )
    rules = award.theme.program.plan_rules().continuation
    spec = award_spec(award)
    errors: dict[str, str] = {}
    if rules is None:
        raise ValidationError({"award": _("This program has no continuation R&D.")})
    if Continuation.objects.filter(award=award).exists():
        raise ValidationError({"award": _("A continuation has been approved for this award.")})
    if award.state == AwardState.TERMINATED:
        raise ValidationError({"award": _("A theme ended early cannot continue.")})
    if rules.must_be_foreseen and not award.proposal.continuation_plan.strip():
        errors["award"] = _(
            "Only a continuation the original proposal foresaw may be approved (000 line 4414)."
        )
    if not 1 <= months <= rules.max_months:
        errors["months"] = _("Between 1 and %(n)s months.") % {"n": rules.max_months}
    if not note.strip():
        errors["note"] = _("Give the result of the end-of-term continuation review.")
    declared = spec.continuation
    if form not in AwardForm.values:
        errors["form"] = _("Choose contract or grant.")
    elif declared is not None and form != declared.support:
        errors["form"] = _("The plan states the continuation as a %(f)s.") % {
            "f": AwardForm(declared.support).label
        }
    if form == AwardForm.CONTRACT:
        rate = Fraction(1)
    elif declared is not None and declared.support == form:
        if rate is not None and rate != declared.rate:
            errors["rate"] = _("The plan states the rate %(r)s.") % {
                "r": format_rate(declared.rate)
            }
        rate = declared.rate
    elif rate is None or not 0 < rate < 1:
        errors["rate"] = _("Give the grant's rate, such as 1/2.")
    if errors:
        raise ValidationError(errors)
    start = award.period_end + dt.timedelta(days=1)
    end = period_end(start, months)
    program_end = _program_end(award)
    if program_end is not None and end > program_end:
        raise ValidationError(
            {
                "months": _(
                    "The continuation would end on %(end)s, after the program ends on %(p)s."
                )
                % {"end": end.isoformat(), "p": program_end.isoformat()}
            }
        )
    total = sum(budget_by_fy.values())
    first_fy, last_fy = fiscal.fiscal_year(start), fiscal.fiscal_year(end)
    for fy, yen in budget_by_fy.items():
        if not first_fy <= fy <= last_fy:
            errors[f"budget.{fy}"] = _(
                "Fiscal year %(fy)s is outside the continuation (%(a)s–%(b)s)."
            ) % {
                "fy": fy,
                "a": first_fy,
                "b": last_fy,
            }
        if yen < 0:
            errors[f"budget.{fy}"] = _("A whole number of yen, not negative.")
    if not budget_by_fy or total <= 0:
        errors["budget"] = _("Give the continuation's budget by fiscal year.")
    if declared is not None and declared.cap_yen is not None and total > declared.cap_yen:
        errors["budget"] = _("The plan caps the continuation at %(cap)s yen.") % {
            "cap": f"{declared.cap_yen:,}"
        }
    if errors:
        raise ValidationError(errors)
    continuation = Continuation.objects.create(
        award=award,
        form=form,
        rate=format_rate(rate),
        start_date=start,
        end_date=end,
        budget_yen=total,
        note=note,
        approved_by=actor,
    )
    BudgetEntry.objects.bulk_create(
        [
            BudgetEntry(
                award=award,
                fiscal_year=fy,
                kind=BudgetKind.CONTINUATION,
                amount_yen=yen,
                effective_from=start,
                note="continuation",
                created_by=actor,
            )
            for fy, yen in sorted(budget_by_fy.items())
        ]
    )
    record(
        actor=actor,
        action="award.continuation",
        obj=award,
        after={
            "form": form,
            "rate": format_rate(rate),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "budget_yen": total,
        },
    )
    return continuation
