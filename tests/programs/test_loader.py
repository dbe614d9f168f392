import datetime as dt

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
    terms.cap_base_yen = 1
    terms.save()
    counts = load_catalogue()["post5g"]
    terms.refresh_from_db()
    assert terms.cap_base_yen == 7_500_000_000
    assert counts["updated"] >= 1


def test_every_item_and_the_geniac_calls_are_loaded(plan):
    assert list(plan.items.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert not plan.items.get(number=4).first_review
    assert set(plan.items.filter(excluded_from_targets=True).values_list("number", flat=True)) == {3, 4}
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
    revision = PlanRevision.objects.create(program=plan, effective_date=dt.date(2026, 6, 1), note_ja="改定（テスト）")
    changed = ThemeTerms.objects.get(pk=seeded.terms.pk)
    changed.pk = None
    changed.revision = revision
    changed.cap_tranches_yen = [1_000_000_000, 50_000_000_000]
    changed.save()
    assert terms_in_force(theme, dt.date(2026, 5, 31)).terms.pk == seeded.terms.pk
    assert terms_in_force(theme, dt.date(2026, 6, 1)).terms.pk == changed.pk
    rows = {r.theme.key: r for block in program_plan_on(plan, dt.date(2026, 6, 1)) for r in block.rows}
    assert rows["2-f2"].terms.cap_tranches_yen == [1_000_000_000, 50_000_000_000]


def test_a_date_before_every_recorded_terms_says_so(plan):
    row = terms_in_force(Theme.objects.get(item__number=1, code="a1"), dt.date(2020, 5, 1))
    assert row.basis == "earliest_recorded"
    assert row.terms is not None
