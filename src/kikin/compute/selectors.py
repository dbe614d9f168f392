"""Reads of the compute support, each shaped so that a page costs a constant number of queries.

Money: the subsidy to date is the fees to date × the developer's rate (`Award.rate`, 定額 = 1),
truncated to the yen (切り捨て); a month's subsidy is what the month adds to it, so the months
add up exactly to the total and no yen is lost by truncating month by month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth

from kikin.awards.models import Award
from kikin.awards.selectors import awards_with_mode_for
from kikin.core.timeutil import today_jst
from kikin.rules.money import apply_rate, round_half_up

from .models import (
    MILLI,
    Allocation,
    Benchmark,
    BenchmarkResult,
    ComputePool,
    EvaluationDeclaration,
    PlannedMonth,
    UsageDay,
    UsageImport,
    milli_to_hours,
)

#: The recent days whose use gives the daily rate of the alerts.
RECENT_DAYS = 14
#: Projected use at the end below this share of the allocation: hours left unused.
UNDERUSE_SHARE = Fraction(80, 100)


# --------------------------------------------------------------------------------------------
# Awards and pools


def geniac_awards_for(user) -> QuerySet[Award]:
    """The awards of themes with compute support ((g3)) `user` may see: staff every one, an applicant their organisation's."""
    return awards_with_mode_for(user, "compute_support")


def _sum_sub(model, column: str, **outer) -> Subquery:
    """A correlated SUM subquery over the daily usage (no join fan-out)."""
    return Coalesce(
        Subquery(
            model.objects.filter(**outer)
            .order_by()
            .values(next(iter(outer)))
            .annotate(s=Sum(column))
            .values("s")[:1]
        ),
        0,
    )


def pools_overview() -> list[ComputePool]:
    """Every pool with its hours allocated and used and its fees (one query)."""
    pools = ComputePool.objects.select_related("call").annotate(
        allocated=_sum_sub(Allocation, "hours", pool=OuterRef("pk")),
        used_milli=_sum_sub(UsageDay, "hours_milli", allocation__pool=OuterRef("pk")),
        fee_yen=_sum_sub(UsageDay, "fee_yen", allocation__pool=OuterRef("pk")),
        n_allocations=Coalesce(
            Subquery(
                Allocation.objects.filter(pool=OuterRef("pk"))
                .order_by()
                .values("pool")
                .annotate(n=Count("id"))
                .values("n")[:1]
            ),
            0,
        ),
    )
    out = list(pools)
    for p in out:
        p.unallocated = p.hours_bought - p.allocated
        p.used_hours = milli_to_hours(p.used_milli)
    return out


def allocations_of(pool: ComputePool) -> list[Allocation]:
    """A pool's allocations with their developer, hours used and fees (one query)."""
    rows = list(
        Allocation.objects.filter(pool=pool)
        .select_related("award__organisation", "award__call")
        .annotate(
            used_milli=_sum_sub(UsageDay, "hours_milli", allocation=OuterRef("pk")),
            fee_yen=_sum_sub(UsageDay, "fee_yen", allocation=OuterRef("pk")),
        )
        .order_by("code")
    )
    for a in rows:
        a.used_hours = milli_to_hours(a.used_milli)
        a.left_hours = milli_to_hours(a.hours * MILLI - a.used_milli)
    return rows


def imports_of(pool: ComputePool, limit: int = 20) -> list[UsageImport]:
    return list(
        UsageImport.objects.filter(pool=pool)
        .select_related("uploaded_by")
        .defer("errors")
        .order_by("-started_at", "-id")[:limit]
    )


# --------------------------------------------------------------------------------------------
# A developer's usage, fees and subsidy


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, m = [], first.replace(day=1)
    while m <= last:
        out.append(m)
        m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def planned_by_month(
    allocation: Allocation, planned: list[PlannedMonth]
) -> dict[dt.date, Fraction]:
    """The allocation's plan by month; without one, its hours spread evenly over its days."""
    if planned:
        return {p.month: Fraction(p.hours) for p in planned}
    first, last = allocation.starts_on, allocation.ends_on
    days = (last - first).days + 1
    out = {}
    for m in _months(first, last):
        m_end = m.replace(day=calendar.monthrange(m.year, m.month)[1])
        overlap = (min(m_end, last) - max(m, first)).days + 1
        out[m] = Fraction(allocation.hours * overlap, days)
    return out


@dataclass
class MonthRow:
    month: dt.date
    planned_hours: Decimal
    used_hours: Decimal
    fee_yen: int
    subsidy_yen: int
    cumulative_fee_yen: int
    cumulative_subsidy_yen: int
    cumulative_hours: Decimal


