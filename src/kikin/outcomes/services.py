"""Writes after the work: filings, set-value changes, assessments and notices, evaluations, practical use.

Each function is one transaction with a role check and an audit record; a refusal is a
ValidationError naming the field and the rule. The rules themselves live in `kikin.rules`
(refund.py, returns.py): this module gathers their inputs from checked filings and the award's
payments, keeps every input with the filing it came from, and freezes them when decided.

Seed: 000_628dcc7e01f6f899.txt lines 4506–4690 (refund, self-investment), 5483–5535 (別紙1,
revenue payback), 41–71 (final targets and practical use).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.accounts.permissions import require_role
from kikin.audit.services import record
from kikin.awards.models import Award, AwardForm, AwardState, ClaimLine, ClaimState, Payment
from kikin.awards.permissions import is_implementer
from kikin.awards.selectors import award_spec, received_for_refund
from kikin.awards.services import end_award, set_award_set_value
from kikin.core import timeutil
from kikin.core.files import check_document
from kikin.core.rule_messages import rule_refusal
from kikin.core.timeutil import today_jst
from kikin.rules import fiscal
from kikin.rules.caps import round_index
from kikin.rules.dates import add_months
from kikin.rules.errors import RuleError
from kikin.rules.refund import baseline_years, evaluate_refund, evaluation_fiscal_year, sales_window
from kikin.rules.returns import revenue_payback, self_investment_return

from .models import (
    AccountingBasis,
    Assessment,
    AssessmentKind,
    AssessmentState,
    ChangeState,
    Filing,
    FilingState,
    FinalEvaluation,
    PracticalUseCheck,
    SetValueChange,
    UseKind,
)
from .workflow import ASSESSMENT, FILING, SET_VALUE_CHANGE

#: Notice numbers: a prefix per kind, the fiscal year, a running number.
NOTICE_PREFIX = {
    AssessmentKind.REFUND: "RF",
    AssessmentKind.SELF_INVESTMENT: "SI",
    AssessmentKind.PAYBACK: "PB",
}
#: Where each rule stands in the seed, shown beside the figures.
SEED_REFS = {
    AssessmentKind.REFUND: "000 l.4506–4690",
    AssessmentKind.SELF_INVESTMENT: "000 l.4731–4741",
    AssessmentKind.PAYBACK: "000 l.5483–5535 (別紙1)",
}


def _start_fy(award: Award) -> int:
    return fiscal.fiscal_year(award.start_date)


# ---------------------------------------------------------------------------------------------
# Filings
# ---------------------------------------------------------------------------------------------

FILING_AMOUNTS = (
    "product_sales_yen",
    "other_sales_yen",
    "cost_of_sales_yen",
    "sga_yen",
    "spending_after_yen",
    "self_burden_yen",
)


def _own_period_ok(start: dt.date, end: dt.date) -> bool:
    """A twelve-month accounting year: it ends the day before the same date a year on."""
    return add_months(start, 12) - dt.timedelta(days=1) == end


def _check_filing(award: Award, fiscal_year: int, data: dict, today: dt.date) -> dict:
    errors: dict[str, list[str]] = {}

    def err(field, message):
        errors.setdefault(field, []).append(message)

    first = _start_fy(award) - 2
    last = fiscal.fiscal_year(award.theme.program.end_date) + 30  # filings run years after
    if not isinstance(fiscal_year, int) or not first - 100 <= fiscal_year <= last:
        raise ValidationError(
            {"fiscal_year": _("A fiscal year between %(a)s and %(b)s.") % {"a": first, "b": last}}
        )
    if fiscal_year < first:
        err(
            "fiscal_year",
            _(
                "Filings start with %(fy)s, the second year before the work began (the baseline of the refund)."
            )
            % {"fy": fiscal.fiscal_year_label_ja(first)},
        )
    basis = data.get("basis", AccountingBasis.GOVERNMENT)
    if basis not in AccountingBasis.values:
        err("basis", _("Choose the accounting year."))
    if basis == AccountingBasis.GOVERNMENT:
        data["period_start"], data["period_end"] = fiscal.fiscal_year_bounds(fiscal_year)
    else:
        start, end = data.get("period_start"), data.get("period_end")
        fy_start, fy_end = fiscal.fiscal_year_bounds(fiscal_year)
        if not start or not end:
            err("period_end", _("Give the first and last day of your accounting year."))
        elif not _own_period_ok(start, end):
            err(
                "period_end",
                _("An accounting year runs twelve months (e.g. 2027-01-01 to 2027-12-31)."),
            )
        elif not (fy_start <= end < fy_end):
            err(
                "period_end",
                _(
                    "Your own accounting year may be used only where it ends before 31 March, inside the fiscal year it stands for (%(from)s – %(to)s)."
                )
                % {"from": fy_start.isoformat(), "to": (fy_end - dt.timedelta(days=1)).isoformat()},
            )
    if data.get("period_end") and data["period_end"] > today:
        err(
            "fiscal_year",
            _("A year is filed once it has ended (it ends on %(d)s).")
            % {"d": data["period_end"].isoformat()},
        )
    for name in FILING_AMOUNTS:
        value = data.get(name, 0)
        if not isinstance(value, int) or value < 0:
            err(name, _("Whole yen, 0 or more."))
    if (
        data.get("other_sales_yen", 0) > 0
        and not str(data.get("other_sales_breakdown", "")).strip()
    ):
        err(
            "other_sales_breakdown",
            _(
                "Sales other than the product itself are shown with their breakdown (000 line 4650)."
            ),
        )
    try:
        ratio = Fraction(str(data.get("contribution_ratio", "1")).strip() or "1")
        if not 0 < ratio <= 1:
            raise ValueError
        data["contribution_ratio"] = str(ratio)
    except (ValueError, ZeroDivisionError):
        err(
            "contribution_ratio",
            _("A fraction above 0 and at most 1, such as 1, 3/4 or 0.6 (別紙1 注2)."),
        )
    if data.get("self_burden_yen", 0) and not award.pledged_self_investment_yen:
        err(
            "self_burden_yen",
            _("Only a theme with a pledged self-investment reports a self-funded burden."),
        )
    # 同じ条件で算出: every year of one award on the same basis (000 line 4656).
    others = Filing.objects.filter(award=award).exclude(fiscal_year=fiscal_year)
    for other in others.only("basis", "consolidated", "period_end", "fiscal_year")[:1]:
        if other.basis != basis:
            err(
                "basis",
                _(
                    "Every year of a theme is filed on the same accounting year (%(fy)s was filed on “%(b)s”): the index is computed the same way each time (000 line 4656)."
                )
                % {
                    "fy": fiscal.fiscal_year_label_ja(other.fiscal_year),
                    "b": other.get_basis_display(),
                },
            )
        elif (
            basis == AccountingBasis.OWN
            and data.get("period_end")
            and (other.period_end.month, other.period_end.day)
            != (data["period_end"].month, data["period_end"].day)
        ):
            err(
                "period_end",
                _(
                    "Your accounting year ended on %(md)s in the other filings; keep the same year end."
                )
                % {"md": other.period_end.strftime("%m-%d")},
            )
        if other.consolidated != bool(data.get("consolidated")):
            err(
                "consolidated",
                _(
                    "Every year of a theme uses the same scope (consolidated or not) (000 lines 4652–4656)."
                ),
            )
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def submit_filing(*, actor, award: Award, fiscal_year: int, evidence=None, **data) -> Filing:
    """File (or correct, while not yet checked) one fiscal year's figures of an award."""
    if not is_implementer(actor, award):
        raise PermissionDenied(_("Only the implementer files its figures."))
    award = Award.objects.select_for_update().get(pk=award.pk)
    data = _check_filing(award, fiscal_year, dict(data), today_jst())
    if evidence:
        check_document(evidence, field="evidence")
    filing = Filing.objects.filter(award=award, fiscal_year=fiscal_year).first()
    before = None
    if filing is not None:
        if filing.state == FilingState.CHECKED:
            raise ValidationError(
                {
                    "fiscal_year": _(
                        "The filing for this year has been checked and is locked; ask the agency to reopen it."
                    )
                }
            )
        before = {name: getattr(filing, name) for name in FILING_AMOUNTS}
    else:
        filing = Filing(award=award, fiscal_year=fiscal_year)
    fields = (
        "basis",
        "period_start",
        "period_end",
        "consolidated",
        *FILING_AMOUNTS,
        "other_sales_breakdown",
        "contribution_ratio",
        "deemed_profit",
        "note",
    )
    changes = {name: data[name] for name in fields if name in data}
    if evidence:
        changes["evidence"] = evidence
    changes.update(
        submitted_by=actor, submitted_at=timeutil.now(), checked_by=None, checked_at=None
    )
    FILING.apply(
        filing,
        "file",
        actor,
        also=changes,
        before=before,
        extra={
            "fiscal_year": fiscal_year,
            **{name: changes.get(name, getattr(filing, name)) for name in FILING_AMOUNTS},
        },
    )
    return filing


