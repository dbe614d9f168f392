"""Bench: the committee packet of 50 stage-gate reviews as one PDF, on PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/packet.py \
        [--awards 50] [--runs 3] [--rebuild]

It never writes to the database DATABASE_URL names: it creates (once) and uses its own database on
the same server, `kikin_bench_packet` (--database), migrates it and loads the seed plan there. It
then generates, once, N awards under way with bench/portfolio.py's generator (PostgreSQL COPY:
5 fiscal years of budget, about 20 cost claims of 5 lines each and a payment for each approved
one, 2 to 10 progress reports), and gives each award what a committee reads besides:

* a yearly evaluation for every fiscal year it has run,
* its first stage-gate review, held 18 months in (passed, or accelerated where its budget was),
* its second, scheduled in the 30 days from a month after the data were made — the packet's range.

A later run with the same sizes reuses them. It then asks for the packet of that range
(/awards/packet/?from=...&to=..., Django's test client logged in as an agency officer): one
request to warm up (reported, not counted), then --runs timed ones. It reads the PDF back (pypdf)
for its pages and checks that the cover lists every award, counts the queries of the warm-up, and
times the two halves once on their own (reading the themes; laying out the PDF).
Target: every timed request under 20 s. The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import finish, peak_rss_mib, progress  # noqa: E402
from pages import open_bench_database  # noqa: E402
from portfolio import BENCH_PREFIX, bench_counts, expected_counts, generate, wipe  # noqa: E402

TARGET_S = 20
CALLS = 2
OUTLOOKS = ["on_track", "on_track", "at_risk", "on_track", "off_track"]
COMMENTS = [
    "中間目標に向けて計画どおり進捗しており、予算の執行も適切である。",
    "試作機の性能は目標に近づいているが、量産化の見通しについて追加の検討が必要である。",
    "実証先との連携が遅れており、次年度の計画を見直す必要がある。",
]


def add_committee_data(today: dt.date) -> None:
    """Evaluations for each past fiscal year, a held first gate and a second gate scheduled from
    today + 30 days, one a day in turn, for every bench award (replacing the generator's gates)."""
    from django.db import transaction

    from kikin.accounts.models import User
    from kikin.awards.models import Award, StageGateReview, YearlyEvaluation
    from kikin.rules.dates import add_months
    from kikin.rules.fiscal import fiscal_year

    agency = User.objects.get(username=f"{BENCH_PREFIX}agency")
    awards = list(Award.objects.filter(call__key__startswith=BENCH_PREFIX).order_by("number"))
    current_fy = fiscal_year(today)
    with transaction.atomic():
        StageGateReview.objects.filter(award__in=awards).delete()
        YearlyEvaluation.objects.filter(award__in=awards).delete()
        StageGateReview.objects.bulk_create(
            [
                g
                for i, a in enumerate(awards)
                for g in (
                    StageGateReview(
                        award=a,
                        number=1,
                        scheduled_for=add_months(a.start_date, 18),
                        held_on=add_months(a.start_date, 18) + dt.timedelta(days=i % 14),
                        outcome="accelerate" if a.accelerated else "pass",
                        decided_by=agency,
                        note="中間目標を達成しており、計画どおり継続する。",
                    ),
                    StageGateReview(
                        award=a, number=2, scheduled_for=today + dt.timedelta(days=30 + i % 30)
                    ),
                )
            ]
        )
        YearlyEvaluation.objects.bulk_create(
            [
                YearlyEvaluation(
                    award=a,
                    fiscal_year=fy,
                    outlook=OUTLOOKS[(i + fy) % len(OUTLOOKS)],
                    budget_needed=True,
                    team_sound=(i + fy) % 7 != 0,
                    comment=COMMENTS[(i + fy) % len(COMMENTS)],
                    evaluated_by=agency,
                )
                for i, a in enumerate(awards)
                for fy in range(a.start_date.year, current_fy)
            ]
        )


def committee_counts() -> dict[str, int]:
    from kikin.awards.models import StageGateReview, YearlyEvaluation

    bench = {"award__call__key__startswith": BENCH_PREFIX}
    return {
        "second_gates": StageGateReview.objects.filter(
            number=2, held_on__isnull=True, **bench
        ).count(),
        "evaluations": YearlyEvaluation.objects.filter(**bench).count(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=50)
    parser.add_argument("--organisations", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database",
        default="kikin_bench_packet",
        help="the bench's own database on the same server",
    )
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--rebuild", action="store_true", help="regenerate the data even if present"
    )
    args = parser.parse_args(argv)

    _created, _migrate_s = open_bench_database(args.database)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from pypdf import PdfReader

    from kikin.accounts.models import User
    from kikin.awards.models import Award, Payment, ProgressReport, StageGateReview
    from kikin.awards.packet import packet_themes, render_packet
    from kikin.core.timeutil import today_jst

    today = today_jst()
    expected = expected_counts(args.awards, args.organisations, CALLS)
    reused = (
        not args.rebuild
        and bench_counts() == expected
        and committee_counts()["second_gates"] == args.awards
    )
    if reused:
        progress(f"reusing the {args.awards} awards already in {args.database}")
    else:
        if any(bench_counts().values()):
            wipe()
        generate(args.awards, CALLS, args.organisations, args.seed, today)
        add_committee_data(today)
        assert bench_counts() == expected and committee_counts()["second_gates"] == args.awards
    bench = {"award__call__key__startswith": BENCH_PREFIX}
    second = StageGateReview.objects.filter(number=2, held_on__isnull=True, **bench)
    start = min(second.values_list("scheduled_for", flat=True))
    end = max(second.values_list("scheduled_for", flat=True))
    numbers = sorted(
        Award.objects.filter(call__key__startswith=BENCH_PREFIX).values_list("number", flat=True)
    )
    figures = {
        "awards": len(numbers),
        "payments": Payment.objects.filter(**bench).count(),
        "progress_reports": ProgressReport.objects.filter(**bench).count(),
        "gate_reviews": StageGateReview.objects.filter(**bench).count(),
        **committee_counts(),
    }
    progress(f"packet range {start} – {end}: {figures}")

    client = Client()
    client.force_login(User.objects.get(username=f"{BENCH_PREFIX}agency"))
    packet_url = reverse("awards:packet") + f"?from={start.isoformat()}&to={end.isoformat()}"

    def get() -> tuple[float, bytes]:
        t = time.perf_counter()
        # The page queues the packet (run at once here: KIKIN_ENV=test runs jobs eagerly) and
        # sends the officer to the job's page, from which the PDF is downloaded.
        response = client.get(packet_url)
        assert response.status_code == 302 and "/jobs/" in response.url, response.status_code
        assert client.get(response.url).status_code == 200
        download = client.get(response.url + "file/")
        seconds = time.perf_counter() - t
        assert download.status_code == 200 and download["Content-Type"] == "application/pdf", (
            download.status_code
        )
        return seconds, b"".join(download.streaming_content)

    load_before = round(os.getloadavg()[0], 2)  # the host's load: other work skews the timings
    with CaptureQueriesContext(connection) as ctx:
        first_s, pdf = get()
    queries = len(ctx.captured_queries)  # read now: the next request resets the log
    progress(f"warm-up {first_s:.2f} s, {queries} queries")
    runs = []
    for i in range(args.runs):
        seconds, pdf = get()
        runs.append(seconds)
        progress(f"run {i + 1}: {seconds:.2f} s")

    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    cover = "\n".join(p.extract_text() for p in reader.pages[:3])
    listed = sum(n in cover for n in numbers)
    last = reader.pages[-1].extract_text()

    t = time.perf_counter()
    themes = packet_themes(start=start, end=end)
    themes_s = time.perf_counter() - t
    t = time.perf_counter()
    render_packet(themes, start=start, end=end)
    render_s = time.perf_counter() - t
    progress(
        f"{pages} pages, {len(pdf):,} bytes; {listed}/{len(numbers)} awards on the cover; "
        f"themes read in {themes_s:.2f} s, laid out in {render_s:.2f} s"
    )

    result = {
        "bench": "packet",
        "database": args.database,
        "postgresql": connection.pg_version,
        "debug": settings.DEBUG,
        "today": today.isoformat(),
        "range": [start.isoformat(), end.isoformat()],
        **figures,
        "themes": len(themes),
        "pages": pages,
        "pdf_bytes": len(pdf),
        "awards_on_cover": listed,
        "confidential_on_last_page": "取扱注意" in last,
        "page_numbers_on_last_page": f"{pages} / {pages}" in last,
        "queries": queries,
        "first_request_s": round(first_s, 2),
        "runs_s": [round(s, 2) for s in runs],
        "median_s": round(statistics.median(runs), 2),
        "max_s": round(max(runs), 2),
        "themes_s": round(themes_s, 2),
        "render_s": round(render_s, 2),
        "target_s": TARGET_S,
        "reused": reused,
        "peak_rss_mib": peak_rss_mib(),
        "loadavg_1m": [load_before, round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "ok": (
            max(runs) < TARGET_S
            and len(themes) == args.awards
            and listed == len(numbers)
            and pages > len(themes)
            and "取扱注意" in last
        ),
    }
    return finish(result)


if __name__ == "__main__":
    sys.exit(main())
