"""Budget-constrained adoption against brute force; overrides; budgets in exact yen."""

import numpy as np
import pytest

from kikin.solvers.adoption import AdoptionInfeasible, choose_adoptions


def brute_force(scores, costs, call, budgets, theme, theme_caps, caps, forced_in, forced_out,
                min_score):
    """Best total score over every subset (n ≤ 15), in exact integer yen."""
    n = len(scores)
    subsets = ((np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    ok = np.ones(len(subsets), bool)
    costs = np.asarray(costs, dtype=object)  # Python ints: no overflow, no float
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
        below = (np.asarray(scores) < min_score)
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
        best = brute_force(scores, costs, call, budgets, th, tc, caps, forced_in, forced_out,
                           min_score)
        kwargs = dict(theme_of=th, theme_caps_yen=tc, caps_yen=caps, forced_in=forced_in,
                      forced_out=forced_out, min_score=min_score)
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
    a = choose_adoptions(scores, costs, [0, 0, 0, 0], [300], forced_in=[2], forced_out=[0],
                         min_score=3.0)
    assert a.chosen.tolist() == [1, 2, 3]
    b = choose_adoptions(scores, costs, [0, 0, 0, 0], [300], min_score=3.0)
    assert b.chosen.tolist() == [0, 1, 3]


def test_a_proposal_above_its_cap_is_not_eligible():
    a = choose_adoptions([9.0, 1.0], [500, 100], [0, 0], [1000], caps_yen=[400, 400])
    assert a.chosen.tolist() == [1]


def test_overrides_that_break_a_budget_or_cap_name_it():
    with pytest.raises(AdoptionInfeasible, match=r"call 2026-A cost 700 yen, above its budget "
                                                 r"of 600 yen"):
        choose_adoptions([1, 1, 1], [300, 400, 100], [0, 0, 0], [600], forced_in=[0, 1],
                         call_ids=["2026-A"])
    with pytest.raises(AdoptionInfeasible, match=r"theme AI cost 700 yen, above its cap of 500"):
        choose_adoptions([1, 1, 1], [300, 400, 100], [0, 0, 0], [1000], theme_of=[0, 0, 1],
                         theme_caps_yen=[500, None], forced_in=[0, 1], theme_ids=["AI", "HW"])
    with pytest.raises(AdoptionInfeasible, match=r"forced-in proposal X-1 costs 300 yen, above "
                                                 r"its cap of 200 yen"):
        choose_adoptions([1, 1], [300, 100], [0, 0], [1000], caps_yen=[200, 200], forced_in=[0],
                         proposal_ids=["X-1", "X-2"])
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
    a = choose_adoptions(scores, costs, call, budgets, theme, list(tcaps), mip_rel_gap=1e-4,
                         time_limit=60)
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
    b = choose_adoptions(scores, costs, call, budgets, theme2, tcaps + [10**15])
    assert b.stats["blocks"] == 1 and b.proven_optimal
