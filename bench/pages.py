"""Bench: the list pages on a full-size database (100,000 proposals), on PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/pages.py \
        [--proposals 100000] [--calls 20] [--organisations 2000] [--requests 50] [--rebuild] [--explain]

It never writes to the database DATABASE_URL names: it creates (once) and uses its own database on
the same server, `kikin_bench` (--database), migrates it and loads the seed plan there. It then
generates, once, N proposals spread over 20 calls of uneven size (2,500-7,500 each), the seed's
themes and 2,000 organisations (one applicant each), in the states of a real selection (drafts,
submitted, first review passed or failed, in review, recommended, adopted, rejected, withdrawn),
with receipt numbers, 3 budget lines each, and a first review and a decision where the state
implies them — by PostgreSQL COPY. A later run with the same sizes reuses them.

It times, with Django's test client logged in (force_login), 50 requests after 3 warm-ups of

* the proposal list as an agency officer, page 1 and a deep page (1000),
* the proposal list as an applicant whose organisation has ~50 proposals,
* the review dashboard (every call with its counts),
* the review panel of a call with ~5,000 proposals, page 1 and its last page,

and counts the queries of one more request of each (CaptureQueriesContext), with the slowest.
Targets: p95 < 300 ms for every page; the same number of queries on page 1 and a deep page.
A page that misses its target gets its slowest query EXPLAIN ANALYZEd (--explain: every page).
The last line is one JSON object with every figure and its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

P95_TARGET_MS = 300
BENCH_PREFIX = "bench-"  # call keys, usernames
ORG_MARK = "Bench Org "  # organisations' English names

#: (state, share) of a selection in full swing.
STATE_SHARES = [
    ("draft", 0.10),
    ("submitted", 0.22),
    ("first_passed", 0.08),
    ("first_failed", 0.07),
    ("in_review", 0.15),
    ("recommended", 0.04),
    ("not_recommended", 0.04),
    ("adopted", 0.12),
    ("rejected", 0.13),
    ("withdrawn", 0.05),
]
FIRST_REVIEWED = {
    "first_passed",
    "first_failed",
    "in_review",
    "recommended",
    "not_recommended",
    "adopted",
    "rejected",
}
DECIDED = {
    "recommended": "adopt",
    "not_recommended": "reject",
    "adopted": "adopt",
    "rejected": "reject",
}

TERMS = [
    "光伝送",
    "波長多重",
    "シリコンフォトニクス",
    "EUV露光",
    "フォトレジスト",
    "量子誤り訂正",
    "超伝導量子ビット",
    "大規模言語モデル",
    "基盤モデル",
    "事前学習",
    "自律移動ロボット",
    "仮想化基地局",
    "O-RAN",
    "Massive MIMO",
    "炭化ケイ素パワー半導体",
    "全固体電池",
    "物体検出",
    "耐量子暗号",
    "ゼロトラスト",
    "液浸冷却",
    "GPUクラスタ",
    "チップレット",
    "先端パッケージ",
    "低軌道衛星通信",
    "センサフュージョン",
    "マテリアルズインフォマティクス",
    "スマートグリッド",
    "デジタルツイン",
    "エッジコンピューティング",
    "光電融合",
]
SENTENCES = [
    "本研究開発では{a}と{b}を組み合わせ、実環境での性能を{n}倍に高めることを目指す。",
    "第{n}年度には{a}の試作機を完成させ、{b}との接続試験を行う。",
    "{a}の国内供給網を確立し、{b}分野での国際競争力を確保する。",
    "評価指標として{a}の処理効率と{b}の消費電力を定め、中間目標で{n}割の改善を示す。",
    "実証は協力企業の拠点で行い、{a}の運用データを{b}の改良に反映する。",
    "成果は標準化団体に提案し、{a}に関する知的財産を{n}件以上出願する。",
]


# --------------------------------------------------------------------------------------------
# Database: refuse anything but PostgreSQL, and work in our own database.


def bench_people(
    rng,
    n_orgs: int,
    *,
    org_ja: str,
    who: str,
    who_ja: str,
    categories=None,
    corporate_numbers: bool = True,
    prefix: str = BENCH_PREFIX,
    org_mark: str = ORG_MARK,
):
    """The bench's organisations (one applicant each, `<prefix><who>NNNN`) and the agency's and
    the ministry's users: (organisations, users), the agency's and the ministry's users last."""
    from django.contrib.auth.hashers import make_password

    from kikin.accounts.models import Organisation, OrganisationCategory, Role, User

    unusable = make_password(None)  # nobody signs in as them

    if categories is None:
        categories = (
            [OrganisationCategory.LARGE] * 5
            + [OrganisationCategory.SME] * 4
            + [OrganisationCategory.ACADEMIA] * 2
        )
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(
                name_ja=f"{org_ja}{i:04d}",
                name_en=f"{org_mark}{i:04d}",
                category=rng.choice(categories),
                corporate_number=(f"{rng.randrange(10**12, 10**13)}" if corporate_numbers else ""),
            )
            for i in range(n_orgs)
        ],
        batch_size=5000,
    )
    users = User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{who}{i:04d}",
                password=unusable,
                role=Role.APPLICANT,
                organisation=o,
                display_name=f"{who_ja} {i:04d}",
            )
            for i, o in enumerate(orgs)
        ]
        + [
            User(
                username=f"{prefix}agency",
                password=unusable,
                role=Role.AGENCY,
                display_name="ベンチ 実施機関",
            ),
            User(
                username=f"{prefix}ministry",
                password=unusable,
                role=Role.MINISTRY,
                display_name="ベンチ 経済産業省",
            ),
        ],
        batch_size=5000,
    )
    return orgs, users


