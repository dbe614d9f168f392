"""Writes to programs and plans. The catalogue loader is safe to run any number of times."""

from __future__ import annotations

import json

from django.db import transaction

from kikin.audit.services import record
from kikin.rules import plan as plan_rules
from kikin.rules.targets import TargetRules

from . import plan_loaders
from .models import PlanRevision, Program, ResearchItem, Theme, ThemeTerms


def _terms_fields(spec: plan_rules.ThemeSpec) -> dict:
    return {"attributes": plan_rules.theme_attributes(spec)}


@transaction.atomic
def load_program(spec: plan_rules.ProgramSpec, *, actor=None) -> tuple[Program, dict[str, int]]:
    """Copy one program of the catalogue into the database, creating or updating by natural key.

    The themes' terms are attached to the latest revision of the catalogue: the seed text is the
    plan as revised on that date. Running it twice changes nothing the second time.
    Returns the program and counts of rows created per kind. Side effect: one audit record when
    anything was created or changed.
    """
    created = {
        "program": 0,
        "revisions": 0,
        "items": 0,
        "themes": 0,
        "terms": 0,
        "calls": 0,
        "updated": 0,
    }

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
            "kind": spec.kind,
            "ministry": spec.ministry,
            "agency_ja": spec.agency_ja,
            "agency_en": spec.agency_en,
            "start_date": spec.start_date,
            "end_date": spec.end_date,
            "end_line": spec.end_line,
            "max_years": spec.max_years,
            "size_yen": spec.size_yen,
            "output_target_percent": spec.output_target_percent,
            "outcome_target_percent": spec.outcome_target_percent,
            "source": spec.source,
            "note_ja": spec.note_ja,
            "note_en": spec.note_en,
            "rules": _json(plan_rules.rules_tables(spec.rules)) if spec.kind == "fund" else {},
            "descriptive": _json(spec.descriptive),
            "extension": _json(spec.kind_tables),
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
    if not revisions and spec.themes:
        # A plan file with themes but no dated revision: its terms are those of its start.
        start = spec.start_date or min(c.opens for c in spec.calls)
        revisions[start] = upsert(
            PlanRevision,
            {"program": program, "effective_date": start},
            {"note_ja": "計画", "note_en": "Plan", "seed_line": spec.line},
            "revisions",
        )
    latest = revisions[max(revisions)] if revisions else None
    target_rules = TargetRules.of(spec.rules)
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
                "excluded_from_targets": i.number in target_rules.excluded_from_both,
                "intermediate_targets": i.intermediate_targets,
                "cap_exceedable": i.cap_exceedable,
                "director": i.director,
                "move_target": i.move_target,
                "defaults": _json(i.defaults),
                "budget_per_year_min_yen": i.budget_per_year_min_yen,
                "budget_per_year_max_yen": i.budget_per_year_max_yen,
                "budget_line": i.budget_line,
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
    # The plan's other parts belong to the apps above this one (programs.plan_loaders).
    loader = plan_loaders.kind_loader(spec.kind)
    if loader is not None and spec.extension is not None:
        loader(spec=spec.extension, program=program, actor=actor)
    for load_section in plan_loaders.section_loaders():
        load_section(spec=spec, program=program, themes=themes, upsert=upsert)
    if any(created.values()):
        record(
            actor=actor,
            action="plan.load",
            obj=program,
            after=created,
            note=f"catalogue {spec.code}",
        )
    return program, created


