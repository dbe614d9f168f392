"""Budget-constrained adoption: which proposals to fund, as a 0-1 program solved exactly.

Maximise the total score of the adopted proposals subject to

* each call's adopted cost ≤ its budget (``call_budgets_yen``),
* optionally each theme's adopted cost ≤ its cap (``theme_caps_yen``; a theme spans calls),
* any number of pooled caps (``pools``, a sequence of ``Pool``): the adopted members of a pool,
  each counted with its own amount (for example three years of its money for one theme and one
  year for another), together ≤ the pool's cap; a proposal may belong to several pools, and a
  pool may span themes and calls.  A theme cap is the pool of the theme's proposals counted at
  their cost, and is solved as one,
* a proposal whose cost exceeds its own cap (``caps_yen``) is not eligible,
* a proposal scoring below ``min_score`` is not eligible,
* staff overrides: ``forced_in`` proposals are adopted (even below ``min_score``: that is what
  an override is for; never above their cap, a budget or a pool), ``forced_out`` ones are not.

Money is integer yen throughout, and the result is checked in exact integers against every
budget, cap and pool; a violation raises ``AdoptionError`` instead of being returned.

How it is solved.  Calls that no capped theme or pool links are independent blocks, solved
apart.  Review scores are averages with a few decimals (the committee score has 3), so the
objective is scaled to integers (``score_decimals`` in ``stats``); every proposal belongs to
exactly one call, so a block is a set of one-row knapsacks (one per call) tied by the theme and
pool rows.  For each block:

1. *Bound.*  The tying rows are priced out with multipliers λ ≥ 0 (Lagrangian relaxation), and
   each call's knapsack is solved exactly with OR-Tools' knapsack branch and bound on integer
   profits (rounded up, so that the bound stays valid).  λ is improved by column generation
   (Dantzig-Wolfe: a master LP over the calls' knapsack solutions, by HiGHS).  Its bound is far
   tighter than the LP relaxation's, because each call's knapsack is solved in integers.
2. *Fixing.*  A solution better than a target T loses at most U - T against the bound U in
   every call; a proposal whose flip (adopting it where the bound's solution does not, or the
   reverse) costs its call more than that is fixed.  The loss is bounded first by the call's LP
   reduced cost and then, for the few that remain, computed exactly by a knapsack solve.
3. *Residual.*  The proposals left free form a small 0-1 program, given to HiGHS with the
   objective ≥ T and, for every λ priced, each call's Lagrangian profit at most its knapsack
   optimum and at least that less what the bound allows (valid cuts that make HiGHS's work
   short).  If it finds its optimum at or above T, that is the
   block's optimum; if it proves that none reaches T, the upper bound drops to T - 1 and the
   target is lowered (T = U - 16, U - 32, U - 64, ... units).  With the incumbent L (from a
   greedy repair of the bound's solution, then from each residual) the last round has T = L + 1
   and ends the proof: objective integrality prunes every solution below L + 1.

``proven_optimal`` says that the blocks' optima were proven before ``time_limit``; otherwise the
best selection found is returned with its gap to the proven bound (``mip_gap``, relative).  The
proof is fast when no pool or one pool binds (though not always: one variant of the bench
with a single binding pool took 18 s); with two or more pools binding at once the residual
programs grow (``bench/adopt.py``'s stress figure) and the time limit may come first.  When
the scores have more than 6 decimals, or a knapsack cannot be proven in its share of the time,
the block goes to HiGHS as a plain MILP (``mip_rel_gap``, default 0) with the cost rows in
millions of yen as float64 (every amount is far below 2^53 yen, so the conversion is exact
enough for a solver whose answer is checked in integers anyway).

HiGHS is reached through SciPy (``scipy.optimize.linprog``/``milp``, HiGHS 1.12 bundled in
SciPy), not ``highspy``: highspy 1.15 and OR-Tools 9.15 both ship a ``libhighs.so.1`` of
different versions under the same SONAME, so once one is loaded in a process the other fails to
import, and the web process also runs the OR-Tools reviewer assignment.  SciPy links HiGHS
statically and OR-Tools' knapsack solver does not use HiGHS, so the two live in one process.

This module imports no Django.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Adoption", "AdoptionError", "AdoptionInfeasible", "Pool", "choose_adoptions"]

_MILLION = 1_000_000.0
_Q = 1 << 16  # sub-units of one objective unit in the Lagrangian profits
_MAX_DECIMALS = 6
_INT_LIMIT = 1 << 62  # sums of yen and of scaled profits stay below this in int64
_FIRST_LOSS = 16  # objective units: the first residual round looks within U - 16


class AdoptionInfeasible(ValueError):
    """The overrides cannot be honoured; the message names the budget, cap or pool they break."""


class AdoptionError(RuntimeError):
    """The solver returned a selection that breaks a budget in exact yen (never returned)."""


@dataclass(frozen=True, eq=False)
class Pool:
    """A pooled cap: the adopted ``members`` (proposal indices), each counted with its own
    amount (``amounts_yen``, in the same order), together at most ``cap_yen``.

    For example the post-5G fund's (g5) pool counts the (g5-1) and ④ (b) proposals' money for
    three years and the (g5-2) and (g5-3) proposals' money for one year, against 472億円."""

    key: str
    cap_yen: int
    members: np.ndarray
    amounts_yen: np.ndarray

    def __post_init__(self):
        key = str(self.key)
        if not key:
            raise ValueError("a pool needs a key")
        try:
            cap = _whole_yen(self.cap_yen)
        except (TypeError, ValueError):
            raise ValueError(f"pool {key}: cap_yen must be whole yen") from None
        if cap < 0:
            raise ValueError(f"pool {key}: cap_yen is negative")
        members = _int_array(self.members, f"pool {key} members")
        amounts = _int_array(self.amounts_yen, f"pool {key} amounts_yen", members.size)
        if np.unique(members).size != members.size:
            raise ValueError(f"pool {key} lists a proposal twice")
        if members.size and members.min() < 0:
            raise ValueError(f"pool {key} has a negative proposal index")
        if (amounts < 0).any():
            raise ValueError(f"pool {key} counts a negative amount")
        if int(amounts.astype(object).sum()) >= _INT_LIMIT:
            raise ValueError(f"pool {key}: its amounts add up to 2^62 yen or more")
        members.flags.writeable = False
        amounts.flags.writeable = False
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "cap_yen", cap)
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "amounts_yen", amounts)


