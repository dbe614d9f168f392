"""Writes of the GENIAC compute support. Each function: one transaction, a role check, an audit record.

Rules enforced here, each refusal naming its field:
- only the agency (and the development acceleration supporter working for it) buys pools,
  allocates hours and imports usage (the matching board and the events are `kikin.matching`);
- the allocations of a pool never exceed the hours bought: checked with the pool's row locked, so
  two officers allocating at once cannot both take the last hours;
- an allocation is for an award of theme (g3), in the pool's call where the pool has one, inside
  both the pool's period and the award's;
- usage is imported once per provider line (`usage_id` unique in the pool);
- a developer submits benchmark results only after declaring that no evaluation data set was
  trained on (000 lines 1760–1770).
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Sum
from django.utils.translation import gettext as _

from kikin.accounts.models import Role
from kikin.accounts.permissions import require_role
from kikin.audit.services import record
from kikin.awards.models import Award, AwardState
from kikin.awards.permissions import is_implementer
from kikin.core import timeutil
from kikin.programs.selectors import themes_with_mode

from . import usage as csvusage
from .models import (
    Allocation,
    Benchmark,
    BenchmarkResult,
    ComputePool,
    EvaluationDeclaration,
    PlannedMonth,
    UsageDay,
    UsageImport,
    UsageRecord,
)

#: The special mode of the themes this app serves (GENIAC's compute support, rules.md §6).
MODE = "compute_support"
#: The statement a developer declares before submitting results (000 lines 1760–1762).
DEFAULT_DECLARATION = (
    "本基盤モデルの開発において、評価で利用するベンチマークのデータセットを学習に利用していません。"
    " / No data set of the benchmarks used to evaluate the model was used to train it."
)
#: Rows written per batch by the ORM path (and the most errors kept per import).
BATCH_SIZE = 5000
ERRORS_KEPT = 100


def _is_geniac(award: Award) -> bool:
    """The award's theme has compute support, as its plan declares (never by its code)."""
    return themes_with_mode(MODE).filter(pk=award.theme_id).exists()


def _whole(value, field: str, *, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: _("A whole number.")})
    if value < 0 or (positive and value == 0):
        raise ValidationError({field: _("More than 0.") if positive else _("Not negative.")})
    return value


# --------------------------------------------------------------------------------------------
# Pools and allocations


