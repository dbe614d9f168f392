"""`kikin calc eligibility`: each rule of the seed at its boundaries (000; rules.md §2, §7).

Every case goes through the command's JSON interface (`calc.compute`, what `kikin calc` runs);
tests/calls/test_eligibility_form.py checks that the web form gives the same answers.
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from kikin.rules import calc
from kikin.rules.errors import RuleError

OKU = 10**8


def run(**payload) -> dict:
    return calc.compute("eligibility", payload)


def codes(out: dict) -> set[str]:
    return {r["code"] for r in out["reasons"]}


def base(theme, by_fy, **kw):
    payload = {
        "theme": theme,
        "applicant": {"category": "large"},
        "start_date": "2025-04-01",
        "period_months": 60,
        "requested_yen_by_fy": {str(k): v for k, v in by_fy.items()},
    }
    payload.update(kw)
    return payload


D1_DECLARED = ["all-foreign-body-special-capability", "d1-country-conditions"]
US_ADVISER = {"name": "Example Inc.", "country": "US", "role": "adviser"}


# --- the foreign partner of exactly ① (g2) and ② (d1) (d2-1) (d2-2) (d3) (d4) (f1) (f2) --------


@pytest.mark.parametrize("theme", ["2-d1", "2-d2-1", "2-d2-2", "2-d3", "2-d4", "2-f1", "2-f2"])
def test_foreign_partner_themes_need_one_that_is_not_parent_or_subsidiary(theme):
    """Lines 3036–3044, 3074, 3106, 3169, 3219, 3438–3446, 3473."""
    prefix = theme.split("-", 1)[1]
    small = {2025: 1 * OKU}
    alone = run(**base(theme, small))
    foreign = [r for r in alone["reasons"] if r["field"] == "partners"]
    assert [r["code"] for r in foreign] == [f"{prefix}-foreign-partner"]
    assert foreign[0]["seed_line"] and foreign[0]["message_ja"] and foreign[0]["message_en"]
    declared = list(alone["declarations"])  # the country clause and the rest
    parent = run(
        **base(
            theme,
            small,
            partners=[{**US_ADVISER, "relation": "parent"}],
            declarations=[*declared, "all-foreign-body-special-capability"],
        )
    )
    assert f"{prefix}-foreign-partner" in codes(parent)
    subsidiary = run(**base(theme, small, partners=[{**US_ADVISER, "relation": "subsidiary"}]))
    assert f"{prefix}-foreign-partner" in codes(subsidiary)
    domestic = run(**base(theme, small, partners=[{"name": "国内社", "country": "JP"}]))
    assert f"{prefix}-foreign-partner" in codes(domestic)
    for role in ("joint", "adviser"):
        ok = run(
            **base(
                theme,
                small,
                partners=[{**US_ADVISER, "role": role}],
                declarations=[*declared, "all-foreign-body-special-capability"],
            )
        )
        assert f"{prefix}-foreign-partner" not in codes(ok)


@pytest.mark.parametrize("theme", ["1-a1", "2-f3", "2-d2-3", "2-d5-1", "2-f4-1", "1-g1", "2-e1"])
def test_no_other_theme_asks_for_a_foreign_partner(theme):
    out = run(**base(theme, {2025: OKU}, period_months=36, set_value="2.5"))
    assert not [r for r in out["reasons"] if r["field"] == "partners"]


def test_g2_needs_a_foreign_partner_that_supplies_ai_compute():
    """Lines 1678–1686: one that develops or supplies part of AI compute infrastructure."""
    ok_decl = ["g2-country-conditions", "all-foreign-body-special-capability"]
    plain = run(**base("1-g2", {2025: OKU}, partners=[US_ADVISER], declarations=ok_decl))
    assert "g2-foreign-ai-compute-partner" in codes(plain)
    supplier = run(
        **base(
            "1-g2",
            {2025: OKU},
            partners=[{**US_ADVISER, "supplies_ai_compute": True}],
            declarations=ok_decl,
        )
    )
    assert supplier["eligible"], supplier["reasons"]


def test_a_foreign_partner_needs_the_special_capability_declared():
    """Lines 5232–5236: a body abroad only for a special capability; declared only then."""
    domestic = run(**base("2-a", {2025: OKU}))
    assert "all-foreign-body-special-capability" not in codes(domestic)
    abroad = run(**base("2-a", {2025: OKU}, partners=[US_ADVISER]))
    assert "all-foreign-body-special-capability" in codes(abroad)


# --- caps up to the first gate, growing caps, scopes ---------------------------------------------


def test_g1_cap_bounds_the_money_up_to_its_first_gate_the_gates_year_in_full():
    """(g1): 200億円 up to the first gate (lines 4898–4901); gate 30 months after 2025-04-01 =
    2027-10-01, in FY2027, which counts in full."""
    declared = list(run(**base("1-g1", {2025: OKU}))["declarations"])
    at = {2025: 100 * OKU, 2026: 99 * OKU, 2027: 1 * OKU, 2028: 500 * OKU}
    out = run(**base("1-g1", at, declarations=declared))
    assert out["eligible"], out["reasons"]
    assert (out["cap_yen"], out["cap_kind"], out["first_gate_date"]) == (
        200 * OKU,
        "first_gate",
        "2027-10-01",
    )
    assert out["requested_to_first_gate_yen"] == 200 * OKU
    assert out["requested_total_yen"] == 700 * OKU  # the whole request is not bounded
    over = run(**base("1-g1", {**at, 2027: OKU + 1}, declarations=declared))
    assert codes(over) == {"over_cap_to_first_gate"}
    # The proposal may state its money up to the gate: then that figure counts.
    stated = run(
        **base(
            "1-g1",
            {**at, 2027: 50 * OKU},
            requested_to_first_gate_yen=200 * OKU,
            declarations=declared,
        )
    )
    assert stated["eligible"] and stated["requested_to_first_gate_yen"] == 200 * OKU
    more = run(**base("1-g1", at, requested_to_first_gate_yen=200 * OKU + 1, declarations=declared))
    assert codes(more) == {"over_cap_to_first_gate"}


@pytest.mark.parametrize(
    ("option", "cap"),
    [("testbed", 165 * OKU), ("efficient_use", 25 * OKU), ("usability", 25 * OKU)],
)
def test_g6_caps_by_scope_up_to_the_first_gate(option, cap):
    """(g6) 165 / 25 / 25億円 up to the first gate (lines 4932–4948); gate at 18 months."""
    first = run(**base("1-g6", {2025: OKU}, option=option, gx_commitment=True))
    declared = first["declarations"]
    app = {"category": "large", "registered_in_japan": True}
    ok = run(
        **base(
            "1-g6",
            {2025: cap - OKU, 2026: OKU, 2027: 500 * OKU},
            applicant=app,
            option=option,
            gx_commitment=True,
            declarations=declared,
        )
    )
    assert ok["eligible"], ok["reasons"]
    assert (ok["cap_yen"], ok["first_gate_date"]) == (cap, "2026-10-01")
    over = run(
        **base(
            "1-g6",
            {2025: cap - OKU, 2026: OKU + 1},
            applicant=app,
            option=option,
            gx_commitment=True,
            declarations=declared,
        )
    )
    assert codes(over) == {"over_cap_to_first_gate"}


def test_g6_refuses_a_testbed_only_proposal_a_research_institution_alone_and_abroad():
    """Lines 2528–2531."""
    out = run(
        **base(
            "1-g6",
            {2025: OKU},
            applicant={
                "category": "academia",
                "research_institution": True,
                "registered_in_japan": False,
            },
            option="testbed",
            gx_commitment=True,
        )
    )
    assert {
        "g6-not-testbed-only",
        "g6-not-research-institution-alone",
        "g6-registered-in-japan",
    } <= codes(out)
    assert (
        "g6-not-testbed-only" in out["declarations"]
    )  # the applicant may declare the software work


def test_d1_growing_cap_700_then_3300_then_8665():
    """(d1) (lines 5025–5037): 700億円 to the first gate; the whole request at most 8,665億円."""
    decl = D1_DECLARED
    ok = run(
        **base(
            "2-d1",
            {2025: 350 * OKU, 2026: 350 * OKU, 2028: 7965 * OKU},
            partners=[US_ADVISER],
            declarations=decl,
        )
    )
    assert ok["eligible"], ok["reasons"]
    assert (ok["cap_kind"], ok["cap_yen"]) == ("tranches", 700 * OKU)
    over = run(
        **base(
            "2-d1",
            {2025: 350 * OKU, 2026: 350 * OKU, 2028: 7965 * OKU + 1},
            partners=[US_ADVISER],
            declarations=decl,
        )
    )
    assert codes(over) == {"over_cap_total"}


def test_b1_cap_for_the_calls_of_fy2023():
    """(b1): 250億円, but 200億円 for the 2023 calls (lines 4988–4994)."""
    by_fy = {2025: 210 * OKU}
    assert codes(run(**base("2-b1", by_fy))) == set()
    assert codes(run(**base("2-b1", by_fy, call="2023-b1"))) == {"over_cap"}


# --- pools ------------------------------------------------------------------------------------


def test_4b_own_pool_counts_three_years():
    """④(b): the adopted implementers' three years at most 15億円 (line 5159)."""
    three = {2025: 5 * OKU, 2026: 5 * OKU, 2027: 5 * OKU}
    ok = run(**base("4-b", {**three, 2028: 100 * OKU}, period_months=36))
    assert "over_pool" not in codes(ok)
    assert (ok["cap_kind"], ok["cap_yen"]) == ("pooled", 15 * OKU)
    over = run(**base("4-b", {**three, 2027: 5 * OKU + 1}, period_months=36))
    assert "over_pool" in codes(over)


