"""Compass search: try a step along each coordinate, halve the step when none helps."""

import random


def minimize(objective, bounds, budget, seed):
    rng = random.Random(seed)
    x = [rng.uniform(lo, hi) for lo, hi in bounds]
    y = objective(x)
    used = 1
    step = [(hi - lo) / 4 for lo, hi in bounds]
    while used < budget:
        improved = False
        for i, (lo, hi) in enumerate(bounds):
            for sign in (1, -1):
                if used >= budget:
                    break
                trial = list(x)
                trial[i] = min(hi, max(lo, x[i] + sign * step[i]))
                t = objective(trial)
                used += 1
                if t < y:
                    x, y, improved = trial, t, True
                    break
        if not improved:
            step = [s / 2 for s in step]
    return x
