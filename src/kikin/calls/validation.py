"""Every rule in force for a proposal's theme on its call's date, checked on the server.

`check_proposal` returns the problems, each naming the field and the rule, in the user's
language; an empty list means the proposal may be submitted. The admission rules are those of
`kikin.rules.eligibility.check_eligibility`, the same function `kikin calc eligibility` runs: this
module only reads the proposal into its input and adds what only a form has (required texts, the
eligible cost of a grant, the leakage declarations, the fields of a compute-support theme).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kikin.accounts.models import OrganisationCategory
from kikin.programs.selectors import terms_in_force
from kikin.rules import fiscal
from kikin.rules.eligibility import Applicant, Eligibility, PartnerInfo, Request, check_eligibility
from kikin.rules.errors import RuleError
from kikin.rules.subsidy import subsidy_terms

from .models import PartnerRelation, Proposal

TEXT_LIMITS = {"title": 300, "abstract": 4000, "plan": 40000}
#: The eligibility engine's fields → the form's.
_FIELD_OF = {
    "requested_yen_by_fy": "budget",
    "requested_to_first_gate_yen": "requested_to_first_gate_yen",
    "option": "cap_option",
    "applicant.rd_base_in_japan": "organisation",
    "applicant.registered_in_japan": "organisation",
}
#: Reasons a proposal for an item whose cap the selection reviewers may exceed can still be
#: submitted with the reason for asking more (000 lines 4958–4966, 5137–5143).
_EXCEEDABLE = {"over_cap", "over_cap_to_first_gate", "over_cap_total"}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    code: str = ""
    seed_line: int | None = None

    def __str__(self):
        return f"{self.field}: {self.message}"

    @property
    def label(self) -> str:
        """The field's label in the user's language (what the form calls it), not its key."""
        from django.utils.text import capfirst

        from kikin.calls.selectors import proposal_field_label

        return capfirst(str(proposal_field_label(self.field))) if self.field else ""


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
            option=proposal.cap_option or None,
        ).rate
    except RuleError:
        return None


def eligibility_input(proposal: Proposal):
    """(applicant, partners, request) for the eligibility rules, read from the proposal."""
    org = proposal.organisation
    applicant = Applicant(
        category=org.category,
        registered_in_japan=org.country.upper() == "JP",
        rd_base_in_japan=org.has_rd_base_in_japan,
        research_institution=org.category == OrganisationCategory.ACADEMIA,
    )
    partners = [
        PartnerInfo(
            name=p.name,
            country=p.country,
            relation="none" if p.relation == PartnerRelation.INDEPENDENT else p.relation,
            role=p.role,
            supplies_ai_compute=p.supplies_ai_compute,
        )
        for p in proposal.partners.all()
    ]
    exception = getattr(proposal, "cap_exception", None)
    request = Request(
        start_date=proposal.start_date,
        period_months=proposal.period_months,
        requested_yen_by_fy={b.fiscal_year: b.requested_yen for b in proposal.budget_lines.all()},
        requested_to_first_gate_yen=proposal.requested_to_first_gate_yen,
        set_value=proposal.set_value,
        option=proposal.cap_option or None,
        gx_commitment=proposal.gx_commitment,
        approved_cap_yen=exception.approved_cap_yen if exception else None,
        declarations=frozenset(proposal.declarations or ()),
    )
    return applicant, partners, request


def proposal_eligibility(proposal: Proposal, spec=None) -> Eligibility:
    """The eligibility engine's answer for the proposal as it stands."""
    if spec is None:
        spec = proposal.theme_spec()
    program = proposal.theme.program
    applicant, partners, request = eligibility_input(proposal)
    return check_eligibility(
        spec,
        program.plan_rules(),
        applicant,
        partners,
        request,
        program_end=program.end_date,
        program_end_line=program.end_line,
        call=proposal.call.key,
        call_opens=call_date(proposal),
    )


def _form_field(field: str, code: str) -> str:
    if field.startswith("requested_yen_by_fy."):
        return "budget." + field.rsplit(".", 1)[1]
    if field == "declarations":
        return f"declarations.{code}"
    return _FIELD_OF.get(field, field)


