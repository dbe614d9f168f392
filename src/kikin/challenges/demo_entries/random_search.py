"""The organisers' baseline: uniform random search."""

import random


def minimize(objective, bounds, budget, seed):
    rng = random.Random(seed)
    best_x, best_y = None, None
    for _ in range(budget):
        x = [rng.uniform(lo, hi) for lo, hi in bounds]
        y = objective(x)
        if y is not None and (best_y is None or y < best_y):
            best_x, best_y = x, y
    return best_x
