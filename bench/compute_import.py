"""Bench: importing a compute provider's usage report of 1,000,000 rows, PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/compute_import.py \
        [--rows 1000000] [--allocations 50] [--bad-every 200000] [--keep-csv PATH]

It never writes to the database DATABASE_URL names: it creates (once) and uses its own database on
the same server, `kikin_bench_compute` (--database), migrates it and loads the seed plan there. It
makes (once; a later run reuses them) 50 GENIAC (g3) awards of the 2024-07 call — six months from
15 October 2024 — for 50 organisations, written directly as adopted proposals and awards; then, on
every run, empties the compute tables and records one compute pool (H100, 3,000 yen an hour) with
one allocation per award.

It writes a CSV usage report of N rows for that pool (streamed to a temporary file): one row per
allocation, day and instance, with the hours to a thousandth and the fee in yen, empty on one row
in ten (the import then computes it); and, every --bad-every rows, one bad row of each kind (a bad
number, an unknown allocation, a day outside the allocation, negative hours, a negative fee, a bad
date, a missing column), whose line numbers it remembers.

It imports the file through `kikin.compute.services.import_usage_file` (streamed, COPY on
PostgreSQL), timing it, then imports the same file again, and checks:

* the first import took < 60 s and the process's peak RSS stayed < 1 GiB (resource.getrusage);
* every good row is in the database once, and the second import added 0 rows;
* every bad row was refused and reported with its line number and reason;
* the daily totals the pages read add up to the records.

It also times the staff alerts and one developer's monthly summary on the imported data.

The last line is one JSON object with every figure and its target.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import finish, peak_rss_mib, progress  # noqa: E402
from pages import open_bench_database  # noqa: E402

IMPORT_TARGET_S = 60
RSS_TARGET_MIB = 1024
BENCH_PREFIX = "bench-compute-"  # usernames, receipt and award numbers
ORG_MARK = "Bench Compute Org "
CALL_KEY = "2024-07"
START = dt.date(2024, 10, 15)
END = dt.date(2025, 4, 14)  # six months
PRICE_PER_HOUR_YEN = 3_000
HOURS_PER_ALLOCATION = 40_000
BAD_KINDS = [
    "bad_number",
    "unknown_allocation",
    "outside_allocation",
    "negative",
    "negative_fee",
    "bad_date",
    "columns",
]
EXPECTED_CODE = {"negative_fee": "negative"}


# --------------------------------------------------------------------------------------------
# Awards (once) and the pool (every run)


def ensure_awards(n: int):
    """n GENIAC awards of the 2024-07 call (reused when present)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from kikin.accounts.models import Organisation, OrganisationCategory, Role, User
    from kikin.awards.models import Award, AwardForm
    from kikin.calls.models import Call, Proposal, ProposalState
    from kikin.programs.models import Theme

    existing = list(Award.objects.filter(number__startswith=f"A-{BENCH_PREFIX}").order_by("number"))
    if len(existing) == n:
        return existing, False
    with transaction.atomic():
        Award.objects.filter(number__startswith=f"A-{BENCH_PREFIX}").delete()
        Proposal.objects.filter(receipt_number__startswith=BENCH_PREFIX).delete()
        User.objects.filter(username__startswith=BENCH_PREFIX).delete()
        Organisation.objects.filter(name_en__startswith=ORG_MARK).delete()
        call = Call.objects.get(key=CALL_KEY)
        theme = Theme.objects.get(item__number=1, code="g3")
        unusable = make_password(None)
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name_ja=f"ベンチ生成AI株式会社{i:03d}",
                    name_en=f"{ORG_MARK}{i:03d}",
                    category=OrganisationCategory.SME if i % 3 else OrganisationCategory.LARGE,
                )
                for i in range(n)
            ]
        )
        users = User.objects.bulk_create(
            [
                User(
                    username=f"{BENCH_PREFIX}dev{i:03d}",
                    password=unusable,
                    role=Role.APPLICANT,
                    organisation=o,
                )
                for i, o in enumerate(orgs)
            ]
        )
        proposals = Proposal.objects.bulk_create(
            [
                Proposal(
                    call=call,
                    theme=theme,
                    organisation=o,
                    created_by=u,
                    state=ProposalState.ADOPTED,
                    receipt_number=f"{BENCH_PREFIX}{i:03d}",
                    title=f"基盤モデル開発 {i:03d}",
                    start_date=START,
                    period_months=6,
                    development_type="scratch",
                    benchmark_target="JGLUE",
                    compute_provider="Google Cloud",
                    accelerator_type="H100",
                    accelerator_hours=HOURS_PER_ALLOCATION,
                )
                for i, (o, u) in enumerate(zip(orgs, users, strict=False))
            ]
        )
        agency = User.objects.filter(
            username=f"{BENCH_PREFIX}agency"
        ).first() or User.objects.create(
            username=f"{BENCH_PREFIX}agency",
            password=unusable,
            role=Role.AGENCY,
            display_name="ベンチ 実施機関",
        )
        awards = Award.objects.bulk_create(
            [
                Award(
                    proposal=p,
                    call=call,
                    theme=theme,
                    organisation=p.organisation,
                    number=f"A-{p.receipt_number}",
                    form=AwardForm.GRANT,
                    rate="2/3" if p.organisation.category == OrganisationCategory.SME else "1/2",
                    rate_label="2/3"
                    if p.organisation.category == OrganisationCategory.SME
                    else "1/2",
                    start_date=START,
                    period_months=6,
                    period_end=END,
                    proposal_contract_yen=100_000_000,
                    created_by=agency,
                )
                for p in proposals
            ]
        )
    return awards, True


