import datetime as dt
import io

import pytest

from kikin.audit.models import AuditRecord
from kikin.calls.models import Call
from kikin.programs.models import PlanRevision, Program, ResearchItem, Theme, ThemeTerms
from kikin.programs.selectors import program_plan_on, terms_in_force
from kikin.programs.services import load_catalogue
from kikin.rules import plan as plan_rules

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Program.objects.count(),
        PlanRevision.objects.count(),
        ResearchItem.objects.count(),
        Theme.objects.count(),
        ThemeTerms.objects.count(),
        Call.objects.count(),
    )


def test_load_plan_twice_changes_nothing_the_second_time():
    first = load_catalogue()["post5g"]
    counts = _counts()
    audits = AuditRecord.objects.count()
    second = load_catalogue()["post5g"]
    assert _counts() == counts
    assert not any(second.values()), second
    assert AuditRecord.objects.count() == audits  # nothing new, nothing recorded
    assert first["themes"] == len(plan_rules.program().themes)


def test_load_plan_restores_a_changed_figure():
    load_catalogue()
    terms = ThemeTerms.objects.get(theme__item__number=1, theme__code="a1")
    terms.attributes = {**terms.attributes, "cap": {**terms.attributes["cap"], "oku": "0.00000001"}}
    terms.save()
    assert ThemeTerms.objects.get(pk=terms.pk).as_spec().cap.base_yen == 1
    counts = load_catalogue()["post5g"]
    terms = ThemeTerms.objects.get(pk=terms.pk)
    assert terms.as_spec().cap.base_yen == 7_500_000_000
    assert counts["updated"] >= 1


