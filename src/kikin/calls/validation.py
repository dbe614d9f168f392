"""Every rule in force for a proposal's theme on its call's date, checked on the server.

`check_proposal` returns the problems, each naming the field and the rule, in the user's
language; an empty list means the proposal may be submitted. The rules come from the theme's
terms in force when the call opened (rules.md §1) and the pure rules engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

from kikin.accounts.models import OrganisationCategory
from kikin.programs.selectors import terms_in_force
from kikin.rules import caps, fiscal
from kikin.rules.dates import period_end
from kikin.rules.errors import RuleError
from kikin.rules.subsidy import subsidy_terms

from .models import Proposal

#: Technology-leakage measures apply to calls from FY2025 on (000 line 4777: 2025 年度の公募以降).
LEAKAGE_FROM_FY = 2025
#: Themes whose implementers must have a foreign partner that is not a parent or subsidiary
#: (② (d1) and the (f) themes, 000 lines 3438–3446).
FOREIGN_PARTNER_THEMES = {"2-d1", "2-f1", "2-f2", "2-f3", "2-f4", "2-f4-1"}
TEXT_LIMITS = {"title": 300, "abstract": 4000, "plan": 40000}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self):
        return f"{self.field}: {self.message}"


def call_date(proposal: Proposal) -> dt.date:
    return fiscal.to_jst_date(proposal.call.opens_at)


def _grant_rate(proposal: Proposal, spec) -> Fraction | None:
    """The subsidy rate for the proposal's theme, call and applicant; None where it needs more."""
    try:
        return subsidy_terms(
            spec,
            call=proposal.call.key if spec.rates_by_call else None,
            applicant=proposal.organisation.category if spec.rates_by_call else None,
            project_year=1 if spec.rates_by_project_year else None,
        ).rate
    except RuleError:
        return None