@dataclass
class AwardCompute:
    award: Award
    rate: Fraction
    allocations: list[Allocation]
    months: list[MonthRow]
    fee_yen: int = 0
    subsidy_yen: int = 0
    used_hours: Decimal = Decimal(0)
    allocated_hours: int = 0
    alerts: list = field(default_factory=list)


def monthly_rows(
    rate: Fraction, usage: dict[dt.date, tuple[int, int]], planned: dict[dt.date, Fraction]
) -> list[MonthRow]:
    """Month by month: hours planned and used, fee, the month's subsidy and the running totals.
    `usage`: month → (milli-hours, fee yen)."""
    rows, cum_fee, cum_sub, cum_milli = [], 0, 0, 0
    for m in sorted(set(usage) | set(planned)):
        milli, fee = usage.get(m, (0, 0))
        cum_fee += fee
        cum_milli += milli
        subsidy_to_date = apply_rate(cum_fee, rate)
        rows.append(
            MonthRow(
                month=m,
                planned_hours=round_half_up(planned.get(m, Fraction(0)), 1),
                used_hours=milli_to_hours(milli),
                fee_yen=fee,
                subsidy_yen=subsidy_to_date - cum_sub,
                cumulative_fee_yen=cum_fee,
                cumulative_subsidy_yen=subsidy_to_date,
                cumulative_hours=milli_to_hours(cum_milli),
            )
        )
        cum_sub = subsidy_to_date
    return rows


def award_compute(award: Award, *, as_of: dt.date | None = None) -> AwardCompute:
    """An award's allocations, its usage and subsidy by month, and its alerts (four queries)."""
    rate = Fraction(award.rate)
    allocations = allocations_for_awards([award.pk])
    planned_rows: dict[int, list[PlannedMonth]] = {a.pk: [] for a in allocations}
    for p in PlannedMonth.objects.filter(allocation__in=allocations).order_by("month"):
        planned_rows[p.allocation_id].append(p)
    planned: dict[dt.date, Fraction] = {}
    for a in allocations:
        for m, h in planned_by_month(a, planned_rows[a.pk]).items():
            planned[m] = planned.get(m, Fraction(0)) + h
    usage = {
        r["month"]
        if isinstance(r["month"], dt.date) and not isinstance(r["month"], dt.datetime)
        else r["month"].date(): (r["milli"], r["fee"])
        for r in UsageDay.objects.filter(allocation__award=award)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(milli=Sum("hours_milli"), fee=Sum("fee_yen"))
        .order_by("month")
    }
    months = monthly_rows(rate, usage, planned)
    out = AwardCompute(award=award, rate=rate, allocations=allocations, months=months)
    out.fee_yen = months[-1].cumulative_fee_yen if months else 0
    out.subsidy_yen = months[-1].cumulative_subsidy_yen if months else 0
    out.used_hours = months[-1].cumulative_hours if months else Decimal(0)
    out.allocated_hours = sum(a.hours for a in allocations)
    out.alerts = alerts(as_of=as_of, allocations=Allocation.objects.filter(award=award))
    return out


def allocations_for_awards(award_ids) -> list[Allocation]:
    rows = list(
        Allocation.objects.filter(award_id__in=award_ids)
        .select_related("pool", "award")
        .annotate(
            used_milli=_sum_sub(UsageDay, "hours_milli", allocation=OuterRef("pk")),
            fee_yen=_sum_sub(UsageDay, "fee_yen", allocation=OuterRef("pk")),
        )
        .order_by("starts_on", "pk")
    )
    for a in rows:
        a.used_hours = milli_to_hours(a.used_milli)
        a.left_hours = milli_to_hours(a.hours * MILLI - a.used_milli)
    return rows


# --------------------------------------------------------------------------------------------
# Alerts


@dataclass
class Alert:
    kind: str  # "run_out" or "unused"
    allocation: Allocation
    allocated_hours: Decimal
    used_hours: Decimal
    per_day_hours: Decimal
    days_left: int
    projected_hours: Decimal
    projected_share: Decimal  # percent of the allocation
    over_hours: Decimal  # run_out: projected − allocated; unused: allocated − projected
    run_out_on: dt.date | None = None

    @property
    def award(self) -> Award:
        return self.allocation.award


def _hours(value: Fraction) -> Decimal:
    return round_half_up(value / MILLI, 1)


