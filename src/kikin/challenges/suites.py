"""The evaluation suites' functions. They run outside the sandbox, in the evaluator: an entry
sees only the values they return, never their definitions or parameters.

Public problems are the textbook functions as published: Branin (2-d), Hartmann-6 (6-d) and
Rosenbrock (n-d), and the tuning of a small neural network on a fixed synthetic data set. Hidden
problems are variants whose parameters come from the challenge's secret key: a benchmark
function shifted and rotated about its optimum (`shift_rotate`), or the network tuned on data
drawn afresh (`resample`). The key lives in the database and is never shown; the plan file names
the transform only.

`docs/challenges.md` states the normalisation of the score; `build(problem, key)` gives the
evaluator everything it needs for one problem.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kikin.rules.challenges import Problem

REFERENCE_SAMPLES = 2048


@dataclass(frozen=True)
class Built:
    """One problem ready to evaluate: the objective (a plain function of a list of floats), the
    bounds the entry is told, the known optimum (None where it is not known) and the reference
    value that normalises the regret."""

    name: str
    objective: Callable[[list[float]], float]
    bounds: list[tuple[float, float]]
    optimum: float | None
    reference: float | None
    budget: int
    seed: int


# --------------------------------------------------------------------------------------------
# The textbook functions


def branin(x: np.ndarray) -> float:
    a, b, c = 1.0, 5.1 / (4 * math.pi**2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    x1, x2 = float(x[0]), float(x[1])
    return a * (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def hartmann6(x: np.ndarray) -> float:
    inner = np.sum(_H6_A * (x[None, :] - _H6_P) ** 2, axis=1)
    return float(-np.sum(_H6_ALPHA * np.exp(-inner)))


def rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


@dataclass(frozen=True)
class Benchmark:
    function: Callable[[np.ndarray], float]
    bounds: Callable[[int], list[tuple[float, float]]]
    optimum_value: float
    optimum_at: Callable[[int], np.ndarray]
    dimension: int | None


BENCHMARKS = {
    "branin": Benchmark(
        branin,
        lambda d: [(-5.0, 10.0), (0.0, 15.0)],
        10 / (8 * math.pi),  # 0.397887…
        lambda d: np.array([math.pi, 2.275]),
        2,
    ),
    "hartmann6": Benchmark(
        hartmann6,
        lambda d: [(0.0, 1.0)] * 6,
        -3.322368011415515,
        lambda d: np.array([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]),
        6,
    ),
    "rosenbrock": Benchmark(
        rosenbrock,
        lambda d: [(-5.0, 10.0)] * d,
        0.0,
        lambda d: np.ones(d),
        None,
    ),
}


# --------------------------------------------------------------------------------------------
# Hidden variants


def _rng(key: str, problem: Problem, purpose: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{key}\0{problem.name}\0{purpose}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _random_rotation(rng: np.random.Generator, d: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def shift_rotate(
    f: Callable[[np.ndarray], float],
    bounds: list[tuple[float, float]],
    centre: np.ndarray,
    rng: np.random.Generator,
) -> Callable[[np.ndarray], float]:
    """g(x) = f(c + W R W⁻¹ (x − c − s)): f turned by a random rotation R about its optimum c
    (in coordinates scaled by the domain's widths W) and moved by s, with c + s kept inside the
    domain. The minimum value is unchanged; where it lies is not."""
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    width = hi - lo
    margin = 0.1 * width
    target = rng.uniform(lo + margin, hi - margin)
    shift = target - centre
    rotation = _random_rotation(rng, len(bounds))

    def g(x: np.ndarray) -> float:
        z = (x - centre - shift) / width
        return f(centre + width * (rotation @ z))

    return g


# --------------------------------------------------------------------------------------------
# The finals' task: tuning a small neural network


MLP_BOUNDS = [
    (-3.0, 0.5),  # log10 learning rate
    (-6.0, -1.0),  # log10 L2 weight decay
    (2.0, 32.0),  # hidden units (rounded)
    (0.0, 0.95),  # momentum
]
MLP_EPOCHS = 120


def _two_spirals(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.sqrt(rng.uniform(0.05, 1.0, n)) * 3 * math.pi
    label = rng.integers(0, 2, n)
    sign = np.where(label == 1, 1.0, -1.0)
    xy = np.stack([sign * t * np.cos(t), sign * t * np.sin(t)], axis=1) / (3 * math.pi)
    return xy + rng.normal(0, noise, xy.shape), label.astype(float)


def mlp_task(rng: np.random.Generator) -> Callable[[np.ndarray], float]:
    """The validation cross-entropy of a one-hidden-layer tanh network trained by full-batch
    gradient descent with momentum for a fixed number of epochs on a two-spirals data set.
    Hyper-parameters: log10 learning rate, log10 weight decay, hidden units, momentum.
    Deterministic for a given data set: the weights start from a fixed seed."""
    x_train, y_train = _two_spirals(rng, 240, 0.04)
    x_val, y_val = _two_spirals(rng, 240, 0.04)
    init_seed = int(rng.integers(0, 2**31))

    def loss(h: np.ndarray) -> float:
        lr = 10.0 ** float(np.clip(h[0], *MLP_BOUNDS[0]))
        decay = 10.0 ** float(np.clip(h[1], *MLP_BOUNDS[1]))
        width = round(float(np.clip(h[2], *MLP_BOUNDS[2])))
        momentum = float(np.clip(h[3], *MLP_BOUNDS[3]))
        init = np.random.default_rng(init_seed)
        w1 = init.normal(0, 1.0, (2, width))
        b1 = np.zeros(width)
        w2 = init.normal(0, 1.0 / math.sqrt(width), width)
        b2 = 0.0
        v = [np.zeros_like(w1), np.zeros_like(b1), np.zeros_like(w2), 0.0]
        n = len(y_train)
        for _ in range(MLP_EPOCHS):
            a = np.tanh(x_train @ w1 + b1)
            p = 1 / (1 + np.exp(-np.clip(a @ w2 + b2, -30, 30)))
            d = (p - y_train) / n
            g2 = a.T @ d + decay * w2
            gb2 = float(d.sum())
            da = np.outer(d, w2) * (1 - a**2)
            g1 = x_train.T @ da + decay * w1
            gb1 = da.sum(axis=0)
            grads = [g1, gb1, g2, gb2]
            for i, g in enumerate(grads):
                v[i] = momentum * v[i] - lr * g
            w1, b1, w2, b2 = w1 + v[0], b1 + v[1], w2 + v[2], b2 + v[3]
            if not np.all(np.isfinite(w1)) or not np.all(np.isfinite(w2)):
                return 10.0
        a = np.tanh(x_val @ w1 + b1)
        p = np.clip(1 / (1 + np.exp(-np.clip(a @ w2 + b2, -30, 30))), 1e-9, 1 - 1e-9)
        ce = -np.mean(y_val * np.log(p) + (1 - y_val) * np.log(1 - p))
        return float(min(ce, 10.0))

    return loss


# --------------------------------------------------------------------------------------------


def _reference(f: Callable[[np.ndarray], float], bounds, seed: int) -> float:
    rng = np.random.default_rng(seed)
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    values = [f(rng.uniform(lo, hi)) for _ in range(REFERENCE_SAMPLES)]
    return float(np.median(values))


def _as_list_objective(f: Callable[[np.ndarray], float]) -> Callable[[list[float]], float]:
    def objective(x: list[float]) -> float:
        return float(f(np.asarray(x, dtype=float)))

    return objective


def build(problem: Problem, key: str) -> Built:
    """The objective, bounds, optimum and reference of one problem. `key` (the challenge's secret)
    makes the hidden variants; a public problem does not use it."""
    if problem.function == "mlp_tuning":
        data_rng = (
            _rng(key, problem, "data")
            if problem.transform == "resample"
            else np.random.default_rng(1000 + problem.seed)
        )
        f = mlp_task(data_rng)
        return Built(
            problem.name,
            _as_list_objective(f),
            list(MLP_BOUNDS),
            None,
            None,
            problem.budget,
            problem.seed,
        )
    bench = BENCHMARKS[problem.function]
    d = problem.dimension or bench.dimension
    bounds = bench.bounds(d)
    f = bench.function
    if problem.transform == "shift_rotate":
        f = shift_rotate(f, bounds, bench.optimum_at(d), _rng(key, problem, "shift"))
    reference_seed = 7919 + problem.seed
    if problem.transform != "none":
        reference_seed = int(_rng(key, problem, "reference").integers(0, 2**31))
    return Built(
        problem.name,
        _as_list_objective(f),
        bounds,
        bench.optimum_value,
        _reference(f, bounds, reference_seed),
        problem.budget,
        problem.seed,
    )
