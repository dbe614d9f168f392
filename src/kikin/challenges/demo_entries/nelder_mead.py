"""Nelder–Mead in the unit cube, points held within the bounds."""

import random


def minimize(objective, bounds, budget, seed):
    rng = random.Random(seed)
    d = len(bounds)

    def to_x(u):
        return [
            lo + min(1.0, max(0.0, v)) * (hi - lo) for v, (lo, hi) in zip(u, bounds, strict=False)
        ]

    calls = [0]

    def f(u):
        calls[0] += 1
        y = objective(to_x(u))
        return float("inf") if y is None else y  # None: the budget is spent

    start = [rng.random() for _ in range(d)]
    simplex = [start] + [
        [s + (0.25 if i == j else 0.0) for j, s in enumerate(start)] for i in range(d)
    ]
    values = [f(p) for p in simplex]
    while calls[0] < budget - 2:
        order = sorted(range(d + 1), key=lambda i: values[i])
        simplex = [simplex[i] for i in order]
        values = [values[i] for i in order]
        centre = [sum(p[j] for p in simplex[:-1]) / d for j in range(d)]
        worst = simplex[-1]
        reflected = [c + (c - w) for c, w in zip(centre, worst, strict=False)]
        fr = f(reflected)
        if fr < values[0]:
            expanded = [c + 2 * (c - w) for c, w in zip(centre, worst, strict=False)]
            fe = f(expanded)
            simplex[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = reflected, fr
        else:
            contracted = [c + 0.5 * (w - c) for c, w in zip(centre, worst, strict=False)]
            fc = f(contracted)
            if fc < values[-1]:
                simplex[-1], values[-1] = contracted, fc
            else:
                best = simplex[0]
                simplex = [best] + [
                    [b + 0.5 * (v - b) for b, v in zip(best, p, strict=False)] for p in simplex[1:]
                ]
                values = [values[0]] + [f(p) for p in simplex[1:]]
    best = min(range(d + 1), key=lambda i: values[i])
    return to_x(simplex[best])
