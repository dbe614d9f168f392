"""One evaluation of an entry on a stage's suite, exactly as the worker and `kikin evaluate` run it.

Each problem runs in a fresh sandbox (`sandbox.run_entry`); the first problem that does not end
`ok` ends the evaluation with its status and reason. The public part gives the score shown on
the leaderboard; the hidden part, run when asked, gives the score of the final ranking.
No Django here: the caller passes the challenge's secret key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from kikin.rules.challenges import (
    EvaluationSpec,
    Problem,
    calls_to_target,
    mean_score,
    normalised_regret,
    quantize,
)

from . import sandbox, suites

Progress = Callable[[int, int, str], None]


@dataclass
class ProblemResult:
    name: str
    part: str
    status: str
    reason: str
    evaluations: int
    refused_calls: int
    seconds: float
    value: float | None = None
    score: Decimal | None = None

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "part": self.part,
            "status": self.status,
            "reason": self.reason,
            "evaluations": self.evaluations,
            "refused_calls": self.refused_calls,
            "seconds": round(self.seconds, 3),
            "score": None if self.score is None else str(self.score),
        }


@dataclass
class EvaluationResult:
    status: str
    reason: str
    public_score: Decimal | None
    hidden_score: Decimal | None
    evaluations: int
    seconds: float
    problems: list[ProblemResult] = field(default_factory=list)
    output_tail: str = ""

    def as_json(self) -> dict:
        """The object `kikin evaluate` prints: scores as decimal text (exact at the stated
        precision), null where there is none."""
        return {
            "status": self.status,
            "reason": self.reason,
            "public_score": None if self.public_score is None else str(self.public_score),
            "hidden_score": None if self.hidden_score is None else str(self.hidden_score),
            "evaluations": self.evaluations,
            "seconds": round(self.seconds, 3),
        }


def _score(problem: Problem, built: suites.Built, run: sandbox.RunOutcome, metric: str, decimals):
    if metric == "calls_to_target":
        calls = calls_to_target(run.trace, problem.target)
        return None, None if calls is None else Decimal(calls)
    value = built.objective(run.point)
    return value, quantize(normalised_regret(value, built.optimum, built.reference), decimals)


def run_evaluation(
    *,
    evaluation: EvaluationSpec,
    entry_source: bytes,
    key: str,
    hidden: bool = False,
    progress: Progress | None = None,
) -> EvaluationResult:
    """Run the entry on the public problems (and the hidden ones when `hidden`), one sandbox
    each, and score it. Raises sandbox.SandboxUnavailable when the machine cannot sandbox."""
    started = time.monotonic()
    problems = list(evaluation.part("public")) + (list(evaluation.part("hidden")) if hidden else [])
    results: list[ProblemResult] = []
    tail = ""
    for i, problem in enumerate(problems):
        if progress:
            progress(i, len(problems), problem.part)
        built = suites.build(problem, key)
        run = sandbox.run_entry(entry_source, built, evaluation.limits)
        if problem.part == "public":
            tail = run.output_tail or tail
        result = ProblemResult(
            name=problem.name,
            part=problem.part,
            status=run.status,
            reason=run.reason,
            evaluations=run.evaluations,
            refused_calls=run.refused_calls,
            seconds=run.seconds,
        )
        results.append(result)
        if run.status != "ok":
            # What the entry says about a hidden problem (its exception text, its output) is
            # never passed on: it could carry the hidden functions' values out.
            where = (
                f"public problem {problem.name}: {run.reason}"
                if problem.part == "public"
                else f"hidden part: {run.status}"
            )
            return EvaluationResult(
                status=run.status,
                reason=where,
                public_score=None,
                hidden_score=None,
                evaluations=sum(r.evaluations for r in results),
                seconds=time.monotonic() - started,
                problems=results,
                output_tail=tail,
            )
        result.value, result.score = _score(
            problem, built, run, evaluation.metric, evaluation.decimals
        )
    if progress:
        progress(len(problems), len(problems), "done")

    def part_score(part: str) -> Decimal | None:
        return mean_score([r.score for r in results if r.part == part], evaluation.decimals)

    public = part_score("public")
    hidden_score = part_score("hidden") if hidden else None
    reason = ""
    if public is None or (hidden and hidden_score is None):
        missed = [r.name if r.part == "public" else "hidden" for r in results if r.score is None]
        reason = "did not reach the target on: " + ", ".join(missed)
    return EvaluationResult(
        status="ok",
        reason=reason,
        public_score=public,
        hidden_score=hidden_score,
        evaluations=sum(r.evaluations for r in results),
        seconds=time.monotonic() - started,
        problems=results,
        output_tail=tail,
    )
