"""The web form's admission check and `kikin calc eligibility` give the same answer.

Each case is a proposal made through the services; the same facts are then given to the
command as JSON, and the reasons (code, message, seed line) and the cap must agree.
"""

from __future__ import annotations

import pytest

from kikin.accounts.models import OrganisationCategory
from kikin.calls.services import save_draft
from kikin.calls.validation import check_proposal, proposal_eligibility
from kikin.rules import calc
from tests import factories as f

pytestmark = pytest.mark.django_db
OKU = 10**8


def as_json(proposal) -> dict:
    """The proposal's facts as `kikin calc eligibility` input, written out by hand."""
    org = proposal.organisation
    payload = {
        "program": proposal.theme.program.code,
        "theme": proposal.theme.key,
        "applicant": {
            "category": org.category,
            "registered_in_japan": org.country == "JP",
            "rd_base_in_japan": org.has_rd_base_in_japan,
            "research_institution": org.category == OrganisationCategory.ACADEMIA,
        },
        "partners": [
            {
                "name": p.name,
                "country": p.country,
                "relation": "none" if p.relation == "independent" else p.relation,
                "role": p.role,
                "supplies_ai_compute": p.supplies_ai_compute,
            }
            for p in proposal.partners.all()
        ],
        "start_date": proposal.start_date.isoformat(),
        "period_months": proposal.period_months,
        "requested_yen_by_fy": {
            str(b.fiscal_year): b.requested_yen for b in proposal.budget_lines.all()
        },
        "gx_commitment": proposal.gx_commitment,
        "declarations": list(proposal.declarations),
    }
    if proposal.set_value is not None:
        payload["set_value"] = str(proposal.set_value)
    if proposal.cap_option:
        payload["option"] = proposal.cap_option
    if proposal.requested_to_first_gate_yen is not None:
        payload["requested_to_first_gate_yen"] = proposal.requested_to_first_gate_yen
    return payload


def same_answer(proposal):
    """(reasons the form shows from the eligibility rules, the command's reasons)."""
    out = calc.compute("eligibility", as_json(proposal))
    found = proposal_eligibility(proposal)
    assert found.cap_yen == out["cap_yen"] and found.cap_kind == out["cap_kind"]
    assert [r.code for r in found.reasons] == [r["code"] for r in out["reasons"]]
    form = {p.code: p for p in check_proposal(proposal) if p.code}
    for r in out["reasons"]:
        assert r["code"] in form, r["code"]
        assert form[r["code"]].message == r["message_ja"]  # the form speaks Japanese by default
        assert form[r["code"]].seed_line == r["seed_line"]
    return out


def partner(name="Example Inc.", country="US", relation="independent", role="joint", ai=False):
    return {
        "name": name,
        "country": country,
        "relation": relation,
        "role": role,
        "supplies_ai_compute": ai,
        "special_capability": "",
    }


def proposal(plan, theme, requested, **fields):
    call = f.open_call(plan, themes=(theme,))
    actor = f.applicant()
    partners = fields.pop("partners", None)
    p = f.complete_proposal(actor, call, theme, requested=requested, set_value=None, **fields)
    if partners is not None:
        save_draft(actor=actor, proposal=p, fields={}, partners=partners)
        f.declare_all(actor, p)
    p.refresh_from_db()
    return p


@pytest.mark.parametrize(
    ("partners", "refused"),
    [
        ([], True),
        ([partner(relation="parent")], True),
        ([partner(country="JP")], True),
        ([partner(role="adviser")], False),
    ],
)
def test_d1_foreign_partner_same_as_calc(plan, partners, refused):
    p = proposal(plan, "2-d1", (100 * OKU,), period_months=60, partners=partners)
    out = same_answer(p)
    assert ("d1-foreign-partner" in {r["code"] for r in out["reasons"]}) is refused


@pytest.mark.parametrize(("first_years", "refused"), [(200 * OKU, False), (200 * OKU + 1, True)])
def test_g1_first_gate_cap_same_as_calc(plan, first_years, refused):
    # Gate 30 months from the start (a 1 April): in the third fiscal year, which counts in full.
    p = proposal(plan, "1-g1", (first_years - 2 * OKU, OKU, OKU), period_months=36)
    out = same_answer(p)
    assert out["requested_to_first_gate_yen"] == first_years
    assert ("over_cap_to_first_gate" in {r["code"] for r in out["reasons"]}) is refused


@pytest.mark.parametrize(("third_year", "refused"), [(5 * OKU, False), (5 * OKU + 1, True)])
def test_4b_pool_same_as_calc(plan, third_year, refused):
    p = proposal(plan, "4-b", (5 * OKU, 5 * OKU, third_year), period_months=36)
    out = same_answer(p)
    assert ("over_pool" in {r["code"] for r in out["reasons"]}) is refused


@pytest.mark.parametrize("committed", [False, True])
def test_gx_commitment_same_as_calc(plan, committed):
    p = proposal(plan, "2-e1", (10 * OKU,), period_months=60, eligible=(20 * OKU,))
    p.gx_commitment = committed
    p.save()
    out = same_answer(p)
    assert ("gx_commitment" in {r["code"] for r in out["reasons"]}) is not committed


def test_an_excess_over_an_item_2_cap_waits_for_the_reviewers(plan):
    """Items ② ④: a request above the cap may be submitted with the reason for asking more; it
    is adopted only with the amount the selection reviewers approve (000 lines 4958–4966)."""
    p = proposal(plan, "2-a", (400 * OKU,), period_months=36, eligible=(800 * OKU,))
    out = same_answer(p)
    assert [r["code"] for r in out["reasons"]] == ["over_cap"]
    p.cap_excess_reason = "波及効果が大きく一体として研究する必要がある。"
    p.save()
    assert "over_cap" not in {x.code for x in check_proposal(p)}
