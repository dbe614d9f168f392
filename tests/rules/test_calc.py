"""`kikin calc NAME`: JSON in, JSON out; bad input exits 2 with one line naming the field."""

import io
import json
import os
import subprocess
import sys

import pytest

from kikin.rules import calc

HAND_REFUND = {
    "theme": "1-a1",
    "start_fy": 2020,
    "proposal_contract_yen": 5_000_000_000,
    "received_yen": 5_000_000_000,
    "set_value": "2.5",
    "sales_yen_by_fy": {
        "2018": 10_000_000_000,
        "2019": 12_000_000_000,
        "2024": 15_000_000_000,
        "2025": 17_500_000_000,
        "2026": 16_000_000_000,
    },
}
TARGET_THEMES = [
    {"item": "1", "completed": True, "met_targets": True, "adopted": True, "practical_use": True},
    {"item": "2", "completed": True, "met_targets": True, "adopted": True, "practical_use": False},
    {"item": "2", "completed": True, "met_targets": False, "adopted": True, "practical_use": False},
    {"item": "3", "completed": True, "met_targets": False, "adopted": True, "practical_use": False},
]
CONSULT = {
    "act": "joint_rd",
    "forced_transfer_risk": False,
    "counterparty_broke_norms_5y": True,
    "foreign_government_influence": False,
    "ministry_requested": False,
}


def run(capsys, monkeypatch, argv, stdin=""):
    text = stdin if isinstance(stdin, str) else json.dumps(stdin)
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code = calc.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, monkeypatch, name, payload):
    code, out, err = run(capsys, monkeypatch, [name], payload)
    assert (code, err) == (0, "")
    assert out.endswith("\n") and out.count("\n") == 1
    return json.loads(out)


def bad(capsys, monkeypatch, name, payload, field):
    code, out, err = run(capsys, monkeypatch, [name], payload)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(f"{field}: "), err
    return err


# --- happy paths -------------------------------------------------------------------------------


def test_budget_cap_variable(capsys, monkeypatch):
    out = ok(capsys, monkeypatch, "budget-cap", {"theme": "1-a1", "set_value": "2.5"})
    assert out["variable_rate_percent"] == "85"
    assert out["cap_yen"] == 6_375_000_000
    assert out["cap_kind"] == "variable" and out["admissible"] is True and out["set_value"] == "2.5"


def test_budget_cap_rounds_the_set_value(capsys, monkeypatch):
    out = ok(capsys, monkeypatch, "budget-cap", {"theme": "1-a1", "set_value": "1.04"})
    assert (out["set_value"], out["admissible"], out["variable_rate_percent"], out["cap_yen"]) == (
        "1.0",
        False,
        "0",
        0,
    )
    out = ok(capsys, monkeypatch, "budget-cap", {"theme": "1-a1", "set_value": "1.05"})
    assert (out["set_value"], out["variable_rate_percent"]) == ("1.1", "71")


def test_budget_cap_other_kinds(capsys, monkeypatch):
    assert ok(capsys, monkeypatch, "budget-cap", {"theme": "1-b2"}) == {
        "theme": "1-b2",
        "cap_kind": "fixed",
        "cap_yen": 10_000_000_000,
    }
    out = ok(capsys, monkeypatch, "budget-cap", {"theme": "1-g3", "call": "2024-07"})
    assert (out["cap_kind"], out["call"], out["cap_yen"]) == (
        "call_total",
        "2024-07",
        24_500_000_000,
    )
    out = ok(capsys, monkeypatch, "budget-cap", {"theme": "1-g6", "option": "testbed"})
    assert (out["cap_kind"], out["cap_yen"]) == ("options", 16_500_000_000)
    out = ok(capsys, monkeypatch, "budget-cap", {"theme": "2-d1", "tranche": 2})
    assert out["cap_yen"] == 330_000_000_000 and len(out["tranches_yen"]) == 3
    assert ok(capsys, monkeypatch, "budget-cap", {"theme": "2-d5"})["cap_yen"] is None