@transaction.atomic
def check_filing(*, actor, filing: Filing, accept: bool, note: str = "") -> Filing:
    """The agency accepts a filing (locking it) or returns it for correction with a reason."""
    require_role(actor, Role.AGENCY)
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if filing.state != FilingState.SUBMITTED:
        raise ValidationError({"filing": _("Only a submitted filing is checked.")})
    if not accept and not note.strip():
        raise ValidationError({"note": _("Say what is to be corrected.")})
    return FILING.apply(
        filing,
        "accept" if accept else "return",
        actor,
        note=note,
        also={"checked_by": actor, "checked_at": timeutil.now(), "check_note": note.strip()},
    )


@transaction.atomic
def reopen_filing(*, actor, filing: Filing, reason: str) -> Filing:
    """Return a checked filing for correction, unless a decided assessment already rests on it."""
    require_role(actor, Role.AGENCY)
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if not reason.strip():
        raise ValidationError({"note": _("Say why the filing is reopened.")})
    if filing.assessments.exclude(state=AssessmentState.DRAFT).exists():
        raise ValidationError(
            {
                "filing": _(
                    "A decided notice rests on this filing; correct it through a later year's assessment."
                )
            }
        )
    FILING.apply(filing, "reopen", actor, note=reason, also={"check_note": reason.strip()})
    filing.assessments.filter(state=AssessmentState.DRAFT).delete()
    return filing