def alerts(
    *,
    as_of: dt.date | None = None,
    allocations: QuerySet[Allocation] | None = None,
    recent_days: int = RECENT_DAYS,
    underuse_share: Fraction = UNDERUSE_SHARE,
) -> list[Alert]:
    """Developers who will run out (hours used + the recent daily rate × the days left > hours
    allocated) and who will leave hours unused (that projection < `underuse_share` of the
    allocation), among the allocations running on `as_of` (JST today by default). The daily rate
    is the use of the last `recent_days` days up to `as_of` (fewer at the start) ÷ those days.
    One query."""
    as_of = as_of or today_jst()
    window_start = as_of - dt.timedelta(days=recent_days - 1)
    qs = allocations if allocations is not None else Allocation.objects.all()
    rows = (
        qs.filter(starts_on__lte=as_of, ends_on__gte=as_of)
        .select_related("award__organisation", "pool")
        .annotate(
            used_milli=Coalesce(
                Sum("usage_days__hours_milli", filter=Q(usage_days__day__lte=as_of)), 0
            ),
            recent_milli=Coalesce(
                Sum(
                    "usage_days__hours_milli",
                    filter=Q(usage_days__day__gte=window_start, usage_days__day__lte=as_of),
                ),
                0,
            ),
        )
        .order_by("award__number", "pool_id")
    )
    out = []
    for a in rows:
        last = a.last_day
        if as_of > last:
            continue
        window_days = (as_of - max(a.starts_on, window_start)).days + 1
        per_day = Fraction(a.recent_milli, window_days)
        days_left = (last - as_of).days
        projected = a.used_milli + per_day * days_left
        allocated = a.hours * MILLI
        common = {
            "allocation": a,
            "allocated_hours": Decimal(a.hours),
            "used_hours": milli_to_hours(a.used_milli),
            "per_day_hours": _hours(per_day),
            "days_left": days_left,
            "projected_hours": _hours(projected),
            "projected_share": round_half_up(projected * 100 / allocated, 1),
        }
        if projected > allocated:
            if a.used_milli >= allocated:
                run_out = as_of
            else:
                run_out = as_of + dt.timedelta(days=math.ceil((allocated - a.used_milli) / per_day))
            out.append(
                Alert(
                    kind="run_out",
                    over_hours=_hours(projected - allocated),
                    run_out_on=run_out,
                    **common,
                )
            )
        elif projected < allocated * underuse_share:
            out.append(Alert(kind="unused", over_hours=_hours(allocated - projected), **common))
    return out


# --------------------------------------------------------------------------------------------
# Evaluation


def declaration_of(award: Award) -> EvaluationDeclaration | None:
    return EvaluationDeclaration.objects.filter(award=award).select_related("declared_by").first()


def results_of(award: Award) -> list[BenchmarkResult]:
    return list(
        BenchmarkResult.objects.filter(award=award)
        .select_related("benchmark", "submitted_by")
        .order_by("-evaluated_on", "-id")
    )


@dataclass
class BoardRow:
    rank: int
    result: BenchmarkResult

    @property
    def award(self) -> Award:
        return self.result.award


@dataclass
class Leaderboard:
    benchmark: Benchmark
    rows: list[BoardRow]


def leaderboards() -> list[Leaderboard]:
    """Per benchmark, each developer's best result (the highest score, or the lowest where lower
    is better), best first; a tie goes to the result evaluated first, then the award number; tied
    scores share a rank (1, 1, 3). Two queries."""
    benchmarks = list(Benchmark.objects.order_by("name"))
    results = BenchmarkResult.objects.select_related("award__organisation", "benchmark").order_by(
        "benchmark_id", "award_id", "evaluated_on", "id"
    )
    best: dict[int, dict[int, BenchmarkResult]] = {b.pk: {} for b in benchmarks}
    for r in results:
        current = best[r.benchmark_id].get(r.award_id)
        better = (
            (r.score > current.score if r.benchmark.higher_is_better else r.score < current.score)
            if current
            else True
        )
        if better:
            best[r.benchmark_id][r.award_id] = r
    boards = []
    for b in benchmarks:
        sign = -1 if b.higher_is_better else 1
        ordered = sorted(
            best[b.pk].values(), key=lambda r: (sign * r.score, r.evaluated_on, r.award.number)
        )
        rows, rank = [], 0
        for i, r in enumerate(ordered, 1):
            if i == 1 or r.score != ordered[i - 2].score:
                rank = i
            rows.append(BoardRow(rank=rank, result=r))
        if rows:
            boards.append(Leaderboard(benchmark=b, rows=rows))
    return boards


def leaderboard(benchmark: Benchmark) -> Leaderboard | None:
    return next((b for b in leaderboards() if b.benchmark.pk == benchmark.pk), None)