def bench_database_url(url: str, name: str) -> tuple[str, str]:
    """(URL of the bench database, URL of the server's maintenance database) for DATABASE_URL."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise SystemExit(
            f"{Path(sys.argv[0]).name} measures PostgreSQL only: set DATABASE_URL=postgres://user@host:port/db "
            f"(got {url or 'nothing, i.e. SQLite'!r}). It creates and uses its own database, {name!r}."
        )
    if unquote(parsed.path.lstrip("/")) == name:
        maintenance = parsed._replace(path="/postgres")
    else:
        maintenance = parsed
    return urlunparse(parsed._replace(path="/" + name)), urlunparse(
        maintenance._replace(scheme="postgresql")
    )


def ensure_database(maintenance_url: str, name: str) -> bool:
    """Create database `name` on the server if missing. True if it was created."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def open_bench_database(name: str) -> tuple[bool, float]:
    """Point Django at the bench's own database `name` on the server DATABASE_URL names (created
    once; PostgreSQL only), with production-like rendering (DEBUG off unless KIKIN_DEBUG says so),
    set Django up, migrate and load the seed plan. (created?, seconds spent migrating)."""
    url, maintenance = bench_database_url(os.environ.get("DATABASE_URL", ""), name)
    created = ensure_database(maintenance, name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("KIKIN_DEBUG", "0")
    os.environ.setdefault(
        "KIKIN_ENV", "test"
    )  # the test client's host, jobs run at once, no secret
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kikin.settings")
    import django

    django.setup()
    from django.conf import settings

    # The benches sign their users in with force_login: staff count as having given their
    # second factor (kikin.accounts.second_factor), as in the tests.
    settings.KIKIN_SECOND_FACTOR_ROLES = ()
    from django.core.management import call_command
    from django.db import connection

    assert connection.vendor == "postgresql" and connection.settings_dict["NAME"] == name, (
        connection.settings_dict
    )
    print(
        f"database {name} on {connection.settings_dict['HOST']}:{connection.settings_dict['PORT']}"
        f"{' (created)' if created else ''}; DEBUG={settings.DEBUG}",
        flush=True,
    )
    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_plan", verbosity=0)
    return created, time.perf_counter() - t


# --------------------------------------------------------------------------------------------
# Data


def _text(rng: random.Random, sentences: int) -> str:
    return "".join(
        rng.choice(SENTENCES).format(a=rng.choice(TERMS), b=rng.choice(TERMS), n=rng.randint(2, 9))
        for _ in range(sentences)
    )


def column_defaults(fields) -> dict:
    """Each column's value when a generated row gives none: the field's default (JSON wrapped
    for COPY), else NULL where allowed, else the empty string."""
    from django.db.models import JSONField
    from psycopg.types.json import Jsonb

    base = {}
    for f in fields:
        if f.has_default():
            value = f.get_default()
            base[f.column] = Jsonb(value) if isinstance(f, JSONField) else value
        else:
            base[f.column] = None if f.null else ""
    return base


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def bench_counts() -> dict[str, int]:
    from kikin.accounts.models import Organisation
    from kikin.calls.models import BudgetLine, Call, Proposal

    return {
        "calls": Call.objects.filter(key__startswith=BENCH_PREFIX).count(),
        "organisations": Organisation.objects.filter(name_en__startswith=ORG_MARK).count(),
        "proposals": Proposal.objects.filter(call__key__startswith=BENCH_PREFIX).count(),
        "budget_lines": BudgetLine.objects.filter(
            proposal__call__key__startswith=BENCH_PREFIX
        ).count(),
    }


def wipe() -> None:
    """Remove the bench's generated rows (this database is the bench's own)."""
    from django.db import connection

    from kikin.accounts.models import Organisation, User
    from kikin.calls.models import Call

    with connection.cursor() as cur:
        # Every table that refers to proposals goes with them (budget lines, versions, reviews...).
        cur.execute("TRUNCATE calls_proposal CASCADE")
    Call.objects.filter(key__startswith=BENCH_PREFIX).delete()
    User.objects.filter(username__startswith=BENCH_PREFIX).delete()
    Organisation.objects.filter(name_en__startswith=ORG_MARK).delete()


def generate(n_proposals: int, n_calls: int, n_orgs: int, seed: int) -> dict[str, float]:
    """Write the bench's calls, organisations, users and proposals. Returns timings (s)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from kikin.accounts.models import Organisation, User
    from kikin.calls.models import BudgetLine, Call, CallSequence, Proposal
    from kikin.programs.models import Program
    from kikin.review.models import Decision, FirstReview

    rng = random.Random(seed)
    timings = {}
    t0 = time.perf_counter()
    with transaction.atomic():
        program = Program.objects.get(code="post5g")
        themes = list(program.themes.order_by("pk").values_list("pk", flat=True))
        start = dt.datetime(2023, 4, 1, 1, 0, tzinfo=dt.UTC)
        calls = Call.objects.bulk_create(
            [
                Call(
                    program=program,
                    key=f"{BENCH_PREFIX}{i + 1:02d}",
                    title_ja=f"ベンチ公募 第{i + 1}回",
                    title_en=f"Bench call {i + 1}",
                    opens_at=start + dt.timedelta(days=45 * i),
                    closes_at=start + dt.timedelta(days=45 * i + 30),
                    budget_total_yen=rng.randint(50, 500) * 10**8,
                    cycle=i + 1,
                )
                for i in range(n_calls)
            ]
        )
        call_themes = {
            c.pk: rng.sample(themes, k=min(len(themes), rng.randint(3, 8))) for c in calls
        }
        Call.themes.through.objects.bulk_create(
            [
                Call.themes.through(call_id=c.pk, theme_id=t)
                for c in calls
                for t in call_themes[c.pk]
            ]
        )
        orgs, users = bench_people(
            rng, n_orgs, org_ja="ベンチ技研株式会社", who="applicant", who_ja="申請者"
        )
        creator = {u.organisation_id: u.pk for u in users if u.organisation_id}
        agency_id, ministry_id = users[-2].pk, users[-1].pk
        timings["setup_s"] = time.perf_counter() - t0

        # Calls of uneven size: weights from 0.5 to 1.5, so 2,500-7,500 proposals each for 100,000.
        weights = [0.5 + i / max(1, n_calls - 1) for i in range(n_calls)]
        rng.shuffle(weights)
        states = [s for s, _ in STATE_SHARES]
        shares = [w for _, w in STATE_SHARES]
        seq = {c.pk: 0 for c in calls}
        now = timezone.now()
        skip = {"id"}
        fields = [f for f in Proposal._meta.concrete_fields if f.column not in skip]
        columns = [f.column for f in fields]
        base = column_defaults(fields)

        def proposals():
            for _ in range(n_proposals):
                call = rng.choices(calls, weights)[0]
                org = orgs[rng.randrange(n_orgs)]
                state = rng.choices(states, shares)[0]
                created = call.opens_at + dt.timedelta(minutes=rng.randrange(30 * 24 * 60))
                row = dict(base)
                row.update(
                    {
                        "call_id": call.pk,
                        "theme_id": rng.choice(call_themes[call.pk]),
                        "organisation_id": org.pk,
                        "created_by_id": creator[org.pk],
                        "state": state,
                        "language": "ja",
                        "title": f"{rng.choice(TERMS)}と{rng.choice(TERMS)}による次世代基盤の研究開発",
                        "abstract": _text(rng, rng.randint(3, 7)),
                        "plan": _text(rng, rng.randint(6, 20)),
                        "start_date": (call.closes_at + dt.timedelta(days=90)).date(),
                        "period_months": rng.choice([24, 36, 48, 60]),
                        "set_value": None,
                        "leakage_core_technologies": rng.choice(TERMS) + "の制御ソフトウェア",
                        "leakage_access_control": "開発環境は社内ネットワークに限定し、二要素認証で管理する。",
                        "leakage_staff_management": "アクセス権者を名簿で管理し、退職時に権限を失効させる。",
                        "leakage_partner_controls": "再委託先と秘密保持契約を結び、年1回監査する。",
                        "created_at": created,
                        "version_count": 0,
                    }
                )
                if state == "draft":
                    row["updated_at"] = min(
                        now, created + dt.timedelta(minutes=rng.randrange(60 * 24 * 20))
                    )
                else:
                    seq[call.pk] += 1
                    submitted = min(
                        call.closes_at, created + dt.timedelta(minutes=rng.randrange(60 * 24 * 20))
                    )
                    row.update(
                        {
                            "receipt_number": f"{call.key}-{seq[call.pk]:05d}",
                            "submitted_at": submitted,
                            "version_count": rng.choice([1, 1, 1, 2, 3]),
                            # Staff work on it after the deadline: later states, later updates.
                            "updated_at": min(
                                now,
                                call.closes_at + dt.timedelta(minutes=rng.randrange(60 * 24 * 60)),
                            ),
                        }
                    )
                    if state in {"adopted", "rejected", "first_failed"}:
                        row["result_notified_at"] = row["updated_at"]
                yield [row[c] for c in columns]

        t1 = time.perf_counter()
        with connection.cursor() as django_cursor:
            cur = django_cursor.cursor  # the psycopg cursor, inside Django's transaction
            n = _copy(cur, Proposal._meta.db_table, columns, proposals())
            timings["proposals_copy_s"] = time.perf_counter() - t1

            t2 = time.perf_counter()
            cur.execute(
                f"SELECT id, state, updated_at FROM {Proposal._meta.db_table} p "
                f"WHERE call_id = ANY(%s) ORDER BY id",
                [[c.pk for c in calls]],
            )
            made = cur.fetchall()
            assert len(made) == n == n_proposals, (len(made), n)
            n_budget = _copy(
                cur,
                BudgetLine._meta.db_table,
                ["proposal_id", "fiscal_year", "requested_yen", "eligible_cost_yen"],
                (
                    [pid, 2025 + y, amount, amount + amount // 2]
                    for pid, _state, _at in made
                    for y, amount in enumerate([rng.randint(1, 300) * 10**7] * 3)
                ),
            )
            n_first = _copy(
                cur,
                FirstReview._meta.db_table,
                ["proposal_id", "passed", "reason", "decided_by_id", "decided_at"],
                (
                    [
                        pid,
                        state != "first_failed",
                        "施策目的との合致性を確認した。",
                        ministry_id,
                        at,
                    ]
                    for pid, state, at in made
                    if state in FIRST_REVIEWED
                ),
            )
            decision_columns = [
                "proposal_id",
                "outcome",
                "conditions",
                "adopted_as_item",
                "reason",
                "committee_score",
                "override_reason",
                "decided_by_id",
                "decided_at",
                "approved_by_id",
                "approved_at",
                "approval_note",
                "notified_at",
                "notice_number",
                "published_at",
            ]
            n_decisions = _copy(
                cur,
                Decision._meta.db_table,
                decision_columns,
                (
                    [
                        pid,
                        DECIDED[state],
                        "",
                        None,
                        "委員会の審査結果による。",
                        rng.randint(2000, 4500) / 1000,
                        "",
                        agency_id,
                        at,
                        ministry_id if state in {"adopted", "rejected"} else None,
                        at if state in {"adopted", "rejected"} else None,
                        "",
                        at if state in {"adopted", "rejected"} else None,
                        "",
                        None,
                    ]
                    for pid, state, at in made
                    if state in DECIDED
                ),
            )
            timings["related_copy_s"] = time.perf_counter() - t2
        CallSequence.objects.bulk_create(
            [CallSequence(call_id=pk, last=last) for pk, last in seq.items()]
        )
    t3 = time.perf_counter()
    with connection.cursor() as cur:
        for model in (Proposal, BudgetLine, FirstReview, Decision, Organisation, User, Call):
            cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    timings["vacuum_analyze_s"] = time.perf_counter() - t3
    timings["generation_s"] = time.perf_counter() - t0
    print(
        f"generated {n} proposals, {n_budget} budget lines, {n_first} first reviews, {n_decisions} decisions "
        f"over {n_calls} calls and {n_orgs} organisations in {timings['generation_s']:.1f} s "
        f"(COPY of proposals {timings['proposals_copy_s']:.1f} s)",
        flush=True,
    )
    return timings


# --------------------------------------------------------------------------------------------
# Measurement


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(r[0] for r in cur.fetchall())


def measure(
    client, url: str, *, warmups: int, requests: int, counts: dict[str, str] | None = None
) -> dict:
    """Timings of `requests` GETs after `warmups`, and the queries of one more: their number, the
    time spent in SQL and the slowest. `counts` names substrings to count in that last page
    (rows listed, charts drawn …), reported under their names."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmups):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(requests):
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
    times.sort()
    return {
        "url": url,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 1),
        "max_ms": round(times[-1], 1),
        "queries": len(ctx.captured_queries),
        "sql_ms": round(sum(float(q["time"]) for q in ctx.captured_queries) * 1000, 1),
        "slowest_query_ms": round(float(slowest["time"]) * 1000, 1),
        **{name: html.count(marker) for name, marker in (counts or {}).items()},
        "bytes": len(response.content),
        "_slowest_sql": slowest["sql"],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--deep-page", type=int, default=1000)
    parser.add_argument(
        "--database", default="kikin_bench", help="the bench's own database on the same server"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--rebuild", action="store_true", help="regenerate the data even if present"
    )
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE every page's slowest query"
    )
    args = parser.parse_args(argv)

    _created, migrate_s = open_bench_database(args.database)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from kikin.accounts.models import Organisation, Role, User
    from kikin.calls.models import Call, Proposal

    counts = bench_counts()
    expected = {
        "calls": args.calls,
        "organisations": args.organisations,
        "proposals": args.proposals,
        "budget_lines": 3 * args.proposals,
    }
    reused = counts == expected and not args.rebuild
    timings = {}
    if reused:
        print(f"reusing {counts['proposals']} proposals already in {args.database}", flush=True)
    else:
        if any(counts.values()):
            print(f"found {counts}, wanted {expected}: regenerating", flush=True)
            wipe()
        timings = generate(args.proposals, args.calls, args.organisations, args.seed)

    agency = User.objects.get(username=f"{BENCH_PREFIX}agency")
    assert agency.role == Role.AGENCY
    # The applicant whose organisation has the number of proposals closest to the mean (~50).
    mean = args.proposals / args.organisations
    from django.db.models import Count, F, Func

    org = (
        Organisation.objects.filter(name_en__startswith=ORG_MARK)
        .annotate(n=Count("proposals"))
        .annotate(d=Func(F("n") - mean, function="ABS"))
        .order_by("d", "pk")
        .first()
    )
    applicant = User.objects.filter(organisation=org, role=Role.APPLICANT).first()
    # The call whose number of proposals is closest to 5,000.
    call = (
        Call.objects.filter(key__startswith=BENCH_PREFIX)
        .annotate(n=Count("proposals"))
        .annotate(d=Func(F("n") - 5000, function="ABS"))
        .order_by("d", "pk")
        .first()
    )
    visible_in_call = Proposal.objects.filter(call=call).exclude(state="draft").count()
    visible = Proposal.objects.exclude(state="draft").count()
    deep = min(args.deep_page, max(1, -(-visible // 50)))
    last_call_page = max(1, -(-visible_in_call // 50))
    print(
        f"applicant {applicant.username}: {org.n} proposals; call {call.key}: {call.n} proposals "
        f"({visible_in_call} submitted); {visible} submitted in all; deep page {deep}",
        flush=True,
    )

    staff, own = Client(), Client()
    staff.force_login(agency)
    own.force_login(applicant)
    plan = {
        "proposal_list_agency_p1": (staff, reverse("calls:proposal_list")),
        "proposal_list_agency_deep": (staff, reverse("calls:proposal_list") + f"?page={deep}"),
        "proposal_list_applicant": (own, reverse("calls:proposal_list")),
        "review_dashboard": (staff, reverse("review:dashboard")),
        "call_panel_p1": (staff, reverse("review:call", args=[call.pk])),
        "call_panel_last": (
            staff,
            reverse("review:call", args=[call.pk]) + f"?page={last_call_page}",
        ),
    }
    load_before = round(os.getloadavg()[0], 2)  # the host's load: other work skews the timings
    pages = {}
    for name, (client, page_url) in plan.items():
        pages[name] = measure(client, page_url, warmups=args.warmups, requests=args.requests)
        r = pages[name]
        print(
            f"{name:28} p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  max {r['max_ms']:7.1f} ms  "
            f"{r['queries']} queries (slowest {r['slowest_query_ms']} ms)  {page_url}",
            flush=True,
        )
    for name, r in pages.items():
        sql = r.pop("_slowest_sql")
        if args.explain or r["p95_ms"] >= P95_TARGET_MS:
            print(
                f"\n-- {name}: slowest query ({r['slowest_query_ms']} ms)\n{sql}\n{explain(sql)}\n",
                flush=True,
            )

    constant = {
        "proposal_list_agency": pages["proposal_list_agency_p1"]["queries"]
        == pages["proposal_list_agency_deep"]["queries"],
        "call_panel": pages["call_panel_p1"]["queries"] == pages["call_panel_last"]["queries"],
    }
    p95_ok = all(r["p95_ms"] < P95_TARGET_MS for r in pages.values())
    result = {
        "bench": "pages",
        "database": args.database,
        "postgresql": connection.pg_version,
        "debug": settings.DEBUG,
        "proposals": Proposal.objects.filter(call__key__startswith=BENCH_PREFIX).count(),
        "calls": args.calls,
        "organisations": args.organisations,
        "reused": reused,
        "generation_s": round(timings.get("generation_s", 0.0), 1) if timings else None,
        "proposals_copy_s": round(timings["proposals_copy_s"], 1) if timings else None,
        "migrate_and_plan_s": round(migrate_s, 1),
        "applicant_proposals": org.n,
        "call_panel_proposals": call.n,
        "requests": args.requests,
        "loadavg_1m": [load_before, round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "warmups": args.warmups,
        "pages": pages,
        "p95_target_ms": P95_TARGET_MS,
        "queries_constant": constant,
        "queries_constant_target": True,
        "ok": p95_ok and all(constant.values()),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
