"""Writes to programs and plans. The catalogue loader is safe to run any number of times."""

from __future__ import annotations

from django.db import transaction

from kikin.audit.services import record
from kikin.calls.models import Call
from kikin.core.timeutil import jst_end_of, jst_start_of
from kikin.rules import plan as plan_rules

from .models import PlanRevision, Program, ResearchItem, Theme, ThemeTerms

EXCLUDED_FROM_TARGETS = {3, 4}  # 先導研究 ③ and 人材育成 ④ (000 lines 50–75)


def _terms_fields(spec: plan_rules.ThemeSpec) -> dict:
    cap = spec.cap
    return {
        "support": spec.support,
        "rates": [str(r) for r in spec.rates],
        "rates_by_call": {c: {k: str(v) for k, v in by.items()} for c, by in spec.rates_by_call.items()},
        "rates_by_project_year": [str(r) for r in spec.rates_by_project_year],
        "cap_kind": cap.kind,
        "cap_base_yen": cap.base_yen,
        "cap_tranches_yen": list(cap.tranches_yen),
        "cap_by_call_yen": dict(cap.by_call),
        "cap_options": [
            {"key": o.key, "cap_yen": o.cap_yen, "label_ja": o.label_ja, "label_en": o.label_en} for o in cap.options
        ],
        "cap_pool": cap.pool,
        "cap_seed_line": cap.line,
        "cap_note_ja": cap.note_ja,
        "cap_note_en": cap.note_en,
        "period_months": spec.period_months,
        "period_months_by_call": dict(spec.period_months_by_call),
        "stage_gate_months": spec.stage_gate_months,
        "stage_gate_earliest_months": spec.stage_gate_earliest_months,
        "gates": spec.gates,
        "system_technology": spec.system_technology,
        "gx": spec.gx,
        "note_ja": spec.note_ja,
        "note_en": spec.note_en,
    }


@transaction.atomic
def load_program(spec: plan_rules.ProgramSpec, *, actor=None) -> tuple[Program, dict[str, int]]:
    """Copy one program of the catalogue into the database, creating or updating by natural key.

    The themes' terms are attached to the latest revision of the catalogue: the seed text is the
    plan as revised on that date. Running it twice changes nothing the second time.
    Returns the program and counts of rows created per kind. Side effect: one audit record when
    anything was created or changed.
    """
    created = {"program": 0, "revisions": 0, "items": 0, "themes": 0, "terms": 0, "calls": 0, "updated": 0}

    def upsert(model, lookup: dict, values: dict, kind: str):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **values)
            created[kind] += 1
            return obj
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        if changed:
            for k in changed:
                setattr(obj, k, values[k])
            obj.save(update_fields=changed)
            created["updated"] += 1
        return obj

    program = upsert(
        Program,
        {"code": spec.code},
        {
            "title_ja": spec.title_ja,
            "title_en": spec.title_en,
            "purpose_ja": spec.purpose_ja,
            "purpose_en": spec.purpose_en,
            "start_date": spec.start_date,
            "end_date": spec.end_date,
            "output_target_percent": spec.output_target_percent,
            "outcome_target_percent": spec.outcome_target_percent,
            "source": spec.source,
        },
        "program",
    )
    revisions = {}
    for r in spec.revisions:
        revisions[r.date] = upsert(
            PlanRevision,
            {"program": program, "effective_date": r.date},
            {"note_ja": r.note_ja, "note_en": r.note_en, "seed_line": r.line},
            "revisions",
        )
    latest = revisions[max(revisions)]
    items = {}
    for i in spec.items:
        items[i.number] = upsert(
            ResearchItem,
            {"program": program, "number": i.number},
            {
                "symbol": i.symbol,
                "title_ja": i.title_ja,
                "title_en": i.title_en,
                "support_ja": i.support_ja,
                "period_months": i.period_months,
                "stage_gate_months": i.stage_gate_months,
                "first_review": i.first_review,
                "excluded_from_targets": i.number in EXCLUDED_FROM_TARGETS,
                "seed_line": i.line,
            },
            "items",
        )
    themes: dict[str, Theme] = {}
    for order, t in enumerate(spec.themes):
        themes[t.key] = upsert(
            Theme,
            {"item": items[t.item], "code": t.code},
            {
                "program": program,
                "area": t.area,
                "area_title_ja": t.area_title_ja,
                "area_title_en": t.area_title_en,
                "title_ja": t.title_ja,
                "title_en": t.title_en,
                "seed_line": t.line,
                "sort_order": order,
            },
            "themes",
        )
    for t in spec.themes:
        if t.parent:
            parent = themes[f"{t.item}-{t.parent}"]
            theme = themes[t.key]
            if theme.parent_id != parent.pk:
                theme.parent = parent
                theme.save(update_fields=["parent"])
        upsert(ThemeTerms, {"theme": themes[t.key], "revision": latest}, _terms_fields(t), "terms")
    for c in spec.calls:
        call = upsert(
            Call,
            {"program": program, "key": c.key},
            {
                "title_ja": c.title_ja,
                "title_en": c.title_en,
                "opens_at": jst_start_of(c.opens),
                "closes_at": jst_end_of(c.closes),
                "budget_total_yen": c.budget_yen,
                "cycle": c.cycle,
                "note_ja": c.note_ja,
                "note_en": c.note_en,
                "source": c.source,
                "seed_line": c.line,
            },
            "calls",
        )
        wanted = {themes[k].pk for k in c.themes}
        if set(call.themes.values_list("pk", flat=True)) != wanted:
            call.themes.set(wanted)
    if any(created.values()):
        record(actor=actor, action="plan.load", obj=program, after=created, note=f"catalogue {spec.code}")
    return program, created


def load_catalogue(*, actor=None) -> dict[str, dict[str, int]]:
    """Load every program of the plan catalogue (kikin/rules/data)."""
    return {spec.code: load_program(spec, actor=actor)[1] for spec in plan_rules.programs()}