def test_refund_by_hand(capsys, monkeypatch):
    out = ok(capsys, monkeypatch, "refund", HAND_REFUND)
    assert out["evaluation_fy"] == 2027
    assert out["sales_increase_yen"] == 6_500_000_000
    assert out["achieved_value"] == "1.3"
    assert out["refund_rate_percent"] == "27"
    assert out["refund_yen"] == 1_350_000_000
    assert out["set_value"] == "2.5" and out["variable_rate_percent"] == "85"
    assert out["refund_due"] is True


def test_refund_zero_when_achieved_reaches_the_set_value(capsys, monkeypatch):
    payload = dict(HAND_REFUND, set_value="1.25")  # counts as 1.3 = achieved
    out = ok(capsys, monkeypatch, "refund", payload)
    assert (out["refund_yen"], out["refund_due"]) == (0, False)


def test_self_investment(capsys, monkeypatch):
    out = ok(
        capsys,
        monkeypatch,
        "self-investment",
        {
            "pledged_yen": 1_000_000_000,
            "received_yen": 4_000_000_000,
            "proposal_contract_yen": 5_000_000_000,
            "actual_burden_yen": 600_000_000,
        },
    )
    assert out["return_yen"] == 200_000_000


def test_payback(capsys, monkeypatch):
    out = ok(
        capsys,
        monkeypatch,
        "payback",
        {
            "profit_yen": 500_000_000,
            "deduction_yen": 200_000_000,
            "grant_yen": 100_000_000,
            "spending_yen": 300_000_000,
            "paid_yen": 10_000_000,
            "contribution_ratio": "0.8",
        },
    )
    assert out == {"payback_yen": 56_666_666}
    out = ok(
        capsys,
        monkeypatch,
        "payback",
        {
            "profit_yen": -5,
            "deduction_yen": 0,
            "grant_yen": 1,
            "spending_yen": 1,
            "paid_yen": 0,
        },
    )
    assert out == {"payback_yen": 0}


def test_subsidy(capsys, monkeypatch):
    out = ok(
        capsys,
        monkeypatch,
        "subsidy",
        {"theme": "1-g3", "call": "2024-07", "applicant": "sme", "eligible_cost_yen": 300},
    )
    assert (out["rate"], out["subsidy_yen"], out["form"]) == ("2/3", 200, "grant")
    out = ok(
        capsys,
        monkeypatch,
        "subsidy",
        {"theme": "1-g3", "call": "2023-11", "applicant": "academia", "eligible_cost_yen": 300},
    )
    assert (out["rate"], out["label"], out["subsidy_yen"]) == ("1", "定額", 300)
    out = ok(
        capsys,
        monkeypatch,
        "subsidy",
        {"theme": "1-g6", "project_year": 5, "eligible_cost_yen": 301},
    )
    assert (out["rate"], out["subsidy_yen"]) == ("1/2", 150)
    out = ok(
        capsys, monkeypatch, "subsidy", {"theme": "1-g5-1", "rate": "2/3", "eligible_cost_yen": 3}
    )
    assert out["subsidy_yen"] == 2


def test_schedule(capsys, monkeypatch):
    out = ok(capsys, monkeypatch, "schedule", {"theme": "1-f1", "start_date": "2023-04-01"})
    assert (out["period_end"], out["stage_gate_due"], out["end_if_gate_failed"]) == (
        "2028-03-31",
        "2025-10-01",
        "2026-04-01",
    )
    out = ok(
        capsys,
        monkeypatch,
        "schedule",
        {"theme": "1-g3", "start_date": "2024-10-15", "call": "2024-07"},
    )
    assert (out["stage_gate_due"], out["end_if_gate_failed"], out["period_end"]) == (
        None,
        None,
        "2025-04-14",
    )


def test_booking_limit(capsys, monkeypatch):
    out = ok(
        capsys,
        monkeypatch,
        "booking-limit",
        {"theme": "1-a1", "whole_period_cost_yen": 5_000_000_001, "gate_review_date": "2024-10-15"},
    )
    assert (out["applies"], out["max_bookable_before_gate_yen"], out["booking_limit_date"]) == (
        True,
        4_000_000_000,
        "2025-01-15",
    )
    out = ok(
        capsys,
        monkeypatch,
        "booking-limit",
        {"theme": "1-a1", "whole_period_cost_yen": 100, "period_months": 18},
    )
    assert (out["applies"], out["max_bookable_before_gate_yen"]) == (False, 100)
    out = ok(capsys, monkeypatch, "booking-limit", {"theme": "1-b2", "whole_period_cost_yen": 100})
    assert out["applies"] is False