def test_g5_2_counts_one_year_of_the_472_pool():
    """(g5-2): one year counts against (g5)'s 472億円 (lines 4916–4920)."""
    ok = run(
        **base("1-g5-2-1", {2025: 472 * OKU, 2026: 100 * OKU}, period_months=36, declarations=_g5())
    )
    assert "over_pool" not in codes(ok)
    over = run(**base("1-g5-2-1", {2025: 472 * OKU + 1}, period_months=36, declarations=_g5()))
    assert "over_pool" in codes(over)


def _g5():
    return run(**base("1-g5-2-1", {2025: 1}, period_months=36))["declarations"]


# --- caps exceeded with the reviewers' approval (items ② ④ only) --------------------------------


def test_items_2_and_4_may_exceed_with_an_approved_cap():
    """Lines 4958–4966, 5137–5143."""
    over = run(**base("2-a", {2025: 400 * OKU}))
    assert codes(over) == {"over_cap"}
    assert "Only the external reviewers" in over["reasons"][0]["message_en"]
    approved = run(**base("2-a", {2025: 400 * OKU}, approved_cap_yen=400 * OKU))
    assert approved["eligible"] and (approved["cap_kind"], approved["cap_yen"]) == (
        "approved",
        400 * OKU,
    )
    still_over = run(**base("2-a", {2025: 400 * OKU + 1}, approved_cap_yen=400 * OKU))
    assert codes(still_over) == {"over_cap"}
    item4 = run(**base("4-a", {2025: 80 * OKU}, approved_cap_yen=80 * OKU))
    assert item4["eligible"]