@transaction.atomic
def create_pool(
    *,
    actor,
    name: str,
    provider: str,
    accelerator_type: str,
    hours_bought: int,
    price_per_hour_yen: int,
    starts_on: dt.date,
    ends_on: dt.date,
    call=None,
    cycle_label: str = "",
) -> ComputePool:
    """Record compute bought in bulk for a call or a cycle."""
    require_role(actor, Role.AGENCY)
    errors = {}
    for field, value in (
        ("name", name),
        ("provider", provider),
        ("accelerator_type", accelerator_type),
    ):
        if not (value or "").strip():
            errors[field] = _("Required.")
    if call is None and not cycle_label.strip():
        errors["call"] = _("Name the call or the cycle the pool serves.")
    if call is not None and not call.themes.filter(pk__in=themes_with_mode(MODE)).exists():
        errors["call"] = _("The call is not for a theme with compute support.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The period ends before it starts.")
    if errors:
        raise ValidationError(errors)
    pool = ComputePool.objects.create(
        call=call,
        cycle_label=cycle_label.strip(),
        name=name.strip(),
        provider=provider.strip(),
        accelerator_type=accelerator_type.strip(),
        hours_bought=_whole(hours_bought, "hours_bought", positive=True),
        price_per_hour_yen=_whole(price_per_hour_yen, "price_per_hour_yen"),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    record(
        actor=actor,
        action="compute.pool_create",
        obj=pool,
        after={
            "provider": pool.provider,
            "accelerator_type": pool.accelerator_type,
            "hours_bought": pool.hours_bought,
            "price_per_hour_yen": pool.price_per_hour_yen,
            "call": call.key if call else None,
            "cycle": pool.cycle_label,
        },
    )
    return pool


def _allocated(pool: ComputePool, *, exclude: Allocation | None = None) -> int:
    qs = Allocation.objects.filter(pool=pool)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(s=Sum("hours"))["s"] or 0


@transaction.atomic
def change_pool_hours(*, actor, pool: ComputePool, hours_bought: int, note: str) -> ComputePool:
    """More (or fewer) hours bought; never below the hours allocated."""
    require_role(actor, Role.AGENCY)
    if not note.strip():
        raise ValidationError({"note": _("Give the reason.")})
    pool = ComputePool.objects.select_for_update().get(pk=pool.pk)
    hours_bought = _whole(hours_bought, "hours_bought", positive=True)
    allocated = _allocated(pool)
    if hours_bought < allocated:
        raise ValidationError(
            {"hours_bought": _("%(a)s hours are allocated already.") % {"a": f"{allocated:,}"}}
        )
    before = pool.hours_bought
    pool.hours_bought = hours_bought
    pool.save(update_fields=["hours_bought"])
    record(
        actor=actor,
        action="compute.pool_hours",
        obj=pool,
        before={"hours_bought": before},
        after={"hours_bought": hours_bought},
        note=note,
    )
    return pool


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _check_schedule(
    award: Award,
    pool: ComputePool,
    hours: int,
    starts_on: dt.date,
    ends_on: dt.date,
    monthly: dict[dt.date, int] | None,
) -> dict[dt.date, int]:
    errors: dict[str, str] = {}
    if ends_on < starts_on:
        errors["ends_on"] = _("The period ends before it starts.")
    elif not (pool.starts_on <= starts_on and ends_on <= pool.ends_on):
        errors["starts_on"] = _("Inside the pool's period (%(a)s – %(b)s).") % {
            "a": pool.starts_on.isoformat(),
            "b": pool.ends_on.isoformat(),
        }
    elif not (award.start_date <= starts_on and ends_on <= award.last_day):
        errors["starts_on"] = _("Inside the award's period (%(a)s – %(b)s).") % {
            "a": award.start_date.isoformat(),
            "b": award.last_day.isoformat(),
        }
    if errors:
        raise ValidationError(errors)
    plan: dict[dt.date, int] = {}
    if monthly:
        first, last = _month_start(starts_on), _month_start(ends_on)
        for month, value in monthly.items():
            key = _month_start(month)
            if not first <= key <= last:
                errors[f"monthly.{key:%Y-%m}"] = _("Outside the allocation's period.")
            plan[key] = plan.get(key, 0) + _whole(value, f"monthly.{key:%Y-%m}")
        total = sum(plan.values())
        if total != hours:
            errors["monthly"] = _("The months plan %(p)s hours; the allocation is %(h)s.") % {
                "p": f"{total:,}",
                "h": f"{hours:,}",
            }
        if errors:
            raise ValidationError(errors)
    return plan


@transaction.atomic
def allocate(
    *,
    actor,
    pool: ComputePool,
    award: Award,
    hours: int,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    monthly: dict[dt.date, int] | None = None,
    code: str = "",
) -> Allocation:
    """Give a (g3) developer hours of a pool, for a period (by default where the pool's and the
    award's periods overlap), with a plan by month if given (the months must add up to the hours)."""
    require_role(actor, Role.AGENCY)
    pool = ComputePool.objects.select_for_update().get(pk=pool.pk)
    award = Award.objects.select_related("theme__item", "call").get(pk=award.pk)
    hours = _whole(hours, "hours", positive=True)
    if not _is_geniac(award):
        raise ValidationError(
            {"award": _("Compute is allocated only to awards of themes with compute support.")}
        )
    if award.state != AwardState.ACTIVE:
        raise ValidationError({"award": _("The award is not in progress.")})
    if pool.call_id and award.call_id != pool.call_id:
        raise ValidationError(
            {"award": _("The pool serves the call %(call)s only.") % {"call": pool.call.key}}
        )
    if Allocation.objects.filter(pool=pool, award=award).exists():
        raise ValidationError(
            {
                "award": _(
                    "This developer has an allocation of this pool already: change it instead."
                )
            }
        )
    code = (code or award.number).strip()
    if Allocation.objects.filter(pool=pool, code=code).exists():
        raise ValidationError({"code": _("Another allocation of this pool has this number.")})
    starts_on = starts_on or max(pool.starts_on, award.start_date)
    ends_on = ends_on or min(pool.ends_on, award.last_day)
    plan = _check_schedule(award, pool, hours, starts_on, ends_on, monthly)
    free = pool.hours_bought - _allocated(pool)
    if hours > free:
        raise ValidationError(
            {
                "hours": _("Only %(free)s of the pool's %(bought)s hours are unallocated.")
                % {"free": f"{free:,}", "bought": f"{pool.hours_bought:,}"}
            }
        )
    allocation = Allocation.objects.create(
        pool=pool,
        award=award,
        code=code,
        hours=hours,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    PlannedMonth.objects.bulk_create(
        [PlannedMonth(allocation=allocation, month=m, hours=h) for m, h in sorted(plan.items())]
    )
    record(
        actor=actor,
        action="compute.allocate",
        obj=allocation,
        after={
            "pool": pool.pk,
            "award": award.number,
            "hours": hours,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "monthly": {f"{m:%Y-%m}": h for m, h in sorted(plan.items())},
        },
    )
    return allocation


@transaction.atomic
def change_allocation(
    *,
    actor,
    allocation: Allocation,
    hours: int,
    starts_on: dt.date,
    ends_on: dt.date,
    monthly: dict[dt.date, int] | None = None,
    note: str = "",
) -> Allocation:
    """Change an allocation's hours and schedule (the plan by month is replaced). Never above
    what the pool has free, below the hours used, or so that imported usage falls outside it."""
    require_role(actor, Role.AGENCY)
    pool = ComputePool.objects.select_for_update().get(pk=allocation.pool_id)
    allocation = (
        Allocation.objects.select_for_update()
        .select_related("award__theme__item")
        .get(pk=allocation.pk)
    )
    hours = _whole(hours, "hours", positive=True)
    plan = _check_schedule(allocation.award, pool, hours, starts_on, ends_on, monthly)
    free = pool.hours_bought - _allocated(pool, exclude=allocation)
    if hours > free:
        raise ValidationError(
            {
                "hours": _("Only %(free)s of the pool's %(bought)s hours are unallocated.")
                % {"free": f"{free:,}", "bought": f"{pool.hours_bought:,}"}
            }
        )
    used = allocation.usage_days.aggregate(
        milli=Sum("hours_milli"), first=Min("day"), last=Max("day")
    )
    if used["milli"] and hours * 1000 < used["milli"]:
        raise ValidationError(
            {"hours": _("%(u)s hours are used already.") % {"u": used["milli"] / 1000}}
        )
    if used["first"] and not (starts_on <= used["first"] and used["last"] <= ends_on):
        raise ValidationError(
            {
                "starts_on": _("Usage is recorded from %(a)s to %(b)s.")
                % {"a": used["first"].isoformat(), "b": used["last"].isoformat()}
            }
        )
    before = {
        "hours": allocation.hours,
        "starts_on": allocation.starts_on.isoformat(),
        "ends_on": allocation.ends_on.isoformat(),
    }
    allocation.hours, allocation.starts_on, allocation.ends_on = hours, starts_on, ends_on
    allocation.save(update_fields=["hours", "starts_on", "ends_on"])
    allocation.planned_months.all().delete()
    PlannedMonth.objects.bulk_create(
        [PlannedMonth(allocation=allocation, month=m, hours=h) for m, h in sorted(plan.items())]
    )
    record(
        actor=actor,
        action="compute.allocation_change",
        obj=allocation,
        before=before,
        after={
            "hours": hours,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "monthly": {f"{m:%Y-%m}": h for m, h in sorted(plan.items())},
        },
        note=note,
    )
    return allocation


# --------------------------------------------------------------------------------------------
# Usage import


def _allocation_windows(pool: ComputePool) -> dict[str, tuple[int, dt.date, dt.date]]:
    return {
        a.code: (a.pk, a.starts_on, a.last_day)
        for a in Allocation.objects.filter(pool=pool).select_related("award")
    }


def _insert_orm(imp: UsageImport, rows, batch_size: int) -> int:
    batch: list[UsageRecord] = []
    for line, usage_id, alloc_id, day, milli, fee in rows:
        batch.append(
            UsageRecord(
                pool_id=imp.pool_id,
                allocation_id=alloc_id,
                usage_id=usage_id,
                day=day,
                hours_milli=milli,
                fee_yen=fee,
                source_id=imp.pk,
                line=line,
            )
        )
        if len(batch) >= batch_size:
            UsageRecord.objects.bulk_create(batch, batch_size=batch_size, ignore_conflicts=True)
            batch = []
    if batch:
        UsageRecord.objects.bulk_create(batch, batch_size=batch_size, ignore_conflicts=True)
    # The rows skipped as already present carry an earlier import's id: what carries this one's is new.
    new = list(
        UsageRecord.objects.filter(source=imp)
        .order_by()
        .values("allocation_id", "day")
        .annotate(milli=Sum("hours_milli"), fee=Sum("fee_yen"), n=Count("id"))
    )
    if new:
        allocation_ids = {r["allocation_id"] for r in new}
        days = {
            (d.allocation_id, d.day): d
            for d in UsageDay.objects.filter(allocation_id__in=allocation_ids)
        }
        for r in new:
            d = days.get((r["allocation_id"], r["day"]))
            if d is None:
                days[(r["allocation_id"], r["day"])] = UsageDay(
                    allocation_id=r["allocation_id"],
                    day=r["day"],
                    hours_milli=r["milli"],
                    fee_yen=r["fee"],
                    lines=r["n"],
                )
            else:
                d.hours_milli, d.fee_yen, d.lines = (
                    d.hours_milli + r["milli"],
                    d.fee_yen + r["fee"],
                    d.lines + r["n"],
                )
        UsageDay.objects.bulk_create(
            list(days.values()),
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=["allocation", "day"],
            update_fields=["hours_milli", "fee_yen", "lines"],
        )
    return sum(r["n"] for r in new)


_STAGE = "compute_usage_stage"


def _insert_copy(imp: UsageImport, rows) -> int:
    """PostgreSQL: COPY the good rows into a temporary table as they are read, then one statement
    that inserts the new ones (ON CONFLICT DO NOTHING) and adds them to the daily totals; its
    result is the number of new rows."""
    records, days = UsageRecord._meta.db_table, UsageDay._meta.db_table
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor
        cur.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (line integer, usage_id varchar(100), allocation_id bigint, "
            f"day date, hours_milli bigint, fee_yen bigint)"
        )
        cur.execute(f"TRUNCATE {_STAGE}")
        # The first line of an id wins: sort by line, in memory rather than in temporary files.
        cur.execute("SET LOCAL work_mem = '256MB'")
        with cur.copy(
            f"COPY {_STAGE} (line, usage_id, allocation_id, day, hours_milli, fee_yen) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(
            f"WITH new AS ("
            f" INSERT INTO {records} (pool_id, allocation_id, usage_id, day, hours_milli, fee_yen, source_id, line)"
            f" SELECT %s, allocation_id, usage_id, day, hours_milli, fee_yen, %s, line FROM {_STAGE} ORDER BY line"
            f" ON CONFLICT (pool_id, usage_id) DO NOTHING"
            f" RETURNING allocation_id, day, hours_milli, fee_yen"
            f"), totals AS ("
            f" INSERT INTO {days} AS d (allocation_id, day, hours_milli, fee_yen, lines)"
            f" SELECT allocation_id, day, SUM(hours_milli), SUM(fee_yen), COUNT(*) FROM new GROUP BY allocation_id, day"
            f" ON CONFLICT (allocation_id, day) DO UPDATE SET hours_milli = d.hours_milli + EXCLUDED.hours_milli,"
            f" fee_yen = d.fee_yen + EXCLUDED.fee_yen, lines = d.lines + EXCLUDED.lines"
            f") SELECT COUNT(*) FROM new",
            [imp.pool_id, imp.pk],
        )
        inserted = cur.fetchone()[0]
        cur.execute(f"DROP TABLE {_STAGE}")
    return inserted


@transaction.atomic
def import_usage(
    *,
    actor,
    pool: ComputePool,
    stream,
    file_name: str,
    method: str | None = None,
    batch_size: int = BATCH_SIZE,
    errors_kept: int = ERRORS_KEPT,
) -> UsageImport:
    """Import a provider's usage report (format: `kikin.compute.usage`) from a binary stream,
    read line by line. Good rows are inserted in batches (PostgreSQL: COPY), bad rows counted
    and the first `errors_kept` reported with their line numbers; rows whose `usage_id` the pool
    has already are skipped, so sending the same file twice imports nothing the second time.
    `method`: "copy" (PostgreSQL only) or "orm"; by default COPY on PostgreSQL."""
    require_role(actor, Role.AGENCY)
    method = method or ("copy" if connection.vendor == "postgresql" else "orm")
    if method not in {"copy", "orm"} or (method == "copy" and connection.vendor != "postgresql"):
        raise ValidationError({"method": _("COPY needs PostgreSQL.")})
    started = time.perf_counter()
    pool = ComputePool.objects.select_for_update().get(pk=pool.pk)
    imp = UsageImport.objects.create(
        pool=pool, file_name=file_name[:255], sha256="", method=method, uploaded_by=actor
    )
    hasher, text = csvusage.text_lines(stream)
    tally = csvusage.Tally(keep=errors_kept)
    try:
        rows = csvusage.good_rows(text, _allocation_windows(pool), pool.price_per_hour_yen, tally)
    except csvusage.HeaderError as exc:
        raise ValidationError({"file": str(exc)}) from None
    inserted = _insert_copy(imp, rows) if method == "copy" else _insert_orm(imp, rows, batch_size)
    imp.sha256 = hasher.sha256.hexdigest()
    imp.size_bytes = hasher.size
    imp.rows_read, imp.rows_bad, imp.errors = tally.read, tally.bad, tally.errors
    imp.rows_imported, imp.rows_already = inserted, tally.good - inserted
    imp.same_file_as = (
        UsageImport.objects.filter(pool=pool, sha256=imp.sha256)
        .exclude(pk=imp.pk)
        .order_by("pk")
        .first()
    )
    imp.seconds = Decimal(f"{time.perf_counter() - started:.3f}")
    imp.save()
    record(
        actor=actor,
        action="compute.usage_import",
        obj=imp,
        after={
            "pool": pool.pk,
            "file": imp.file_name,
            "sha256": imp.sha256,
            "rows_read": imp.rows_read,
            "imported": inserted,
            "already": imp.rows_already,
            "bad": imp.rows_bad,
            "same_file_as": imp.same_file_as_id,
        },
    )
    return imp


def import_usage_file(*, actor, pool: ComputePool, path, method: str | None = None) -> UsageImport:
    """`import_usage` from a file on disk (read as a stream)."""
    from pathlib import Path

    path = Path(path)
    with path.open("rb") as fh:
        return import_usage(actor=actor, pool=pool, stream=fh, file_name=path.name, method=method)


# --------------------------------------------------------------------------------------------
# Evaluation


@transaction.atomic
def declare_no_evaluation_data(
    *, actor, award: Award, statement: str = DEFAULT_DECLARATION
) -> EvaluationDeclaration:
    """The developer declares that no evaluation data set was trained on (once per award)."""
    award = Award.objects.select_for_update().select_related("theme__item").get(pk=award.pk)
    if not is_implementer(actor, award):
        raise PermissionDenied(_("Only the developer may declare this."))
    if not _is_geniac(award):
        raise ValidationError(
            {"award": _("Only developers of themes with compute support declare this.")}
        )
    if not statement.strip():
        raise ValidationError({"statement": _("Required.")})
    if EvaluationDeclaration.objects.filter(award=award).exists():
        raise ValidationError({"award": _("Declared already.")})
    declaration = EvaluationDeclaration.objects.create(
        award=award, statement=statement.strip(), declared_by=actor
    )
    record(
        actor=actor,
        action="compute.declare_no_evaluation_data",
        obj=award,
        after={"statement": declaration.statement},
    )
    return declaration


def _score(value) -> Decimal:
    if isinstance(value, (float, bool)):
        raise ValidationError({"score": _("Write the score as a decimal number, not a float.")})
    try:
        score = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({"score": _("Not a number.")}) from None
    if not score.is_finite() or score.as_tuple().exponent < -4 or abs(score) >= Decimal(10) ** 10:
        raise ValidationError({"score": _("A number with at most four decimals.")})
    return score


@transaction.atomic
def submit_result(
    *,
    actor,
    award: Award,
    benchmark: str,
    score,
    evaluated_on: dt.date,
    model_version: str,
    note: str = "",
) -> BenchmarkResult:
    """A developer submits one evaluation result; refused until they have declared that no
    evaluation data set was trained on. A benchmark not seen before is added (higher is better
    unless the agency marks it otherwise)."""
    award = Award.objects.select_related("theme__item").get(pk=award.pk)
    if not is_implementer(actor, award):
        raise PermissionDenied(_("Only the developer may submit results."))
    if not EvaluationDeclaration.objects.filter(award=award).exists():
        raise ValidationError(
            {"declaration": _("Declare first that no evaluation data set was used for training.")}
        )
    errors = {}
    name = " ".join((benchmark or "").split())
    if not name or len(name) > 100:
        errors["benchmark"] = _("Name the benchmark (at most 100 characters).")
    if not (model_version or "").strip():
        errors["model_version"] = _("Required.")
    if evaluated_on is None or evaluated_on > timeutil.today():
        errors["evaluated_on"] = _("The day of the evaluation, not in the future.")
    if errors:
        raise ValidationError(errors)
    score = _score(score)
    bench = Benchmark.objects.filter(name__iexact=name).first() or Benchmark.objects.create(
        name=name
    )
    if BenchmarkResult.objects.filter(
        award=award, benchmark=bench, model_version=model_version.strip(), evaluated_on=evaluated_on
    ).exists():
        raise ValidationError(
            {
                "model_version": _(
                    "A result for this benchmark, model version and day is recorded already."
                )
            }
        )
    result = BenchmarkResult.objects.create(
        award=award,
        benchmark=bench,
        score=score,
        evaluated_on=evaluated_on,
        model_version=model_version.strip(),
        note=note,
        submitted_by=actor,
    )
    record(
        actor=actor,
        action="compute.benchmark_result",
        obj=result,
        after={
            "award": award.number,
            "benchmark": bench.name,
            "score": str(score),
            "model_version": result.model_version,
            "evaluated_on": evaluated_on.isoformat(),
        },
    )
    return result


@transaction.atomic
def define_benchmark(
    *, actor, name: str, higher_is_better: bool = True, description: str = ""
) -> Benchmark:
    """The agency names a benchmark and which way is better."""
    require_role(actor, Role.AGENCY)
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise ValidationError({"name": _("Name the benchmark (at most 100 characters).")})
    bench = Benchmark.objects.select_for_update().filter(name__iexact=name).first()
    before = {"higher_is_better": bench.higher_is_better} if bench else None
    if bench is None:
        bench = Benchmark.objects.create(
            name=name, higher_is_better=higher_is_better, description=description
        )
    else:
        bench.higher_is_better, bench.description = (
            higher_is_better,
            description or bench.description,
        )
        bench.save()
    record(
        actor=actor,
        action="compute.benchmark_define",
        obj=bench,
        before=before,
        after={"name": bench.name, "higher_is_better": higher_is_better},
    )
    return bench
