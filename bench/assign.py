"""Benchmark: reviewer assignment, 5,000 proposals × 2,000 reviewers, dense scores.

Targets: the proven optimum in under 10 s and a peak RSS under 2 GiB.  The instance (fixed
seed) has topic-model-like affinities: proposals and reviewers are mixtures over 40 topics
(Dirichlet), topic popularity is skewed, affinity = cosine similarity plus 10 % noise, in [0, 1]
with 6 decimals; every pair has a score; 1 % of pairs are conflicted; 3 reviewers per proposal,
at most 10 proposals per reviewer, no minimum.  Generation is timed apart from the solve.

Also reported, without targets: fair mode on the same instance, and the CLI end to end on a
smaller instance written to CSV files (checked against the in-memory solve).

With a target: `kikin assign` end to end on the full instance, as a separate process, from the
10,000,000-row scores CSV (about 220 MB) and conflicts CSV to the assignment CSV, and the same
from Parquet files: under 5 s each (the median of three runs; every run is listed).  Both must
give the library's optimum.

    .venv/bin/python bench/assign.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from _common import finish, peak_rss_mib, progress

P, R, K, MIN_LOAD, MAX_LOAD = 5000, 2000, 3, 0, 10
CONFLICT_RATE = 0.01
SEED = 20260401
SECONDS_TARGET = 10.0
RSS_TARGET_MIB = 2048
FAIR_TIME_LIMIT = 120.0
CLI_P, CLI_R = 1000, 400
CLI_FULL_TARGET_SECONDS = 5.0
CLI_FULL_RUNS = 3


def generate(P: int, R: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    topics = 40
    theta = rng.dirichlet(np.full(topics, 0.15), P)
    theta *= np.linspace(2.0, 0.5, topics)  # some topics are far more popular
    theta /= theta.sum(axis=1, keepdims=True)
    phi = rng.dirichlet(np.full(topics, 0.15), R)
    S = theta @ phi.T
    S /= np.linalg.norm(theta, axis=1)[:, None] * np.linalg.norm(phi, axis=1)[None, :]
    S *= 0.9
    S += 0.1 * rng.random((P, R))
    np.round(S, 6, out=S)
    conflicts = rng.random((P, R)) < CONFLICT_RATE
    return S, conflicts


def verify(a, S, conflicts) -> None:
    p, r = a.pairs[:, 0], a.pairs[:, 1]
    assert not conflicts[p, r].any(), "a conflicted pair"
    assert (np.bincount(p, minlength=S.shape[0]) == K).all(), "wrong reviewers per proposal"
    loads = np.bincount(r, minlength=S.shape[1])
    assert loads.min() >= MIN_LOAD and loads.max() <= MAX_LOAD, "load out of bounds"


def cli_end_to_end(workdir: str) -> dict:
    """Write a smaller instance to CSV, run `kikin assign`, compare with the library."""
    from kikin.solvers.assignment import assign

    S, conflicts = generate(CLI_P, CLI_R, SEED + 1)
    pi, ri = np.nonzero(S)
    pid = np.char.add(b"P-", pi.astype("S5"))
    rid = np.char.add(b"R-", ri.astype("S4"))
    vals = np.char.mod(b"%.6f", S[pi, ri])
    scores_csv = os.path.join(workdir, "scores.csv")
    conflicts_csv = os.path.join(workdir, "conflicts.csv")
    out_csv = os.path.join(workdir, "assignment.csv")
    with open(scores_csv, "wb") as f:
        f.write(b"proposal,reviewer,score\n")
        f.write(b"\n".join(b",".join(t) for t in zip(pid, rid, vals, strict=False)) + b"\n")
    cp, cr = np.nonzero(conflicts)
    with open(conflicts_csv, "wb") as f:
        f.write(b"proposal,reviewer\n")
        f.write(
            b"".join(
                b"P-%d,R-%d\n" % (a, b) for a, b in zip(cp.tolist(), cr.tolist(), strict=False)
            )
        )
    cmd = [
        sys.executable,
        "-m",
        "kikin.cli",
        "assign",
        "--scores",
        scores_csv,
        "--conflicts",
        conflicts_csv,
        "--per-proposal",
        str(K),
        "--min-load",
        str(MIN_LOAD),
        "--max-load",
        str(MAX_LOAD),
        "--out",
        out_csv,
    ]
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"kikin assign failed: {done.stderr.strip()}")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    expected = assign(S, conflicts, K, MIN_LOAD, MAX_LOAD)
    with open(out_csv, encoding="utf-8") as f:
        rows = f.read().splitlines()[1:]
    return {
        "cli_rows": int(pi.size),
        "cli_wall_seconds": round(wall, 2),
        "cli_solve_seconds": summary["seconds"],
        "cli_total_score": summary["total_score"],
        "cli_pairs": len(rows),
        "cli_matches_library": bool(
            abs(summary["total_score"] - expected.total_score) < 1e-6
            and len(rows) == CLI_P * K
            and summary["proven_optimal"]
        ),
    }


def write_full_instance(workdir: str, S: np.ndarray, conflicts: np.ndarray) -> dict[str, str]:
    """The full instance as CSV (every pair scored) and Parquet files; returns their paths."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    P_, R_ = S.shape
    pnames = pa.array([f"P-{i}" for i in range(P_)])
    rnames = pa.array([f"R-{i}" for i in range(R_)])
    pi = np.repeat(np.arange(P_, dtype=np.int32), R_)
    ri = np.tile(np.arange(R_, dtype=np.int32), P_)
    scores = pa.table(
        {"proposal": pnames.take(pi), "reviewer": rnames.take(ri), "score": S.reshape(-1)}
    )
    cp, cr = np.nonzero(conflicts)
    conf = pa.table({"proposal": pnames.take(cp), "reviewer": rnames.take(cr)})
    paths = {}
    for name, table in (("scores", scores), ("conflicts", conf)):
        csv_path = os.path.join(workdir, f"{name}.csv")
        with open(csv_path, "wb") as f:
            f.write(",".join(table.column_names).encode() + b"\n")
            opts = pcsv.WriteOptions(include_header=False, quoting_style="none")
            pcsv.write_csv(table, f, opts)
        pq_path = os.path.join(workdir, f"{name}.parquet")
        pq.write_table(table, pq_path)
        paths[f"{name}_csv"], paths[f"{name}_parquet"] = csv_path, pq_path
    return paths


