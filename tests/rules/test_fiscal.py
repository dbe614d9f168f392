import datetime as dt

import pytest

from kikin.rules.fiscal import (
    JST,
    fiscal_year,
    fiscal_year_bounds,
    fiscal_year_label_en,
    fiscal_year_label_ja,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (dt.date(2025, 3, 31), 2024),
        (dt.date(2025, 4, 1), 2025),
        (dt.date(2025, 12, 31), 2025),
        (dt.date(2026, 1, 1), 2025),
        (dt.date(2024, 2, 29), 2023),
        (dt.date(2020, 4, 1), 2020),
    ],
)
def test_fiscal_year_of_a_date(day, fy):
    assert fiscal_year(day) == fy


def test_fiscal_year_boundary_in_jst_given_in_utc():
    # 2025-03-31 23:59:59 JST is 14:59:59 UTC: still FY2024.
    assert fiscal_year(dt.datetime(2025, 3, 31, 14, 59, 59, tzinfo=UTC)) == 2024
    # 2025-04-01 00:00 JST is 2025-03-31 15:00 UTC: already FY2025.
    assert fiscal_year(dt.datetime(2025, 3, 31, 15, 0, tzinfo=UTC)) == 2025


def test_fiscal_year_of_a_jst_datetime():
    assert fiscal_year(dt.datetime(2025, 3, 31, 23, 59, tzinfo=JST)) == 2024
    assert fiscal_year(dt.datetime(2025, 4, 1, 0, 0, tzinfo=JST)) == 2025


def test_fiscal_year_of_another_zone_is_converted_to_jst():
    new_york = dt.timezone(dt.timedelta(hours=-4))
    # 2025-03-31 11:00 in New York is 2025-04-01 00:00 in Tokyo.
    assert fiscal_year(dt.datetime(2025, 3, 31, 11, 0, tzinfo=new_york)) == 2025
    assert fiscal_year(dt.datetime(2025, 3, 31, 10, 59, tzinfo=new_york)) == 2024


def test_fiscal_year_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="time zone"):
        fiscal_year(dt.datetime(2025, 4, 1, 12, 0))


def test_fiscal_year_refuses_other_types():
    with pytest.raises(TypeError):
        fiscal_year("2025-04-01")


@pytest.mark.parametrize(
    ("fy", "label"),
    [
        (2025, "令和7年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1990, "平成2年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
    ],
)
def test_fiscal_year_label_ja(fy, label):
    assert fiscal_year_label_ja(fy) == label


def test_fiscal_year_label_ja_before_showa_is_refused():
    with pytest.raises(ValueError):
        fiscal_year_label_ja(1925)


def test_fiscal_year_label_en():
    assert fiscal_year_label_en(2025) == "FY2025"


def test_fiscal_year_bounds():
    assert fiscal_year_bounds(2025) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert fiscal_year_bounds(2023) == (dt.date(2023, 4, 1), dt.date(2024, 3, 31))