# ---------------------------------------------------------------------------------------------
# The set value (000 lines 4542–4550)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def change_set_value(
    *, actor, award: Award, new_value: Decimal, reason: str, requested_on: dt.date | None = None
) -> SetValueChange:
    """Record a change of the set value. Raised: during the work, applied at once. Lowered: only
    where the ministry and the agency accept force majeure or an unforeseeable cause not of the
    implementer's making; the agency records it and the ministry decides."""
    require_role(actor, Role.AGENCY)
    award = Award.objects.select_for_update().get(pk=award.pk)
    requested_on = requested_on or today_jst()
    if not award.system_technology or award.set_value is None:
        raise ValidationError({"award": _("Only a theme under the refund scheme has a set value.")})
    if (
        award.assessments.filter(kind=AssessmentKind.REFUND)
        .exclude(state=AssessmentState.DRAFT)
        .exists()
    ):
        raise ValidationError(
            {"new_value": _("The refund has been decided; the set value no longer changes.")}
        )
    if award.set_value_changes.filter(state=ChangeState.PENDING).exists():
        raise ValidationError({"new_value": _("A lowering awaits the ministry's decision.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the change.")})
    new_value = Decimal(new_value)
    if new_value != new_value.quantize(Decimal("0.01")):
        raise ValidationError({"new_value": _("At most two decimals.")})
    old, new = round_index(award.set_value), round_index(new_value)
    if new == old:
        raise ValidationError(
            {
                "new_value": _("Rounded to one decimal (half up), %(v)s is the set value already.")
                % {"v": old}
            }
        )
    if new <= 1:
        raise ValidationError({"new_value": _("A set value stays above 1.0 (000 line 4526).")})
    direction = SetValueChange.Direction.RAISE if new > old else SetValueChange.Direction.LOWER
    if direction == SetValueChange.Direction.RAISE and requested_on > award.last_day:
        raise ValidationError(
            {
                "new_value": _(
                    "A set value is raised during the work only (000 line 4544); the work ended on %(d)s."
                )
                % {"d": award.last_day.isoformat()}
            }
        )
    change = SetValueChange.objects.create(
        award=award,
        direction=direction,
        old_value=award.set_value,
        new_value=new_value,
        requested_on=requested_on,
        reason=reason.strip(),
        requested_by=actor,
    )
    if direction == SetValueChange.Direction.RAISE:
        _apply(change, actor, "")
    record(
        actor=actor,
        action="outcomes.set_value_change",
        obj=award,
        before={"set_value": str(change.old_value)},
        after={"set_value": str(new_value), "direction": direction, "state": change.state},
        note=reason,
    )
    return change


