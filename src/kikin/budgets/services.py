"""Writes to budget frames. The loader is the only writer, and is safe to run any number of times."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from kikin.audit.services import record
from kikin.programs.models import Program

from .frames import BudgetFrameError, FrameSpec, read_frames
from .models import BudgetFrame


def _values(spec: FrameSpec, programs: dict[str, Program]) -> dict:
    program = programs.get(spec.program_code)
    return {
        "ministry": spec.ministry,
        "program_code": spec.program_code,
        "program_ja": spec.program_ja,
        "program_en": spec.program_en,
        "program_id": program.pk if program else None,
        "fiscal_year": spec.fiscal_year,
        "budget": spec.budget,
        "draft": spec.draft,
        "kind": spec.kind,
        "amount_text": spec.amount,
        "unit": spec.unit,
        "amount_yen": spec.amount_yen,
        "gx_share_yen": spec.gx_share_yen,
        "prior_year_yen": spec.prior_year_yen,
        "part_of": spec.part_of,
        "note_ja": spec.note_ja,
    }


def _parent_keys(specs: tuple[FrameSpec, ...]) -> dict[tuple[str, int], tuple[str, int] | None]:
    """The larger line of each 内数 line: in the same document, fiscal year and budget, the line
    whose program title is the one `part_of` names. None where that line is not in the data
    (e.g. 「ポスト5G情報通信システム基盤強化研究開発事業等の内数」, a title no line carries)."""
    by_title: dict[tuple[str, str, int, str], tuple[str, int]] = {}
    for s in specs:
        by_title.setdefault((s.source, s.program_ja, s.fiscal_year, s.budget), s.key)
    return {
        s.key: by_title.get((s.source, s.part_of, s.fiscal_year, s.budget)) if s.part_of else None
        for s in specs
    }


@transaction.atomic
def load_budget_frames(*, path: str | Path | None = None, actor=None) -> dict[str, int]:
    """Make the budget lines in the database those of the budget-frame data, by seed line.

    Creates the lines that are new, updates those whose figures or labels changed, deletes those
    no longer in the data, links each line to the kikin `Program` of the same code (only
    `post5g` is one) and to its larger line (内数). Running it twice changes nothing the second
    time. Side effects: one audit record per line created, updated or deleted, with the figures
    before and after. Returns counts: created, updated, deleted, unchanged.

    Raises `BudgetFrameError` (naming the line) when a figure is not a whole number of yen or a
    line is malformed; nothing is written then.
    """
    specs = read_frames(path)
    programs = {p.code: p for p in Program.objects.filter(code__in={s.program_code for s in specs})}
    existing = {(f.source, f.seed_line): f for f in BudgetFrame.objects.select_for_update()}
    counts = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    frames: dict[tuple[str, int], BudgetFrame] = {}
    changed_keys: set[tuple[str, int]] = set()
    for spec in specs:
        values = _values(spec, programs)
        frame = existing.pop(spec.key, None)
        if frame is None:
            frame = BudgetFrame(source=spec.source, seed_line=spec.line, **values)
            _check(frame, spec)
            frame.save()
            record(
                actor=actor,
                action="budget_frame.load",
                obj=frame,
                after=_snapshot(frame),
                note="created",
            )
            counts["created"] += 1
            changed_keys.add(spec.key)
        else:
            changed = [k for k, v in values.items() if getattr(frame, k) != v]
            if changed:
                before = _snapshot(frame)
                for k in changed:
                    setattr(frame, k, values[k])
                _check(frame, spec)
                frame.save(update_fields=changed)
                record(
                    actor=actor,
                    action="budget_frame.load",
                    obj=frame,
                    before=before,
                    after=_snapshot(frame),
                    note="updated: " + ", ".join(changed),
                )
                counts["updated"] += 1
                changed_keys.add(spec.key)
        frames[spec.key] = frame
    for key, parent_key in _parent_keys(specs).items():
        frame = frames[key]
        parent_id = frames[parent_key].pk if parent_key else None
        if frame.parent_id != parent_id:
            before = _snapshot(frame)
            frame.parent_id = parent_id
            frame.save(update_fields=["parent"])
            if key not in changed_keys:
                record(
                    actor=actor,
                    action="budget_frame.load",
                    obj=frame,
                    before=before,
                    after=_snapshot(frame),
                    note="updated: parent",
                )
                counts["updated"] += 1
                changed_keys.add(key)
    for frame in existing.values():  # lines no longer in the data
        record(
            actor=actor,
            action="budget_frame.load",
            obj=frame,
            before=_snapshot(frame),
            note="deleted",
        )
        counts["deleted"] += 1
    if existing:
        BudgetFrame.objects.filter(pk__in=[f.pk for f in existing.values()]).delete()
    counts["unchanged"] = len(specs) - counts["created"] - counts["updated"]
    return counts


def _check(frame: BudgetFrame, spec: FrameSpec) -> None:
    """The model's own checks (choices, lengths, the GX share inside the amount), as an error naming the line."""
    try:
        frame.full_clean(exclude=["parent", "program"], validate_unique=False)
    except ValidationError as exc:
        problems = "; ".join(
            f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()
        )
        raise BudgetFrameError(
            f"{spec.source} line {spec.line} ({spec.program_code}): {problems}"
        ) from None


def _snapshot(frame: BudgetFrame) -> dict:
    return {
        "source": frame.source,
        "seed_line": frame.seed_line,
        "program_code": frame.program_code,
        "fiscal_year": frame.fiscal_year,
        "budget": frame.budget,
        "draft": frame.draft,
        "kind": frame.kind,
        "amount_text": frame.amount_text,
        "unit": frame.unit,
        "amount_yen": frame.amount_yen,
        "gx_share_yen": frame.gx_share_yen,
        "prior_year_yen": frame.prior_year_yen,
        "part_of": frame.part_of,
        "parent_id": frame.parent_id,
        "program_id": frame.program_id,
    }
