"""A trust region that switches between sampling in a box around the best point and a few
global samples when the box stalls (the finals' innovative-method idea, in miniature)."""

import random


def minimize(objective, bounds, budget, seed):
    rng = random.Random(seed)
    widths = [hi - lo for lo, hi in bounds]
    best_x = [(lo + hi) / 2 for lo, hi in bounds]
    best_y = objective(best_x)
    radius, stall, used = 0.5, 0, 1
    while used < budget:
        if stall >= 4:
            x = [rng.uniform(lo, hi) for lo, hi in bounds]
            stall, radius = 0, 0.5
        else:
            x = [
                min(hi, max(lo, v + rng.uniform(-radius, radius) * w))
                for v, w, (lo, hi) in zip(best_x, widths, bounds, strict=False)
            ]
        y = objective(x)
        used += 1
        if y < best_y:
            best_x, best_y, stall = x, y, 0
            radius = min(0.5, radius * 1.5)
        else:
            stall += 1
            radius *= 0.7
    return best_x