def _apply(change: SetValueChange, actor, note: str) -> None:
    SET_VALUE_CHANGE.apply(
        change,
        "apply",
        actor,
        note=note,
        also={"decided_by": actor, "decided_at": timeutil.now(), "decision_note": note},
        extra={"award": change.award.number, "set_value": str(change.new_value)},
    )
    set_award_set_value(award=change.award, value=change.new_value)
    change.award.assessments.filter(
        kind=AssessmentKind.REFUND, state=AssessmentState.DRAFT
    ).delete()


@transaction.atomic
def decide_set_value_change(
    *, actor, change: SetValueChange, accept: bool, note: str = ""
) -> SetValueChange:
    """The ministry accepts (the lower value applies) or refuses a lowering."""
    require_role(actor, Role.MINISTRY)
    change = SetValueChange.objects.select_for_update().select_related("award").get(pk=change.pk)
    if change.state != ChangeState.PENDING:
        raise ValidationError({"change": _("This change has been decided already.")})
    if accept:
        _apply(change, actor, note)
    else:
        if not note.strip():
            raise ValidationError({"note": _("Give the reason for refusing.")})
        SET_VALUE_CHANGE.apply(
            change,
            "refuse",
            actor,
            note=note,
            also={"decided_by": actor, "decided_at": timeutil.now(), "decision_note": note},
            extra={"award": change.award.number, "set_value": str(change.award.set_value)},
        )
    return change


# ---------------------------------------------------------------------------------------------
# Assessments
# ---------------------------------------------------------------------------------------------


def _row(name: str, value, unit: str, filing: Filing | None = None, **extra) -> dict:
    """One input as shown on the page and the notice: a name (labelled by outcomes.labels), the
    value as text (exact: fractions stay fractions), its unit and the filing it came from."""
    if isinstance(value, Fraction):
        value = (
            str(value.numerator)
            if value.denominator == 1
            else f"{value.numerator}/{value.denominator}"
        )
    return {
        "name": name,
        "value": str(value),
        "unit": unit,
        "filing": filing.pk if filing else None,
        **extra,
    }


def _checked_filings(award: Award, years) -> dict[int, Filing]:
    filings = {
        f.fiscal_year: f for f in Filing.objects.filter(award=award, fiscal_year__in=list(years))
    }
    missing = [fy for fy in years if fy not in filings or filings[fy].state != FilingState.CHECKED]
    if missing:
        fy = missing[0]
        state = _("not filed") if fy not in filings else filings[fy].get_state_display()
        raise ValidationError(
            {
                f"filings.{fy}": _(
                    "%(fy)s is needed and is %(state)s; every year used must be filed and checked."
                )
                % {"fy": fiscal.fiscal_year_label_ja(fy), "state": state}
            }
        )
    return filings


def _save_draft(
    award: Award,
    kind: str,
    fiscal_year: int,
    *,
    actor,
    inputs: list[dict],
    due: int,
    earlier: int,
    filings,
) -> Assessment:
    existing = (
        Assessment.objects.select_for_update()
        .filter(award=award, kind=kind, fiscal_year=fiscal_year)
        .first()
    )
    if existing and existing.state != AssessmentState.DRAFT:
        raise ValidationError(
            {
                "fiscal_year": _("This assessment has been decided (notice %(n)s).")
                % {"n": existing.number}
            }
        )
    assessment = existing or Assessment(award=award, kind=kind, fiscal_year=fiscal_year)
    assessment.inputs = {"rows": inputs, "seed": SEED_REFS[kind]}
    assessment.due_yen, assessment.earlier_yen = due, earlier
    assessment.amount_yen = max(0, due - earlier)
    assessment.computed_by, assessment.computed_at = actor, timeutil.now()
    assessment.save()
    assessment.filings.set(list(filings))
    record(
        actor=actor,
        action=f"outcomes.compute_{kind}",
        obj=assessment,
        after={"due_yen": due, "earlier_yen": earlier, "amount_yen": assessment.amount_yen},
    )
    return assessment


