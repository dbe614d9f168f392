"""Reviewer assignment: the exact optimum, proven, as a min-cost flow.

Problem.  P proposals, R reviewers, an affinity ``scores[p, r]`` (0 where there is none) and a
conflict mask.  Give every proposal exactly ``per_proposal`` distinct reviewers, every reviewer
between ``min_load`` and ``max_load`` proposals, never a conflicted pair, and maximise the total
affinity.

Integer scores.  Costs must be integers.  Integer scores are used as they are (scale 1); any
other scores are counted in millionths: ``round(score * 10**6)`` (scale ``SCORE_SCALE`` = 10^6),
which is exact for scores with up to 6 decimal places (what the CSV front accepts).  Scores with
more decimals are rounded to 6 and ``Assignment.scores_rounded`` says so: the optimum is then the
optimum of the rounded scores.

Method (``fair=False``).  A min-cost flow, solved with OR-Tools ``SimpleMinCostFlow``:

* proposal p supplies ``per_proposal`` units; arc p→r (capacity 1, cost −score) for every pair
  without a conflict; reviewer r demands ``min_load`` units (the lower bound by demand shifting)
  and has an arc r→T (capacity ``max_load − min_load``, cost 0) to a sink T that demands the rest,
  ``P·per_proposal − R·min_load``.  The constraint matrix is totally unimodular, so the integral
  min-cost flow is the optimum of the assignment.
* Dense instances are solved on a candidate subgraph first: each proposal's top-K reviewers by
  score (``np.argpartition``; K = ``candidates_per_proposal``, by default a few times
  ``per_proposal``), plus each reviewer's top proposals when ``min_load > 0``.  The flow found
  there is then proven optimal for the *full* graph: node potentials π (shortest-path distances
  in the residual graph, a Bellman-Ford in NumPy) make every residual arc's reduced cost
  non-negative; if every omitted arc p→r also has ``−score[p, r] + π[p] − π[r] ≥ 0`` no
  negative cycle exists in the full residual graph, and the flow is optimal for the full graph.
  Otherwise the violating arcs are added and the flow re-solved.  All of it is integer
  arithmetic, so ``proven_optimal`` is an exact proof, not a tolerance.

Method (``fair=True``): lexicographic.  First the largest achievable minimum per-proposal score
t*, then the largest total subject to every proposal's score ≥ t*.  With ``per_proposal ≥ 2``
the max-min problem is NP-hard (it contains max-min fair allocation), so:

1. t* is at most U0, the weakest proposal's own best ``per_proposal`` scores.  If the
   maximum-total assignment reaches U0 it answers both stages.
2. A heuristic: min-cost flows maximising a weighted total, the weights of proposals that came
   out low raised multiplicatively; each flow is a feasible assignment.  Reaching U0 proves t*.
3. Otherwise stage 1 is a MILP (max t, t at least the heuristic's value) and stage 2 a MILP
   (max total, every proposal ≥ t*), both solved with HiGHS (``scipy.optimize.milp``,
   ``mip_rel_gap = 0``, integer coefficients) on a candidate subgraph, and certified for the
   full graph with LP duals: by weak duality any solution that uses an omitted arc a is worth at
   most ``UB − max(r_a, 0)`` (UB the LP relaxation's dual bound, r_a the arc's reduced cost), so
   an omitted arc can matter only if that reaches the incumbent plus one score unit; such arcs
   are added and the stage re-solved.  Arcs that cannot be in any reviewer set of their proposal
   reaching the target are never needed.

``proven_optimal`` is then HiGHS's proof plus the certificate.  On large dense instances the LP
relaxation of stage 2 is usually not tight enough for the certificate; the result is then the
best found (feasible, meeting the floor) and ``proven_optimal`` is false.  ``time_limit`` bounds
the MILPs (the second stage always gets at least max(5 s, time_limit / 3)).

Why ``scipy.optimize.milp`` and not ``highspy``: OR-Tools 9.15 and highspy 1.15 each ship a
``libhighs.so.1`` of a different HiGHS version with the same SONAME; whichever is loaded first is
used by both, and the other fails to import (undefined symbol).  SciPy links its HiGHS
privately, so it works next to OR-Tools in one process.

This module imports no Django.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["SCORE_SCALE", "Assignment", "AssignmentInfeasible", "assign"]

#: Non-integer scores are counted in units of 10^-6.
SCORE_SCALE = 10**6

_INT_MIN = np.iinfo(np.int64).min
_BLOCK_CELLS = 1 << 21  # cells per block when scanning the P×R matrix (2 M → 16 MB of int64)


class AssignmentInfeasible(ValueError):
    """No assignment meets the constraints; the message names the one that cannot be met.

    `code` says which (``negative``, ``loads_crossed``, ``capacity``, ``minimum_load``,
    ``proposal_short``, ``reviewer_short``, ``loads``) and `params` holds its figures, so that a
    caller can say it in its user's language."""

    def __init__(self, message: str, code: str = "", **params):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Assignment:
    pairs: np.ndarray  # (n, 2) int64: proposal index, reviewer index; sorted
    total_score: float
    min_proposal_score: float  # the lowest per-proposal sum (0.0 when there is no proposal)
    proven_optimal: bool
    seconds: float
    fair: bool = False
    score_scale: int = 1  # scores were counted as round(score * score_scale)
    scores_rounded: bool = False  # True if that rounding changed some score
    total_score_scaled: int = 0  # exact total in units of 1/score_scale
    min_proposal_score_scaled: int = 0
    method: str = ""
    stats: dict = field(default_factory=dict)

    def proposal_scores(self, n_proposals: int, scores: np.ndarray) -> np.ndarray:
        """Each proposal's summed score under this assignment."""
        p, r = self.pairs[:, 0], self.pairs[:, 1]
        return np.bincount(
            p, weights=np.asarray(scores, dtype=np.float64)[p, r], minlength=n_proposals
        )