def test_item_1_caps_cannot_be_exceeded():
    out = run(**base("1-b2", {2025: 101 * OKU}, period_months=36, approved_cap_yen=120 * OKU))
    assert {"approved_cap_not_allowed", "over_cap"} == codes(out)


# --- GX, period, set value ------------------------------------------------------------------


def test_gx_themes_need_the_commitment():
    """Lines 4751–4755."""
    assert "gx_commitment" in codes(run(**base("2-e1", {2025: OKU})))
    assert run(**base("2-e1", {2025: OKU}, gx_commitment=True))["eligible"]
    assert "gx_commitment" not in codes(run(**base("2-a", {2025: OKU})))


def test_period_within_the_theme_and_the_program():
    assert "period_too_long" in codes(run(**base("2-a", {2025: OKU}, period_months=61)))
    late = run(**base("2-a", {2026: OKU}, start_date="2026-04-01", period_months=60))
    assert "period_after_program_end" in codes(late)
    assert late["reasons"][0]["seed_line"] == 5367
    assert "fy_outside_period" in codes(run(**base("2-a", {2024: OKU})))


def test_set_value_of_the_refund_scheme():
    a1 = {"period_months": 36, "requested_yen_by_fy": {"2025": OKU}}
    assert "set_value_required" in codes(run(**base("1-a1", {}, **a1)))
    assert "set_value_not_admissible" in codes(run(**base("1-a1", {}, set_value="1.04", **a1)))
    ok = run(**base("1-a1", {}, set_value="1.05", **a1))
    assert ok["eligible"] and ok["cap_yen"] == 75 * OKU * 71 // 100


# --- any program ------------------------------------------------------------------------------


def test_no_post5g_rule_applies_to_q_leap():
    out = run(
        program="q-leap",
        theme="1-br",
        applicant={"category": "academia", "research_institution": True},
        start_date="2025-10-01",
        period_months=30,
        requested_yen_by_fy={"2025": OKU, "2026": 2 * OKU, "2027": 2 * OKU},
    )
    assert out["eligible"] and out["cap_yen"] is None and out["declarations"] == []
    late = run(
        program="q-leap",
        theme="1-br",
        applicant={"category": "academia"},
        start_date="2026-04-01",
        period_months=36,
        requested_yen_by_fy={"2026": OKU},
    )
    # Q-LEAP's own end (FY2027), not the post-5G fund's (FY2029).
    assert [r["code"] for r in late["reasons"]] == ["period_after_program_end"]
    assert "2028-03-31" in late["reasons"][0]["message_en"]


def test_theme_keys_are_per_program():
    with pytest.raises(RuleError, match='unknown theme "1-br" of program post5g'):
        run(**base("1-br", {2025: OKU}))
    with pytest.raises(RuleError, match='unknown program "nope"'):
        run(**base("1-a1", {2025: OKU}, program="nope"))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (base("2-a", {2025: 1.5}), "requested_yen_by_fy.2025"),
        (
            base("2-a", {2025: OKU}, partners=[{"name": "X", "country": "USA"}]),
            "partners[0].country",
        ),
        (
            base(
                "2-a", {2025: OKU}, partners=[{"name": "X", "country": "US", "relation": "cousin"}]
            ),
            "partners[0].relation",
        ),
        (base("2-a", {2025: OKU}, applicant={"category": "huge"}), "applicant.category"),
        (base("2-a", {2025: OKU}, declarations="yes"), "declarations"),
        (base("2-a", {2025: OKU}, call="2099-01"), None),
    ],
)
def test_bad_input_exits_2_with_one_line(payload, field, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(payload)))
    code = calc.main(["eligibility"])
    out, err = capsys.readouterr()
    if field is None:  # a call key of a year the plan does not know: read as that year's calls
        assert code == 0 and json.loads(out)["theme"] == "2-a"
        return
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"{field}: ")
