"""Benchmark results need the declaration first; the leaderboard ranks each developer's best.
(The matching board and the events: tests/matching.)"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kikin.audit.models import AuditRecord
from kikin.compute import selectors, services
from kikin.compute.models import EvaluationDeclaration
from kikin.core.timeutil import today_jst

from .helpers import geniac_award

pytestmark = pytest.mark.django_db


def submit(app, award, bench, score, days_ago=1, version="v1"):
    return services.submit_result(
        actor=app,
        award=award,
        benchmark=bench,
        score=score,
        evaluated_on=today_jst() - dt.timedelta(days=days_ago),
        model_version=version,
    )


def test_results_only_after_the_declaration(plan, staff):
    award, app = geniac_award(plan, staff)
    with pytest.raises(ValidationError) as exc:
        submit(app, award, "JGLUE", "71.5")
    assert "declaration" in exc.value.message_dict
    other, other_app = geniac_award(plan, staff)
    with pytest.raises(PermissionDenied):
        services.declare_no_evaluation_data(actor=other_app, award=award)
    with pytest.raises(PermissionDenied):
        services.declare_no_evaluation_data(actor=staff.agency, award=award)
    d = services.declare_no_evaluation_data(actor=app, award=award)
    assert d.declared_by == app and d.declared_at is not None and "ベンチマーク" in d.statement
    assert AuditRecord.objects.filter(
        action="compute.declare_no_evaluation_data", object_id=str(award.pk)
    ).exists()
    with pytest.raises(ValidationError):
        services.declare_no_evaluation_data(actor=app, award=award)  # once
    r = submit(app, award, "JGLUE", "71.5")
    assert r.score == Decimal("71.5") and r.benchmark.name == "JGLUE"
    with pytest.raises(PermissionDenied):
        submit(other_app, award, "JGLUE", "99")  # not theirs
    with pytest.raises(ValidationError) as exc:
        submit(app, award, "JGLUE", 71.5, version="v2")  # a float is not exact
    assert "score" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.submit_result(
            actor=app,
            award=award,
            benchmark="JGLUE",
            score="1",
            evaluated_on=today_jst() + dt.timedelta(days=1),
            model_version="v3",
        )
    assert "evaluated_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        submit(app, award, "JGLUE", "72")  # same benchmark, version and day
    assert EvaluationDeclaration.objects.count() == 1 and other.benchmark_results.count() == 0


def test_leaderboard_ranks_each_developers_best(plan, staff):
    devs = [geniac_award(plan, staff) for _ in range(4)]
    for award, app in devs:
        services.declare_no_evaluation_data(actor=app, award=award)
    (a, pa), (b, pb), (c, pc), (d, pd) = devs
    submit(pa, a, "JGLUE", "80.0", days_ago=10)
    submit(
        pa, a, "JGLUE", "60.0", days_ago=2, version="v2"
    )  # a worse later result: the best counts
    submit(pb, b, "jglue", "85.25", days_ago=5)  # the same benchmark, whatever the case
    submit(pc, c, "JGLUE", "80.0", days_ago=3)  # ties with a, evaluated later
    submit(pd, d, "JCommonsenseQA", "0.9", days_ago=1)
    services.define_benchmark(actor=staff.agency, name="Hallucination rate", higher_is_better=False)
    submit(pa, a, "Hallucination rate", "0.12")
    submit(pb, b, "Hallucination rate", "0.08")
    submit(pb, b, "Hallucination rate", "0.30", version="v0")
    boards = {board.benchmark.name: board for board in selectors.leaderboards()}
    assert [(r.rank, r.award.number, r.result.score) for r in boards["JGLUE"].rows] == [
        (1, b.number, Decimal("85.25")),
        (2, a.number, Decimal("80.0")),
        (2, c.number, Decimal("80.0")),
    ]
    assert [(r.rank, r.award.number) for r in boards["Hallucination rate"].rows] == [
        (1, b.number),
        (2, a.number),
    ]
    assert [r.award.number for r in boards["JCommonsenseQA"].rows] == [d.number]
    with pytest.raises(PermissionDenied):
        services.define_benchmark(actor=pa, name="JGLUE", higher_is_better=False)