def check_proposal(proposal: Proposal) -> list[Problem]:
    """All problems that stop `proposal` from being submitted (an empty list: none)."""
    problems: list[Problem] = []
    add = lambda field, message: problems.append(Problem(field, message))  # noqa: E731
    call = proposal.call
    theme = proposal.theme
    org = proposal.organisation

    if not call.themes.filter(pk=theme.pk).exists():
        add("theme", _("This theme is not open in this call."))
        return problems
    in_force = terms_in_force(theme, call_date(proposal))
    terms = in_force.terms
    if terms is None:
        add("theme", _("The plan states no terms for this theme."))
        return problems
    spec = terms.as_spec()

    for field, limit in TEXT_LIMITS.items():
        value = getattr(proposal, field)
        if not value.strip():
            add(field, _("Required."))
        elif len(value) > limit:
            add(field, _("At most %(n)s characters (now %(m)s).") % {"n": limit, "m": len(value)})

    # Period: at most the theme's period for this call, inside the program (000 lines 4404–4450, 5367).
    max_months = spec.period_for_call(call.key)
    program_end = theme.program.end_date
    end = None
    if proposal.start_date is None:
        add("start_date", _("Required."))
    elif proposal.start_date < call_date(proposal):
        add("start_date", _("The work cannot start before the call opens."))
    if not proposal.period_months:
        add("period_months", _("Required."))
    elif proposal.period_months > max_months:
        add("period_months", _("At most %(n)s months for this theme (research plan, period).") % {"n": max_months})
    if proposal.start_date and proposal.period_months:
        end = period_end(proposal.start_date, proposal.period_months)
        if end > program_end:
            add("period_months", _("The period would end on %(end)s, after the program ends on %(program_end)s.")
                % {"end": end.isoformat(), "program_end": program_end.isoformat()})

    # Budget: one line per fiscal year inside the period; the total within the cap.
    lines = list(proposal.budget_lines.all())
    if not lines:
        add("budget", _("Give the amount requested for each fiscal year."))
    total = sum(line.requested_yen for line in lines)
    if proposal.start_date and end:
        first_fy, last_fy = fiscal.fiscal_year(proposal.start_date), fiscal.fiscal_year(end)
        for line in lines:
            if not first_fy <= line.fiscal_year <= last_fy:
                add(f"budget.{line.fiscal_year}", _("Fiscal year %(fy)s is outside the period (%(a)s–%(b)s).")
                    % {"fy": line.fiscal_year, "a": first_fy, "b": last_fy})
    rate = None
    if spec.support != "contract":
        rate = _grant_rate(proposal, spec)
        for line in lines:
            if line.eligible_cost_yen is None:
                add(f"budget.{line.fiscal_year}.eligible_cost", _("A grant needs the eligible cost of each year."))
            elif rate is not None and line.requested_yen > line.eligible_cost_yen * rate:
                add(f"budget.{line.fiscal_year}.requested",
                    _("More than the eligible cost × the subsidy rate %(rate)s allows.") % {"rate": str(rate)})

    # Cost-effectiveness set value and the cap (000 lines 4522–4528, 4793–5160).
    if spec.refund_scheme:
        if proposal.set_value is None:
            add("set_value", _("Required for this theme (R&D cost refund scheme)."))
        elif not caps.set_value_admissible(proposal.set_value):
            add("set_value", _("The set value must exceed 1.0 after rounding to one decimal (now %(v)s).")
                % {"v": caps.round_index(proposal.set_value)})
    elif proposal.set_value is not None:
        add("set_value", _("This theme is not under the refund scheme; leave the set value empty."))
    if spec.cap.kind == "options" and proposal.cap_option not in {o.key for o in spec.cap.options}:
        add("cap_option", _("Choose the scope of the proposal."))
    cap = _cap(spec, proposal)
    if cap is not None and total > cap:
        add("budget", _("The total requested, %(total)s yen, is above the cap of %(cap)s yen.")
            % {"total": f"{total:,}", "cap": f"{cap:,}"})

    # Self-investment is for contract themes only (000 lines 4731–4745).
    if proposal.self_investment_yen and spec.support == "grant":
        add("self_investment_yen", _("A self-investment pledge is for contract themes only."))

    # Eligibility (000 lines 5222–5242).
    if not org.has_rd_base_in_japan:
        add("organisation", _("The proposer needs an R&D base in Japan."))
    partners = list(proposal.partners.all())
    for p in partners:
        if p.is_foreign and not p.special_capability.strip():
            add(f"partners.{p.pk}", _("A foreign partner is allowed only for a special capability: describe it."))
    if theme.key in FOREIGN_PARTNER_THEMES and not any(p.is_foreign and p.relation == "independent" for p in partners):
        add("partners", _("This theme requires a foreign partner that is not a parent or subsidiary."))
    if theme.key == "1-g6":
        if org.country.upper() != "JP":
            add("organisation", _("Theme (g6) requires an applicant registered in Japan."))
        if org.category == OrganisationCategory.ACADEMIA and not partners:
            add("partners", _("A research institution cannot apply alone for theme (g6)."))

    # Technology leakage (calls from FY2025).
    if fiscal.fiscal_year(call.opens_at) >= LEAKAGE_FROM_FY:
        for field in ("leakage_core_technologies", "leakage_access_control", "leakage_staff_management", "leakage_partner_controls"):
            if not getattr(proposal, field).strip():
                add(field, _("Required for calls from FY2025 (technology-leakage prevention)."))

    # GENIAC (g3) (rules.md §6).
    if theme.key == "1-g3":
        if org.country.upper() != "JP":
            add("organisation", _("GENIAC supports residents of Japan (a Japanese subsidiary of a foreign firm may apply)."))
        if not proposal.development_type:
            add("development_type", _("Required for GENIAC."))
        if not proposal.benchmark_target.strip():
            add("benchmark_target", _("Required for GENIAC."))
        if not proposal.compute_provider.strip():
            add("compute_provider", _("Required for GENIAC."))
        if not proposal.accelerator_type.strip():
            add("accelerator_type", _("Required for GENIAC."))
        if not proposal.accelerator_hours:
            add("accelerator_hours", _("Give the accelerator-hours requested (more than 0)."))
    if not proposal.team.filter(is_lead=True).exists():
        add("team", _("Name the principal investigator."))
    return problems


def _cap(spec, proposal: Proposal) -> int | None:
    """The cap of `spec` for `proposal`; None where the plan sets none or it cannot be known yet
    (no admissible set value, no scope chosen)."""
    if spec.refund_scheme and (proposal.set_value is None or not caps.set_value_admissible(proposal.set_value)):
        return None
    try:
        return caps.budget_cap(
            spec.cap,
            set_value=proposal.set_value if spec.refund_scheme else None,
            call=proposal.call.key,
            option=proposal.cap_option or None,
            tranche=1 if spec.cap.kind == "tranches" else None,
        )
    except RuleError:
        return None


def cap_for(proposal: Proposal) -> int | None:
    """The cap that applies to `proposal` as it stands; None where it cannot be known yet."""
    terms = terms_in_force(proposal.theme, call_date(proposal)).terms
    return None if terms is None else _cap(terms.as_spec(), proposal)