@dataclass(frozen=True)
class Adoption:
    chosen: np.ndarray  # sorted proposal indices
    total_score: float
    spend_per_call: np.ndarray  # int64 yen, one per call
    proven_optimal: bool
    mip_gap: float  # relative gap between the selection and the proven bound (0.0 when proven)
    seconds: float
    spend_per_theme: np.ndarray | None = None  # int64 yen per theme, when themes are given
    eligible: int = 0  # proposals that took part in the optimisation (besides the forced ones)
    status: str = ""
    stats: dict = field(default_factory=dict)
    spend_per_pool: dict = field(default_factory=dict)  # pool key -> int yen counted against it


def _whole_yen(value) -> int:
    if isinstance(value, bool):
        raise TypeError("not yen")
    if isinstance(value, int | np.integer):
        return int(value)
    v = float(value)
    if not math.isfinite(v) or v != round(v) or abs(v) >= 2**53:
        raise ValueError("not whole yen")
    return int(v)


def _int_array(values, name: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(values)
    if arr.size == 0:
        arr = arr.astype(np.int64)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise ValueError(f"{name} must be integers")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all() or not np.array_equal(arr, np.rint(arr)):
            raise ValueError(f"{name} must be whole yen")
        if np.abs(arr).max(initial=0) >= 2**53:
            raise ValueError(f"{name} exceeds 2^53 yen")
    arr = arr.astype(np.int64).reshape(-1)
    if n is not None and arr.size != n:
        raise ValueError(f"{name} has {arr.size} entries, expected {n}")
    return arr


def _name(ids, i: int) -> str:
    return str(ids[i]) if ids is not None else f"#{i}"


def _decimal_scale(s: np.ndarray) -> int | None:
    """The fewest decimals (≤ 6) that write every score exactly, or None."""
    for d in range(_MAX_DECIMALS + 1):
        v = s * 10.0**d
        if np.all(np.abs(v - np.rint(v)) <= 1e-9 * np.maximum(1.0, np.abs(v))):
            return d
    return None


@dataclass
class _Rows:
    """The capped rows besides the call budgets: capped themes, then pools."""

    matrix: object  # scipy.sparse.csr_matrix, int64 yen, rows x proposals
    caps: np.ndarray  # int64 yen
    kinds: list  # "theme" or "pool"
    names: list  # theme name or pool key


def _build_rows(n, cost, theme, tcap, theme_ids, pools) -> _Rows:
    from scipy import sparse

    r, c, v, caps, kinds, names = [], [], [], [], [], []
    if theme is not None:
        for t in np.flatnonzero(tcap >= 0):
            members = np.flatnonzero(theme == t)
            r.append(np.full(members.size, len(caps)))
            c.append(members)
            v.append(cost[members])
            caps.append(int(tcap[t]))
            kinds.append("theme")
            names.append(_name(theme_ids, int(t)))
    for pool in pools:
        if pool.members.size and pool.members.max() >= n:
            raise ValueError(f"pool {pool.key} refers to a proposal outside 0..{n - 1}")
        r.append(np.full(pool.members.size, len(caps)))
        c.append(pool.members)
        v.append(pool.amounts_yen)
        caps.append(pool.cap_yen)
        kinds.append("pool")
        names.append(pool.key)
    R = len(caps)
    if R:
        matrix = sparse.csr_matrix(
            (np.concatenate(v), (np.concatenate(r), np.concatenate(c))),
            shape=(R, n),
            dtype=np.int64,
        )
    else:
        matrix = sparse.csr_matrix((0, n), dtype=np.int64)
    return _Rows(matrix, np.array(caps, np.int64), kinds, names)


def _components(C: int, call_of_var: np.ndarray, rows_var) -> np.ndarray:
    """Block of each call: calls linked by a capped row with members in both share a block."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    coo = rows_var.tocoo()
    if coo.nnz == 0:
        return np.arange(C)
    R = rows_var.shape[0]
    g = sparse.coo_matrix(
        (np.ones(coo.nnz), (call_of_var[coo.col], C + coo.row)), shape=(C + R, C + R)
    )
    return connected_components(g, directed=False)[1][:C]


# ---------------------------------------------------------------------------------------------
# One block, exactly: Lagrangian bound, fixing, residual 0-1 programs


class _Unproven(Exception):
    """A knapsack could not be proven in its share of the time: leave the block to HiGHS."""


def _knapsack(profit, weight, capacity, deadline, solution=True) -> tuple[int, np.ndarray]:
    """max profit·x with weight·x ≤ capacity, x in {0,1} (int64 data): (value, chosen)."""
    from ortools.algorithms.python import knapsack_solver

    chosen = np.zeros(profit.size, bool)
    if capacity < 0:
        raise ValueError("negative capacity")
    idx = np.flatnonzero((profit > 0) & (weight <= capacity))
    if idx.size == 0:
        return 0, chosen
    solver = knapsack_solver.KnapsackSolver(
        knapsack_solver.SolverType.KNAPSACK_MULTIDIMENSION_BRANCH_AND_BOUND_SOLVER, "adoption"
    )
    solver.init(profit[idx].tolist(), [weight[idx].tolist()], [int(capacity)])
    if deadline is not None:
        solver.set_time_limit(max(0.05, deadline - time.perf_counter()))
    value = solver.solve()
    if not solver.is_solution_optimal():
        raise _Unproven("a call's knapsack was not proven in time")
    if not solution:
        return int(value), chosen
    chosen[idx] = np.fromiter(
        (solver.best_solution_contains(i) for i in range(idx.size)), bool, idx.size
    )
    return int(value), chosen


def _lp_knapsack(profit, weight, capacity) -> tuple[float, np.ndarray]:
    """LP bound of a 0-1 knapsack and each item's reduced cost (float, the profits' units).

    Flipping items against the LP's direction (rc > 0 in, rc < 0 out) lowers the LP bound by
    at least the sum of their |rc|: the basis of the fixing tests."""
    pos = np.flatnonzero(profit > 0)
    w = weight[pos].astype(np.float64)
    p = profit[pos].astype(np.float64)
    with np.errstate(divide="ignore"):
        eff = np.where(w > 0, p / np.where(w > 0, w, 1.0), np.inf)
    order = np.argsort(-eff, kind="stable")
    cw = np.cumsum(w[order])
    k = int(np.searchsorted(cw, float(capacity), side="right"))
    if k >= order.size:
        ratio, bound = 0.0, float(p.sum())
    else:
        crit = order[k]
        ratio = p[crit] / w[crit]
        before = float(cw[k - 1]) if k else 0.0
        bound = float(p[order[:k]].sum()) + (float(capacity) - before) * ratio
    return bound, profit.astype(np.float64) - ratio * weight.astype(np.float64)


class _Block:
    """One block of calls in integer objective units (see the module docstring)."""

    def __init__(self, P, cost, call, budget, rows, room, deadline, rel_gap):
        self.P, self.cost, self.call, self.budget = P, cost, call, budget
        self.rows, self.room = rows.tocsr(), room  # int64 yen, rows touching the block
        self.rows_csc = self.rows.tocsc()
        self.rows_t = self.rows.T.tocsr().astype(np.float64)
        self.C, self.n, self.R = budget.size, P.size, room.size
        self.calls = [np.flatnonzero(call == k) for k in range(self.C)]
        self.deadline, self.rel_gap = deadline, rel_gap
        self.stats = {"pricing_rounds": 0, "residual_rounds": 0, "probes": 0}
        self.priced = []  # (bound, per-call optima, profits) of every λ priced: cuts

    def _time_left(self) -> float:
        return np.inf if self.deadline is None else self.deadline - time.perf_counter()

    def feasible(self, x) -> bool:
        spend = np.zeros(self.C, np.int64)
        np.add.at(spend, self.call[x], self.cost[x])
        return bool(
            (spend <= self.budget).all() and (self.rows @ x.astype(np.int64) <= self.room).all()
        )

    # -- bound ---------------------------------------------------------------------------------
    def price(self, lam):
        """Lagrangian bound at λ, in sub-units: (bound, per-call optima, solution, profits)."""
        pen = self.rows_t @ lam if self.R else np.zeros(self.n)
        if not np.isfinite(pen).all() or np.abs(pen).max(initial=0) * _Q >= 2.0**60:
            raise _Unproven("multipliers out of the integer range")
        # rounded up (≥ the true profit), exact where nothing is priced
        q = self.P * _Q - np.floor(pen * _Q).astype(np.int64) + (pen != 0)
        z = np.zeros(self.C, np.int64)
        x = np.zeros(self.n, bool)
        for k, idx in enumerate(self.calls):
            z[k], chosen = _knapsack(q[idx], self.cost[idx], int(self.budget[k]), self.deadline)
            x[idx[chosen]] = True
        priced = float(lam @ self.room.astype(np.float64)) if self.R else 0.0
        const = math.ceil(priced * _Q) + 1 if priced else 0
        self.stats["pricing_rounds"] += 1
        if self.R:
            self.priced.append((int(z.sum()) + const, z, q))
        return int(z.sum()) + const, z, x, q

    def bound(self):
        """Column generation on the calls' knapsacks; the best Lagrangian bound it meets."""
        from scipy.optimize import linprog

        best = self.price(np.zeros(self.R))
        if not self.R or self.feasible(best[2]):
            return best  # nothing to price: the calls' optima together are the optimum
        first = best[2]
        lam = self._lp_duals()
        ub, z, x, q = self.price(lam)
        if ub < best[0]:
            best = (ub, z, x, q)
        values, usage, owner = [], [], []

        def add(k, picked):
            values.append(float(self.P[picked].sum()))
            usage.append(np.asarray(self.rows_csc[:, picked].sum(axis=1), float).ravel())
            owner.append(k)

        for k, idx in enumerate(self.calls):
            add(k, idx[:0])
            add(k, idx[first[idx]])
            add(k, idx[x[idx]])
        for _round in range(60):
            if self._time_left() < 0:
                break
            v = np.array(values)
            conv = np.zeros((self.C, v.size))
            conv[np.array(owner), np.arange(v.size)] = 1.0
            res = linprog(
                -v,
                A_ub=np.vstack([conv, np.array(usage).T / _MILLION]),
                b_ub=np.concatenate([np.ones(self.C), self.room / _MILLION]),
                bounds=(0, None),
                method="highs",
            )
            if res.status != 0:
                break
            duals = -res.ineqlin.marginals
            pi, lam = duals[: self.C], np.maximum(duals[self.C :], 0.0) / _MILLION
            master = -float(res.fun)
            ub, z, x, q = self.price(lam)
            if ub < best[0]:
                best = (ub, z, x, q)
            added = 0
            for k, idx in enumerate(self.calls):
                if z[k] / _Q > pi[k] + 1e-7 * max(1.0, abs(pi[k])):
                    add(k, idx[x[idx]])
                    added += 1
            if not added or best[0] / _Q - master <= 1e-6 * max(1.0, abs(master)):
                break
        return best

    def _lp_duals(self):
        from scipy import sparse
        from scipy.optimize import linprog

        budget_rows = sparse.csr_matrix(
            (self.cost.astype(float), (self.call, np.arange(self.n))), shape=(self.C, self.n)
        )
        A = sparse.vstack([budget_rows, self.rows.astype(float)]).tocsr() / _MILLION
        rhs = np.concatenate([self.budget, self.room]).astype(float) / _MILLION
        res = linprog(-self.P.astype(float), A_ub=A, b_ub=rhs, bounds=(0, 1), method="highs")
        if res.status != 0:
            return np.zeros(self.R)
        return np.maximum(-res.ineqlin.marginals[self.C :], 0.0) / _MILLION

    # -- incumbent -----------------------------------------------------------------------------
    def repair(self, x, q) -> np.ndarray:
        """The bound's solution made feasible (drop the cheapest per unit of excess), then
        filled greedily by Lagrangian profit per yen."""
        x = x.copy()
        col = self.rows_csc
        use_row = (self.rows @ x.astype(np.int64)).astype(np.int64)
        use_call = np.zeros(self.C, np.int64)
        np.add.at(use_call, self.call[x], self.cost[x])
        while True:
            excess = use_row - self.room
            over = excess > 0
            if not over.any():
                break
            weight = self.rows_t[:, over] @ (1.0 / excess[over])
            cand = np.flatnonzero(x & (weight > 0))
            j = cand[np.argmin(self.P[cand] / weight[cand])]
            x[j] = False
            use_call[self.call[j]] -= self.cost[j]
            s, e = col.indptr[j], col.indptr[j + 1]
            use_row[col.indices[s:e]] -= col.data[s:e]
        order = np.argsort(-(q / np.maximum(self.cost, 1)), kind="stable")
        for j in order[~x[order] & (self.P[order] > 0)]:
            k = self.call[j]
            if use_call[k] + self.cost[j] > self.budget[k]:
                continue
            s, e = col.indptr[j], col.indptr[j + 1]
            r, a = col.indices[s:e], col.data[s:e]
            if (use_row[r] + a > self.room[r]).any():
                continue
            x[j] = True
            use_call[k] += self.cost[j]
            use_row[r] += a
        return x

    # -- fixing --------------------------------------------------------------------------------
    def losses(self, z, x, q, allowed, cache):
        """Each proposal's exact flip loss (sub-units) where it is ≤ allowed, else a lower
        bound above it; cached between rounds."""
        for k, idx in enumerate(self.calls):
            qk, wk, cap = q[idx], self.cost[idx], int(self.budget[k])
            D, rc = _lp_knapsack(qk, wk, cap)
            arc = np.abs(rc)
            lp_dir = rc > 0
            margin = 2.0 + 1e-9 * abs(D)
            slack = D - z[k] + allowed + margin
            against = x[idx] == lp_dir  # flipping x goes against the LP's direction
            cheap = np.where(against, arc, 0.0)
            for t in np.flatnonzero(cheap <= slack):
                j = int(idx[t])
                known = cache.get(j)
                if known is not None and (known[1] or known[0] > allowed):
                    continue  # exact, or already known to lose more than allowed
                free = arc <= slack - cheap[t]
                free[t] = False
                fixed = ~free & lp_dir
                fixed[t] = False
                base, left = int(qk[fixed].sum()), cap - int(wk[fixed].sum())
                if not x[j]:  # the flip adopts j
                    base += int(qk[t])
                    left -= int(wk[t])
                self.stats["probes"] += 1
                if left < 0:
                    cache[j] = (allowed + 1, False)  # known only to exceed allowed
                    continue
                f = np.flatnonzero(free)
                value, _ = _knapsack(qk[f], wk[f], left, self.deadline, solution=False)
                loss = int(z[k]) - (value + base)
                # a restricted solve is exact up to allowed; beyond, only "more than allowed"
                cache[j] = (loss, True) if loss <= allowed else (allowed + 1, False)
        return cache

    def residual(self, z, x, q, allowed, target, cache):
        """Best solution ≥ target (objective units) among those that lose ≤ allowed
        (sub-units) in every call: ("found", value, x) / ("none",) / ("timeout", value, x)."""
        from scipy import sparse
        from scipy.optimize import Bounds, LinearConstraint, milp

        t = time.perf_counter()
        self.losses(z, x, q, allowed, cache)
        self.stats["probe_seconds"] = self.stats.get("probe_seconds", 0.0) + time.perf_counter() - t
        free = np.array(
            [j for j in range(self.n) if j in cache and cache[j][0] <= allowed], dtype=np.int64
        )
        isfree = np.zeros(self.n, bool)
        isfree[free] = True
        fixed_in = x & ~isfree
        self.stats["residual_rounds"] += 1
        self.stats["residual_free"] = int(free.size)
        used_call = np.zeros(self.C, np.int64)
        np.add.at(used_call, self.call[fixed_in], self.cost[fixed_in])
        room_call = self.budget - used_call
        room_rows = self.room - self.rows @ fixed_in.astype(np.int64)
        base = int(self.P[fixed_in].sum())
        if (room_call < 0).any() or (room_rows < 0).any():
            return ("none",)
        if free.size == 0:
            return ("found", base, fixed_in) if base >= target else ("none",)
        m = free.size
        cols = np.arange(m)
        budget_rows = sparse.csr_matrix(
            (self.cost[free] / _MILLION, (self.call[free], cols)), shape=(self.C, m)
        )
        money = sparse.vstack([budget_rows, self.rows_csc[:, free].astype(float) / _MILLION])
        money_ub = np.concatenate([room_call, room_rows]) / _MILLION
        constraints = [
            LinearConstraint(money, -np.inf, money_ub),
            LinearConstraint(self.P[free][None, :].astype(float), target - base - 0.5, np.inf),
        ]
        # every λ priced gives, per call, Lagrangian profit ≤ the call's knapsack optimum and,
        # for a solution ≥ target, ≥ that optimum less what the bound allows at that λ
        seen = {id(q)}
        for ub_l, z_l, q_l in [(self.priced_best, z, q), *self.priced]:
            if ub_l is None or (q_l is not q and id(q_l) in seen):
                continue
            seen.add(id(q_l))
            slack_l = ub_l - target * _Q
            if slack_l < 0:
                return ("none",)
            q_fixed = np.zeros(self.C)
            np.add.at(q_fixed, self.call[fixed_in], q_l[fixed_in].astype(float))
            cut = sparse.csr_matrix((q_l[free] / _Q, (self.call[free], cols)), shape=(self.C, m))
            hi = (z_l - q_fixed) / _Q
            lo = (z_l - q_fixed - slack_l) / _Q
            tol = 1e-7 * np.maximum(1.0, np.abs(hi))
            constraints.append(LinearConstraint(cut, lo - tol, hi + tol))
        options = {"mip_rel_gap": 0.0, "disp": False}
        left = self._time_left()
        if left <= 0:
            return ("timeout", None, None)
        if np.isfinite(left):
            options["time_limit"] = max(0.05, left)
        t = time.perf_counter()
        res = milp(
            -self.P[free].astype(float),
            integrality=np.ones(m),
            bounds=Bounds(0, 1),
            constraints=constraints,
            options=options,
        )
        self.stats["residual_seconds"] = (
            self.stats.get("residual_seconds", 0.0) + time.perf_counter() - t
        )
        sol = None
        if res.x is not None:
            sol = fixed_in.copy()
            sol[free[res.x > 0.5]] = True
            if not self.feasible(sol):
                sol = None
        if res.status == 0 and sol is not None:
            return ("found", int(self.P[sol].sum()), sol)
        if res.status == 2:  # infeasible: no solution reaches the target
            return ("none",)
        if sol is not None:
            return ("timeout", int(self.P[sol].sum()), sol)
        return ("timeout", None, None)

    # -- the whole block -----------------------------------------------------------------------
    def solve(self):
        """(chosen mask, objective units, upper bound units, proven, message)."""
        t = time.perf_counter()
        ub, z, x, q = self.bound()
        self.priced_best = ub
        self.stats["bound_seconds"] = time.perf_counter() - t
        upper = ub // _Q  # objective units: every selection scores ≤ upper
        best = x if self.feasible(x) else self.repair(x, q)
        low = int(self.P[best].sum())
        self.stats["lagrangian_bound"] = ub / _Q
        self.stats["first_incumbent"] = low
        cache: dict = {}
        step = _FIRST_LOSS
        while low < upper:
            if self.rel_gap > 0 and upper - low <= self.rel_gap * max(abs(upper), 1):
                return best, low, upper, True, f"within the relative gap {self.rel_gap:g}"
            # look within `step` of the bound first, or straight above the incumbent if it is
            # nearly as close
            target = low + 1 if upper - low <= 2 * step else upper - step
            allowed = ub - target * _Q  # sub-units a solution ≥ target can lose in all
            try:
                out = self.residual(z, x, q, allowed, target, cache)
            except _Unproven:  # a probe's knapsack ran out of time: keep what is proven
                out = ("timeout", None, None)
            if out[0] == "found":
                value, sol = out[1], out[2]
                if value > low:
                    best, low = sol, value
                return best, low, low, True, "optimal"
            if out[0] == "none":
                upper = target - 1
            else:
                if out[1] is not None and out[1] > low:
                    best, low = out[2], out[1]
                return best, low, upper, False, "time limit reached"
            step *= 2
        return best, low, upper, True, "optimal"