def _earlier(award: Award, kind: str, before_fy: int | None = None) -> int:
    qs = Assessment.objects.filter(award=award, kind=kind).exclude(state=AssessmentState.DRAFT)
    if before_fy is not None:
        qs = qs.filter(fiscal_year__lt=before_fy)
    return qs.aggregate(s=Sum("amount_yen"))["s"] or 0


@transaction.atomic
def compute_refund(*, actor, award: Award, today: dt.date | None = None) -> Assessment:
    """The R&D cost refund of a system technology theme in its evaluation year (000 4506–4690)."""
    require_role(actor, Role.AGENCY)
    award = (
        Award.objects.select_for_update().select_related("theme", "proposal__call").get(pk=award.pk)
    )
    today = today or today_jst()
    spec = award_spec(award)
    if not award.system_technology or not spec.refund_scheme:
        raise ValidationError(
            {
                "award": _(
                    "%(n)s is not under the refund scheme (its plan declares no refund for the theme)."
                )
                % {"n": award.number}
            }
        )
    if award.state == AwardState.TERMINATED:
        raise ValidationError(
            {
                "award": _(
                    "A theme ended early by decision of the ministry and the agency is outside the refund scheme (000 lines 4510–4512)."
                )
            }
        )
    if award.set_value is None:
        raise ValidationError({"set_value": _("The award has no set value.")})
    start = _start_fy(award)
    window = spec.refund.window_for(start)
    evaluation_fy = evaluation_fiscal_year(start, window)
    if fiscal.fiscal_year(today) < evaluation_fy:
        raise ValidationError(
            {
                "fiscal_year": _("The refund is evaluated in %(fy)s (000 line 4528).")
                % {"fy": fiscal.fiscal_year_label_ja(evaluation_fy)}
            }
        )
    years = (*baseline_years(start, window), *sales_window(start, window))
    filings = _checked_filings(award, years)
    received = received_for_refund(award)
    try:
        result = evaluate_refund(
            spec,
            start_fy=start,
            received_yen=received,
            set_value=award.set_value,
            sales_by_fy={fy: f.sales_yen for fy, f in filings.items()},
            proposal_contract_yen=award.proposal_contract_yen,
        )
    except RuleError as exc:
        raise rule_refusal(exc) from None
    changes = list(award.set_value_changes.filter(state=ChangeState.APPLIED).order_by("decided_at"))
    inputs = [
        _row("start_fy", start, "fy"),
        _row("evaluation_fy", result.evaluation_fy, "fy"),
        *[
            _row(
                "baseline_sales",
                filings[fy].sales_yen,
                "yen",
                filings[fy],
                fy=fy,
                product=filings[fy].product_sales_yen,
                other=filings[fy].other_sales_yen,
            )
            for fy in result.baseline_years
        ],
        _row("baseline_mean", result.baseline_sales, "yen"),
        *[
            _row(
                "window_sales",
                filings[fy].sales_yen,
                "yen",
                filings[fy],
                fy=fy,
                best=filings[fy].sales_yen == result.best_sales,
                product=filings[fy].product_sales_yen,
                other=filings[fy].other_sales_yen,
            )
            for fy in result.sales_window
        ],
        _row("best_sales", result.best_sales, "yen"),
        _row("sales_increase", result.sales_increase, "yen"),
        _row("received", received, "yen"),
        _row("proposal_contract", award.proposal_contract_yen, "yen"),
        _row(
            "set_value",
            result.set_value,
            "index",
            changes=[
                {
                    "from": str(round_index(c.old_value)),
                    "to": str(round_index(c.new_value)),
                    "direction": c.direction,
                    "on": c.requested_on.isoformat(),
                }
                for c in changes
            ],
        ),
        _row("achieved_value", result.achieved_value, "index"),
        _row("refund_rate", result.refund_rate_percent, "percent"),
        _row("refund", result.refund_yen, "yen"),
    ]
    return _save_draft(
        award,
        AssessmentKind.REFUND,
        evaluation_fy,
        actor=actor,
        inputs=inputs,
        due=result.refund_yen,
        earlier=0,
        filings=filings.values(),
    )