def cli_full(workdir: str, S: np.ndarray, conflicts: np.ndarray, expected) -> dict:
    """`kikin assign` end to end on the full instance, from CSV and from Parquet."""
    paths = write_full_instance(workdir, S, conflicts)
    out: dict = {"cli_full_csv_bytes": os.path.getsize(paths["scores_csv"])}
    for fmt in ("csv", "parquet"):
        out_csv = os.path.join(workdir, f"assignment-{fmt}.csv")
        cmd = [
            sys.executable,
            "-m",
            "kikin.cli",
            "assign",
            "--scores",
            paths[f"scores_{fmt}"],
            "--conflicts",
            paths[f"conflicts_{fmt}"],
            "--per-proposal",
            str(K),
            "--min-load",
            str(MIN_LOAD),
            "--max-load",
            str(MAX_LOAD),
            "--out",
            out_csv,
        ]
        runs, summary = [], {}
        for _ in range(CLI_FULL_RUNS):
            t = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True)
            runs.append(round(time.perf_counter() - t, 2))
            if done.returncode != 0:
                raise SystemExit(f"kikin assign ({fmt}) failed: {done.stderr.strip()}")
            summary = json.loads(done.stdout.strip().splitlines()[-1])
        with open(out_csv, encoding="utf-8") as f:
            pairs = f.read().splitlines()[1:]
        progress(f"CLI from {fmt}: runs {runs} s, solve {summary['seconds']} s")
        out.update(
            {
                f"cli_full_{fmt}_seconds": float(np.median(runs)),
                f"cli_full_{fmt}_runs": runs,
                f"cli_full_{fmt}_solve_seconds": summary["seconds"],
                f"cli_full_{fmt}_matches_library": bool(
                    abs(summary["total_score"] - expected.total_score) < 1e-6
                    and len(pairs) == S.shape[0] * K
                    and summary["proven_optimal"]
                ),
            }
        )
    out["cli_full_seconds_target"] = CLI_FULL_TARGET_SECONDS
    return out