def _solve_block_exact(idx, P, cost, call_local, budget, rows, room, deadline, rel_gap):
    block = _Block(P[idx], cost[idx], call_local, budget, rows, room, deadline, rel_gap)
    chosen, low, upper, proven, message = block.solve()
    return idx[chosen], low, upper, proven, message, block.stats


def _solve_block_highs(idx, s, cost, call_local, budget, rows, room, mip_rel_gap, deadline):
    """One block as a plain MILP for HiGHS: (picked, objective, dual bound, proven, message)."""
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    m = idx.size
    budget_rows = sparse.csr_matrix(
        (cost[idx] / _MILLION, (call_local, np.arange(m))), shape=(budget.size, m)
    )
    A = sparse.vstack([budget_rows, rows.astype(float) / _MILLION]).tocsr()
    rhs = np.concatenate([budget, room]) / _MILLION
    options = {"mip_rel_gap": float(mip_rel_gap), "disp": False}
    if deadline is not None:
        options["time_limit"] = max(0.1, deadline - time.perf_counter())
    res = milp(
        -s[idx],
        integrality=np.ones(m),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(A, -np.inf, rhs),
        options=options,
    )
    if res.x is None:
        if res.status != 1:  # 1: a time or node limit, before any selection was found
            raise AdoptionError(f"HiGHS found no selection: {res.message}")
        return idx[:0], 0.0, float(np.abs(s[idx]).sum()), False, str(res.message)
    picked = idx[res.x > 0.5]
    objective = float(s[picked].sum())
    dual = -float(res.mip_dual_bound) if res.mip_dual_bound is not None else float("inf")
    gap = float(res.mip_gap) if res.mip_gap is not None else float("inf")
    proven = res.status == 0 and gap <= max(mip_rel_gap, 1e-9) + 1e-12
    return picked, objective, max(dual, objective), proven, str(res.message)


