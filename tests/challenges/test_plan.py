"""Challenge plan files: the seed's two challenges parse with their figures, and a bad plan is
refused with the key path at fault."""

import copy
import datetime as dt
from decimal import Decimal

import pytest

from kikin.rules.challenges import challenge_plans, parse_challenge_plan, parse_evaluation
from kikin.rules.plan import PlanDataError

from .helpers import plan


def _specs():
    return {spec.slug: spec for _name, spec in challenge_plans()}


def test_the_seed_challenges_as_the_seed_states_them():
    specs = _specs()
    hpo, scdc = specs["hpo"], specs["supply-chain"]
    # HPO module contest (003 lines 297–316).
    assert hpo.total_prize_yen == 4_000_000 and hpo.anonymous_allowed
    assert hpo.ip == "open_source_on_award" and hpo.ip_line == 305
    prelim, final = hpo.stages
    assert (prelim.code, prelim.opens, prelim.closes) == (
        "preliminary",
        dt.date(2022, 12, 16),
        dt.date(2023, 2, 2),
    )
    assert prelim.board == "realtime" and prelim.advance == 10 and prelim.board_line == 315
    assert final.board == "weekly" and final.eligible == "qualified"
    assert final.requires_identity and final.requires_paper
    assert {p.function for p in prelim.evaluation.part("public")} == {
        "branin",
        "hartmann6",
        "rosenbrock",
    }
    assert all(p.transform == "shift_rotate" for p in prelim.evaluation.part("hidden"))
    assert final.evaluation.metric == "calls_to_target"
    prizes = {p.code: p for p in hpo.prizes}
    assert prizes["fastest"].slots_yen == (700_000,) * 5
    assert prizes["innovative"].slots_yen == (250_000,) * 2
    # Supply Chain Data Challenge (lines 238–293): 3,780万円 = 180万 + 2 × 1,800万.
    assert scdc.total_prize_yen == 37_800_000 and scdc.entries_reported == 84
    assert scdc.ip == "entrants" and scdc.ip_line == 246
    assert [d.code for d in scdc.divisions] == ["idea", "system"]
    assert [t.code for t in scdc.divisions[1].themes] == ["port", "disaster"]
    prizes = {p.code: p for p in scdc.prizes}
    assert prizes["idea"].amounts_yen == (1_000_000, 500_000, 300_000)
    assert prizes["system-port"].amounts_yen == (10_000_000, 5_000_000, 3_000_000)
    assert prizes["sponsor-msi"].outside_total and prizes["sponsor-msi"].amount_yen == 800_000
    assert prizes["tellus"].kind == "honour" and prizes["tellus"].total_yen == 0
    review = scdc.stage("document-review")
    assert review.advance == 20 and review.divisions == ("system",)
    assert scdc.stage("development").benefits_ja


def test_the_test_plan_parses():
    spec = parse_challenge_plan(plan())
    assert spec.slug == "test-hpo" and len(spec.stages) == 2
    assert spec.stages[1].evaluation.problems[0].target == Decimal("5")