def test_every_item_and_the_geniac_calls_are_loaded(plan):
    assert list(plan.items.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert not plan.items.get(number=4).first_review
    assert set(plan.items.filter(excluded_from_targets=True).values_list("number", flat=True)) == {
        3,
        4,
    }
    calls = {c.key: c for c in Call.objects.filter(program=plan)}
    assert {"2023-11", "2024-02", "2024-07", "2025-03"} <= set(calls)
    assert calls["2023-11"].budget_total_yen == 8_400_000_000
    assert calls["2024-02"].budget_total_yen == 1_000_000_000
    assert calls["2024-07"].budget_total_yen == 24_500_000_000
    assert calls["2025-03"].budget_total_yen == 10_000_000_000
    assert [t.key for t in calls["2024-07"].themes.all()] == ["1-g3"]
    # The window is in JST: 2023-11-10 00:00 JST is 2023-11-09 15:00 UTC.
    assert calls["2023-11"].opens_at == dt.datetime(2023, 11, 9, 15, 0, tzinfo=dt.UTC)


def test_seeded_terms_match_the_catalogue(plan):
    for spec in plan_rules.program().themes:
        terms = ThemeTerms.objects.select_related("theme__item", "theme__parent").get(
            theme__item__number=spec.item, theme__code=spec.code
        )
        assert terms.as_spec().cap == spec.cap
        assert terms.as_spec().rates == spec.rates
        assert terms.as_spec().rates_by_call == spec.rates_by_call
        assert terms.period_months == spec.period_months
        assert terms.stage_gate_months == spec.stage_gate_months
        assert terms.as_spec().refund_scheme == spec.refund_scheme


def test_terms_in_force_follow_the_revision_dates(plan):
    theme = Theme.objects.get(item__number=2, code="f2")
    seeded = terms_in_force(theme, dt.date(2026, 1, 1))
    assert seeded.basis == "in_force"
    revision = PlanRevision.objects.create(
        program=plan, effective_date=dt.date(2026, 6, 1), note_ja="改定（テスト）"
    )
    changed = ThemeTerms.objects.get(pk=seeded.terms.pk)
    changed.pk = None
    changed.revision = revision
    changed.attributes = {
        **changed.attributes,
        "cap": {**changed.attributes["cap"], "oku": "10", "tranches_oku": ["500"]},
    }
    changed.save()
    assert terms_in_force(theme, dt.date(2026, 5, 31)).terms.pk == seeded.terms.pk
    assert terms_in_force(theme, dt.date(2026, 6, 1)).terms.pk == changed.pk
    rows = {
        r.theme.key: r for block in program_plan_on(plan, dt.date(2026, 6, 1)) for r in block.rows
    }
    assert rows["2-f2"].terms.cap.tranches_yen == (50_000_000_000,)
    assert rows["2-f2"].terms.cap.base_yen == 1_000_000_000


def test_a_date_before_every_recorded_terms_says_so(plan):
    row = terms_in_force(Theme.objects.get(item__number=1, code="a1"), dt.date(2020, 5, 1))
    assert row.basis == "earliest_recorded"
    assert row.terms is not None


# --- plan files: any program from its file -----------------------------------------------------

SHIPPED = [p.code for p in plan_rules.programs()]


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_plan_file_round_trips(code):
    """load → dump → load gives an equal spec (docs/plans.md)."""
    spec = plan_rules.program(code)
    again = plan_rules.parse_text(plan_rules.dump_program(spec), f"{code}.toml")
    assert again == spec


def test_the_catalogue_holds_the_funds_of_the_seeds():
    codes = set(SHIPPED)
    # the post-5G fund, Q-LEAP and the METI funds of 003 lines 86–96 (003's 経済安全保障重要技術育成基金
    # is 004's K Program: one program)
    assert {
        "post5g",
        "q-leap",
        "green-innovation",
        "moonshot",
        "k-program",
        "drug-venture-ecosystem",
        "biomanufacturing",
        "deeptech-startup",
    } <= codes
    qleap = plan_rules.program("q-leap")
    assert qleap.ministry == "mext" and qleap.max_years == 10
    assert [i.director for i in qleap.items[:3]] == [True, True, True]
    assert qleap.items[0].budget_per_year_min_yen == 6 * 10**8
    assert qleap.items[0].budget_per_year_max_yen == 12 * 10**8


def _plan_file(tmp_path, text, name="x.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """schema = 2
[program]
code = "test-fund"
kind = "fund"
ministry = "meti"
title_ja = "試験基金"
title_en = "Test fund"
start_date = 2026-04-01
end_date = 2031-03-31
source = "test"
line = 1

[[item]]
number = 1
title_ja = "項目"
title_en = "Item"
line = 2
[item.defaults]
period_months = 36
stage_gate_months = 18

[[theme]]
item = 1
code = "g3"
title_ja = "①(g3)と同じ名前のテーマ"
title_en = "A theme that happens to be called (g3)"
support = "grant"
rates = ["1/2"]
line = 3
[theme.cap]
kind = "fixed"
oku = "10"
"""


def test_load_plan_loads_any_plan_file(tmp_path):
    """A second program whose theme happens to be called (g3) is not GENIAC: no compute support,
    the program's own end, no post-5G rule unless its file says so."""
    from django.core.management import call_command

    from kikin.programs.selectors import themes_with_mode

    call_command("load_plan", str(_plan_file(tmp_path, GOOD)), stdout=io.StringIO())
    program = Program.objects.get(code="test-fund")
    theme = Theme.objects.get(program=program, code="g3")
    spec = theme.terms.get().as_spec()
    assert spec.modes == () and not spec.refund_scheme and spec.booking_limit is None
    assert not themes_with_mode("compute_support").filter(pk=theme.pk).exists()
    assert program.end_date == dt.date(2031, 3, 31)
    rules = program.plan_rules()
    assert rules.leakage is None and rules.refund is None and rules.targets == ()
    assert program.output_target_percent is None


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [
        (('oku = "10"', 'oku = "10.123456789"'), "theme[0].cap.oku", "not a whole number of yen"),
        (('kind = "fixed"', 'kind = "cheap"'), "theme[0].cap.kind", "not one of"),
        (('support = "grant"', 'support = "gift"'), "theme[0].support", "not one of"),
        (('rates = ["1/2"]', 'rates = ["3/2"]'), "theme[0].rates[0]", "not in (0, 1]"),
        (("start_date = 2026-04-01", 'start_date = "April"'), "program.start_date", "TOML date"),
        (("schema = 2", "schema = 1"), "schema", "expected 2"),
        (("line = 3", "line = 3\nbudget = 5"), "theme[0].budget", "unknown key"),
        (("item = 1\ncode", "item = 7\ncode"), "theme[0].item", "no [[item]] numbered 7"),
    ],
)
def test_a_bad_plan_file_is_refused_whole_with_its_key_path(tmp_path, change, path, reason):
    from django.core.management import CommandError, call_command

    good = _plan_file(tmp_path, GOOD.replace('code = "test-fund"', 'code = "good-fund"'), "a.toml")
    bad = _plan_file(tmp_path, GOOD.replace(*change), "b.toml")
    with pytest.raises(CommandError) as e:
        call_command("load_plan", str(good), str(bad), stdout=io.StringIO())
    assert str(e.value).startswith(f"b.toml: {path}: ")
    assert reason in str(e.value)
    assert not Program.objects.filter(code__in=["good-fund", "test-fund"]).exists()  # none loaded
