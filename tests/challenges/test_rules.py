"""The rules of ranking, ties, prizes, the fair queue, the board's refresh and the scores."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kikin.rules.challenges import (
    Placed,
    Queued,
    Ranked,
    board_cutoff,
    calls_to_target,
    fair_next,
    mean_score,
    next_board_refresh,
    normalised_regret,
    prize_shares,
    queue_position,
    rank_entries,
)

T0 = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


D = Decimal


# ---------------------------------------------------------------------------------- ranking


def test_lower_is_better_and_unscored_entries_come_last_unranked():
    placed = rank_entries(
        [Ranked("a", D("0.5"), at(1)), Ranked("b", None, at(0)), Ranked("c", D("0.1"), at(2))]
    )
    assert [(p.key, p.rank) for p in placed] == [("c", 1), ("a", 2), ("b", None)]


def test_higher_is_better_when_stated():
    placed = rank_entries(
        [Ranked("a", D("70"), at(1)), Ranked("b", D("90"), at(2))], lower_is_better=False
    )
    assert [p.key for p in placed] == ["b", "a"]


def test_earlier_submission_breaks_a_tie():
    placed = rank_entries(
        [
            Ranked("late", D("0.2"), at(5)),
            Ranked("early", D("0.2"), at(1)),
            Ranked("x", D("0.3"), at(0)),
        ],
        tie="earlier_submission",
    )
    assert [(p.key, p.rank, p.tied) for p in placed] == [
        ("early", 1, False),
        ("late", 2, False),
        ("x", 3, False),
    ]


def test_shared_ties_share_a_place_and_skip_the_next():
    placed = rank_entries(
        [Ranked("a", D("1")), Ranked("b", D("2")), Ranked("c", D("2")), Ranked("d", D("3"))],
        tie="shared",
    )
    assert [(p.key, p.rank, p.tied) for p in placed] == [
        ("a", 1, False),
        ("b", 2, True),
        ("c", 2, True),
        ("d", 4, False),
    ]


def test_an_unknown_tie_rule_is_refused():
    with pytest.raises(ValueError):
        rank_entries([], tie="coin")


# ---------------------------------------------------------------------------------- prizes


def test_rank_prize_pays_places_in_order_and_only_scored_entries():
    placed = [Placed("a", D(1), 1), Placed("b", D(2), 2), Placed("c", None, None)]
    shares = prize_shares(placed, (1_000_000, 500_000, 300_000))
    assert [(s.key, s.rank, s.amount_yen) for s in shares] == [
        ("a", 1, 1_000_000),
        ("b", 2, 500_000),
    ]


def test_flat_prize_pays_each_of_the_n_best():
    placed = [Placed(k, D(i), i + 1) for i, k in enumerate("abcdefg")]
    shares = prize_shares(placed, (700_000,) * 5)
    assert [s.key for s in shares] == list("abcde")
    assert {s.amount_yen for s in shares} == {700_000}


def test_shared_places_split_the_money_of_the_slots_they_cover():
    # Two teams tie for 2nd under a 100/50/30 prize: they share 50 + 30, 40 each.
    placed = [Placed("a", D(1), 1), Placed("b", D(2), 2, True), Placed("c", D(2), 2, True)]
    shares = prize_shares(placed, (1_000_000, 500_000, 300_000))
    assert [(s.key, s.amount_yen) for s in shares] == [
        ("a", 1_000_000),
        ("b", 400_000),
        ("c", 400_000),
    ]


def test_a_tie_across_the_last_slot_splits_it_and_keeps_the_remainder():
    # Three teams tie for the last of two slots of 100,001 yen: 100,001 // 3 each, 2 yen stay.
    placed = [Placed("a", D(1), 1)] + [Placed(k, D(2), 2, True) for k in "bcd"]
    shares = prize_shares(placed, (100_000, 100_001))
    assert [(s.key, s.amount_yen) for s in shares] == [
        ("a", 100_000),
        ("b", 33_333),
        ("c", 33_333),
        ("d", 33_333),
    ]


def test_a_prize_without_money_names_its_winner_with_zero_yen():
    shares = prize_shares([Placed("a", D(1), 1)], (0,))
    assert [(s.key, s.amount_yen) for s in shares] == [("a", 0)]


@given(
    scores=st.lists(st.integers(0, 5), min_size=0, max_size=12),
    slots=st.lists(st.integers(0, 10_000_000), min_size=1, max_size=6).map(
        lambda s: tuple(sorted(s, reverse=True))
    ),
    tie=st.sampled_from(["shared", "earlier_submission"]),
)
def test_shares_never_exceed_the_prize_and_follow_the_places(scores, slots, tie):
    placed = rank_entries([Ranked(i, D(s), at(i), i) for i, s in enumerate(scores)], tie=tie)
    shares = prize_shares(placed, slots)
    assert sum(s.amount_yen for s in shares) <= sum(slots)
    assert all(isinstance(s.amount_yen, int) and s.amount_yen >= 0 for s in shares)
    by_rank = sorted(shares, key=lambda s: s.rank)
    assert [s.amount_yen for s in by_rank] == sorted((s.amount_yen for s in by_rank), reverse=True)
    if tie == "earlier_submission":
        assert len(shares) == min(len(scores), len(slots))


# ---------------------------------------------------------------------------------- fair queue


def test_round_robin_between_teams():
    queued = [Queued(i, "A", at(i)) for i in range(1, 6)] + [Queued(10, "B", at(8))]
    served: dict = {}
    order = []
    while queued:
        nxt = fair_next(queued, served)
        order.append((nxt.team, nxt.id))
        queued.remove(nxt)
        served[nxt.team] = at(100 + len(order))
    # Team B's one entry goes second, not after A's five.
    assert order[:3] == [("A", 1), ("B", 10), ("A", 2)]
    assert [i for t, i in order if t == "A"] == [1, 2, 3, 4, 5]


def test_the_team_served_longest_ago_goes_first():
    queued = [Queued(1, "A", at(1)), Queued(2, "B", at(2))]
    assert fair_next(queued, {"A": at(50), "B": at(40)}).id == 2
    assert fair_next(queued, {"A": None, "B": at(40)}).id == 1
    assert fair_next([], {}) is None


def test_queue_position_replays_the_turns():
    queued = [Queued(i, "A", at(i)) for i in range(1, 4)] + [Queued(9, "B", at(9))]
    assert queue_position(queued, {}, 9) == 2
    assert queue_position(queued, {}, 3) == 4
    assert queue_position(queued, {}, 77) is None


# ---------------------------------------------------------------------------------- boards


def test_realtime_board_shows_everything_until_the_close():
    opens, closes = at(0), at(60 * 24 * 30)
    assert board_cutoff(at(-1), opens, closes, "realtime") is None
    assert board_cutoff(at(100), opens, closes, "realtime") == at(100)
    assert board_cutoff(closes + dt.timedelta(days=3), opens, closes, "realtime") == closes
    assert board_cutoff(at(100), opens, closes, "none") is None


def test_weekly_board_holds_until_each_whole_week():
    opens, closes = at(0), at(0) + dt.timedelta(days=26)
    day = dt.timedelta(days=1)
    assert board_cutoff(opens + 3 * day, opens, closes, "weekly") == opens
    assert board_cutoff(opens + 8 * day, opens, closes, "weekly") == opens + 7 * day
    assert board_cutoff(opens + 15 * day, opens, closes, "weekly") == opens + 14 * day
    assert board_cutoff(closes + day, opens, closes, "weekly") == closes
    assert next_board_refresh(opens + 8 * day, opens, closes, "weekly") == opens + 14 * day
    assert next_board_refresh(opens + 22 * day, opens, closes, "weekly") == closes
    assert next_board_refresh(opens + 8 * day, opens, closes, "realtime") is None


# ---------------------------------------------------------------------------------- scores


def test_normalised_regret_is_zero_at_the_optimum_and_held_to_one():
    assert normalised_regret(1.0, 1.0, 3.0) == 0
    assert normalised_regret(2.0, 1.0, 3.0) == D("0.5")
    assert normalised_regret(9.0, 1.0, 3.0) == 1
    assert normalised_regret(0.5, 1.0, 3.0) == 0  # below the stated optimum: held at 0
    assert normalised_regret(float("nan"), 1.0, 3.0) == 1
    with pytest.raises(ValueError):
        normalised_regret(1.0, 3.0, 3.0)


def test_calls_to_target_counts_up_to_the_first_value_at_or_below_it():
    assert calls_to_target([9.0, 4.0, 5.0, 2.0], D("5")) == 2
    assert calls_to_target([9.0, 6.0], D("5")) is None
    assert calls_to_target([float("nan"), 1.0], D("5")) == 2


def test_mean_score_at_the_stated_precision_and_none_if_any_missing():
    assert mean_score([D("0.1"), D("0.2"), D("0.25")], 3) == D("0.183")
    assert mean_score([D(3), None], 3) is None
    assert mean_score([], 3) is None
