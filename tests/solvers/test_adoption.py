"""Budget-constrained adoption against brute force; overrides; budgets and pools in exact yen."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kikin.solvers.adoption as adoption
from kikin.solvers.adoption import (
    AdoptionError,
    AdoptionInfeasible,
    Pool,
    choose_adoptions,
)


def brute_force(
    scores,
    costs,
    call,
    budgets,
    theme,
    theme_caps,
    caps,
    forced_in,
    forced_out,
    min_score,
    pools=(),
):
    """Best total score over every subset (n ≤ 15), in exact integer yen."""
    n = len(scores)
    subsets = ((np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    ok = np.ones(len(subsets), bool)
    for pool in pools:  # Python ints: no overflow, no float
        counted = [0] * n
        for i, a in zip(pool.members.tolist(), pool.amounts_yen.tolist(), strict=True):
            counted[i] = a
        counted = np.asarray(counted, dtype=object)
        spend = np.array([sum(counted[sub]) for sub in subsets], dtype=object)
        ok &= spend <= pool.cap_yen
    costs = np.asarray(costs, dtype=object)
    for c, budget in enumerate(budgets):
        spend = np.array([sum(costs[s & (call == c)]) for s in subsets], dtype=object)
        ok &= spend <= budget
    if theme is not None:
        for t, cap in enumerate(theme_caps):
            if cap is None:
                continue
            spend = np.array([sum(costs[s & (theme == t)]) for s in subsets], dtype=object)
            ok &= spend <= cap
    if caps is not None:
        ok &= ~(subsets & (np.asarray(costs > caps, bool))[None, :]).any(axis=1)
    if min_score is not None:
        below = np.asarray(scores) < min_score
        below[list(forced_in)] = False
        ok &= ~(subsets & below[None, :]).any(axis=1)
    for i in forced_in:
        ok &= subsets[:, i]
    for i in forced_out:
        ok &= ~subsets[:, i]
    if not ok.any():
        return None
    return (subsets[ok] * np.asarray(scores)[None, :]).sum(axis=1).max()


def random_instance(rng, n):
    C = int(rng.integers(1, 4))
    T = int(rng.integers(1, 4))
    costs = rng.integers(100, 3000, n) * 1_000_000 + rng.integers(0, 1000, n)  # odd yen
    call = rng.integers(0, C, n)
    theme = rng.integers(0, T, n)
    demand = np.bincount(call, weights=costs, minlength=C)
    budgets = [int(d * rng.uniform(0.2, 0.6)) for d in demand]
    tdemand = np.bincount(theme, weights=costs, minlength=T)
    theme_caps = [None if rng.random() < 0.3 else int(d * rng.uniform(0.3, 0.8)) for d in tdemand]
    caps = rng.integers(500, 3500, n) * 1_000_000 if rng.random() < 0.5 else None
    scores = np.round(rng.uniform(0.5, 5, n), 3) if rng.random() < 0.5 else rng.integers(1, 6, n)
    return scores, costs, call, budgets, theme, theme_caps, caps


def check(a, scores, costs, call, budgets, theme, theme_caps, caps, forced_in, forced_out):
    chosen = a.chosen.tolist()
    for c, b in enumerate(budgets):
        spent = sum(int(costs[i]) for i in chosen if call[i] == c)
        assert spent <= b
        assert int(a.spend_per_call[c]) == spent
    if theme is not None:
        for t, cap in enumerate(theme_caps):
            spent = sum(int(costs[i]) for i in chosen if theme[i] == t)
            if cap is not None:
                assert spent <= cap
    if caps is not None:
        assert all(costs[i] <= caps[i] for i in chosen)
    assert set(forced_in) <= set(chosen)
    assert not set(forced_out) & set(chosen)
    assert a.total_score == pytest.approx(float(np.asarray(scores, float)[chosen].sum()))


def test_matches_brute_force_on_small_instances():
    rng = np.random.default_rng(11)
    seen = 0
    for _ in range(120):
        n = int(rng.integers(4, 13))
        scores, costs, call, budgets, theme, theme_caps, caps = random_instance(rng, n)
        forced_in = list(rng.choice(n, int(rng.integers(0, 2)), replace=False))
        rest = [i for i in range(n) if i not in forced_in]
        forced_out = list(rng.choice(rest, int(rng.integers(0, 3)), replace=False))
        min_score = float(rng.uniform(1, 3)) if rng.random() < 0.3 else None
        use_themes = rng.random() < 0.7
        th, tc = (theme, theme_caps) if use_themes else (None, None)
        best = brute_force(
            scores, costs, call, budgets, th, tc, caps, forced_in, forced_out, min_score
        )
        kwargs = {
            "theme_of": th,
            "theme_caps_yen": tc,
            "caps_yen": caps,
            "forced_in": forced_in,
            "forced_out": forced_out,
            "min_score": min_score,
        }
        if best is None:
            with pytest.raises(AdoptionInfeasible):
                choose_adoptions(scores, costs, call, budgets, **kwargs)
            continue
        a = choose_adoptions(scores, costs, call, budgets, **kwargs)
        assert a.proven_optimal and a.mip_gap == 0
        assert a.total_score == pytest.approx(best, abs=1e-9)
        check(a, scores, costs, call, budgets, th, tc, caps, forced_in, forced_out)
        seen += 1
    assert seen > 80


def test_fifteen_proposals_one_call_exact_budget():
    # the optimum spends the budget to the yen
    costs = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500]
    costs = [c * 1_000_003 for c in costs]
    scores = [1.0, 2.1, 2.9, 4.2, 5.0, 5.8, 7.1, 8.0, 8.9, 10.2, 11.0, 11.9, 13.1, 14.0, 14.8]
    call = [0] * 15
    budget = [3000 * 1_000_003]
    best = brute_force(scores, costs, np.array(call), budget, None, None, None, [], [], None)
    a = choose_adoptions(scores, costs, call, budget)
    assert a.total_score == pytest.approx(best)
    assert int(a.spend_per_call[0]) <= budget[0]


def test_forced_in_is_adopted_even_below_min_score_and_forced_out_never():
    scores = [5.0, 4.0, 1.0, 4.5]
    costs = [100, 100, 100, 100]
    a = choose_adoptions(
        scores, costs, [0, 0, 0, 0], [300], forced_in=[2], forced_out=[0], min_score=3.0
    )
    assert a.chosen.tolist() == [1, 2, 3]
    b = choose_adoptions(scores, costs, [0, 0, 0, 0], [300], min_score=3.0)
    assert b.chosen.tolist() == [0, 1, 3]


def test_a_proposal_above_its_cap_is_not_eligible():
    a = choose_adoptions([9.0, 1.0], [500, 100], [0, 0], [1000], caps_yen=[400, 400])
    assert a.chosen.tolist() == [1]


def test_overrides_that_break_a_budget_or_cap_name_it():
    with pytest.raises(
        AdoptionInfeasible,
        match=r"call 2026-A cost 700 yen, above its budget "
        r"of 600 yen",
    ):
        choose_adoptions(
            [1, 1, 1], [300, 400, 100], [0, 0, 0], [600], forced_in=[0, 1], call_ids=["2026-A"]
        )
    with pytest.raises(AdoptionInfeasible, match=r"theme AI cost 700 yen, above its cap of 500"):
        choose_adoptions(
            [1, 1, 1],
            [300, 400, 100],
            [0, 0, 0],
            [1000],
            theme_of=[0, 0, 1],
            theme_caps_yen=[500, None],
            forced_in=[0, 1],
            theme_ids=["AI", "HW"],
        )
    with pytest.raises(
        AdoptionInfeasible,
        match=r"forced-in proposal X-1 costs 300 yen, above "
        r"its cap of 200 yen",
    ):
        choose_adoptions(
            [1, 1],
            [300, 100],
            [0, 0],
            [1000],
            caps_yen=[200, 200],
            forced_in=[0],
            proposal_ids=["X-1", "X-2"],
        )
    with pytest.raises(AdoptionInfeasible, match=r"both forced in and forced out"):
        choose_adoptions([1, 1], [300, 100], [0, 0], [1000], forced_in=[0], forced_out=[0])


def test_money_must_be_whole_yen():
    with pytest.raises(ValueError, match="whole yen"):
        choose_adoptions([1.0], [100.5], [0], [1000])
    a = choose_adoptions([1.0], [100.0], [0], [1000.0])  # floats holding whole yen are fine
    assert a.chosen.tolist() == [0]


def test_budgets_hold_to_the_yen_on_a_large_instance():
    rng = np.random.default_rng(12)
    n, C, T = 3000, 5, 20
    costs = np.clip(np.exp(rng.normal(np.log(5.5e8), 0.8, n)), 1e8, 3e9).astype(np.int64) + 7
    call = rng.integers(0, C, n)
    theme = rng.integers(0, T, n)
    budgets = (np.bincount(call, weights=costs, minlength=C) * 0.3).astype(np.int64)
    tcaps = (np.bincount(theme, weights=costs, minlength=T) * 0.4).astype(np.int64)
    scores = np.round(rng.normal(3, 0.7, n), 6)
    a = choose_adoptions(
        scores, costs, call, budgets, theme, list(tcaps), mip_rel_gap=1e-4, time_limit=60
    )
    spend = np.zeros(C, dtype=object)
    for i in a.chosen.tolist():
        spend[call[i]] += int(costs[i])
    assert all(spend[c] <= int(budgets[c]) for c in range(C))
    assert (a.spend_per_call == spend.astype(np.int64)).all()
    tspend = np.bincount(theme[a.chosen], weights=costs[a.chosen], minlength=T)
    assert (tspend <= tcaps).all()
    assert a.mip_gap <= 1e-4


def test_themes_inside_calls_are_solved_as_independent_blocks():
    rng = np.random.default_rng(13)
    n, C, T = 300, 3, 6
    theme = rng.integers(0, T, n)
    call = theme % C  # every theme belongs to one call
    costs = rng.integers(100, 1000, n) * 1_000_000
    budgets = (np.bincount(call, weights=costs, minlength=C) * 0.3).astype(np.int64)
    tcaps = list((np.bincount(theme, weights=costs, minlength=T) * 0.4).astype(np.int64))
    scores = rng.integers(1, 100, n)
    a = choose_adoptions(scores, costs, call, budgets, theme, tcaps)
    assert a.stats["blocks"] == C
    assert a.proven_optimal
    # a capped theme with a proposal in every call joins them into one block
    theme2 = theme.copy()
    theme2[[int(np.flatnonzero(call == c)[0]) for c in range(C)]] = T
    b = choose_adoptions(scores, costs, call, budgets, theme2, [*tcaps, 10**15])
    assert b.stats["blocks"] == 1 and b.proven_optimal


# ---- pooled caps ---------------------------------------------------------------------------


def test_a_pool_exactly_full_is_allowed_and_one_yen_over_is_not():
    # three proposals in three calls, tied by one pool that counts 3 years of a 5-year budget
    scores = [5.0, 4.0, 3.0]
    costs = [500, 500, 500]
    amounts = [300, 300, 300]
    pool = Pool("g5", 600, [0, 1, 2], amounts)
    a = choose_adoptions(scores, costs, [0, 1, 2], [1000, 1000, 1000], pools=[pool])
    assert a.chosen.tolist() == [0, 1]
    assert a.spend_per_pool == {"g5": 600}
    assert a.proven_optimal and a.mip_gap == 0
    one_short = Pool("g5", 599, [0, 1, 2], amounts)
    b = choose_adoptions(scores, costs, [0, 1, 2], [1000, 1000, 1000], pools=[one_short])
    assert b.chosen.tolist() == [0]
    assert b.spend_per_pool == {"g5": 300}


def test_amounts_differ_from_costs():
    # by cost all three fit the call; the pool counts proposal 0 heavily, so it is left out
    scores = [6.0, 4.0, 3.0]
    costs = [100, 100, 100]
    pool = Pool("three-years", 500, [0, 1, 2], [450, 200, 250])
    a = choose_adoptions(scores, costs, [0, 0, 0], [300], pools=[pool])
    assert a.chosen.tolist() == [1, 2]
    assert a.spend_per_pool == {"three-years": 450}
    assert int(a.spend_per_call[0]) == 200


def test_a_proposal_in_two_pools_counts_in_both():
    # (g5)'s pool over both themes and (b)'s own pool: proposal 1 is in both
    scores = [3.0, 5.0, 4.0, 2.5]
    costs = [100, 100, 100, 100]
    g5 = Pool("g5", 700, [0, 1, 2, 3], [300, 300, 100, 100])
    b = Pool("4b", 300, [1, 3], [300, 300])
    a = choose_adoptions(scores, costs, [0, 0, 1, 1], [1000, 1000], pools=[g5, b])
    assert a.chosen.tolist() == [0, 1, 2]
    assert a.spend_per_pool == {"g5": 700, "4b": 300}
    best = brute_force(
        scores, costs, np.array([0, 0, 1, 1]), [1000, 1000], None, None, None, [], [], None, [g5, b]
    )
    assert a.total_score == pytest.approx(best)


def test_pools_join_the_calls_they_touch_into_one_block():
    rng = np.random.default_rng(5)
    n, C = 60, 3
    call = np.arange(n) % C
    costs = rng.integers(100, 1000, n) * 1_000_000
    budgets = (np.bincount(call, weights=costs, minlength=C) * 0.5).astype(np.int64)
    scores = rng.integers(1000, 5000, n) / 1000
    inside = np.flatnonzero(call == 0)[:10]
    a = choose_adoptions(
        scores, costs, call, budgets, pools=[Pool("p", 10**9, inside, costs[inside])]
    )
    assert a.stats["blocks"] == C
    across = np.flatnonzero(call != 2)[:20]
    b = choose_adoptions(
        scores, costs, call, budgets, pools=[Pool("p", 10**9, across, costs[across])]
    )
    assert b.stats["blocks"] == 2 and b.proven_optimal
    assert b.spend_per_pool["p"] <= 10**9


def test_forced_in_proposals_that_break_a_pool_name_it():
    pool = Pool("g5", 500, [0, 1, 2], [300, 300, 100])
    with pytest.raises(
        AdoptionInfeasible,
        match=r"forced-in proposals of pool g5 count 600 yen against it, above its cap of 500",
    ):
        choose_adoptions(
            [1, 1, 1], [100, 100, 100], [0, 1, 1], [1000, 1000], forced_in=[0, 1], pools=[pool]
        )
    # forced in within the pool: the rest fill what is left of it
    a = choose_adoptions(
        [1, 9, 2], [100, 100, 100], [0, 1, 1], [1000, 1000], forced_in=[0], pools=[pool]
    )
    assert a.chosen.tolist() == [0, 2]
    assert a.spend_per_pool == {"g5": 400}


def test_theme_caps_keep_their_behaviour_beside_pools():
    with pytest.raises(AdoptionInfeasible, match=r"theme AI cost 700 yen, above its cap of 500"):
        choose_adoptions(
            [1, 1, 1],
            [300, 400, 100],
            [0, 0, 0],
            [1000],
            theme_of=[0, 0, 1],
            theme_caps_yen=[500, None],
            forced_in=[0, 1],
            theme_ids=["AI", "HW"],
            pools=[Pool("g5", 10**6, [0, 1, 2], [1, 1, 1])],
        )


def test_bad_pools_are_refused_with_the_pool_named():
    with pytest.raises(ValueError, match="pool g5 lists a proposal twice"):
        Pool("g5", 100, [0, 0], [1, 1])
    with pytest.raises(ValueError, match="pool g5 counts a negative amount"):
        Pool("g5", 100, [0, 1], [1, -1])
    with pytest.raises(ValueError, match=r"pool g5 amounts_yen has 1 entries, expected 2"):
        Pool("g5", 100, [0, 1], [1])
    with pytest.raises(ValueError, match="pool g5: cap_yen is negative"):
        Pool("g5", -1, [0], [1])
    with pytest.raises(ValueError, match="pool g5 amounts_yen must be whole yen"):
        Pool("g5", 100, [0], [1.5])
    with pytest.raises(ValueError, match=r"pool g5 refers to a proposal outside 0..1"):
        choose_adoptions([1, 1], [1, 1], [0, 0], [10], pools=[Pool("g5", 100, [2], [1])])
    with pytest.raises(ValueError, match="two pools have the same key"):
        choose_adoptions([1], [1], [0], [10], pools=[Pool("a", 1, [0], [1])] * 2)
    pool = Pool("g5", 100.0, [0], [7.0])  # floats holding whole yen are fine
    assert pool.cap_yen == 100 and pool.amounts_yen.dtype == np.int64
    with pytest.raises(ValueError):
        pool.members[0] = 1  # read-only, like the pool itself


def test_a_selection_that_breaks_a_pool_in_exact_yen_is_never_returned(monkeypatch):
    # the solver's answer is checked in integers: a block solver that overspends is caught
    def overspending(idx, *args, **kwargs):
        return idx, 0, 0, True, "optimal", {}

    monkeypatch.setattr(adoption, "_solve_block_exact", overspending)
    pool = Pool("g5", 2**53 - 1, [0, 1], [2**52, 2**52])  # 2^53 is one yen over
    with pytest.raises(AdoptionError, match=r"counts 9,007,199,254,740,992 yen against pool g5"):
        choose_adoptions([1, 1], [1, 1], [0, 0], [10], pools=[pool])


def test_scores_with_many_decimals_go_to_highs_and_keep_the_pools():
    scores = [1 / 3, 2 / 7, 1 / 11, 0.5]
    pool = Pool("p", 5, [0, 1, 2, 3], [3, 2, 2, 4])
    a = choose_adoptions(scores, [1, 1, 1, 1], [0, 0, 1, 1], [10, 10], pools=[pool])
    best = brute_force(
        scores,
        [1, 1, 1, 1],
        np.array([0, 0, 1, 1]),
        [10, 10],
        None,
        None,
        None,
        [],
        [],
        None,
        [pool],
    )
    assert a.stats["score_decimals"] is None
    assert a.total_score == pytest.approx(best)
    assert a.spend_per_pool["p"] <= 5


def pooled_instance(rng, n):
    scores, costs, call, budgets, theme, theme_caps, caps = random_instance(rng, n)
    pools = []
    for key in range(int(rng.integers(1, 4))):
        members = np.sort(rng.choice(n, int(rng.integers(1, n + 1)), replace=False))
        years = rng.integers(1, 6, members.size)
        amounts = costs[members] * np.minimum(years, 3) // years  # three years of the money
        cap = int(amounts.sum() * rng.uniform(0.2, 0.7))
        pools.append(Pool(f"pool-{key}", cap, members, amounts))
    return scores, costs, call, budgets, theme, theme_caps, caps, pools


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 11))
def test_pools_match_brute_force(seed, n):
    rng = np.random.default_rng(seed)
    scores, costs, call, budgets, theme, theme_caps, caps, pools = pooled_instance(rng, n)
    forced_in = [int(i) for i in rng.choice(n, int(rng.integers(0, 2)), replace=False)]
    rest = [i for i in range(n) if i not in forced_in]
    forced_out = [int(i) for i in rng.choice(rest, int(rng.integers(0, 2)), replace=False)]
    th, tc = (theme, theme_caps) if rng.random() < 0.5 else (None, None)
    best = brute_force(
        scores, costs, call, budgets, th, tc, caps, forced_in, forced_out, None, pools
    )
    kwargs = {
        "theme_of": th,
        "theme_caps_yen": tc,
        "caps_yen": caps,
        "forced_in": forced_in,
        "forced_out": forced_out,
        "pools": pools,
    }
    if best is None:
        with pytest.raises(AdoptionInfeasible):
            choose_adoptions(scores, costs, call, budgets, **kwargs)
        return
    a = choose_adoptions(scores, costs, call, budgets, **kwargs)
    assert a.proven_optimal and a.mip_gap == 0
    assert a.total_score == pytest.approx(best, abs=1e-9)
    check(a, scores, costs, call, budgets, th, tc, caps, forced_in, forced_out)
    for pool in pools:
        spent = sum(
            int(amount)
            for i, amount in zip(pool.members.tolist(), pool.amounts_yen.tolist(), strict=True)
            if i in set(a.chosen.tolist())
        )
        assert spent <= pool.cap_yen
        assert a.spend_per_pool[pool.key] == spent


def test_many_proposals_and_binding_pools_against_highs():
    # a few hundred proposals over 4 calls, two pools that bind: the exact path agrees with
    # HiGHS's own proof of the plain MILP
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    rng = np.random.default_rng(21)
    n, C = 240, 4
    call = rng.integers(0, C, n)
    costs = rng.integers(100, 3000, n) * 1_000_000 + rng.integers(0, 1000, n)
    budgets = (np.bincount(call, weights=costs, minlength=C) * 0.3).astype(np.int64)
    scores = np.round(rng.uniform(1, 5, n), 3)
    pools = []
    for key in ("g5", "4b"):
        members = np.sort(rng.choice(n, 80, replace=False))
        years = rng.integers(1, 6, members.size)
        amounts = costs[members] * np.minimum(years, 3) // years
        pools.append(Pool(key, int(amounts.sum() * 0.2), members, amounts))
    a = choose_adoptions(scores, costs, call, budgets, pools=pools)
    rows = [sparse.csr_matrix((costs / 1e6, (call, np.arange(n))), shape=(C, n))]
    rows += [
        sparse.csr_matrix(
            (p.amounts_yen / 1e6, (np.zeros(p.members.size), p.members)), shape=(1, n)
        )
        for p in pools
    ]
    rhs = np.concatenate([budgets, [p.cap_yen for p in pools]]) / 1e6
    ref = milp(
        -scores,
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(sparse.vstack(rows), -np.inf, rhs),
        options={"mip_rel_gap": 0},
    )
    assert ref.status == 0
    assert a.proven_optimal
    assert a.total_score == pytest.approx(-ref.fun, abs=1e-6)
    assert all(a.spend_per_pool[p.key] <= p.cap_yen for p in pools)


def test_a_time_limit_returns_a_checked_selection_and_an_honest_gap():
    # the five-pool shape of the bench, small enough for a test: with almost no time the
    # answer is still within every budget and pool, and says whether it is proven
    rng = np.random.default_rng(8)
    n, C = 2000, 5
    call = rng.integers(0, C, n)
    costs = rng.integers(100, 3000, n) * 1_000_000
    budgets = (np.bincount(call, weights=costs, minlength=C) * 0.3).astype(np.int64)
    scores = np.round(rng.uniform(1, 5, n), 3)
    pools = []
    for key in ("g5", "4b", "B"):
        members = np.sort(rng.choice(n, 400, replace=False))
        years = rng.integers(1, 6, members.size)
        amounts = costs[members] * np.minimum(years, 3) // years
        pools.append(Pool(key, int(amounts.sum() * 0.22), members, amounts))
    a = choose_adoptions(scores, costs, call, budgets, pools=pools, time_limit=0.3)
    assert all(a.spend_per_pool[p.key] <= p.cap_yen for p in pools)
    assert (a.spend_per_call <= budgets).all()
    if a.proven_optimal:
        assert a.mip_gap == 0
    else:
        assert a.mip_gap > 0 and a.stats["dual_bound"] >= a.total_score