def _json(value):
    """A TOML-able table as JSON (dates as ISO strings)."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def load_catalogue(*, actor=None) -> dict[str, dict[str, int]]:
    """Load every program of the shipped plan catalogue (kikin/rules/data/programs)."""
    with transaction.atomic():
        return {spec.code: load_program(spec, actor=actor)[1] for spec in plan_rules.programs()}


def load_plan_files(paths, *, actor=None) -> dict[str, dict[str, int]]:
    """Load the plan files at `paths`, all or nothing: every file is read and checked first, so
    a faulty one (PlanDataError naming the file, the key path and the reason) loads none."""
    specs = [plan_rules.load_file(path) for path in paths]
    with transaction.atomic():
        return {spec.code: load_program(spec, actor=actor)[1] for spec in specs}


@transaction.atomic
def record_program_evaluation(
    *, actor, program: Program, kind: str, due_date, held_on, result: str
):
    """The ministry records one of its evaluations of the whole program (000 lines 5371–5377)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from kikin.accounts.models import Role
    from kikin.accounts.permissions import require_role
    from kikin.rules.schedule import program_evaluation_due_dates

    from .models import ProgramEvaluation

    require_role(actor, Role.MINISTRY)
    scheduled = program_evaluation_due_dates(
        program.start_date, program.end_date, program.plan_rules().program_evaluation
    )
    if (kind, due_date) not in scheduled:
        raise ValidationError({"due_date": _("The plan schedules no such evaluation.")})
    if not result.strip():
        raise ValidationError({"result": _("Give the result of the evaluation.")})
    if held_on < program.start_date if program.start_date else False:
        raise ValidationError({"held_on": _("Not before the program starts.")})
    evaluation, _created = ProgramEvaluation.objects.update_or_create(
        program=program,
        kind=kind,
        due_date=due_date,
        defaults={"held_on": held_on, "result": result, "recorded_by": actor},
    )
    record(
        actor=actor,
        action="program.evaluation",
        obj=program,
        after={"kind": kind, "due": due_date.isoformat(), "held_on": held_on.isoformat()},
    )
    return evaluation


@transaction.atomic
def appoint_area_director(*, actor, item, user, appointed_on):
    """The agency appoints the program director of an area whose plan declares one."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from kikin.accounts.models import Role
    from kikin.accounts.permissions import require_role

    from .models import AreaDirector

    require_role(actor, Role.AGENCY)
    if not item.director:
        raise ValidationError({"item": _("The plan appoints no program director for this area.")})
    if user.role not in (Role.AGENCY, Role.REVIEWER):
        raise ValidationError(
            {"user": _("A program director is one of the agency's staff or an external expert.")}
        )
    AreaDirector.objects.filter(item=item, ended_on__isnull=True).update(ended_on=appointed_on)
    director = AreaDirector.objects.create(
        item=item, user=user, appointed_on=appointed_on, appointed_by=actor
    )
    record(
        actor=actor,
        action="program.appoint_director",
        obj=item.program,
        after={"item": item.number, "user": user.username},
    )
    return director


def current_director(item):
    return item.directors.filter(ended_on__isnull=True).select_related("user").first()


@transaction.atomic
def set_area_policy(
    *, actor, item, fiscal_year: int, policy: str, benchmarks: str, budget_yen: int
):
    """The area's program director sets its policy, benchmarks and budget for a fiscal year,
    within the plan's range for an area (Q-LEAP: 6–12億円 a year, 004 line 301)."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.translation import gettext as _

    from kikin.rules.fiscal import fiscal_year as fy_of

    from .models import AreaPolicy

    director = current_director(item)
    if director is None or director.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the area's program director sets its policy and budget."))
    errors = {}
    if not policy.strip():
        errors["policy"] = _("State the area's policy.")
    if not benchmarks.strip():
        errors["benchmarks"] = _("State the benchmarks the area is measured against.")
    program = item.program
    first = fy_of(program.start_date) if program.start_date else None
    last = fy_of(program.end_date) if program.end_date else None
    if (first and fiscal_year < first) or (last and fiscal_year > last):
        errors["fiscal_year"] = _("Fiscal year %(fy)s is outside the program (%(a)s–%(b)s).") % {
            "fy": fiscal_year,
            "a": first or "—",
            "b": last or "—",
        }
    lo, hi = item.budget_per_year_min_yen, item.budget_per_year_max_yen
    if isinstance(budget_yen, bool) or not isinstance(budget_yen, int) or budget_yen < 0:
        errors["budget_yen"] = _("A whole number of yen, not negative.")
    elif (lo is not None and budget_yen < lo) or (hi is not None and budget_yen > hi):
        errors["budget_yen"] = _(
            "The plan puts an area's budget between %(lo)s and %(hi)s yen a year."
        ) % {
            "lo": f"{lo:,}" if lo is not None else "0",
            "hi": f"{hi:,}" if hi is not None else "—",
        }
    if errors:
        raise ValidationError(errors)
    area_policy, _created = AreaPolicy.objects.update_or_create(
        item=item,
        fiscal_year=fiscal_year,
        defaults={
            "policy": policy,
            "benchmarks": benchmarks,
            "budget_yen": budget_yen,
            "set_by": actor,
        },
    )
    record(
        actor=actor,
        action="program.area_policy",
        obj=program,
        after={"item": item.number, "fiscal_year": fiscal_year, "budget_yen": budget_yen},
    )
    return area_policy
