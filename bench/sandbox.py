"""Benchmark: the overhead of isolation, and evaluations per second on this machine's cores.

Latency: start, run and tear down one sandboxed run of a trivial entry (it returns the centre of
the domain after one objective call), sequentially, after a warm-up; p50 and p95 against the
target of 200 ms. Throughput: as many worker processes as the machine has cores, each running
trivial entries back to back for a fixed time; runs per second. Also reported without a target:
one whole evaluation of the HPO contest's preliminary suite (6 problems, 360 objective calls,
public and hidden parts) with a random-search entry, as the worker runs it.

No database: the suite is read from the plan file and a fixed key makes the hidden variants.

    .venv/bin/python bench/sandbox.py [--runs 40] [--seconds 10]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _common import finish, peak_rss_mib, progress

from kikin.challenges import sandbox, suites
from kikin.challenges.evaluation import run_evaluation
from kikin.rules.challenges import Limits, Problem, challenge_plans

TARGET_MS = 200.0
TRIVIAL = b"""
def minimize(objective, bounds, budget, seed):
    x = [(lo + hi) / 2 for lo, hi in bounds]
    objective(x)
    return x
"""
RANDOM = (
    Path(__file__).resolve().parents[1] / "src/kikin/challenges/demo_entries/random_search.py"
).read_bytes()
PROBLEM = Problem("branin", "branin", "public", budget=1, seed=1)
LIMITS = Limits()


def one_run(built) -> float:
    t = time.perf_counter()
    out = sandbox.run_entry(TRIVIAL, built, LIMITS)
    if out.status != "ok":
        raise RuntimeError(f"trivial entry ended {out.status}: {out.reason}")
    return (time.perf_counter() - t) * 1000


def worker(seconds: float, queue) -> None:
    built = suites.build(PROBLEM, "bench")
    end = time.perf_counter() + seconds
    n = 0
    try:
        while time.perf_counter() < end:
            one_run(built)
            n += 1
    finally:
        queue.put(n)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    sandbox.check_available()
    load_before = round(os.getloadavg()[0], 2)
    built = suites.build(PROBLEM, "bench")
    for _ in range(3):
        one_run(built)
    progress(f"latency: {args.runs} sequential runs")
    times = [one_run(built) for _ in range(args.runs)]
    p50, p95 = statistics.median(times), percentile(times, 0.95)
    progress(f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")

    procs = os.cpu_count() or 1
    progress(f"throughput: {procs} processes for {args.seconds:.0f} s")
    queue = mp.get_context("fork").Queue()
    workers = [
        mp.get_context("fork").Process(target=worker, args=(args.seconds, queue))
        for _ in range(procs)
    ]
    t = time.perf_counter()
    for w in workers:
        w.start()
    counts = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t
    per_second = sum(counts) / elapsed
    progress(f"{sum(counts)} runs in {elapsed:.1f} s: {per_second:.1f} per second")

    spec = dict(challenge_plans())["nedo-hpo-2022.toml"].stage("preliminary").evaluation
    t = time.perf_counter()
    suite = run_evaluation(evaluation=spec, entry_source=RANDOM, key="bench", hidden=True)
    suite_s = time.perf_counter() - t
    progress(f"HPO preliminary suite: {suite.status}, {suite.evaluations} calls, {suite_s:.2f} s")

    leftovers = sandbox_leftovers()
    return finish(
        {
            "bench": "sandbox",
            "trivial_runs": args.runs,
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "max_ms": round(max(times), 1),
            "target_ms": TARGET_MS,
            "throughput_processes": procs,
            "throughput_runs_per_s": round(per_second, 2),
            "hpo_preliminary_suite_s": round(suite_s, 2),
            "hpo_preliminary_status": suite.status,
            "hpo_preliminary_calls": suite.evaluations,
            "leftover_processes": leftovers,
            "peak_rss_mib": peak_rss_mib(),
            "loadavg_1m": [load_before, round(os.getloadavg()[0], 2)],
            "cpus": os.cpu_count(),
            "ok": p50 < TARGET_MS and p95 < TARGET_MS and suite.status == "ok" and leftovers == 0,
        }
    )


def sandbox_leftovers() -> int:
    """Processes still running under the sandboxes' uids (0 when every run was torn down)."""
    base, span = sandbox.SANDBOX_UID_BASE, sandbox.SANDBOX_UID_SPAN
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                uid = os.stat(f"/proc/{pid}").st_uid
            except OSError:
                continue
            n += base <= uid < base + span
    return n


if __name__ == "__main__":
    sys.exit(main())