def main() -> int:
    from kikin.solvers.assignment import assign

    progress(f"generating {P} proposals × {R} reviewers (seed {SEED})")
    t = time.perf_counter()
    S, conflicts = generate(P, R, SEED)
    generate_seconds = time.perf_counter() - t
    progress(f"generated in {generate_seconds:.2f} s; solving (max total)")

    a = assign(S, conflicts, K, MIN_LOAD, MAX_LOAD)
    rss = peak_rss_mib()
    verify(a, S, conflicts)
    progress(
        f"solved in {a.seconds:.2f} s: total {a.total_score:.6f}, min {a.min_proposal_score:.6f}, "
        f"proven {a.proven_optimal}, rounds {a.stats.get('rounds')}, "
        f"arcs {a.stats.get('candidate_arcs')}, peak RSS {rss} MiB"
    )

    progress(f"fair mode (time limit {FAIR_TIME_LIMIT:.0f} s)")
    f = assign(S, conflicts, K, MIN_LOAD, MAX_LOAD, fair=True, time_limit=FAIR_TIME_LIMIT)
    verify(f, S, conflicts)
    progress(
        f"fair in {f.seconds:.2f} s: min {f.min_proposal_score:.6f} "
        f"(bound {f.stats.get('max_min_upper_bound_scaled', 0) / f.score_scale:.6f}), "
        f"total {f.total_score:.6f}, proven {f.proven_optimal}"
    )
    fair_rss = peak_rss_mib()

    progress(f"CLI end to end on {CLI_P} × {CLI_R} ({CLI_P * CLI_R} CSV rows)")
    with tempfile.TemporaryDirectory() as tmp:
        cli = cli_end_to_end(tmp)
    progress(
        f"CLI: {cli['cli_wall_seconds']} s wall, matches library: {cli['cli_matches_library']}"
    )
    progress(f"CLI end to end on the full instance ({P * R} score rows), CSV and Parquet")
    with tempfile.TemporaryDirectory() as tmp:
        full = cli_full(tmp, S, conflicts, a)

    fair_bound = f.stats.get("stage2_lp_bound_scaled")
    ok = bool(
        a.proven_optimal
        and a.seconds < SECONDS_TARGET
        and rss < RSS_TARGET_MIB
        and cli["cli_matches_library"]
        and full["cli_full_csv_matches_library"]
        and full["cli_full_parquet_matches_library"]
        and full["cli_full_csv_seconds"] < CLI_FULL_TARGET_SECONDS
        and full["cli_full_parquet_seconds"] < CLI_FULL_TARGET_SECONDS
    )
    return finish(
        {
            "bench": "assign",
            "proposals": P,
            "reviewers": R,
            "per_proposal": K,
            "min_load": MIN_LOAD,
            "max_load": MAX_LOAD,
            "conflict_rate": CONFLICT_RATE,
            "generate_seconds": round(generate_seconds, 2),
            "seconds": round(a.seconds, 2),
            "seconds_target": SECONDS_TARGET,
            "peak_rss_mib": rss,
            "peak_rss_target_mib": RSS_TARGET_MIB,
            "proven_optimal": a.proven_optimal,
            "total_score": a.total_score,
            "min_proposal_score": a.min_proposal_score,
            "candidate_arcs": a.stats.get("candidate_arcs"),
            "rounds": a.stats.get("rounds"),
            "fair_seconds": round(f.seconds, 2),
            "fair_proven_optimal": f.proven_optimal,
            "fair_min_proposal_score": f.min_proposal_score,
            "fair_max_min_upper_bound": f.stats.get("max_min_upper_bound_scaled", 0)
            / f.score_scale,
            "fair_total_score": f.total_score,
            "fair_total_upper_bound": None
            if fair_bound is None
            else round(fair_bound / f.score_scale, 6),
            "fair_peak_rss_mib": fair_rss,
            **cli,
            **full,
            "ok": ok,
        }
    )


if __name__ == "__main__":
    sys.exit(main())