# --------------------------------------------------------------------------------------------
# Inputs


def _integer_scores(scores) -> tuple[np.ndarray, int, bool]:
    a = np.asarray(scores)
    if a.ndim != 2:
        raise ValueError(f"scores must be a P×R matrix, got shape {a.shape}")
    if a.dtype == np.bool_:
        return a.astype(np.int64), 1, False
    if np.issubdtype(a.dtype, np.integer):
        if a.size and (a.max() > 2**53 or a.min() < -(2**53)):
            raise ValueError("integer scores must lie within ±2^53")
        return a.astype(np.int64), 1, False
    if not np.issubdtype(a.dtype, np.floating):
        raise ValueError(f"scores must be numbers, got dtype {a.dtype}")
    out = np.empty(a.shape, dtype=np.int64)
    flat_in, flat_out = a.reshape(-1), out.reshape(-1)
    integral, rounded = True, False
    for lo in range(0, flat_in.size, _BLOCK_CELLS):
        x = flat_in[lo : lo + _BLOCK_CELLS].astype(np.float64)
        if not np.isfinite(x).all():
            raise ValueError("scores must be finite numbers")
        if np.abs(x).max(initial=0.0) > 1e9:
            raise ValueError("scores must lie within ±10^9")
        if integral and not np.array_equal(x, np.rint(x)):
            integral = False
    if integral:
        return a.astype(np.int64), 1, False
    for lo in range(0, flat_in.size, _BLOCK_CELLS):
        x = flat_in[lo : lo + _BLOCK_CELLS].astype(np.float64) * SCORE_SCALE
        r = np.rint(x)
        # A decimal with ≤ 6 places lands within float error of an integer.
        if not rounded and (np.abs(x - r) > 1e-6 + 1e-12 * np.abs(x)).any():
            rounded = True
        flat_out[lo : lo + _BLOCK_CELLS] = r.astype(np.int64)
    return out, SCORE_SCALE, rounded


def _conflict_mask(conflicts, P: int, R: int) -> np.ndarray:
    if conflicts is None:
        return np.zeros((P, R), dtype=bool)
    if isinstance(conflicts, np.ndarray) and conflicts.dtype == np.bool_:
        if conflicts.shape != (P, R):
            raise ValueError(f"conflict mask has shape {conflicts.shape}, scores {(P, R)}")
        return conflicts
    if isinstance(conflicts, (tuple, list)) and len(conflicts) == 2:
        pi, ri = (np.asarray(c, dtype=np.int64).reshape(-1) for c in conflicts)
    else:
        arr = np.asarray(conflicts, dtype=np.int64)
        if arr.size == 0:
            return np.zeros((P, R), dtype=bool)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError("conflicts must be a P×R boolean mask, (p_idx, r_idx) or k×2 pairs")
        pi, ri = arr[:, 0], arr[:, 1]
    if pi.shape != ri.shape:
        raise ValueError("conflict index arrays differ in length")
    if pi.size and (pi.min() < 0 or pi.max() >= P or ri.min() < 0 or ri.max() >= R):
        raise ValueError("conflict index out of range")
    mask = np.zeros((P, R), dtype=bool)
    mask[pi, ri] = True
    return mask


def _label(ids: Sequence | None, i: int) -> str:
    return str(ids[i]) if ids is not None else f"#{i}"


