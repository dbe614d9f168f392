"""Random start, then Gaussian steps around the best point, shrinking when they fail."""

import random


def minimize(objective, bounds, budget, seed):
    rng = random.Random(seed)
    widths = [hi - lo for lo, hi in bounds]
    starts = max(3, budget // 5)
    best_x, best_y = None, None
    for _ in range(starts):
        x = [rng.uniform(lo, hi) for lo, hi in bounds]
        y = objective(x)
        if best_y is None or y < best_y:
            best_x, best_y = x, y
    scale = 0.2
    for _ in range(budget - starts):
        x = [
            min(hi, max(lo, v + rng.gauss(0, scale * w)))
            for v, w, (lo, hi) in zip(best_x, widths, bounds, strict=False)
        ]
        y = objective(x)
        if y < best_y:
            best_x, best_y, scale = x, y, scale * 1.3
        else:
            scale = max(scale * 0.85, 1e-4)
    return best_x
