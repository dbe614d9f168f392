"""`kikin evaluate`: one evaluation of an entry, exactly as the background worker runs it.

    kikin evaluate --challenge SLUG --stage STAGE --entry PATH [--hidden]

Prints one JSON object: `status` (ok, error, timeout, memory, output, refused), `reason`,
`public_score`, `hidden_score` (null unless --hidden), `evaluations` and `seconds`. Scores are
decimal text at the stage's stated precision. The challenge is read from the database (its
hidden key lives there): load it first with `kikin manage load_plan`. An error of the
command itself (unknown challenge, unreadable file, no sandbox on this machine) is one line on
stderr, with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

PROG = "kikin evaluate"


def evaluate_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--challenge", required=True, help="the challenge's slug, e.g. hpo")
    parser.add_argument("--stage", required=True, help="the stage's code, e.g. preliminary")
    parser.add_argument("--entry", required=True, help="the entry: a Python file")
    parser.add_argument("--hidden", action="store_true", help="also score the hidden part")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kikin.settings")
    import django

    django.setup()
    from django.db import DatabaseError

    from kikin.challenges.evaluation import run_evaluation
    from kikin.challenges.models import Stage
    from kikin.challenges.sandbox import SandboxUnavailable

    def fail(message: str) -> int:
        print(f"{PROG}: {message}", file=sys.stderr)
        return 2

    try:
        stage = (
            Stage.objects.select_related("challenge")
            .filter(challenge__slug=args.challenge, code=args.stage)
            .first()
        )
    except DatabaseError as exc:
        return fail(f"cannot read the database ({exc}); run `kikin manage migrate` first")
    if stage is None:
        return fail(
            f"no stage {args.stage!r} of a challenge {args.challenge!r}"
            " (load the plans with `kikin manage load_plan`)"
        )
    spec = stage.evaluation_spec()
    if spec is None:
        return fail(f"stage {args.stage!r} evaluates no code")
    try:
        with open(args.entry, "rb") as fh:
            source = fh.read(spec.limits.entry_kb * 1024 + 1)
    except OSError as exc:
        return fail(f"cannot read {args.entry}: {exc.strerror}")
    try:
        result = run_evaluation(
            evaluation=spec,
            entry_source=source,
            key=stage.challenge.hidden_key,
            hidden=args.hidden,
        )
    except SandboxUnavailable as exc:
        return fail(f"this machine cannot run the sandbox: {exc}")
    print(json.dumps(result.as_json(), ensure_ascii=False))
    return 0