# ---------------------------------------------------------------------------------------------


def choose_adoptions(
    scores,
    costs_yen,
    call_of,
    call_budgets_yen,
    theme_of=None,
    theme_caps_yen=None,
    caps_yen=None,
    forced_in: Sequence[int] = (),
    forced_out: Sequence[int] = (),
    min_score: float | None = None,
    *,
    pools: Sequence[Pool] = (),
    time_limit: float | None = 60.0,
    mip_rel_gap: float = 0.0,
    proposal_ids: Sequence | None = None,
    call_ids: Sequence | None = None,
    theme_ids: Sequence | None = None,
) -> Adoption:
    """The adopted set of largest total score within the budgets (see the module docstring).

    scores: float per proposal; costs_yen: int per proposal; call_of: call index per proposal;
    call_budgets_yen: int per call; theme_of: theme index per proposal (optional);
    theme_caps_yen: int per theme, None or negative for no cap; caps_yen: per-proposal cap;
    pools: pooled caps (``Pool``), each over its members counted with their own amounts.
    """
    t0 = time.perf_counter()
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    n = s.size
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    cost = _int_array(costs_yen, "costs_yen", n)
    if (cost < 0).any():
        raise ValueError(
            f"proposal {_name(proposal_ids, int(np.argmax(cost < 0)))} has a negative cost"
        )
    if int(cost.astype(object).sum()) >= _INT_LIMIT:
        raise ValueError("costs_yen add up to 2^62 yen or more")
    call = _int_array(call_of, "call_of", n)
    budget = _int_array(call_budgets_yen, "call_budgets_yen")
    C = budget.size
    if n and (call.min() < 0 or call.max() >= C):
        raise ValueError("call_of refers to a call without a budget")
    if (budget < 0).any():
        raise ValueError("a call budget is negative")
    if theme_of is not None:
        theme = _int_array(theme_of, "theme_of", n)
        T = int(theme.max(initial=-1)) + 1
        if theme_caps_yen is not None:
            raw = list(theme_caps_yen)
            T = max(T, len(raw))
            if n and theme.max() >= len(raw):
                raise ValueError("theme_of refers to a theme without an entry in theme_caps_yen")
            tcap = np.array([-1 if v is None else int(v) for v in raw], dtype=np.int64)
            if tcap.size < T:
                tcap = np.concatenate([tcap, np.full(T - tcap.size, -1, np.int64)])
        else:
            tcap = np.full(T, -1, np.int64)
        if n and theme.min() < 0:
            raise ValueError("theme_of must be non-negative")
    else:
        if theme_caps_yen is not None:
            raise ValueError("theme_caps_yen needs theme_of")
        theme, tcap, T = None, None, 0
    cap = None if caps_yen is None else _int_array(caps_yen, "caps_yen", n)
    pools = list(pools)
    for pool in pools:
        if not isinstance(pool, Pool):
            raise ValueError("pools must be Pool objects")
    keys = [p.key for p in pools]
    if len(set(keys)) != len(keys):
        raise ValueError("two pools have the same key")
    rows = _build_rows(n, cost, theme, tcap, theme_ids, pools)

    fin = np.unique(np.asarray(list(forced_in), dtype=np.int64))
    fout = np.unique(np.asarray(list(forced_out), dtype=np.int64))
    for arr, label in ((fin, "forced_in"), (fout, "forced_out")):
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            raise ValueError(f"{label} has an index outside 0..{n - 1}")
    both = np.intersect1d(fin, fout)
    if both.size:
        raise AdoptionInfeasible(
            f"proposal {_name(proposal_ids, int(both[0]))} is both forced in and forced out"
        )

    eligible = np.ones(n, dtype=bool)
    if cap is not None:
        over = cost > cap
        bad = np.intersect1d(fin, np.flatnonzero(over))
        if bad.size:
            i = int(bad[0])
            raise AdoptionInfeasible(
                f"forced-in proposal {_name(proposal_ids, i)} costs {cost[i]:,} yen, above its "
                f"cap of {cap[i]:,} yen"
            )
        eligible &= ~over
    if min_score is not None:
        eligible &= s >= min_score
    eligible[fout] = False
    eligible[fin] = False  # decided already
    forced = np.zeros(n, dtype=bool)
    forced[fin] = True

    # what the forced-in proposals use up, in exact yen
    used_call = np.zeros(C, np.int64)
    np.add.at(used_call, call[forced], cost[forced])
    over = np.flatnonzero(used_call > budget)
    if over.size:
        c = int(over[0])
        raise AdoptionInfeasible(
            f"the forced-in proposals of call {_name(call_ids, c)} cost {used_call[c]:,} yen, "
            f"above its budget of {budget[c]:,} yen"
        )
    used_rows = rows.matrix @ forced.astype(np.int64)
    over = np.flatnonzero(used_rows > rows.caps)
    if over.size:
        r = int(over[0])
        if rows.kinds[r] == "theme":
            raise AdoptionInfeasible(
                f"the forced-in proposals of theme {rows.names[r]} cost {used_rows[r]:,} yen, "
                f"above its cap of {rows.caps[r]:,} yen"
            )
        raise AdoptionInfeasible(
            f"the forced-in proposals of pool {rows.names[r]} count {used_rows[r]:,} yen "
            f"against it, above its cap of {rows.caps[r]:,} yen"
        )
    # a proposal that alone exceeds what is left of its call, theme or pool can never be
    # adopted; a proposal with a non-positive score adds nothing (it is left out)
    room_call = budget - used_call
    room_rows = rows.caps - used_rows
    eligible &= cost <= room_call[call]
    coo = rows.matrix.tocoo()
    too_big = coo.col[coo.data > room_rows[coo.row]]
    eligible[too_big] = False
    eligible &= s > 0

    var = np.flatnonzero(eligible)
    stats: dict = {"variables": int(var.size)}
    x = np.zeros(n, dtype=bool)
    x[fin] = True
    status, proven, gap = "no free proposal", True, 0.0
    if var.size:
        rows_var = rows.matrix[:, var]
        touching = np.flatnonzero(np.diff(rows_var.tocsr().indptr) > 0)
        comp = _components(C, call[var], rows_var)
        block_calls = [np.flatnonzero(comp == g) for g in np.unique(comp[call[var]])]
        stats["blocks"] = len(block_calls)
        deadline = None if time_limit is None else time.perf_counter() + time_limit
        decimals = _decimal_scale(s[var])
        stats["score_decimals"] = decimals
        P = None
        if decimals is not None:
            P = np.rint(s * 10.0**decimals).astype(np.int64)
            if int(np.abs(P[var]).astype(object).sum()) * _Q >= _INT_LIMIT:
                P = None
        unit = 1.0 if P is None else 10.0**decimals

        def solve(calls_in_block):
            local = np.full(C, -1, np.int64)
            local[calls_in_block] = np.arange(calls_in_block.size)
            cols = np.flatnonzero(np.isin(call[var], calls_in_block))
            idx = var[cols]
            call_local = local[call[idx]]
            sub = rows_var[:, cols].tocsr()
            used = touching[np.diff(sub.indptr)[touching] > 0]
            sub, room_sub, room_c = sub[used], room_rows[used], room_call[calls_in_block]
            if P is not None:
                try:
                    picked, low, upper, ok, message, bstats = _solve_block_exact(
                        idx, P, cost, call_local, room_c, sub, room_sub, deadline, mip_rel_gap
                    )
                    return picked, low / unit, upper / unit, ok, message, bstats
                except _Unproven:
                    pass
            picked, obj, dual, ok, message = _solve_block_highs(
                idx, s, cost, call_local, room_c, sub, room_sub, mip_rel_gap, deadline
            )
            return picked, obj, dual, ok, message, {"highs": True}

        t = time.perf_counter()
        results = [solve(b) for b in block_calls]
        stats["solve_seconds"] = time.perf_counter() - t
        objective = bound = 0.0
        messages = set()
        proven = True
        for picked, obj, dual, ok, message, _bstats in results:
            x[picked] = True
            objective += obj
            bound += dual
            proven &= ok
            messages.add(message)
        stats["block_stats"] = [r[5] for r in results]
        status = "; ".join(sorted(messages))
        gap = max(0.0, bound - objective) / max(abs(bound), 1e-12)
        if proven and mip_rel_gap == 0:
            gap = 0.0
        stats["dual_bound"] = bound

    chosen = np.flatnonzero(x)
    spend_call = np.zeros(C, np.int64)
    np.add.at(spend_call, call[chosen], cost[chosen])
    bad = np.flatnonzero(spend_call > budget)
    if bad.size:
        c = int(bad[0])
        raise AdoptionError(
            f"the selection spends {spend_call[c]:,} yen in call {_name(call_ids, c)}, above its "
            f"budget of {budget[c]:,} yen"
        )
    spend_theme = None
    if theme is not None:
        spend_theme = np.zeros(T, np.int64)
        np.add.at(spend_theme, theme[chosen], cost[chosen])
    spend_rows = rows.matrix @ x.astype(np.int64)
    bad = np.flatnonzero(spend_rows > rows.caps)
    if bad.size:
        r = int(bad[0])
        if rows.kinds[r] == "theme":
            raise AdoptionError(
                f"the selection spends {spend_rows[r]:,} yen in theme {rows.names[r]}, "
                f"above its cap of {rows.caps[r]:,} yen"
            )
        raise AdoptionError(
            f"the selection counts {spend_rows[r]:,} yen against pool {rows.names[r]}, "
            f"above its cap of {rows.caps[r]:,} yen"
        )
    if cap is not None and (cost[chosen] > cap[chosen]).any():
        raise AdoptionError("the selection adopts a proposal above its cap")
    if np.intersect1d(chosen, fout).size or np.setdiff1d(fin, chosen).size:
        raise AdoptionError("the selection breaks a staff override")
    spend_pool = {
        rows.names[r]: int(spend_rows[r]) for r in range(len(rows.kinds)) if rows.kinds[r] == "pool"
    }
    return Adoption(
        chosen=chosen,
        total_score=float(s[chosen].sum()),
        spend_per_call=spend_call,
        proven_optimal=bool(proven),
        mip_gap=gap,
        seconds=time.perf_counter() - t0,
        spend_per_theme=spend_theme,
        eligible=int(var.size),
        status=status,
        stats=stats,
        spend_per_pool=spend_pool,
    )