def test_prior_consultation(capsys, monkeypatch):
    assert ok(capsys, monkeypatch, "prior-consultation", CONSULT) == {
        "required": True,
        "reasons": ["act_joint_rd", "counterparty_broke_norms_5y"],
    }
    payload = dict(
        CONSULT,
        act="production_abroad",
        capacity_increase_percent="30",
        local_consumption_percent="85",
    )
    assert ok(capsys, monkeypatch, "prior-consultation", payload) == {
        "required": False,
        "reasons": ["production_local_consumption_85"],
    }


def test_fund_targets(capsys, monkeypatch):
    out = ok(capsys, monkeypatch, "fund-targets", {"themes": TARGET_THEMES})
    assert out["target_achievement_percent"] == "66.7"
    assert out["practical_use_percent"] == "33.3"
    assert out["meets_output_goal"] is False and out["meets_outcome_goal"] is False
    out = ok(capsys, monkeypatch, "fund-targets", {"themes": []})
    assert out["target_achievement_percent"] is None and out["practical_use_percent"] is None


def test_fiscal_year(capsys, monkeypatch):
    assert ok(capsys, monkeypatch, "fiscal-year", {"date": "2025-04-01"}) == {
        "fiscal_year": 2025,
        "label_ja": "令和7年度",
        "label_en": "FY2025",
        "starts": "2025-04-01",
        "ends": "2026-03-31",
    }
    assert (
        ok(capsys, monkeypatch, "fiscal-year", {"datetime": "2025-03-31T14:59:59Z"})["fiscal_year"]
        == 2024
    )
    assert (
        ok(capsys, monkeypatch, "fiscal-year", {"datetime": "2025-03-31T15:00:00Z"})["fiscal_year"]
        == 2025
    )
    assert ok(capsys, monkeypatch, "fiscal-year", {"fiscal_year": 2019})["label_ja"] == "令和元年度"
    assert (
        ok(capsys, monkeypatch, "fiscal-year", {"date": "2019-03-31"})["label_ja"] == "平成30年度"
    )


# --- error paths -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stdin", "field", "words"),
    [
        ("refund", "{not json", "input", "not JSON"),
        ("refund", "", "input", "empty"),
        ("refund", "[1, 2]", "input", "JSON object"),
        ("refund", '"text"', "input", "JSON object"),
        ("refund", '{"a": 1, "a": 2}', "a", "given twice"),
        ("refund", '{"theme": NaN}', "input", "NaN"),
    ],
)
def test_unreadable_input(capsys, monkeypatch, name, stdin, field, words):
    err = bad(capsys, monkeypatch, name, stdin, field)
    assert words in err


def _without(payload, key):
    return {k: v for k, v in payload.items() if k != key}