@transaction.atomic
def compute_self_investment(
    *, actor, award: Award, fiscal_year: int | None = None, today: dt.date | None = None
) -> Assessment:
    """The self-investment return of a contract theme at the end of its work (000 4731–4741):
    pledged × (received / proposal-time cost) − actual burden; amounts charged in earlier years
    are carried."""
    require_role(actor, Role.AGENCY)
    award = Award.objects.select_for_update().get(pk=award.pk)
    today = today or today_jst()
    if award.form != AwardForm.CONTRACT or not award.pledged_self_investment_yen:
        raise ValidationError(
            {"award": _("Only a contract theme with a pledged self-investment has this return.")}
        )
    if award.last_day >= today:
        raise ValidationError(
            {
                "award": _("The return is assessed when the work has ended (%(d)s).")
                % {"d": award.last_day.isoformat()}
            }
        )
    fiscal_year = fiscal_year or fiscal.fiscal_year(today)
    end_fy = fiscal.fiscal_year(award.last_day)
    if fiscal_year <= end_fy - 1 or fiscal_year > fiscal.fiscal_year(today):
        raise ValidationError(
            {"fiscal_year": _("Choose a year from the end of the work to this year.")}
        )
    work_years = range(_start_fy(award), end_fy + 1)
    filings = _checked_filings(award, work_years)
    burden = sum(f.self_burden_yen for f in filings.values())
    received = received_for_refund(award)
    try:
        due = self_investment_return(
            award.pledged_self_investment_yen, received, award.proposal_contract_yen, burden
        )
    except RuleError as exc:
        raise rule_refusal(exc) from None
    earlier = _earlier(award, AssessmentKind.SELF_INVESTMENT, fiscal_year)
    threshold = Fraction(award.pledged_self_investment_yen * received, award.proposal_contract_yen)
    inputs = [
        _row("pledged", award.pledged_self_investment_yen, "yen"),
        _row("received", received, "yen"),
        _row("proposal_contract", award.proposal_contract_yen, "yen"),
        _row("pledge_scaled", threshold, "yen"),
        *[
            _row("self_burden", f.self_burden_yen, "yen", f, fy=fy)
            for fy, f in sorted(filings.items())
        ],
        _row("actual_burden", burden, "yen"),
        _row("due", due, "yen"),
        _row("earlier", earlier, "yen"),
    ]
    return _save_draft(
        award,
        AssessmentKind.SELF_INVESTMENT,
        fiscal_year,
        actor=actor,
        inputs=inputs,
        due=due,
        earlier=earlier,
        filings=filings.values(),
    )