def check_proposal(proposal: Proposal) -> list[Problem]:
    """All problems that stop `proposal` from being submitted (an empty list: none)."""
    problems: list[Problem] = []
    add = lambda field, message, code="", line=None: problems.append(  # noqa: E731
        Problem(field, message, code, line)
    )
    call = proposal.call
    theme = proposal.theme

    # A proposal read for submission carries the answer (calls.services: `theme_in_call`).
    in_call = getattr(proposal, "theme_in_call", None)
    if in_call is None:
        in_call = call.themes.filter(pk=theme.pk).exists()
    if not in_call:
        add("theme", _("This theme is not open in this call."))
        return problems
    in_force = terms_in_force(theme, call_date(proposal))
    if in_force.terms is None:
        add("theme", _("The plan states no terms for this theme."))
        return problems
    spec = in_force.terms.as_spec()
    rules = theme.program.plan_rules()

    for field, limit in TEXT_LIMITS.items():
        value = getattr(proposal, field)
        if not value.strip():
            add(field, _("Required."))
        elif len(value) > limit:
            add(field, _("At most %(n)s characters (now %(m)s).") % {"n": limit, "m": len(value)})

    # The admission rules: the same function as `kikin calc eligibility`.
    language = "en" if (get_language() or "ja").startswith("en") else "ja"
    result = proposal_eligibility(proposal, spec)
    excess_explained = spec.cap_exceedable and proposal.cap_excess_reason.strip()
    for reason in result.reasons:
        if reason.code in _EXCEEDABLE and excess_explained:
            continue  # for the selection reviewers to approve or not
        add(
            _form_field(reason.field, reason.code),
            reason.message(language),
            reason.code,
            reason.seed_line,
        )
    if (
        result.declarations_needed
        and any(
            c.evidence and c.code in (proposal.declarations or ())
            for c in result.declarations_needed
        )
        and not proposal.declaration_evidence.strip()
    ):
        add(
            "declaration_evidence",
            _(
                "Describe the evidence for the conditions you declare (the officer checks it at the first review)."
            ),
        )

    # A grant's request within its eligible cost × rate (000 lines 4686–4729).
    lines = list(proposal.budget_lines.all())
    if spec.support != "contract":
        rate = _grant_rate(proposal, spec)
        for line in lines:
            if line.eligible_cost_yen is None:
                add(
                    f"budget.{line.fiscal_year}.eligible_cost",
                    _("A grant needs the eligible cost of each year."),
                )
            elif rate is not None and line.requested_yen > line.eligible_cost_yen * rate:
                add(
                    f"budget.{line.fiscal_year}.requested",
                    _("More than the eligible cost × the subsidy rate %(rate)s allows.")
                    % {"rate": str(rate)},
                )

    # Self-investment pledges where the program has them (000 lines 4731–4745).
    if proposal.self_investment_yen and not rules.self_investment_applies(spec.support):
        add("self_investment_yen", _("A self-investment pledge is for contract themes only."))

    # Technology leakage (000 line 4777: calls from the year the program's plan names).
    if rules.leakage_applies(fiscal.fiscal_year(call.opens_at)):
        for field in (
            "leakage_core_technologies",
            "leakage_access_control",
            "leakage_staff_management",
            "leakage_partner_controls",
        ):
            if not getattr(proposal, field).strip():
                add(
                    field,
                    _("Required for calls from FY%(fy)s (technology-leakage prevention).")
                    % {"fy": rules.leakage.from_call_fy},
                )

    # Compute support (GENIAC, rules.md §6): what the compute plan needs.
    if spec.has_mode("compute_support"):
        if not proposal.development_type:
            add("development_type", _("Required for compute support."))
        if not proposal.benchmark_target.strip():
            add("benchmark_target", _("Required for compute support."))
        if not proposal.compute_provider.strip():
            add("compute_provider", _("Required for compute support."))
        if not proposal.accelerator_type.strip():
            add("accelerator_type", _("Required for compute support."))
        if not proposal.accelerator_hours:
            add("accelerator_hours", _("Give the accelerator-hours requested (more than 0)."))
    if not any(member.is_lead for member in proposal.team.all()):
        add("team", _("Name the principal investigator."))
    return problems


def cap_for(proposal: Proposal) -> int | None:
    """The cap that applies to `proposal` as it stands; None where it cannot be known yet."""
    spec = proposal.theme_spec()
    return None if spec is None else proposal_eligibility(proposal, spec).cap_yen