@pytest.mark.parametrize(
    ("name", "payload", "field", "words"),
    [
        ("refund", _without(HAND_REFUND, "received_yen"), "received_yen", "required"),
        ("refund", dict(HAND_REFUND, received_yen=5e9), "received_yen", "JSON integer"),
        ("refund", dict(HAND_REFUND, received_yen=-1), "received_yen", "negative"),
        ("refund", dict(HAND_REFUND, received_yen="5000000000"), "received_yen", "JSON integer"),
        ("refund", dict(HAND_REFUND, received_yen=True), "received_yen", "JSON integer"),
        ("refund", dict(HAND_REFUND, received_yen=10**16), "received_yen", "out of range"),
        ("refund", dict(HAND_REFUND, set_value=2.5), "set_value", 'decimal string such as "2.5"'),
        ("refund", dict(HAND_REFUND, set_value="2,5"), "set_value", "decimal string"),
        ("refund", dict(HAND_REFUND, set_value="1.04"), "set_value", "not above 1.0"),
        ("refund", dict(HAND_REFUND, theme="1-zz"), "theme", "unknown theme"),
        ("refund", dict(HAND_REFUND, theme="1-b2"), "theme", "not under the refund scheme"),
        ("refund", dict(HAND_REFUND, start_fy=2019), "start_fy", "FY2020 or later"),
        (
            "refund",
            dict(HAND_REFUND, received_yen=6_000_000_000),
            "received_yen",
            "proposal_contract_yen",
        ),
        (
            "refund",
            dict(HAND_REFUND, sales_yen_by_fy={"2018": 1}),
            "sales_yen_by_fy.2019",
            "missing",
        ),
        (
            "refund",
            dict(HAND_REFUND, sales_yen_by_fy={"FY18": 1}),
            "sales_yen_by_fy.FY18",
            "fiscal year",
        ),
        (
            "refund",
            dict(HAND_REFUND, sales_yen_by_fy={"2018": 1.5}),
            "sales_yen_by_fy.2018",
            "JSON integer",
        ),
        ("refund", dict(HAND_REFUND, set_vaule="2.5"), "set_vaule", 'did you mean "set_value"'),
        ("budget-cap", {"theme": "1-a1"}, "set_value", "required"),
        ("budget-cap", {"theme": "1-b2", "set_value": "2"}, "set_value", "does not apply"),
        ("budget-cap", {"theme": "1-g3"}, "call", "required"),
        ("budget-cap", {"theme": "1-g3", "call": "1999-01"}, "call", "not a call"),
        ("budget-cap", {"theme": 12}, "theme", "theme key"),
        ("schedule", {"theme": "1-f1", "start_date": "2023-02-30"}, "start_date", "not a day"),
        ("schedule", {"theme": "1-f1", "start_date": "20230401"}, "start_date", "YYYY-MM-DD"),
        (
            "schedule",
            {"theme": "1-f1", "start_date": "2023-04-01", "gate_review_date": "2022-01-01"},
            "gate_review_date",
            "before",
        ),
        (
            "schedule",
            {"theme": "1-g3", "start_date": "2024-04-01", "call": "2030-01"},
            "call",
            "not a call",
        ),
        (
            "subsidy",
            {"theme": "1-g3", "call": "2024-07", "eligible_cost_yen": 1},
            "applicant",
            "required",
        ),
        (
            "subsidy",
            {"theme": "1-g3", "call": "2024-07", "applicant": "startup", "eligible_cost_yen": 1},
            "applicant",
            "one of",
        ),
        ("subsidy", {"theme": "1-g5-1", "eligible_cost_yen": 1}, "rate", "more than one rate"),
        ("subsidy", {"theme": "1-c8", "eligible_cost_yen": 1, "rate": "3/2"}, "rate", "(0, 1]"),
        (
            "payback",
            {"profit_yen": 1, "deduction_yen": 0, "grant_yen": 1, "spending_yen": 0, "paid_yen": 0},
            "spending_yen",
            "greater than 0",
        ),
        (
            "payback",
            {
                "profit_yen": 1,
                "deduction_yen": 0,
                "grant_yen": 1,
                "spending_yen": 1,
                "paid_yen": 0,
                "contribution_ratio": "2",
            },
            "contribution_ratio",
            "between 0 and 1",
        ),
        (
            "self-investment",
            {
                "pledged_yen": 1,
                "received_yen": 2,
                "proposal_contract_yen": 1,
                "actual_burden_yen": 0,
            },
            "received_yen",
            "must not exceed",
        ),
        ("prior-consultation", dict(CONSULT, act="export"), "act", "one of"),
        (
            "prior-consultation",
            _without(CONSULT, "ministry_requested"),
            "ministry_requested",
            "required",
        ),
        (
            "prior-consultation",
            dict(CONSULT, ministry_requested="no"),
            "ministry_requested",
            "true or false",
        ),
        (
            "prior-consultation",
            dict(CONSULT, act="production_abroad", capacity_increase_percent="20"),
            "local_consumption_percent",
            "required",
        ),
        (
            "prior-consultation",
            dict(
                CONSULT,
                act="production_abroad",
                capacity_increase_percent="20",
                local_consumption_percent="120",
            ),
            "local_consumption_percent",
            "at most 100",
        ),
        (
            "fund-targets",
            {
                "themes": [
                    {
                        "item": "5",
                        "completed": True,
                        "met_targets": True,
                        "adopted": True,
                        "practical_use": True,
                    }
                ]
            },
            "themes[0].item",
            "R&D item",
        ),
        (
            "fund-targets",
            {"themes": [dict(TARGET_THEMES[0], completed="yes")]},
            "themes[0].completed",
            "true or false",
        ),
        (
            "fund-targets",
            {"themes": [TARGET_THEMES[0], _without(TARGET_THEMES[0], "adopted")]},
            "themes[1].adopted",
            "required",
        ),
        ("fund-targets", {"themes": {}}, "themes", "array"),
        ("fiscal-year", {"datetime": "2025-04-01T00:00:00"}, "datetime", "UTC offset"),
        ("fiscal-year", {}, "date", "exactly one"),
        ("fiscal-year", {"date": "2025-04-01", "fiscal_year": 2025}, "fiscal_year", "exactly one"),
    ],
)
def test_bad_field(capsys, monkeypatch, name, payload, field, words):
    err = bad(capsys, monkeypatch, name, payload, field)
    assert words in err, err