def _bad(mutate):
    data = plan()
    mutate(data)
    with pytest.raises(PlanDataError) as exc:
        parse_challenge_plan(data)
    return str(exc.value)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["challenge"]["stage"][1].update(closes="soon"),
            "challenge.stage[1].closes: expected a date",
        ),
        (
            lambda d: d["challenge"]["stage"][0].update(closes=dt.date(2000, 1, 1)),
            "challenge.stage[0].closes: before opens",
        ),
        (lambda d: d["program"].update(kind="fund"), "program.kind:"),
        (lambda d: d["challenge"].pop("slug"), "challenge.slug: required"),
        (
            lambda d: d["challenge"].update(total_prize_yen=2_000_000),
            "challenge.total_prize_yen: the prizes add up to 1,500,000 yen, not 2,000,000",
        ),
        (
            lambda d: d["challenge"]["prize"][0].update(amount_yen=1.5),
            "challenge.prize[0].amount_yen: expected a whole number",
        ),
        (
            lambda d: d["challenge"]["prize"][0].update(stage="nope"),
            "challenge.prize[0].stage: unknown stage 'nope'",
        ),
        (
            lambda d: d["challenge"]["prize"][2].update(amount_yen=100),
            "challenge.prize[2].amount_yen: a prize without money has no amount",
        ),
        (
            lambda d: d["challenge"]["prize"][0].update(kind="lottery"),
            "challenge.prize[0].kind: 'lottery' is not one of",
        ),
        (
            lambda d: d["challenge"]["stage"][0]["evaluation"]["problem"][0].update(
                function="ackley"
            ),
            "challenge.stage[0].evaluation.problem[0].function: 'ackley' is not one of",
        ),
        (
            lambda d: d["challenge"]["stage"][0]["evaluation"]["problem"][0].update(budget=0),
            "challenge.stage[0].evaluation.problem[0].budget: must be at least 1",
        ),
        (
            lambda d: d["challenge"]["stage"][0]["evaluation"].update(tie="coin"),
            "challenge.stage[0].evaluation.tie: 'coin' is not one of",
        ),
        (
            lambda d: d["challenge"]["stage"][0]["evaluation"]["limits"].update(memory_mb=0),
            "challenge.stage[0].evaluation.limits.memory_mb: must be at least 1",
        ),
        (
            lambda d: d["challenge"]["stage"][1]["evaluation"]["problem"][0].pop("target"),
            "challenge.stage[1].evaluation.problem[0].target: required by calls_to_target",
        ),
        (
            lambda d: d["challenge"]["stage"][0]["evaluation"]["problem"].pop(0),
            "challenge.stage[0].evaluation.problem: at least one public problem",
        ),
        (
            lambda d: d["challenge"]["stage"][0].pop("evaluation"),
            'challenge.stage[0].evaluation: required where entry = "code"',
        ),
        (
            lambda d: (
                d["challenge"]["stage"][0].update(advance=None)
                or d["challenge"]["stage"][0].pop("advance")
            ),
            "challenge.stage[1].eligible: no earlier stage advances teams to it",
        ),
        (
            lambda d: d["challenge"]["stage"].append(
                dict(copy.deepcopy(d["challenge"]["stage"][0]), code="again")
            ),
            "challenge.stage[2].opens: stages are listed in the order they open",
        ),
        (lambda d: d["challenge"].pop("rubric"), "challenge.rubric: a jury prize needs a rubric"),
        (
            lambda d: d["challenge"]["prize"][0].update(division="idea"),
            "challenge.prize[0].division: unknown division 'idea'",
        ),
    ],
)
def test_a_bad_plan_names_the_key_at_fault(mutate, message):
    assert _bad(mutate).startswith(message)


def test_duplicate_codes_are_refused():
    def twice(d):
        d["challenge"]["prize"].append(copy.deepcopy(d["challenge"]["prize"][2]))

    assert _bad(twice) == "challenge.prize[3].code: 'honour' appears twice"


def test_rank_amounts_never_pay_a_better_place_less():
    def rank(d):
        d["challenge"]["prize"][0] = {
            "code": "r",
            "kind": "rank",
            "basis": "ranking",
            "stage": "final",
            "amounts_yen": [500_000, 1_000_000],
            "title_ja": "順位賞",
            "title_en": "Rank",
            "line": 1,
        }

    assert "a better place is never paid less" in _bad(rank)


def test_an_evaluation_table_alone_is_checked_the_same_way():
    data = plan()["challenge"]["stage"][0]["evaluation"]
    spec = parse_evaluation(data)
    assert spec.metric == "mean_normalised_regret" and spec.limits.memory_mb == 512
    data["problem"][0]["function"] = "mlp_tuning"
    with pytest.raises(
        PlanDataError, match=r"^evaluation.problem\[0\].function: mlp_tuning has no known optimum"
    ):
        parse_evaluation(data)
