"""A stage's evaluation table as stored (JSON) and as the rules engine reads it (EvaluationSpec).

The stored form is the plan file's own `[challenge.stage.evaluation]` table, so that the staff
page edits the same keys the plan file states, and the same parser checks both.
"""

from __future__ import annotations

import dataclasses

from kikin.rules.challenges import EvaluationSpec, Limits, parse_evaluation


def evaluation_to_json(spec: EvaluationSpec) -> dict:
    problems = []
    for p in spec.problems:
        row = {
            "name": p.name,
            "function": p.function,
            "part": p.part,
            "budget": p.budget,
            "seed": p.seed,
            "transform": p.transform,
        }
        if p.dimension is not None:
            row["dimension"] = p.dimension
        if p.target is not None:
            row["target"] = str(p.target)
        problems.append(row)
    out = {
        "api": spec.api,
        "metric": spec.metric,
        "tie": spec.tie,
        "decimals": spec.decimals,
        "lower_is_better": spec.lower_is_better,
        "limits": dataclasses.asdict(spec.limits),
        "problem": problems,
    }
    if spec.line is not None:
        out["line"] = spec.line
    return out


def evaluation_from_json(data: dict, path: str = "evaluation") -> EvaluationSpec:
    """Raises kikin.rules.plan.PlanDataError naming the key path at fault."""
    return parse_evaluation(data, path)


__all__ = ["Limits", "evaluation_from_json", "evaluation_to_json"]
