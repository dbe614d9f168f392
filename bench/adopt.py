"""Benchmark: budget-constrained adoption, 10,000 proposals over 50 themes and 10 calls.

Target: the optimal adoption (HiGHS proves it: gap 0) in under 5 s.  The instance (fixed seed):
each call covers 5 of the 50 themes; costs are lognormal around 550 million yen, clipped to
100–3,000 million yen (whole thousands of yen); each call's budget is 30 % of what its proposals
ask for, each theme's cap 45 % of its demand; scores are review averages in [1, 5] with 3
decimals.  The budgets are checked again here in exact integer yen.

Also reported, without a target: the same proposals with the themes cutting across calls (every
theme's cap then couples all the calls into one MILP), solved to HiGHS's default relative gap
(1e-4), since proving gap 0 there takes HiGHS far longer.

    .venv/bin/python bench/adopt.py
"""

from __future__ import annotations

import sys
import time

import numpy as np

from _common import finish, peak_rss_mib, progress

N, THEMES, CALLS = 10_000, 50, 10
SEED = 20260402
SECONDS_TARGET = 5.0
BUDGET_SHARE, THEME_CAP_SHARE = 0.30, 0.45


def generate(seed: int, nested: bool):
    rng = np.random.default_rng(seed)
    theme = rng.integers(0, THEMES, N)
    call = theme % CALLS if nested else rng.integers(0, CALLS, N)
    yen = np.exp(rng.normal(np.log(550e6), 0.85, N))
    cost = (np.clip(yen, 100e6, 3000e6) // 1000 * 1000).astype(np.int64)
    grades = rng.normal(3.0, 0.6, N)[:, None] + rng.normal(0, 0.5, (N, 4))
    scores = np.round(np.clip(grades, 1, 5).mean(axis=1), 3)
    budgets = (np.bincount(call, weights=cost, minlength=CALLS) * BUDGET_SHARE).astype(np.int64)
    caps = (np.bincount(theme, weights=cost, minlength=THEMES) * THEME_CAP_SHARE).astype(np.int64)
    return scores, cost, call, budgets, theme, caps


def exact_spend(chosen, cost, group, size):
    spend = [0] * size
    for i in chosen.tolist():
        spend[int(group[i])] += int(cost[i])
    return spend


def main() -> int:
    from kikin.solvers.adoption import choose_adoptions

    progress(f"generating {N} proposals, {THEMES} themes inside {CALLS} calls (seed {SEED})")
    t = time.perf_counter()
    scores, cost, call, budgets, theme, caps = generate(SEED, nested=True)
    generate_seconds = time.perf_counter() - t
    progress(f"generated in {generate_seconds:.2f} s; demand {cost.sum() / 1e8:,.0f} 億円, "
             f"budgets {budgets.sum() / 1e8:,.0f} 億円; solving (gap 0)")
    a = choose_adoptions(scores, cost, call, budgets, theme, list(caps), time_limit=60)
    spend = exact_spend(a.chosen, cost, call, CALLS)
    tspend = exact_spend(a.chosen, cost, theme, THEMES)
    within = all(s <= int(b) for s, b in zip(spend, budgets)) and all(
        s <= int(c) for s, c in zip(tspend, caps))
    progress(f"solved in {a.seconds:.2f} s: {a.chosen.size} adopted, score {a.total_score:.3f}, "
             f"proven {a.proven_optimal}, gap {a.mip_gap:g}, blocks {a.stats.get('blocks')}, "
             f"within budgets (exact yen) {within}")

    progress("themes cutting across calls: one coupled MILP, HiGHS default gap 1e-4")
    s2, c2, call2, b2, th2, caps2 = generate(SEED, nested=False)
    x = choose_adoptions(s2, c2, call2, b2, th2, list(caps2), mip_rel_gap=1e-4, time_limit=60)
    within2 = all(s <= int(b) for s, b in zip(exact_spend(x.chosen, c2, call2, CALLS), b2))
    progress(f"cross-cutting in {x.seconds:.2f} s: gap {x.mip_gap:.2e}, proven to 1e-4 "
             f"{x.proven_optimal}, within budgets {within2}")
    rss = peak_rss_mib()

    ok = bool(a.proven_optimal and a.mip_gap == 0 and a.seconds < SECONDS_TARGET and within
              and within2)
    return finish({
        "bench": "adopt",
        "proposals": N,
        "themes": THEMES,
        "calls": CALLS,
        "generate_seconds": round(generate_seconds, 2),
        "seconds": round(a.seconds, 2),
        "seconds_target": SECONDS_TARGET,
        "proven_optimal": a.proven_optimal,
        "mip_gap": a.mip_gap,
        "mip_gap_target": 0.0,
        "blocks": a.stats.get("blocks"),
        "adopted": int(a.chosen.size),
        "total_score": round(a.total_score, 3),
        "spend_yen": int(sum(spend)),
        "budget_yen": int(budgets.sum()),
        "within_budgets_exact": within,
        "cross_themes_seconds": round(x.seconds, 2),
        "cross_themes_mip_gap": x.mip_gap,
        "cross_themes_gap_tolerance": 1e-4,
        "cross_themes_within_budgets_exact": within2,
        "peak_rss_mib": rss,
        "ok": ok,
    })


if __name__ == "__main__":
    sys.exit(main())
