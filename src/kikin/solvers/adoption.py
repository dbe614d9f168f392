"""Budget-constrained adoption: which proposals to fund, as a 0-1 MILP solved with HiGHS.

Maximise the total score of the adopted proposals subject to

* each call's adopted cost ≤ its budget (``call_budgets_yen``),
* optionally each theme's adopted cost ≤ its cap (``theme_caps_yen``; a theme spans calls),
* a proposal whose cost exceeds its own cap (``caps_yen``) is not eligible,
* a proposal scoring below ``min_score`` is not eligible,
* staff overrides: ``forced_in`` proposals are adopted (even below ``min_score``: that is what
  an override is for; never above their cap or a budget), ``forced_out`` ones are not.

Money is integer yen throughout.  HiGHS sees the cost rows in millions of yen as float64 (every
amount is far below 2^53 yen, so the conversion is exact enough); the result is then checked in
exact integers against every budget and cap, and a violation raises ``AdoptionError`` instead of
being returned.

The matrix is built with NumPy/SciPy sparse and handed to HiGHS in one call.  HiGHS is reached
through ``scipy.optimize.milp`` (HiGHS 1.12 bundled in SciPy), not ``highspy``: highspy 1.15 and
OR-Tools 9.15 both ship a ``libhighs.so.1`` of different versions under the same SONAME, so once
one is loaded in a process the other fails to import, and the web process also runs the OR-Tools
reviewer assignment.  ``mip_rel_gap`` defaults to 0: HiGHS stops only when its dual bound meets
the incumbent (within its absolute gap of 1e-6), and ``proven_optimal`` says whether it did before
``time_limit``.

This module imports no Django.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

__all__ = ["Adoption", "AdoptionError", "AdoptionInfeasible", "choose_adoptions"]

_MILLION = 1_000_000.0


class AdoptionInfeasible(ValueError):
    """The overrides cannot be honoured; the message names the budget or cap they break."""


class AdoptionError(RuntimeError):
    """The solver returned a selection that breaks a budget in exact yen (never returned)."""


@dataclass(frozen=True)
class Adoption:
    chosen: np.ndarray  # sorted proposal indices
    total_score: float
    spend_per_call: np.ndarray  # int64 yen, one per call
    proven_optimal: bool
    mip_gap: float  # HiGHS's relative gap at the end (0.0 when proven)
    seconds: float
    spend_per_theme: np.ndarray | None = None  # int64 yen per theme, when themes are given
    eligible: int = 0  # proposals that took part in the MILP (besides the forced ones)
    status: str = ""
    stats: dict = field(default_factory=dict)


def _int_array(values, name: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(values)
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


def _components(C: int, n_rows: int, row_call: np.ndarray, capped_rows) -> np.ndarray:
    """Block of each row: calls linked by a capped theme that spans them share a block."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    if capped_rows is None:
        return np.arange(n_rows)
    k = capped_rows >= 0
    g = sparse.coo_matrix(
        (np.ones(int(k.sum())), (row_call[k], capped_rows[k])), shape=(n_rows, n_rows)
    )
    return connected_components(g, directed=False)[1]


