"""The calls of a plan file (`[[calls]]`), loaded with the plan by `programs.services.load_program`
(registered in `CallsConfig.ready`, kikin.programs.plan_loaders)."""

from __future__ import annotations

from kikin.core.timeutil import jst_end_of, jst_start_of

from .models import Call


def load_plan_calls(*, spec, program, themes, upsert) -> None:
    """Create or update each call of the plan `spec` and set its themes (by key)."""
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
