import datetime as dt

import pytest

from kikin.rules import plan as catalogue
from kikin.rules.errors import RuleError
from kikin.rules.schedule import end_if_gate_failed, stage_gate_due, theme_schedule

D = dt.date
POST5G = catalogue.program("post5g")
PROGRAM_END = POST5G.end_date
SG = POST5G.rules.stage_gate


def schedule(theme, start, **kw):
    """The post-5G fund's schedule of `theme`: its plan's end and stage-gate rules."""
    return theme_schedule(theme, start, program_end=PROGRAM_END, stage_gate_rules=SG, **kw)


def test_stage_gate_due():
    assert stage_gate_due(D(2023, 4, 1), 30) == D(2025, 10, 1)
    assert stage_gate_due(D(2023, 8, 31), 18) == D(2025, 2, 28)


def test_end_if_gate_failed_three_or_six_months():
    assert end_if_gate_failed(D(2024, 10, 1), 36, D(2026, 3, 31), SG) == D(2025, 1, 1)
    assert end_if_gate_failed(D(2025, 10, 1), 60, D(2028, 3, 31), SG) == D(2026, 4, 1)
    assert end_if_gate_failed(D(2023, 11, 30), 36, D(2026, 3, 31), SG) == D(2024, 2, 29)


def test_end_if_gate_failed_never_after_the_period_end():
    assert end_if_gate_failed(D(2026, 1, 15), 36, D(2026, 3, 31), SG) == D(2026, 3, 31)


def test_theme_schedule_f1():
    s = schedule(catalogue.theme("1-f1"), D(2023, 4, 1))
    assert s.period_months == 60
    assert s.period_end == D(2028, 3, 31)
    assert s.stage_gate_due == D(2025, 10, 1)
    assert s.end_if_gate_failed == D(2026, 4, 1)
    assert not s.capped_at_program_end
    assert s.stage_gate_earliest is None


def test_theme_schedule_item1_eighteen_months():
    s = schedule(catalogue.theme("1-a1"), D(2020, 10, 1))
    assert s.period_end == D(2023, 9, 30)
    assert s.stage_gate_due == D(2022, 4, 1)
    assert s.end_if_gate_failed == D(2022, 7, 1)


def test_theme_schedule_from_the_actual_review_date():
    s = schedule(catalogue.theme("1-f1"), D(2023, 4, 1), gate_review_date=D(2025, 8, 20))
    assert s.stage_gate_due == D(2025, 10, 1)
    assert s.end_if_gate_failed == D(2026, 2, 20)


def test_theme_schedule_leap_day_start():
    s = schedule(catalogue.theme("1-g4"), D(2024, 2, 29))  # 48 months, gate at 24
    assert s.period_end == D(2028, 2, 28)
    assert s.stage_gate_due == D(2026, 2, 28)
    assert s.end_if_gate_failed == D(2026, 5, 28)


def test_theme_schedule_item3_gives_earliest_and_latest_gate():
    s = schedule(catalogue.theme("3-1a"), D(2023, 8, 31))
    assert s.stage_gate_earliest == D(2024, 8, 31)
    assert s.stage_gate_due == D(2025, 2, 28)
    assert s.period_end == D(2026, 8, 30)


def test_theme_schedule_g3_has_no_gate_and_a_call_period():
    g3 = catalogue.theme("1-g3")
    s = schedule(g3, D(2024, 10, 15), call="2024-07")
    assert (s.period_months, s.period_end, s.stage_gate_due, s.end_if_gate_failed) == (
        6,
        D(2025, 4, 14),
        None,
        None,
    )
    assert schedule(g3, D(2024, 4, 1), call="2024-02").period_end == D(2024, 6, 30)
    with pytest.raises(RuleError) as e:
        schedule(g3, D(2024, 10, 15), gate_review_date=D(2024, 12, 1))
    assert e.value.field == "gate_review_date"


def test_theme_schedule_capped_at_the_program_end():
    s = schedule(catalogue.theme("2-a"), D(2027, 4, 1))  # 60 months → 2032-03-31
    assert s.planned_period_end == D(2032, 3, 31)
    assert s.period_end == PROGRAM_END == D(2030, 3, 31)
    assert s.capped_at_program_end
    assert s.stage_gate_due == D(2029, 10, 1)
    assert s.end_if_gate_failed == D(2030, 3, 31)  # 2030-04-01 would run past the program


def test_theme_schedule_gate_end_capped_at_the_period_end():
    s = schedule(catalogue.theme("1-a1"), D(2023, 4, 1), gate_review_date=D(2026, 2, 1))
    assert s.period_end == D(2026, 3, 31)
    assert s.end_if_gate_failed == D(2026, 3, 31)


def test_theme_schedule_refuses_dates_out_of_order():
    with pytest.raises(RuleError) as e:
        schedule(catalogue.theme("1-a1"), D(2030, 4, 1))
    assert e.value.field == "start_date"
    with pytest.raises(RuleError) as e:
        schedule(catalogue.theme("1-a1"), D(2023, 4, 1), gate_review_date=D(2023, 3, 1))
    assert e.value.field == "gate_review_date"
    with pytest.raises(RuleError) as e:
        schedule(catalogue.theme("1-a1"), D(2023, 4, 1), gate_review_date=D(2026, 4, 1))
    assert e.value.field == "gate_review_date"


def test_theme_schedule_custom_program_end(make_theme):
    theme = make_theme(period_months=36, stage_gate_months=18)
    s = theme_schedule(theme, D(2024, 4, 1), program_end=D(2025, 3, 31))
    assert s.period_end == D(2025, 3, 31)
    assert s.end_if_gate_failed == D(2025, 3, 31)


def test_a_program_without_stage_gate_rules_ends_a_failed_theme_at_the_review():
    qleap = catalogue.program("q-leap")
    s = theme_schedule(
        qleap.theme("1-br"),
        D(2025, 10, 1),
        program_end=qleap.end_date,
        gate_review_date=D(2026, 10, 1),
        stage_gate_rules=qleap.rules.stage_gate,
    )
    assert s.stage_gate_due == D(2027, 10, 1)
    assert s.stage_gate_earliest == D(2026, 10, 1)
    assert s.end_if_gate_failed == D(2026, 10, 1)
    assert s.period_end == D(2028, 3, 31)  # Q-LEAP's own end, not the post-5G fund's
    assert s.capped_at_program_end


def test_no_program_end_means_no_cap(make_theme):
    s = theme_schedule(make_theme(period_months=60), D(2040, 4, 1))
    assert s.period_end == D(2045, 3, 31)
    assert not s.capped_at_program_end