@transaction.atomic
def compute_payback(*, actor, award: Award, fiscal_year: int) -> Assessment:
    """Revenue payback of a grant theme for one fiscal year (別紙1): (A − B) × C / D − E.

    A = Σ of the operating profit of every checked filing from the start to `fiscal_year`, each
    times its contribution ratio; B = the eligible subsidized cost (Σ eligible of the payments);
    C = the confirmed grant (Σ paid); D = all spending on the work (Σ claimed on approved claims)
    plus the spending after the work filed up to `fiscal_year`; E = the payback of earlier
    years' decided notices. Every earlier year's assessment must be decided first, so that E is final.
    """
    require_role(actor, Role.AGENCY)
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.form != AwardForm.GRANT:
        raise ValidationError({"award": _("Revenue payback applies to grant themes.")})
    start = _start_fy(award)
    if fiscal_year < start:
        raise ValidationError({"fiscal_year": _("A payback year is the start year or later.")})
    if Assessment.objects.filter(
        award=award,
        kind=AssessmentKind.PAYBACK,
        fiscal_year__lt=fiscal_year,
        state=AssessmentState.DRAFT,
    ).exists():
        raise ValidationError(
            {
                "fiscal_year": _(
                    "Decide the earlier years' payback first: this year's payback subtracts it (E)."
                )
            }
        )
    _checked_filings(award, [fiscal_year])  # this year's filing must be in and checked
    all_filings = {
        f.fiscal_year: f
        for f in Filing.objects.filter(
            award=award,
            fiscal_year__gte=start,
            fiscal_year__lte=fiscal_year,
            state=FilingState.CHECKED,
        )
    }
    profit = sum(
        (Fraction(f.operating_profit_yen) * f.ratio for f in all_filings.values()), Fraction(0)
    )
    paid = Payment.objects.filter(award=award).aggregate(e=Sum("eligible_yen"), c=Sum("amount_yen"))
    deduction, grant = paid["e"] or 0, paid["c"] or 0
    spent_on_work = (
        ClaimLine.objects.filter(claim__award=award, claim__state=ClaimState.APPROVED).aggregate(
            s=Sum("amount_yen")
        )["s"]
        or 0
    )
    spent_after = sum(f.spending_after_yen for f in all_filings.values())
    earlier = _earlier(award, AssessmentKind.PAYBACK, fiscal_year)
    if grant == 0:
        raise ValidationError({"award": _("No grant has been paid: there is nothing to pay back.")})
    try:
        due_total = revenue_payback(profit, deduction, grant, spent_on_work + spent_after, 0)
    except RuleError as exc:
        raise rule_refusal(exc) from None
    inputs = [
        *[
            _row(
                "profit",
                f.operating_profit_yen,
                "yen",
                f,
                fy=fy,
                ratio=f.contribution_ratio,
                sales=f.sales_yen,
                cost=f.cost_of_sales_yen,
                sga=f.sga_yen,
            )
            for fy, f in sorted(all_filings.items())
        ],
        _row("a_profit", profit, "yen"),
        _row("b_deduction", deduction, "yen"),
        _row("c_grant", grant, "yen"),
        _row("d_spending_work", spent_on_work, "yen"),
        _row("d_spending_after", spent_after, "yen"),
        _row("d_spending", spent_on_work + spent_after, "yen"),
        _row("surplus", profit - deduction, "yen"),
        _row("due", due_total, "yen"),
        _row("e_earlier", earlier, "yen"),
    ]
    return _save_draft(
        award,
        AssessmentKind.PAYBACK,
        fiscal_year,
        actor=actor,
        inputs=inputs,
        due=due_total,
        earlier=earlier,
        filings=all_filings.values(),
    )


