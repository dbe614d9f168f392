"""The budget-frame data read into exact yen, without a database (rules.md §10)."""

import pytest

from kikin.budgets.frames import CHO, BudgetFrameError, parse_frames, read_frames, to_yen

LINE = {
    "source": "002_a9a2f2a212ac3399.txt",
    "line": 77,
    "ministry": "METI",
    "program_ja": "ポスト5G情報通信システム基盤強化研究開発事業",
    "program_en": "Post-5G",
    "program_code": "post5g",
    "fiscal_year": 2025,
    "budget": "initial",
    "draft": True,
    "kind": "fund",
    "amount": "1617",
    "unit": "oku",
    "part_of": "",
    "gx_share": "1502",
    "prior_year_amount": "",
    "note_ja": "",
}


def parse(**changes):
    return parse_frames({"schema": 1, "line": [{**LINE, **changes}]})[0]


@pytest.mark.parametrize(
    ("amount", "unit", "yen"),
    [
        ("1.25", "cho", 1_250_000_000_000),  # 兆円
        ("0.000000000001", "cho", 1),  # one yen, written in 兆円
        ("9.8", "oku", 980_000_000),  # 億円 with a decimal (002 line 359)
        ("9,916", "oku", 991_600_000_000),  # 億円 as the seed writes it (002 line 15)
        ("125000", "hyakuman", 125_000_000_000),  # 百万円 (004 line 89)
        ("0.5", "hyakuman", 500_000),
        ("3275.5", "man", 32_755_000),  # 万円
        ("0", "oku", 0),
    ],
)
def test_units_convert_to_exact_yen(amount, unit, yen):
    assert to_yen(amount, unit, where="x") == yen


def test_a_cho_is_ten_thousand_oku():
    assert CHO == 10_000 * 10**8


@pytest.mark.parametrize(
    ("amount", "unit"),
    [
        ("0.000000001", "oku"),  # 0.1 yen
        ("1.0000001", "hyakuman"),  # 1,000,000.1 yen
        ("0.00001", "man"),  # 0.1 yen
        (
            "1234567890123456789012345678.000000001",
            "oku",
        ),  # 0.1 yen past more digits than a default Decimal keeps
    ],
)
def test_a_fraction_of_a_yen_is_refused_naming_the_line(amount, unit):
    with pytest.raises(BudgetFrameError) as exc:
        parse(amount=amount, unit=unit, gx_share="", line=359)
    assert "line 359" in str(exc.value) and "whole number of yen" in str(exc.value)


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 9.8},  # a float is not exact
        {"amount": "-1"},
        {"amount": "nine"},
        {"amount": ""},
        {"unit": "sen"},
        {"kind": "loan"},
        {"budget": "final"},
        {"fiscal_year": "2025"},
        {"draft": "yes"},
        {"gx_share": "1618"},  # a GX share is inside the line, so never more than it
        {"gx_share": "0.000000001"},
        {"prior_year_amount": "1.0000000001"},
        {"program_code": "ポスト5G"},
    ],
)
def test_malformed_lines_are_refused_with_their_seed_line(changes):
    with pytest.raises(BudgetFrameError) as exc:
        parse(**changes)
    assert "line 77" in str(exc.value)


def test_gx_share_is_kept_inside_the_amount_not_added():
    spec = parse()
    assert spec.amount_yen == 161_700_000_000
    assert spec.gx_share_yen == 150_200_000_000
    assert spec.prior_year_yen is None


def test_the_same_seed_line_twice_is_refused():
    with pytest.raises(BudgetFrameError, match="same seed line"):
        parse_frames({"schema": 1, "line": [LINE, {**LINE, "fiscal_year": 2026}]})


def test_schema_is_checked():
    with pytest.raises(BudgetFrameError, match="schema"):
        parse_frames({"schema": 2, "line": [LINE]})


def test_the_packaged_data_reads_whole():
    specs = read_frames()
    assert len(specs) == 36
    by_key = {s.key: s for s in specs}
    # A few figures checked against the seeds by hand (sed -n 'Np').
    assert (
        by_key[("002_a9a2f2a212ac3399.txt", 15)].amount_yen == 991_600_000_000
    )  # 9,916 億円 (一部GX 1,576 億円)
    assert by_key[("002_a9a2f2a212ac3399.txt", 15)].gx_share_yen == 157_600_000_000
    assert (
        by_key[("002_a9a2f2a212ac3399.txt", 179)].prior_year_yen == 12_000_000_000
    )  # 98億円（120億円）
    assert by_key[("002_a9a2f2a212ac3399.txt", 359)].amount_yen == 980_000_000  # 9.8億円
    assert by_key[("004_f50760bfabd8ff0a.txt", 29)].amount_yen == 5_152_000_000  # 5,152百万円
    assert (
        by_key[("004_f50760bfabd8ff0a.txt", 29)].prior_year_yen == 3_809_000_000
    )  # (前年度予算額 3,809百万円)
    assert by_key[("004_f50760bfabd8ff0a.txt", 89)].amount_yen == 125_000_000_000  # 125,000百万円
    assert by_key[("004_f50760bfabd8ff0a.txt", 7)].amount_yen == 63_900_000_000  # 639億円
    assert all(s.gx_share_yen is None or s.gx_share_yen <= s.amount_yen for s in specs)
