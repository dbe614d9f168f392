"""Reviewer assignment: exact optimum against brute force and an independent MILP oracle."""

import itertools

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from kikin.solvers.assignment import SCORE_SCALE, AssignmentInfeasible, assign

# ---------------------------------------------------------------------------------------------
# oracles


def brute_force(S, conflict, k, lo, hi):
    """(best total, (best min, best total at that min)) by enumerating every assignment."""
    P, R = S.shape
    options = [
        [c for c in itertools.combinations(range(R), k) if not conflict[p, list(c)].any()]
        for p in range(P)
    ]
    if any(not o for o in options):
        return None, None
    sums = [np.array([S[p, list(c)].sum() for c in o]) for p, o in enumerate(options)]
    loadvec = [np.array([np.isin(np.arange(R), c) for c in o], dtype=np.int64) for o in options]
    sizes = [len(o) for o in options]
    grid = np.indices(sizes).reshape(P, -1).T  # every combination of options
    totals = np.zeros(grid.shape[0])
    mins = np.full(grid.shape[0], np.inf)
    loads = np.zeros((grid.shape[0], R), dtype=np.int64)
    for p in range(P):
        totals += sums[p][grid[:, p]]
        mins = np.minimum(mins, sums[p][grid[:, p]])
        loads += loadvec[p][grid[:, p]]
    ok = ((loads >= lo) & (loads <= hi)).all(axis=1)
    if not ok.any():
        return None, None
    totals, mins = totals[ok], mins[ok]
    best_min = mins.max()
    return totals.max(), (best_min, totals[mins >= best_min - 1e-9].max())


def milp_oracle(S, conflict, k, lo, hi):
    """The maximum total by scipy's MILP on the full graph (independent of the flow code)."""
    P, R = S.shape
    p, r = np.nonzero(~conflict)
    n = p.size
    A = sparse.vstack(
        [
            sparse.csr_matrix((np.ones(n), (p, np.arange(n))), shape=(P, n)),
            sparse.csr_matrix((np.ones(n), (r, np.arange(n))), shape=(R, n)),
        ]
    )
    lb = np.concatenate([np.full(P, k), np.full(R, lo)])
    ub = np.concatenate([np.full(P, k), np.full(R, hi)])
    res = milp(
        -S[p, r].astype(float),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(A, lb, ub),
        options={"mip_rel_gap": 0},
    )
    return None if res.x is None else -res.fun


def check_constraints(a, S, conflict, k, lo, hi):
    P, R = S.shape
    p, r = a.pairs[:, 0], a.pairs[:, 1]
    assert not conflict[p, r].any()
    assert np.unique(p * R + r).size == p.size
    assert (np.bincount(p, minlength=P) == k).all()
    loads = np.bincount(r, minlength=R)
    assert loads.min() >= lo and loads.max() <= hi
    # the reported figures are those of the pairs
    per = np.bincount(p, weights=np.asarray(S, float)[p, r], minlength=P)
    assert a.total_score == pytest.approx(per.sum(), abs=1e-6)
    assert a.min_proposal_score == pytest.approx(per.min(), abs=1e-6)
    assert list(map(tuple, a.pairs)) == sorted(map(tuple, a.pairs.tolist()))


def random_small(rng):
    P = int(rng.integers(4, 7))
    R = int(rng.integers(3, 6))
    k = int(rng.integers(1, 3))
    lo = int(rng.integers(0, 2))
    hi = int(rng.integers(max(lo, 1), 4))
    if rng.random() < 0.5:
        S = rng.integers(0, 10, (P, R))
    else:
        S = np.round(rng.random((P, R)), 6)
    S[rng.random((P, R)) < 0.2] = 0  # missing pairs
    conflict = rng.random((P, R)) < 0.15
    return S, conflict, k, lo, hi


# ---------------------------------------------------------------------------------------------
# optimality


def test_total_matches_brute_force_on_many_small_instances():
    rng = np.random.default_rng(1)
    solved = infeasible = 0
    for _ in range(150):
        S, conflict, k, lo, hi = random_small(rng)
        best, _ = brute_force(S, conflict, k, lo, hi)
        for K in (None, 1, 0):  # automatic, top-k only (certificate must repair), full graph
            if best is None:
                with pytest.raises(AssignmentInfeasible):
                    assign(S, conflict, k, lo, hi, candidates_per_proposal=K)
                continue
            a = assign(S, conflict, k, lo, hi, candidates_per_proposal=K)
            assert a.proven_optimal
            assert a.total_score == pytest.approx(best, abs=1e-9), (S, conflict, k, lo, hi, K)
            check_constraints(a, S, conflict, k, lo, hi)
        if best is None:
            infeasible += 1
        else:
            solved += 1
    assert solved > 60 and infeasible > 5  # both kinds were exercised