def test_float_literal_money_is_refused_even_when_whole(capsys, monkeypatch):
    text = json.dumps(HAND_REFUND).replace(
        '"received_yen": 5000000000', '"received_yen": 5000000000.0'
    )
    err = bad(capsys, monkeypatch, "refund", text, "received_yen")
    assert "5000000000.0" in err


def test_unknown_name(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, ["refunds"], "{}")
    assert code == 2 and out == "" and err.count("\n") == 1 and "unknown name" in err


def test_no_name_prints_usage_and_fails(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, [], "")
    assert code == 2 and out == "" and "usage" in err


def test_help(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, ["--help"])
    assert code == 0 and all(name in out for name in calc.COMMANDS)
    code, out, _ = run(capsys, monkeypatch, ["refund", "--help"])
    assert code == 0 and "sales_yen_by_fy" in out


def test_extra_argument_is_refused(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, ["refund", "input.json"], "{}")
    assert code == 2 and out == "" and "standard input" in err


def test_cli_dispatches_calc(capsys, monkeypatch):
    from kikin import cli

    monkeypatch.setattr(sys, "stdin", io.StringIO('{"date": "2025-04-01"}'))
    assert cli.main(["calc", "fiscal-year"]) == 0
    assert json.loads(capsys.readouterr().out)["label_ja"] == "令和7年度"


# --- a real process ----------------------------------------------------------------------------


def _subprocess(args, stdin):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "kikin.cli", "calc", *args],
        input=stdin.encode(),
        capture_output=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_subprocess_refund():
    done = _subprocess(["refund"], json.dumps(HAND_REFUND))
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    out = json.loads(done.stdout)
    assert (out["refund_yen"], out["achieved_value"], out["refund_rate_percent"]) == (
        1_350_000_000,
        "1.3",
        "27",
    )


def test_subprocess_refund_bad_input():
    done = _subprocess(["refund"], json.dumps(dict(HAND_REFUND, theme="1-b2")))
    assert done.returncode == 2
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("theme: ")


def test_subprocess_does_not_load_django():
    code = (
        "import sys, io, json;"
        "sys.stdin = io.StringIO(json.dumps({'theme': '1-a1', 'set_value': '2'}));"
        "from kikin.cli import main; rc = main(['calc', 'budget-cap']);"
        "assert rc == 0;"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()


def test_unreadable_catalogue_exits_1(capsys, monkeypatch):
    from kikin.rules import plan

    def broken():
        raise FileNotFoundError("data/programs/post5g.toml")

    monkeypatch.setattr(plan, "programs", broken)
    code, out, err = run(capsys, monkeypatch, ["budget-cap"], {"theme": "1-a1", "set_value": "2"})
    assert code == 1 and out == "" and err.startswith("calc: internal error:")