def _check_feasible(avail, k, lo, hi, proposal_ids, reviewer_ids) -> None:
    P, R = avail.shape
    for name, v in (("per_proposal", k), ("min_load", lo), ("max_load", hi)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise ValueError(f"{name} must be an integer, got {v!r}")
    if k < 0:
        raise AssignmentInfeasible(f"per_proposal={k} is negative", "negative", name="per_proposal")
    if lo < 0:
        raise AssignmentInfeasible(f"min_load={lo} is negative", "negative", name="min_load")
    if hi < lo:
        raise AssignmentInfeasible(
            f"max_load={hi} is less than min_load={lo}", "loads_crossed", min_load=lo, max_load=hi
        )
    demand = P * k
    if demand > R * hi:
        raise AssignmentInfeasible(
            f"total demand {P}×{k}={demand} exceeds total reviewer capacity {R}×{hi}={R * hi}",
            "capacity",
            proposals=P,
            per_proposal=k,
            reviewers=R,
            max_load=hi,
        )
    if demand < R * lo:
        raise AssignmentInfeasible(
            f"total demand {P}×{k}={demand} is less than the total minimum load {R}×{lo}={R * lo}",
            "minimum_load",
            proposals=P,
            per_proposal=k,
            reviewers=R,
            min_load=lo,
        )
    if k > 0 and P:
        per_p = avail.sum(axis=1)
        bad = np.flatnonzero(per_p < k)
        if bad.size:
            p = int(bad[0])
            more = f" (and {bad.size - 1} more)" if bad.size > 1 else ""
            raise AssignmentInfeasible(
                f"per_proposal={k} but proposal {_label(proposal_ids, p)} has only "
                f"{int(per_p[p])} reviewers without a conflict{more}",
                "proposal_short",
                proposal=_label(proposal_ids, p),
                available=int(per_p[p]),
                per_proposal=k,
                more=int(bad.size - 1),
            )
    if lo > 0 and R:
        per_r = avail.sum(axis=0)
        bad = np.flatnonzero(per_r < lo)
        if bad.size:
            r = int(bad[0])
            more = f" (and {bad.size - 1} more)" if bad.size > 1 else ""
            raise AssignmentInfeasible(
                f"min_load={lo} but reviewer {_label(reviewer_ids, r)} has only "
                f"{int(per_r[r])} proposals without a conflict{more}",
                "reviewer_short",
                reviewer=_label(reviewer_ids, r),
                available=int(per_r[r]),
                min_load=lo,
                more=int(bad.size - 1),
            )


# --------------------------------------------------------------------------------------------
# Candidate arcs


def _row_blocks(P: int, R: int):
    step = max(1, _BLOCK_CELLS // max(R, 1))
    for lo in range(0, P, step):
        yield lo, min(P, lo + step)


def _top_per_proposal(S, avail, K) -> np.ndarray:
    """Keys p*R + r of each proposal's K best reviewers without a conflict."""
    P, R = S.shape
    if K >= R:
        return np.flatnonzero(avail.reshape(-1))
    keys = []
    for a, b in _row_blocks(P, R):
        W = np.where(avail[a:b], S[a:b], _INT_MIN)
        idx = np.argpartition(W, R - K, axis=1)[:, R - K :]
        ok = np.take_along_axis(W, idx, axis=1) != _INT_MIN
        rows = np.broadcast_to(np.arange(a, b, dtype=np.int64)[:, None], idx.shape)
        keys.append(rows[ok] * R + idx[ok])
    return np.concatenate(keys) if keys else np.zeros(0, np.int64)


def _top_per_reviewer(S, avail, L) -> np.ndarray:
    P, R = S.shape
    if L >= P:
        return np.flatnonzero(avail.reshape(-1))
    keys = []
    step = max(1, _BLOCK_CELLS // max(P, 1))
    for a in range(0, R, step):
        b = min(R, a + step)
        W = np.where(avail[:, a:b], S[:, a:b], _INT_MIN)
        idx = np.argpartition(W, P - L, axis=0)[P - L :, :]
        ok = np.take_along_axis(W, idx, axis=0) != _INT_MIN
        cols = np.broadcast_to(np.arange(a, b, dtype=np.int64)[None, :], idx.shape)
        keys.append(idx[ok] * R + cols[ok])
    return np.concatenate(keys) if keys else np.zeros(0, np.int64)


def _candidates(S, avail, k, lo, K) -> np.ndarray:
    P, _R = S.shape
    keys = [_top_per_proposal(S, avail, K)]
    if lo > 0:
        keys.append(_top_per_reviewer(S, avail, min(P, 2 * lo + 2)))
    return np.unique(np.concatenate(keys))


# --------------------------------------------------------------------------------------------
# Min-cost flow with a certificate


def _min_cost_flow(P, R, ap, ar, cost, k, lo, hi):
    """Solve on the arcs (ap → ar); return (flow on those arcs, r→T flows) or None if infeasible."""
    from ortools.graph.python import min_cost_flow

    n = ap.size
    mcf = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([ap, P + np.arange(R, dtype=np.int64)]).astype(np.int32)
    heads = np.concatenate([P + ar, np.full(R, P + R, dtype=np.int64)]).astype(np.int32)
    caps = np.concatenate([np.ones(n, np.int64), np.full(R, hi - lo, np.int64)])
    costs = np.concatenate([cost, np.zeros(R, np.int64)]).astype(np.int64)
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.concatenate(
        [np.full(P, k, np.int64), np.full(R, -lo, np.int64), [-(P * k - R * lo)]]
    ).astype(np.int64)
    mcf.set_nodes_supplies(np.arange(P + R + 1, dtype=np.int32), supplies)
    status = mcf.solve()
    if status == mcf.INFEASIBLE:
        return None
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    flows = np.asarray(mcf.flows(np.asarray(arcs, dtype=np.int32)), dtype=np.int64)
    return flows[:n], flows[n:]


def _potentials(P, R, ap, ar, cost, used, sink_flow, hi, lo) -> np.ndarray:
    """Shortest-path distances in the residual graph (all nodes start at 0): feasible potentials.

    Every residual arc u→v then has cost + π[u] − π[v] ≥ 0.  Raises if there is a negative cycle,
    which cannot happen for an optimal flow.
    """
    T = P + R
    rnode = P + ar
    t_list = [
        np.where(used, rnode, ap),
        P + np.flatnonzero(sink_flow < hi - lo),
        np.full(int((sink_flow > 0).sum()), T, np.int64),
    ]
    h_list = [
        np.where(used, ap, rnode),
        np.full(t_list[1].size, T, np.int64),
        P + np.flatnonzero(sink_flow > 0),
    ]
    c_list = [
        np.where(used, -cost, cost),
        np.zeros(t_list[1].size, np.int64),
        np.zeros(t_list[2].size, np.int64),
    ]
    tails = np.concatenate(t_list).astype(np.int64)
    heads = np.concatenate(h_list).astype(np.int64)
    costs = np.concatenate(c_list).astype(np.int64)
    order = np.argsort(heads, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    uh, starts = np.unique(heads, return_index=True)
    d = np.zeros(P + R + 1, np.int64)
    for _ in range(P + R + 2):
        best = np.minimum.reduceat(d[tails] + costs, starts)
        new = d.copy()
        new[uh] = np.minimum(d[uh], best)
        if np.array_equal(new, d):
            return d
        d = new
    raise RuntimeError("negative cycle in the residual graph: the flow is not optimal")


def _violations(S, avail, used_mask, pi_p, pi_r, per_row) -> np.ndarray:
    """Keys of omitted arcs with a negative reduced cost: each proposal's `per_row` most negative.

    Pricing per proposal (not the globally most negative arcs) keeps the additions balanced:
    when every proposal prefers the same reviewers, each gets its best alternatives at the
    current prices.
    """
    P, R = S.shape
    keys = []
    m = min(per_row, R)
    big = np.iinfo(np.int64).max
    for a, b in _row_blocks(P, R):
        rc = (pi_p[a:b, None] - pi_r[None, :]) - S[a:b]
        rc[~avail[a:b] | used_mask[a:b]] = big
        if m < R:
            idx = np.argpartition(rc, m - 1, axis=1)[:, :m]
        else:
            idx = np.broadcast_to(np.arange(R), rc.shape)
        vals = np.take_along_axis(rc, idx, axis=1)
        rows, j = np.nonzero(vals < 0)
        if rows.size:
            keys.append((rows + a).astype(np.int64) * R + idx[rows, j])
    return np.concatenate(keys) if keys else np.zeros(0, np.int64)


def _max_total(S, avail, k, lo, hi, K, stats) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact maximum-total assignment. Returns (p, r, candidate keys) of the optimum."""
    P, R = S.shape
    n_avail = None
    full = K >= R
    widened = False
    cand = _candidates(S, avail, k, lo, K)
    rounds = 0
    while True:
        rounds += 1
        ap, ar = np.divmod(cand, R)
        cost = -S[ap, ar]
        t = time.perf_counter()
        res = _min_cost_flow(P, R, ap, ar, cost, k, lo, hi)
        stats["flow_seconds"] = stats.get("flow_seconds", 0.0) + time.perf_counter() - t
        if res is None:
            if full:
                raise AssignmentInfeasible(
                    f"the loads (min_load={lo}, max_load={hi}) cannot be met together with the "
                    f"conflicts and per_proposal={k}",
                    "loads",
                    min_load=lo,
                    max_load=hi,
                    per_proposal=k,
                )
            if not widened:
                # the proposals' favourites cannot absorb the demand (everyone wants the same
                # reviewers): give every reviewer enough of its own best proposals to fill up
                widened = True
                cand = np.union1d(cand, _top_per_reviewer(S, avail, min(P, 2 * hi)))
            else:
                K = min(R, 2 * K)
                full = K >= R
                cand = np.union1d(cand, _candidates(S, avail, k, lo, K))
            continue
        flow, sink_flow = res
        used = flow > 0
        if full:
            stats.update(rounds=rounds, candidate_arcs=int(cand.size))
            return ap[used], ar[used], cand
        t = time.perf_counter()
        d = _potentials(P, R, ap, ar, cost, used, sink_flow, hi, lo)
        used_mask = np.zeros((P, R), dtype=bool)
        used_mask[ap[used], ar[used]] = True
        extra = _violations(S, avail, used_mask, d[:P], d[P : P + R], K)
        stats["certificate_seconds"] = (
            stats.get("certificate_seconds", 0.0) + time.perf_counter() - t
        )
        if extra.size == 0:
            stats.update(rounds=rounds, candidate_arcs=int(cand.size))
            return ap[used], ar[used], cand
        cand = np.union1d(cand, extra)
        if n_avail is None:
            n_avail = int(avail.sum())
        full = cand.size >= n_avail


# --------------------------------------------------------------------------------------------
# Fair mode: lexicographic max-min, then max total; MILPs certified with LP duals


def _topk_bounds(S, avail, k):
    """Per proposal: sum of the best k and of the worst k available scores, and v_k, top_(k-1)."""
    P, R = S.shape
    best = np.zeros(P, np.int64)
    worst = np.zeros(P, np.int64)
    vk = np.zeros(P, np.int64)
    best_km1 = np.zeros(P, np.int64)
    if k == 0:
        return best, worst, vk, best_km1
    for a, b in _row_blocks(P, R):
        W = np.where(avail[a:b], S[a:b], _INT_MIN)
        top = -np.sort(-np.partition(W, R - k, axis=1)[:, R - k :], axis=1)  # descending
        best[a:b] = top.sum(axis=1)
        best_km1[a:b] = top[:, : k - 1].sum(axis=1)
        vk[a:b] = top[:, k - 1]
        Wl = np.where(avail[a:b], S[a:b], np.iinfo(np.int64).max)
        worst[a:b] = np.partition(Wl, k - 1, axis=1)[:, :k].sum(axis=1)
    return best, worst, vk, best_km1


class _Model:
    """The b-matching MILP of one fair stage on a set of arcs."""

    def __init__(self, P, R, k, lo, hi, S, keys, stage, floor, t_lo, t_hi):
        from scipy import sparse

        self.P, self.R, self.k, self.lo, self.hi = P, R, k, lo, hi
        self.keys = keys
        self.ap, self.ar = np.divmod(keys, R)
        self.s = S[self.ap, self.ar].astype(np.float64)
        self.stage, self.floor, self.t_lo, self.t_hi = stage, floor, t_lo, t_hi
        n = keys.size
        self.n = n
        self.nvar = n + (1 if stage == 1 else 0)
        cols = np.arange(n)
        A_prop = sparse.csr_matrix((np.ones(n), (self.ap, cols)), shape=(P, self.nvar))
        A_rev = sparse.csr_matrix((np.ones(n), (self.ar, cols)), shape=(R, self.nvar))
        fr, fc, fv = self.ap, cols, self.s
        if stage == 1:
            fr = np.concatenate([fr, np.arange(P)])
            fc = np.concatenate([fc, np.full(P, n)])
            fv = np.concatenate([fv, -np.ones(P)])
        A_floor = sparse.csr_matrix((fv, (fr, fc)), shape=(P, self.nvar))
        self.A_prop, self.A_rev, self.A_floor = A_prop, A_rev, A_floor
        if stage == 1:
            self.c = np.zeros(self.nvar)
            self.c[n] = -1.0  # minimise −t
        else:
            self.c = -self.s

    def solve_milp(self, time_limit):
        from scipy import sparse
        from scipy.optimize import Bounds, LinearConstraint, milp

        P, R = self.P, self.R
        A = sparse.vstack([self.A_prop, self.A_rev, self.A_floor], format="csr")
        floor_lo = 0.0 if self.stage == 1 else self.floor - 0.5
        lb = np.concatenate([np.full(P, self.k), np.full(R, self.lo), np.full(P, floor_lo)])
        ub = np.concatenate([np.full(P, self.k), np.full(R, self.hi), np.full(P, np.inf)])
        lo_b = np.zeros(self.nvar)
        hi_b = np.ones(self.nvar)
        if self.stage == 1:
            lo_b[-1], hi_b[-1] = self.t_lo, self.t_hi
        options = {"mip_rel_gap": 0.0, "disp": False}
        if time_limit is not None:
            options["time_limit"] = max(1.0, float(time_limit))
        return milp(
            self.c,
            integrality=np.ones(self.nvar),
            bounds=Bounds(lo_b, hi_b),
            constraints=LinearConstraint(A, lb, ub),
            options=options,
        )

    def lp_duals(self):
        """LP relaxation duals (linprog sign convention: ≤-rows ≤ 0) or None."""
        from scipy import sparse
        from scipy.optimize import linprog

        P, R = self.P, self.R
        ub_rows = [self.A_rev]
        b_ub = [np.full(R, float(self.hi))]
        if self.lo > 0:
            ub_rows.append(-self.A_rev)
            b_ub.append(np.full(R, -float(self.lo)))
        ub_rows.append(-self.A_floor)
        b_ub.append(np.zeros(P) if self.stage == 1 else np.full(P, -float(self.floor)))
        bounds = np.zeros((self.nvar, 2))
        bounds[:, 1] = 1.0
        if self.stage == 1:
            bounds[-1] = (self.t_lo, self.t_hi)
        res = linprog(
            self.c,
            A_ub=sparse.vstack(ub_rows, format="csr"),
            b_ub=np.concatenate(b_ub),
            A_eq=self.A_prop,
            b_eq=np.full(P, float(self.k)),
            bounds=bounds,
            method="highs",
        )
        if res.status != 0:
            return None
        y_eq = np.asarray(res.eqlin.marginals, dtype=np.float64)
        y_ub = np.minimum(np.asarray(res.ineqlin.marginals, dtype=np.float64), 0.0)
        y_hi = y_ub[:R]
        y_lo = y_ub[R : 2 * R] if self.lo > 0 else np.zeros(R)
        y_fl = y_ub[-P:]
        base = float(y_eq @ np.full(P, float(self.k)) + y_ub @ np.concatenate(b_ub))
        return y_eq, y_hi, y_lo, y_fl, base


def _stage_certificate(model, duals, S, avail, V, reach_ok):
    """(keys of omitted arcs that could still beat V, upper bound) from the LP duals."""
    P, R = S.shape
    y_eq, y_hi, y_lo, y_fl, base = duals
    # reduced cost of arc (p, r) in the min form: f − A^T y, with floor-row coefficient −s
    neg_sum = 0.0
    target = V + 1 if model.stage == 1 else model.floor
    for a, b in _row_blocks(P, R):
        s = S[a:b].astype(np.float64)
        f = np.zeros_like(s) if model.stage == 1 else -s
        rc = f - y_eq[a:b, None] - y_hi[None, :] + y_lo[None, :] + y_fl[a:b, None] * s
        # arcs that cannot reach the target are in no solution that matters: left out of the bound
        neg_sum += float(np.minimum(rc, 0.0)[avail[a:b] & reach_ok(a, b, target)].sum())
    lb = base + neg_sum
    if model.stage == 1:
        r_t = -1.0 - float(y_fl.sum())  # column t: objective −1, +1 in every floor row
        lb += min(r_t * model.t_lo, r_t * model.t_hi)
    ub = -lb
    slack = ub - V - 1.0 + 0.5  # arcs with max(r_a, 0) ≤ slack could still matter
    in_model = np.zeros((P, R), dtype=bool)
    in_model[model.ap, model.ar] = True
    keys, vals = [], []
    if slack >= 0:
        for a, b in _row_blocks(P, R):
            s = S[a:b].astype(np.float64)
            f = np.zeros_like(s) if model.stage == 1 else -s
            rc = f - y_eq[a:b, None] - y_hi[None, :] + y_lo[None, :] + y_fl[a:b, None] * s
            cand = (
                avail[a:b]
                & ~in_model[a:b]
                & (np.maximum(rc, 0.0) <= slack)
                & reach_ok(a, b, target)
            )
            rows, cols = np.nonzero(cand)
            if rows.size:
                keys.append((rows + a).astype(np.int64) * R + cols)
                vals.append(rc[rows, cols])
    if not keys:
        return np.zeros(0, np.int64), ub
    keys, vals = np.concatenate(keys), np.concatenate(vals)
    return keys[np.argsort(vals, kind="stable")], ub


def _fair_stage(
    S, avail, k, lo, hi, keys, stage, floor, t_lo, t_hi, V_known_ub, reach_ok, deadline, stats
):
    """Solve one fair stage on a growing arc set.

    Returns (p, r, value, proven), or None when HiGHS found no solution in time.  Each round
    solves the MILP on the current arcs, then certifies it with the LP duals (see
    `_stage_certificate`); arcs that could still beat the incumbent are added and the stage
    re-solved.  It stops unproven when the arc set would grow past `max_arcs` or time runs out.
    """
    P, R = S.shape
    max_arcs = max(4 * keys.size, 200_000)
    best = None
    n = 0
    tag = f"stage{stage}"
    while True:
        n += 1
        model = _Model(P, R, k, lo, hi, S, keys, stage, floor, t_lo, t_hi)
        remaining = None if deadline is None else deadline - time.perf_counter()
        t = time.perf_counter()
        res = model.solve_milp(remaining)
        stats.setdefault(f"{tag}_milp", []).append(
            {
                "arcs": int(keys.size),
                "seconds": round(time.perf_counter() - t, 3),
                "status": int(res.status),
            }
        )
        if res.x is None:
            return best
        x = res.x[: model.n] > 0.5
        p, r = model.ap[x], model.ar[x]
        if not (np.bincount(p, minlength=P) == k).all():
            raise RuntimeError(f"fair {tag}: HiGHS returned an infeasible assignment")
        per_p = np.zeros(P, np.int64)
        np.add.at(per_p, p, S[p, r])
        V = int(per_p.min()) if stage == 1 else int(per_p.sum())
        if stage == 2 and per_p.min() < floor:
            raise RuntimeError(f"fair {tag}: HiGHS returned an assignment below the floor")
        if best is None or best[2] < V:
            best = (p, r, V, False)
        V = best[2]
        if V_known_ub is not None and V_known_ub <= V:
            return best[0], best[1], V, True
        milp_proven = res.status == 0 and -float(res.mip_dual_bound) < V + 0.5
        if not milp_proven:
            return best
        duals = model.lp_duals()
        if duals is None:
            return best
        t = time.perf_counter()
        extra, ub = _stage_certificate(model, duals, S, avail, V, reach_ok)
        stats[f"{tag}_certificate_seconds"] = stats.get(f"{tag}_certificate_seconds", 0.0) + (
            time.perf_counter() - t
        )
        stats[f"{tag}_lp_bound_scaled"] = ub
        if extra.size == 0:
            return best[0], best[1], V, True
        if keys.size + extra.size > max_arcs or (
            deadline is not None and time.perf_counter() > deadline
        ):
            stats[f"{tag}_unproven"] = f"{extra.size} arcs could still matter"
            return best
        keys = np.union1d(keys, extra)


def _maxmin_heuristic(S, avail, k, lo, hi, keys, base_p, base_r, best, U0, deadline, stats):
    """A good max-min assignment fast: min-cost flows with multiplicative weights.

    Each round maximises sum_p w_p * score_p(x) on the candidate arcs (an exact min-cost flow),
    so every x is a feasible assignment; the best minimum is kept.  Weights start from each
    proposal's slack (its own best k minus U0: the least slack, the most weight, at three
    temperatures), and proposals that came out below average gain weight
    (w_p *= exp(-1.5 z_p), z the standardised per-proposal score).  Stops at U0, which then
    proves the minimum optimal.
    """
    P, R = S.shape
    ap, ar = np.divmod(keys, R)
    s = S[ap, ar].astype(np.float64)
    smax = max(float(np.abs(s).max(initial=0.0)), 1.0)
    unit = min(1.0, 2.0**40 / (smax * (P + R + 2)))  # keep the weighted costs well inside int64
    per = np.bincount(base_p, weights=S[base_p, base_r], minlength=P)
    best_key, best_x = (per.min(), per.sum()), (base_p, base_r)
    slack = (best - U0).astype(np.float64)
    spread = max(float(np.median(slack)), 1.0)
    rounds = 0
    for tau in (0.05, 0.2, 1.0):
        w = np.maximum(np.exp(-slack / (tau * spread)), 1e-3)
        for _ in range(10):
            if best_key[0] >= U0 or (deadline is not None and time.perf_counter() > deadline):
                break
            rounds += 1
            cost = -np.rint(w[ap] * s * unit).astype(np.int64)
            res = _min_cost_flow(P, R, ap, ar, cost, k, lo, hi)
            if res is None:
                break
            used = res[0] > 0
            p, r = ap[used], ar[used]
            g = np.bincount(p, weights=S[p, r], minlength=P)
            key = (g.min(), g.sum())
            if key > best_key:
                best_key, best_x = key, (p, r)
            z = (g - g.mean()) / max(float(g.std()), 1e-12)
            w = np.maximum(w * np.exp(-1.5 * z), 1e-12)
            w /= w.max()
            w = np.maximum(w, 1e-6)
    stats["heuristic_rounds"] = rounds
    return best_x[0], best_x[1], int(best_key[0])


def _fair(S, avail, k, lo, hi, base_p, base_r, cand, time_limit, stats):
    P, R = S.shape
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    best, _worst, vk, best_km1 = _topk_bounds(S, avail, k)
    U0 = int(best.min())  # no assignment's minimum exceeds the weakest proposal's best k
    per_base = np.zeros(P, np.int64)
    np.add.at(per_base, base_p, S[base_p, base_r])
    base_min, base_total = int(per_base.min()), int(per_base.sum())
    stats["max_min_upper_bound_scaled"] = U0
    if base_min >= U0:
        stats["fair_shortcut"] = "the maximum-total assignment reaches the max-min upper bound"
        stats["max_min_scaled"] = base_min
        return base_p, base_r, True

    def reach_ok(a, b, target):
        # arc (p, r) can be in a k-set of p summing to ≥ target only if its best completion does
        s = S[a:b]
        reach = np.where(s >= vk[a:b, None], best[a:b, None], s + best_km1[a:b, None])
        return reach >= target

    # stage 1: the largest minimum t*
    keys = np.union1d(cand, base_p * R + base_r)
    h_deadline = None if deadline is None else time.perf_counter() + time_limit / 4
    t = time.perf_counter()
    p1, r1, T = _maxmin_heuristic(
        S, avail, k, lo, hi, keys, base_p, base_r, best, U0, h_deadline, stats
    )
    stats["heuristic_seconds"] = time.perf_counter() - t
    stats["heuristic_min_scaled"] = T
    if T >= U0:
        proven1 = True
    else:
        keys = np.union1d(keys, p1 * R + r1)
        kp, kr = np.divmod(keys, R)
        s = S[kp, kr]
        keys = keys[np.where(s >= vk[kp], best[kp], s + best_km1[kp]) >= T]  # reach T
        res = _fair_stage(S, avail, k, lo, hi, keys, 1, None, T, U0, U0, reach_ok, deadline, stats)
        proven1 = False
        if res is not None and res[2] >= T:
            p1, r1, T, proven1 = res
    stats["max_min_scaled"] = T
    if base_min >= T:
        stats["fair_shortcut"] = "the maximum-total assignment already meets the max-min floor"
        return base_p, base_r, proven1
    # stage 2: the largest total with every proposal at or above t*; arcs that cannot reach t*
    # in any k-set of their proposal are useless
    keys = np.union1d(keys, p1 * R + r1)
    kp, kr = np.divmod(keys, R)
    s = S[kp, kr]
    keys = keys[np.where(s >= vk[kp], best[kp], s + best_km1[kp]) >= T]
    if deadline is not None:
        deadline = max(deadline, time.perf_counter() + max(5.0, time_limit / 3))
    res = _fair_stage(S, avail, k, lo, hi, keys, 2, T, 0, 0, base_total, reach_ok, deadline, stats)
    if res is None:  # no solution in time: the stage-1 assignment meets the floor
        return p1, r1, False
    p2, r2, V2, proven2 = res
    per1 = np.zeros(P, np.int64)
    np.add.at(per1, p1, S[p1, r1])
    if int(per1.sum()) > V2:
        return p1, r1, False
    return p2, r2, proven1 and proven2


# --------------------------------------------------------------------------------------------
# Entry point


def assign(
    scores,
    conflicts=None,
    per_proposal: int = 3,
    min_load: int = 0,
    max_load: int = 10,
    fair: bool = False,
    *,
    proposal_ids: Sequence | None = None,
    reviewer_ids: Sequence | None = None,
    candidates_per_proposal: int | None = None,
    time_limit: float | None = 120.0,
) -> Assignment:
    """The optimal assignment of reviewers to proposals (see the module docstring).

    scores: P×R affinities (0 where absent); conflicts: P×R boolean mask, (p_idx, r_idx) arrays or
    k×2 index pairs; ``candidates_per_proposal``: K for the candidate subgraph (None: automatic;
    0 or ≥ R: the full graph from the start); ``time_limit``: seconds for the fair-mode MILPs.
    ``proposal_ids``/``reviewer_ids`` only name proposals and reviewers in error messages.
    Raises AssignmentInfeasible when no assignment exists.
    """
    t0 = time.perf_counter()
    S, scale, rounded = _integer_scores(scores)
    P, R = S.shape
    avail = ~_conflict_mask(conflicts, P, R)
    k, lo, hi = per_proposal, min_load, max_load
    _check_feasible(avail, k, lo, hi, proposal_ids, reviewer_ids)
    if S.size and int(np.abs(S).max()) * (P + R + 2) >= 2**62:
        raise ValueError("scores too large for exact integer costs")
    stats: dict = {}
    if P == 0 or k == 0:
        pairs = np.zeros((0, 2), np.int64)
        return Assignment(
            pairs,
            0.0,
            0.0,
            True,
            time.perf_counter() - t0,
            fair,
            scale,
            rounded,
            0,
            0,
            "trivial",
            stats,
        )
    if candidates_per_proposal is None:
        K = max(4 * k, k + 8)
    elif candidates_per_proposal <= 0:
        K = R
    else:
        K = max(k, candidates_per_proposal)
    K = min(K, R)
    p, r, cand = _max_total(S, avail, k, lo, hi, K, stats)
    proven = True
    method = "min-cost flow (OR-Tools), certified by node potentials"
    if fair:
        p, r, proven = _fair(S, avail, k, lo, hi, p, r, cand, time_limit, stats)
        method = "lexicographic max-min then max-total MILP (HiGHS), certified by LP duals"
    order = np.lexsort((r, p))
    pairs = np.stack([p[order], r[order]], axis=1).astype(np.int64)
    per_p = np.zeros(P, np.int64)
    np.add.at(per_p, pairs[:, 0], S[pairs[:, 0], pairs[:, 1]])
    total, low = int(per_p.sum()), int(per_p.min())
    _verify(pairs, avail, k, lo, hi)
    return Assignment(
        pairs=pairs,
        total_score=total / scale,
        min_proposal_score=low / scale,
        proven_optimal=bool(proven),
        seconds=time.perf_counter() - t0,
        fair=fair,
        score_scale=scale,
        scores_rounded=rounded,
        total_score_scaled=total,
        min_proposal_score_scaled=low,
        method=method,
        stats=stats,
    )


def _verify(pairs, avail, k, lo, hi) -> None:
    P, R = avail.shape
    p, r = pairs[:, 0], pairs[:, 1]
    if not avail[p, r].all():
        raise RuntimeError("assignment uses a conflicted pair")
    if np.unique(p * R + r).size != p.size:
        raise RuntimeError("assignment repeats a pair")
    if not (np.bincount(p, minlength=P) == k).all():
        raise RuntimeError("a proposal has the wrong number of reviewers")
    loads = np.bincount(r, minlength=R)
    if (loads < lo).any() or (loads > hi).any():
        raise RuntimeError("a reviewer load is out of bounds")