def _solve_block(idx, rows_call, rows_theme, rhs, s, cost, mip_rel_gap, deadline):
    """One independent block: (picked indices, objective, dual bound, proven, message)."""
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    m = idx.size
    cols = np.arange(m)
    r = [rows_call]
    c = [cols]
    if rows_theme is not None:
        k = rows_theme >= 0
        r.append(rows_theme[k])
        c.append(cols[k])
    r, c = np.concatenate(r), np.concatenate(c)
    used_rows, local = np.unique(r, return_inverse=True)
    cm = cost[idx] / _MILLION
    A = sparse.csr_matrix((cm[c], (local, c)), shape=(used_rows.size, m))
    options = {"mip_rel_gap": float(mip_rel_gap), "disp": False}
    if deadline is not None:
        options["time_limit"] = max(0.1, deadline - time.perf_counter())
    res = milp(
        -s[idx],
        integrality=np.ones(m),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(A, -np.inf, rhs[used_rows] / _MILLION),
        options=options,
    )
    if res.x is None:
        raise AdoptionError(f"HiGHS found no selection: {res.message}")
    picked = idx[res.x > 0.5]
    objective = float(s[picked].sum())
    dual = -float(res.mip_dual_bound) if res.mip_dual_bound is not None else float("inf")
    gap = float(res.mip_gap) if res.mip_gap is not None else float("inf")
    proven = res.status == 0 and gap <= max(mip_rel_gap, 1e-9) + 1e-12
    return picked, objective, max(dual, objective), proven, str(res.message)


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
    time_limit: float | None = 60.0,
    mip_rel_gap: float = 0.0,
    proposal_ids: Sequence | None = None,
    call_ids: Sequence | None = None,
    theme_ids: Sequence | None = None,
) -> Adoption:
    """The adopted set of largest total score within the budgets (see the module docstring).

    scores: float per proposal; costs_yen: int per proposal; call_of: call index per proposal;
    call_budgets_yen: int per call; theme_of: theme index per proposal (optional);
    theme_caps_yen: int per theme, None or negative for no cap; caps_yen: per-proposal cap.
    """
    t0 = time.perf_counter()
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    n = s.size
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    cost = _int_array(costs_yen, "costs_yen", n)
    if (cost < 0).any():
        raise ValueError(f"proposal {_name(proposal_ids, int(np.argmax(cost < 0)))} has a negative cost")
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
    used_theme = None
    if theme is not None:
        used_theme = np.zeros(T, np.int64)
        np.add.at(used_theme, theme[forced], cost[forced])
        capped = tcap >= 0
        over = np.flatnonzero(capped & (used_theme > tcap))
        if over.size:
            t = int(over[0])
            raise AdoptionInfeasible(
                f"the forced-in proposals of theme {_name(theme_ids, t)} cost "
                f"{used_theme[t]:,} yen, above its cap of {tcap[t]:,} yen"
            )
    # a proposal that alone exceeds what is left of its call or theme can never be adopted;
    # so can a proposal with a non-positive score add nothing (it is left out)
    room_call = budget - used_call
    eligible &= cost <= room_call[call]
    if theme is not None:
        room_theme = np.where(tcap >= 0, tcap - used_theme, np.iinfo(np.int64).max)
        eligible &= cost <= room_theme[theme]
    eligible &= s > 0

    var = np.flatnonzero(eligible)
    stats: dict = {"variables": int(var.size)}
    x = np.zeros(n, dtype=bool)
    x[fin] = True
    status, proven, gap = "no free proposal", True, 0.0
    if var.size:
        # rows: one per call, one per capped theme; independent blocks are solved apart
        row_call = call[var]
        capped_rows = None
        if theme is not None and (tcap >= 0).any():
            ct = np.flatnonzero(tcap >= 0)
            row_of = np.full(T, -1, np.int64)
            row_of[ct] = C + np.arange(ct.size)
            capped_rows = row_of[theme[var]]
            rhs = np.concatenate([room_call, tcap[ct] - used_theme[ct]])
        else:
            rhs = room_call.copy()
        comp = _components(C, rhs.size, row_call, capped_rows)
        groups = [np.flatnonzero(comp[row_call] == g) for g in np.unique(comp[row_call])]
        stats["blocks"] = len(groups)
        deadline = None if time_limit is None else time.perf_counter() + time_limit

        def solve(cols):
            return _solve_block(var[cols], row_call[cols],
                                None if capped_rows is None else capped_rows[cols],
                                rhs, s, cost, mip_rel_gap, deadline)

        t = time.perf_counter()
        workers = min(len(groups), os.cpu_count() or 1)
        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:  # HiGHS releases the GIL while it runs
                results = list(pool.map(solve, groups))
        else:
            results = [solve(g) for g in groups]
        stats["milp_seconds"] = time.perf_counter() - t
        objective = bound = 0.0
        messages = set()
        proven = True
        for picked, obj, dual, ok, message in results:
            x[picked] = True
            objective += obj
            bound += dual
            proven &= ok
            messages.add(message)
        status = "; ".join(sorted(messages))
        gap = 0.0 if proven else abs(bound - objective) / max(abs(bound), 1e-12)
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
        bad = np.flatnonzero((tcap >= 0) & (spend_theme > tcap))
        if bad.size:
            t = int(bad[0])
            raise AdoptionError(
                f"the selection spends {spend_theme[t]:,} yen in theme {_name(theme_ids, t)}, "
                f"above its cap of {tcap[t]:,} yen"
            )
    if cap is not None and (cost[chosen] > cap[chosen]).any():
        raise AdoptionError("the selection adopts a proposal above its cap")
    if np.intersect1d(chosen, fout).size or np.setdiff1d(fin, chosen).size:
        raise AdoptionError("the selection breaks a staff override")
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
    )