@transaction.atomic
def decide_assessment(
    *, actor, assessment: Assessment, pay_by: dt.date | None = None
) -> Assessment:
    """Decide a computed assessment: its inputs freeze, it gets a notice number and the notice."""
    require_role(actor, Role.AGENCY)
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.state != AssessmentState.DRAFT:
        raise ValidationError({"assessment": _("This assessment has been decided already.")})
    if assessment.filings.exclude(state=FilingState.CHECKED).exists():
        raise ValidationError(
            {"assessment": _("A filing it used has been reopened; compute it again.")}
        )
    today = today_jst()
    if assessment.amount_yen and (pay_by is None or pay_by <= today):
        raise ValidationError(
            {"pay_by": _("Give a date after today by which the amount is to be paid.")}
        )
    prefix = f"{NOTICE_PREFIX[assessment.kind]}-{assessment.fiscal_year}-"
    last = (
        Assessment.objects.select_for_update()
        .filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return ASSESSMENT.apply(
        assessment,
        "decide",
        actor,
        also={
            "number": f"{prefix}{seq:05d}",
            "decided_by": actor,
            "decided_at": timeutil.now(),
            "pay_by": pay_by if assessment.amount_yen else None,
        },
        extra={
            "number": f"{prefix}{seq:05d}",
            "amount_yen": assessment.amount_yen,
            "pay_by": pay_by.isoformat() if pay_by else None,
        },
    )


@transaction.atomic
def record_assessment_payment(
    *, actor, assessment: Assessment, paid_on: dt.date, paid_yen: int
) -> Assessment:
    """The money of a notice received, in full."""
    require_role(actor, Role.AGENCY)
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.state != AssessmentState.DECIDED or not assessment.amount_yen:
        raise ValidationError(
            {"assessment": _("Only a decided notice with an amount to pay is settled.")}
        )
    if paid_yen != assessment.amount_yen:
        raise ValidationError(
            {
                "paid_yen": _("The notice asks for %(a)s yen; %(p)s yen was entered.")
                % {"a": f"{assessment.amount_yen:,}", "p": f"{paid_yen:,}"}
            }
        )
    if paid_on < assessment.decided_at.date() or paid_on > today_jst():
        raise ValidationError({"paid_on": _("A date between the notice and today.")})
    return ASSESSMENT.apply(
        assessment,
        "pay",
        actor,
        also={"paid_on": paid_on, "paid_yen": paid_yen},
        extra={"paid_on": paid_on.isoformat(), "paid_yen": paid_yen},
    )


# ---------------------------------------------------------------------------------------------
# Final evaluation and practical use (000 lines 41–71)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def record_final_evaluation(
    *, actor, award: Award, completed_on: dt.date, met_targets: bool, comment: str
) -> FinalEvaluation:
    """事後評価 of a theme that ran its course: did it meet the targets set for it? The award ends."""
    require_role(actor, Role.AGENCY)
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.state == AwardState.TERMINATED:
        raise ValidationError(
            {
                "award": _(
                    "A theme ended early did not complete its work; it has no final evaluation."
                )
            }
        )
    if hasattr(award, "final_evaluation"):
        raise ValidationError({"award": _("The theme has its final evaluation already.")})
    if not comment.strip():
        raise ValidationError({"comment": _("Give the committee's comment.")})
    if completed_on < award.start_date or completed_on > award.period_end:
        raise ValidationError(
            {
                "completed_on": _("The work completes inside its period (%(a)s – %(b)s).")
                % {"a": award.start_date.isoformat(), "b": award.period_end.isoformat()}
            }
        )
    if completed_on > today_jst():
        raise ValidationError({"completed_on": _("The work cannot be completed in the future.")})
    evaluation = FinalEvaluation.objects.create(
        award=award,
        completed_on=completed_on,
        met_targets=met_targets,
        comment=comment.strip(),
        evaluated_by=actor,
    )
    end_award(
        actor=actor,
        award=award,
        end_date=completed_on,
        extra={"completed_on": completed_on.isoformat(), "met_targets": met_targets},
    )
    return evaluation


@transaction.atomic
def record_practical_use(
    *,
    actor,
    award: Award,
    checked_on: dt.date,
    reached: bool,
    evidence: str,
    use_kind: str = "",
    evidence_file=None,
) -> PracticalUseCheck:
    """A check of whether the theme's technology reached practical use, after its work ended."""
    require_role(actor, Role.AGENCY)
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.state == AwardState.ACTIVE or award.last_day >= checked_on:
        raise ValidationError(
            {"checked_on": _("Practical use is checked after the work has ended.")}
        )
    if checked_on > today_jst():
        raise ValidationError(
            {"checked_on": _("A check is recorded on or after the day it was made.")}
        )
    if not evidence.strip():
        raise ValidationError(
            {"evidence": _("Describe the evidence seen (product, customer, date, document).")}
        )
    if reached and use_kind not in UseKind.values:
        raise ValidationError({"use_kind": _("Say how the technology is used.")})
    if evidence_file:
        check_document(evidence_file, field="evidence_file")
    check = PracticalUseCheck.objects.create(
        award=award,
        checked_on=checked_on,
        reached=reached,
        use_kind=use_kind if reached else "",
        evidence=evidence.strip(),
        evidence_file=evidence_file or "",
        checked_by=actor,
    )
    record(
        actor=actor,
        action="outcomes.practical_use",
        obj=award,
        after={
            "checked_on": checked_on.isoformat(),
            "reached": reached,
            "use_kind": check.use_kind,
        },
    )
    return check


def practical_use_due(award: Award) -> dt.date:
    """About three years after the theme ends (000 line 69)."""
    return add_months(award.last_day, 36)


def money_back_summary(award: Award) -> dict:
    """What each kind of assessment has charged and what has been paid, for the award's page."""
    rows = (
        Assessment.objects.filter(award=award)
        .exclude(state=AssessmentState.DRAFT)
        .values("kind")
        .annotate(charged=Sum("amount_yen"), paid=Sum("paid_yen"))
    )
    return {r["kind"]: r for r in rows}