def test_fair_matches_brute_force_max_min_then_total():
    rng = np.random.default_rng(2)
    checked = 0
    through_milp = 0
    for _ in range(120):
        S, conflict, k, lo, hi = random_small(rng)
        best, lexi = brute_force(S, conflict, k, lo, hi)
        if best is None:
            continue
        for K in (None, 1):
            a = assign(S, conflict, k, lo, hi, fair=True, candidates_per_proposal=K)
            assert a.proven_optimal
            assert a.min_proposal_score == pytest.approx(lexi[0], abs=1e-9)
            assert a.total_score == pytest.approx(lexi[1], abs=1e-9)
            check_constraints(a, S, conflict, k, lo, hi)
            through_milp += any(key.endswith("_milp") for key in a.stats)
        checked += 1
    assert checked > 60
    assert through_milp > 0  # not every case was settled by the shortcuts


def test_fair_when_the_best_reviewer_cannot_serve_every_weak_proposal():
    # two weak proposals both need reviewer 0, who can take only one: the max-min is below
    # either proposal's own best, so the MILP and its certificate decide it
    S = np.array(
        [
            [9, 1, 1, 0, 0],
            [9, 1, 1, 0, 0],
            [5, 5, 5, 5, 5],
            [5, 5, 5, 5, 5],
        ]
    )
    best, lexi = brute_force(S, np.zeros_like(S, bool), 2, 0, 2)
    a = assign(S, None, 2, 0, 2, fair=True, candidates_per_proposal=2)
    assert a.proven_optimal
    assert (a.min_proposal_score, a.total_score) == pytest.approx(lexi)
    plain = assign(S, None, 2, 0, 2)
    assert plain.total_score == best
    assert plain.min_proposal_score <= a.min_proposal_score