def fresh_pool(awards):
    """Empty the compute tables (this database is the bench's own); one pool, one allocation per award."""
    from django.apps import apps
    from django.db import connection

    from kikin.accounts.models import User
    from kikin.compute import services
    from kikin.compute.models import ComputePool

    tables = [m._meta.db_table for m in apps.get_app_config("compute").get_models()]
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    agency = User.objects.get(username=f"{BENCH_PREFIX}agency")
    call = awards[0].call
    pool = services.create_pool(
        actor=agency,
        name="GENIAC cycle 2 H100 (bench)",
        provider="Google Cloud",
        accelerator_type="H100",
        hours_bought=HOURS_PER_ALLOCATION * len(awards),
        price_per_hour_yen=PRICE_PER_HOUR_YEN,
        starts_on=START,
        ends_on=END,
        call=call,
    )
    allocations = [
        services.allocate(actor=agency, pool=pool, award=a, hours=HOURS_PER_ALLOCATION)
        for a in awards
    ]
    assert ComputePool.objects.count() == 1
    return agency, pool, allocations


# --------------------------------------------------------------------------------------------
# The usage report


def write_report(
    path: Path, allocations, rows: int, bad_every: int, seed: int
) -> tuple[int, dict[int, str]]:
    """Write `rows` data rows; every `bad_every` rows one bad row of each kind. Returns
    (good rows, {line number: expected error code})."""
    rng = random.Random(seed)
    days = (END - START).days + 1
    codes = [a.code for a in allocations]
    bad: dict[int, str] = {}
    good = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(["usage_id", "allocation", "date", "accelerator_hours", "fee_yen"])
        line = 1
        i = 0
        while i < rows:
            if bad_every and i and i % bad_every == 0:
                for kind in BAD_KINDS:
                    if i >= rows:
                        break
                    line += 1
                    i += 1
                    code = rng.choice(codes)
                    day = (START + dt.timedelta(days=rng.randrange(days))).isoformat()
                    row = {
                        "bad_number": [f"bad-{i}", code, day, "1.2.3", "100"],
                        "unknown_allocation": [f"bad-{i}", "A-NO-SUCH", day, "1", "100"],
                        "outside_allocation": [
                            f"bad-{i}",
                            code,
                            (END + dt.timedelta(days=1)).isoformat(),
                            "1",
                            "100",
                        ],
                        "negative": [f"bad-{i}", code, day, "-1.5", "100"],
                        "negative_fee": [f"bad-{i}", code, day, "1.5", "-4500"],
                        "bad_date": [f"bad-{i}", code, "2024-13-01", "1", "100"],
                        "columns": [f"bad-{i}", code, day],
                    }[kind]
                    w.writerow(row)
                    bad[line] = EXPECTED_CODE.get(kind, kind)
                continue
            line += 1
            i += 1
            milli = rng.randrange(1, 8_000)  # up to 8 accelerator-hours on one line
            hours = f"{milli // 1000}.{milli % 1000:03d}"
            fee = "" if i % 10 == 0 else str(milli * PRICE_PER_HOUR_YEN // 1000)
            w.writerow(
                [
                    f"gcp-{i:09d}",
                    codes[i % len(codes)],
                    (START + dt.timedelta(days=(i - 1) * days // rows)).isoformat(),
                    hours,
                    fee,
                ]
            )
            good += 1
    return good, bad


# --------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--allocations", type=int, default=50)
    parser.add_argument(
        "--bad-every", type=int, default=200_000, help="one bad row of each kind every N rows"
    )
    parser.add_argument(
        "--database",
        default="kikin_bench_compute",
        help="the bench's own database on the same server",
    )
    parser.add_argument("--keep-csv", help="write the report here and keep it")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    _created, _migrate_s = open_bench_database(args.database)
    from django.conf import settings
    from django.db import connection
    from django.db.models import Sum

    from kikin.compute import selectors, services
    from kikin.compute.models import UsageDay, UsageRecord

    assert not settings.DEBUG, "DEBUG keeps every query in memory: run with KIKIN_DEBUG=0"
    awards, made = ensure_awards(args.allocations)
    agency, pool, allocations = fresh_pool(awards)
    progress(
        f"{len(awards)} awards ({'made' if made else 'reused'}), pool {pool.pk} with {len(allocations)} allocations"
    )

    tmp = None
    if args.keep_csv:
        path = Path(args.keep_csv)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="kikin-compute-bench-")
        path = Path(tmp.name) / "usage.csv"
    t = time.perf_counter()
    good, bad = write_report(path, allocations, args.rows, args.bad_every, args.seed)
    write_s = time.perf_counter() - t
    size_mib = round(path.stat().st_size / 2**20, 1)
    progress(
        f"wrote {args.rows:,} rows ({good:,} good, {len(bad)} bad), {size_mib} MiB, in {write_s:.1f} s"
    )
    rss_before = peak_rss_mib()

    t = time.perf_counter()
    first = services.import_usage_file(actor=agency, pool=pool, path=path)
    import_s = time.perf_counter() - t
    rss_after_first = peak_rss_mib()
    progress(
        f"import: {first.rows_imported:,} new, {first.rows_already:,} already, {first.rows_bad:,} bad in {import_s:.1f} s; "
        f"peak RSS {rss_after_first} MiB"
    )
    in_db = UsageRecord.objects.filter(pool=pool).count()

    t = time.perf_counter()
    second = services.import_usage_file(actor=agency, pool=pool, path=path)
    reimport_s = time.perf_counter() - t
    progress(
        f"again: {second.rows_imported:,} new, {second.rows_already:,} already, {second.rows_bad:,} bad in {reimport_s:.1f} s"
    )
    in_db_after = UsageRecord.objects.filter(pool=pool).count()

    days = UsageDay.objects.filter(allocation__pool=pool).aggregate(
        m=Sum("hours_milli"), f=Sum("fee_yen"), n=Sum("lines")
    )
    records = UsageRecord.objects.filter(pool=pool).aggregate(
        m=Sum("hours_milli"), f=Sum("fee_yen")
    )
    daily_totals_match = days == {"m": records["m"], "f": records["f"], "n": in_db_after}
    reported = {e["line"]: e["code"] for e in first.errors}
    kept = dict(
        sorted(bad.items())[: services.ERRORS_KEPT]
    )  # the import keeps the first 100 errors
    bad_reported = (
        reported == kept
        and first.rows_bad == len(bad)
        and all(e.get("reason") for e in first.errors)
    )
    t = time.perf_counter()
    alerts = selectors.alerts(as_of=START + dt.timedelta(days=90))
    alerts_s = time.perf_counter() - t
    t = time.perf_counter()
    summary = selectors.award_compute(allocations[0].award, as_of=START + dt.timedelta(days=90))
    developer_page_s = time.perf_counter() - t
    rss = peak_rss_mib()
    if tmp is not None:
        tmp.cleanup()

    result = {
        "bench": "compute_import",
        "database": args.database,
        "postgresql": connection.pg_version,
        "rows": args.rows,
        "allocations": len(allocations),
        "csv_mib": size_mib,
        "csv_write_s": round(write_s, 1),
        "good_rows": good,
        "bad_rows": len(bad),
        "method": first.method,
        "import_s": round(import_s, 2),
        "import_target_s": IMPORT_TARGET_S,
        "rows_per_s": round(args.rows / import_s),
        "imported": first.rows_imported,
        "in_database": in_db,
        "all_good_rows_in_database": in_db == good == first.rows_imported,
        "peak_rss_mib": rss,
        "peak_rss_mib_before_import": rss_before,
        "peak_rss_target_mib": RSS_TARGET_MIB,
        "reimport_s": round(reimport_s, 2),
        "reimport_new_rows": second.rows_imported,
        "reimport_already": second.rows_already,
        "reimport_new_rows_target": 0,
        "reimport_same_file_detected": second.same_file_as_id == first.pk,
        "rows_after_reimport": in_db_after,
        "bad_rows_reported": first.rows_bad,
        "bad_lines_expected": sorted(bad)[:10],
        "bad_lines_reported": sorted(reported)[:10],
        "bad_rows_reported_with_lines_target": True,
        "bad_rows_reported_with_lines": bad_reported,
        "first_error": first.errors[0] if first.errors else None,
        "daily_totals_match_records": daily_totals_match,
        "subsidy_yen_first_developer": summary.subsidy_yen,
        "fees_yen_first_developer": summary.fee_yen,
        "alerts": len(alerts),
        "alerts_s": round(alerts_s, 3),
        "developer_summary_s": round(developer_page_s, 3),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    result["ok"] = bool(
        import_s < IMPORT_TARGET_S
        and rss < RSS_TARGET_MIB
        and second.rows_imported == 0
        and in_db_after == in_db
        and result["all_good_rows_in_database"]
        and bad_reported
        and daily_totals_match
    )
    return finish(result)


if __name__ == "__main__":
    sys.exit(main())