def test_total_matches_milp_oracle_on_medium_instances():
    rng = np.random.default_rng(3)
    for _ in range(12):
        P, R = int(rng.integers(20, 60)), int(rng.integers(8, 25))
        k = int(rng.integers(1, 4))
        hi = int(np.ceil(P * k / R)) + int(rng.integers(0, 3))
        lo = int(rng.integers(0, max(1, P * k // R)))
        S = np.round(rng.random((P, R)) ** 2, 6)
        conflict = rng.random((P, R)) < 0.1
        expected = milp_oracle(S, conflict, k, lo, hi)
        if expected is None:
            with pytest.raises(AssignmentInfeasible):
                assign(S, conflict, k, lo, hi)
            continue
        for K in (None, k):
            a = assign(S, conflict, k, lo, hi, candidates_per_proposal=K)
            assert a.proven_optimal
            assert a.total_score == pytest.approx(expected, abs=1e-6)
            check_constraints(a, S, conflict, k, lo, hi)


def test_large_instance_meets_every_constraint_and_top_k_equals_full_graph():
    rng = np.random.default_rng(4)
    P, R, k, lo, hi = 500, 200, 3, 2, 10
    # topic-like affinities with popular reviewers: the top-k lists collide
    topics = rng.dirichlet(np.full(12, 0.2), P)
    expertise = rng.dirichlet(np.full(12, 0.2), R)
    S = np.round(topics @ expertise.T + 0.05 * rng.random((P, R)), 6)
    conflict = rng.random((P, R)) < 0.05
    a = assign(S, conflict, k, lo, hi)
    full = assign(S, conflict, k, lo, hi, candidates_per_proposal=0)
    assert a.proven_optimal and full.proven_optimal
    check_constraints(a, S, conflict, k, lo, hi)
    check_constraints(full, S, conflict, k, lo, hi)
    assert a.total_score_scaled == full.total_score_scaled
    assert a.stats["candidate_arcs"] < full.stats["candidate_arcs"]


def test_certificate_adds_the_arcs_the_top_k_lacked():
    # every proposal ranks the same few reviewers first, and they fill up: the optimum needs
    # arcs outside each proposal's top-k, which only the reduced-cost check can find
    rng = np.random.default_rng(5)
    P, R, k = 120, 40, 2
    S = np.round(np.linspace(1.0, 0.2, R)[None, :] + 0.01 * rng.random((P, R)), 6)
    a = assign(S, None, k, 0, 6, candidates_per_proposal=k)
    full = assign(S, None, k, 0, 6, candidates_per_proposal=0)
    assert a.proven_optimal
    assert a.stats["rounds"] > 1
    assert a.total_score_scaled == full.total_score_scaled
    assert a.total_score == pytest.approx(milp_oracle(S, np.zeros((P, R), bool), k, 0, 6))


# ---------------------------------------------------------------------------------------------
# inputs


def test_decimal_scores_are_counted_exactly_in_millionths():
    S = np.array([[0.000001, 0.1], [0.3, 0.2]])
    a = assign(S, None, 1, 0, 1)
    assert a.score_scale == SCORE_SCALE and not a.scores_rounded
    assert a.total_score_scaled == 400_000  # 0.1 + 0.3, no float drift
    b = assign(np.array([[0.1234567, 0.0], [0.0, 1.0]]), None, 1, 0, 1)
    assert b.scores_rounded
    c = assign(np.array([[3, 1], [2, 5]]), None, 1, 0, 1)
    assert c.score_scale == 1 and c.total_score_scaled == 8


def test_conflicts_accept_mask_index_arrays_and_pairs():
    rng = np.random.default_rng(6)
    S = rng.integers(0, 9, (6, 5))
    mask = np.zeros((6, 5), bool)
    mask[[0, 1, 2, 3], [0, 1, 2, 3]] = True
    p, r = np.nonzero(mask)
    results = {
        assign(S, c, 2, 0, 3).total_score
        for c in (mask, (p, r), np.stack([p, r], axis=1), [p.tolist(), r.tolist()])
    }
    assert len(results) == 1
    a = assign(S, mask, 2, 0, 3)
    assert not mask[a.pairs[:, 0], a.pairs[:, 1]].any()


def test_no_proposals_is_an_empty_assignment():
    a = assign(np.zeros((0, 3)), None, 2, 0, 5)
    assert a.pairs.shape == (0, 2) and a.total_score == 0 and a.proven_optimal


# ---------------------------------------------------------------------------------------------
# infeasibility names the constraint


def test_demand_above_capacity():
    with pytest.raises(
        AssignmentInfeasible,
        match=r"total demand 5×3=15 exceeds total reviewer "
        r"capacity 4×3=12",
    ):
        assign(np.ones((5, 4)), None, 3, 0, 3)


def test_demand_below_total_minimum_load():
    with pytest.raises(AssignmentInfeasible, match=r"less than the total minimum load 4×2=8"):
        assign(np.ones((3, 4)), None, 2, 2, 5)


def test_proposal_with_too_few_reviewers_without_conflict_is_named():
    conflict = np.zeros((3, 4), bool)
    conflict[1, :3] = True
    with pytest.raises(
        AssignmentInfeasible,
        match=r"per_proposal=2 but proposal P-17 has only 1 reviewers without a conflict",
    ):
        assign(np.ones((3, 4)), conflict, 2, 0, 3, proposal_ids=["P-1", "P-17", "P-3"])


def test_reviewer_below_min_load_is_named():
    conflict = np.zeros((4, 3), bool)
    conflict[:, 2] = True
    conflict[0, 2] = False
    with pytest.raises(AssignmentInfeasible, match=r"min_load=2 but reviewer R-c has only 1"):
        assign(np.ones((4, 3)), conflict, 2, 2, 4, reviewer_ids=["R-a", "R-b", "R-c"])


def test_bad_loads():
    with pytest.raises(AssignmentInfeasible, match=r"max_load=1 is less than min_load=2"):
        assign(np.ones((2, 2)), None, 1, 2, 1)
    with pytest.raises(AssignmentInfeasible, match=r"min_load=-1 is negative"):
        assign(np.ones((2, 2)), None, 1, -1, 1)


def test_loads_that_cannot_be_met_with_the_conflicts():
    # each proposal has a reviewer without conflict, capacity suffices in total, but both
    # proposals can only go to reviewer 0, who takes one
    conflict = np.array([[False, True], [False, True]])
    with pytest.raises(
        AssignmentInfeasible,
        match=r"loads .* cannot be met together with the "
        r"conflicts",
    ):
        assign(np.ones((2, 2)), conflict, 1, 0, 1)
