"""Bench: the award pages (the portfolio and one theme's ledger) on a full-size database, PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/portfolio.py \
        [--awards 10000] [--organisations 2000] [--requests 50] [--rebuild] [--explain]

It never writes to the database DATABASE_URL names: it creates (once) and uses its own database on
the same server, `kikin_bench_awards` (--database), migrates it and loads the seed plan there. It
then generates, once, by PostgreSQL COPY, N awards under way (adopted proposals of 20 calls over the
seed's themes and 2,000 organisations, started in FY2022 or FY2023 for 60 months), each with

* its proposal-time budget for 5 fiscal years (and an acceleration entry on one in ten),
* 4 cost claims per fiscal year (20 in all) of 5 lines each: approved (and paid) or refused in
  past years, submitted, approved or draft in the current one, drafts in later ones — so about
  1,000,000 claim lines over 10,000 awards,
* a payment for every approved claim (Σ eligible × rate, truncated),
* 2 to 10 progress reports every six months, a few past ones never filed (overdue),
* a stage-gate review row for most (held, or still to hold, some within 90 days),

and one award with 100 claims (20 per fiscal year) of 5 lines each: 500 lines on its page. A later
run with the same sizes reuses them.

It times, with Django's test client logged in (force_login), 50 requests after 3 warm-ups of

* the portfolio as an agency officer, page 1 and a deep page (the last, 200),
* the portfolio filtered ?show=overdue and ?show=gates,
* the ministry's portfolio, with its summary by item and the gates of the next 90 days,
* the list of an implementer whose organisation has about the mean number of awards (5),
* the ledger of the award with 100 claims / 500 lines (awards:detail, as the agency),

and counts the queries of one more request of each (CaptureQueriesContext), with the slowest.
Targets: p95 < 300 ms for every page; the same number of queries on page 1 and a deep page.
A page that misses its target gets its slowest query EXPLAIN ANALYZEd (--explain: every page).
The last line is one JSON object with every figure and its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import finish, peak_rss_mib, progress  # noqa: E402
from pages import _copy, bench_people, column_defaults, explain, measure, open_bench_database  # noqa: E402

P95_TARGET_MS = 300
BENCH_PREFIX = "bench-awards-"  # call keys, usernames
ORG_MARK = "Bench Awards Org "  # organisations' English names
YEARS = 5  # fiscal years of every award (60 months from April 1)
CLAIMS_PER_YEAR = 4
LINES_PER_CLAIM = 5
FEATURED_CLAIMS = 100  # the award whose ledger is measured: 20 claims a year

TERMS = [
    "光伝送",
    "波長多重",
    "シリコンフォトニクス",
    "EUV露光",
    "量子誤り訂正",
    "超伝導量子ビット",
    "大規模言語モデル",
    "自律移動ロボット",
    "仮想化基地局",
    "O-RAN",
    "炭化ケイ素パワー半導体",
    "全固体電池",
    "耐量子暗号",
    "液浸冷却",
    "チップレット",
    "低軌道衛星通信",
    "デジタルツイン",
    "エッジコンピューティング",
    "光電融合",
]
LINE_TEXT = {
    "personnel": ["研究員人件費", "補助員人件費", "技術者人件費"],
    "equipment": ["評価用測定器", "試作用サーバ", "クリーンルーム設備"],
    "consumables": ["試薬・材料", "評価用ウェハ", "電子部品一式"],
    "travel": ["学会発表旅費", "実証先打合せ旅費"],
    "outsourcing": ["試作外注", "評価試験委託"],
    "compute": ["GPUクラウド利用料", "計算機使用料"],
    "joint_research": ["大学との共同研究費"],
    "other": ["特許出願費用", "会議費"],
}
CATEGORY_WEIGHTS = [
    ("personnel", 30),
    ("equipment", 15),
    ("consumables", 20),
    ("travel", 10),
    ("outsourcing", 10),
    ("compute", 8),
    ("joint_research", 3),
    ("other", 4),
]


# --------------------------------------------------------------------------------------------
# Data


def expected_counts(n_awards: int, n_orgs: int, n_calls: int) -> dict[str, int]:
    claims = (n_awards - 1) * YEARS * CLAIMS_PER_YEAR + FEATURED_CLAIMS
    return {
        "calls": n_calls,
        "organisations": n_orgs,
        "awards": n_awards,
        "budget_base_entries": n_awards * YEARS,
        "claims": claims,
        "claim_lines": claims * LINES_PER_CLAIM,
    }


def bench_counts() -> dict[str, int]:
    from kikin.accounts.models import Organisation
    from kikin.awards.models import Award, BudgetEntry, ClaimLine, CostClaim
    from kikin.calls.models import Call

    return {
        "calls": Call.objects.filter(key__startswith=BENCH_PREFIX).count(),
        "organisations": Organisation.objects.filter(name_en__startswith=ORG_MARK).count(),
        "awards": Award.objects.filter(call__key__startswith=BENCH_PREFIX).count(),
        "budget_base_entries": BudgetEntry.objects.filter(
            kind="base", award__call__key__startswith=BENCH_PREFIX
        ).count(),
        "claims": CostClaim.objects.filter(award__call__key__startswith=BENCH_PREFIX).count(),
        "claim_lines": ClaimLine.objects.filter(
            claim__award__call__key__startswith=BENCH_PREFIX
        ).count(),
    }


def wipe() -> None:
    """Remove the bench's generated rows (this database is the bench's own)."""
    from django.db import connection

    from kikin.accounts.models import Organisation, User
    from kikin.calls.models import Call

    with connection.cursor() as cur:
        # Awards and every table under them (claims, lines, payments, reports, gates...) go with them.
        cur.execute("TRUNCATE calls_proposal CASCADE")
    Call.objects.filter(key__startswith=BENCH_PREFIX).delete()
    User.objects.filter(username__startswith=BENCH_PREFIX).delete()
    Organisation.objects.filter(name_en__startswith=ORG_MARK).delete()


def generate(
    n_awards: int, n_calls: int, n_orgs: int, seed: int, today: dt.date
) -> dict[str, float]:
    """Write the bench's calls, organisations, users, adopted proposals and awards with their money,
    reports and gates. Returns timings (s)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from kikin.accounts.models import Organisation, User
    from kikin.awards.models import (
        Award,
        BudgetEntry,
        ClaimLine,
        CostClaim,
        Payment,
        ProgressReport,
        StageGateReview,
    )
    from kikin.calls.models import BudgetLine, Call, CallSequence, Proposal
    from kikin.programs.models import Program
    from kikin.rules.dates import add_months, period_end
    from kikin.rules.fiscal import fiscal_year
    from kikin.rules.money import apply_rate

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    current_fy = fiscal_year(today)
    now = timezone.now()
    with transaction.atomic():
        program = Program.objects.get(code="post5g")
        themes = list(program.themes.order_by("pk").values_list("pk", flat=True))
        start = dt.datetime(2021, 10, 1, 1, 0, tzinfo=dt.UTC)
        calls = Call.objects.bulk_create(
            [
                Call(
                    program=program,
                    key=f"{BENCH_PREFIX}{i + 1:02d}",
                    title_ja=f"ベンチ公募 第{i + 1}回",
                    title_en=f"Bench awards call {i + 1}",
                    opens_at=start + dt.timedelta(days=20 * i),
                    closes_at=start + dt.timedelta(days=20 * i + 30),
                    budget_total_yen=rng.randint(100, 900) * 10**8,
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
        # The first half of the calls start their work in FY2022, the second half in FY2023.
        call_start = {
            c.pk: dt.date(2022 if i < n_calls // 2 else 2023, 4, 1) for i, c in enumerate(calls)
        }
        orgs, users = bench_people(
            rng,
            n_orgs,
            org_ja="ベンチ受託株式会社",
            who="implementer",
            who_ja="受託者",
            prefix=BENCH_PREFIX,
            org_mark=ORG_MARK,
        )
        member = {u.organisation_id: u.pk for u in users if u.organisation_id}
        agency_id = users[-2].pk
        timings["setup_s"] = time.perf_counter() - t0

        t1 = time.perf_counter()
        fields = [f for f in Proposal._meta.concrete_fields if f.column != "id"]
        columns = [f.column for f in fields]
        base = column_defaults(fields)
        seq = {c.pk: 0 for c in calls}
        plans = []  # per award: (call, theme, org, amounts by year)

        def proposals():
            for _ in range(n_awards):
                call = rng.choice(calls)
                org = orgs[rng.randrange(n_orgs)]
                theme = rng.choice(call_themes[call.pk])
                seq[call.pk] += 1
                amounts = [rng.randint(20, 400) * 10**7 for _ in range(YEARS)]
                plans.append((call, theme, org, amounts, f"{call.key}-{seq[call.pk]:05d}"))
                row = dict(base)
                row.update(
                    {
                        "call_id": call.pk,
                        "theme_id": theme,
                        "organisation_id": org.pk,
                        "created_by_id": member[org.pk],
                        "state": "adopted",
                        "language": "ja",
                        "receipt_number": plans[-1][4],
                        "title": f"{rng.choice(TERMS)}と{rng.choice(TERMS)}による次世代基盤の研究開発",
                        "abstract": "本研究開発では実環境での性能を高めることを目指す。",
                        "plan": "第1年度：設計。第2年度以降：試作と実証。",
                        "start_date": call_start[call.pk],
                        "period_months": 12 * YEARS,
                        "set_value": None,
                        "leakage_core_technologies": rng.choice(TERMS) + "の制御ソフトウェア",
                        "leakage_access_control": "開発環境は社内ネットワークに限定し、二要素認証で管理する。",
                        "leakage_staff_management": "アクセス権者を名簿で管理し、退職時に権限を失効させる。",
                        "leakage_partner_controls": "再委託先と秘密保持契約を結び、年1回監査する。",
                        "created_at": call.opens_at,
                        "updated_at": call.closes_at + dt.timedelta(days=60),
                        "submitted_at": call.closes_at - dt.timedelta(days=1),
                        "version_count": 1,
                        "result_notified_at": call.closes_at + dt.timedelta(days=60),
                    }
                )
                yield [row[c] for c in columns]

        with connection.cursor() as django_cursor:
            cur = django_cursor.cursor  # the psycopg cursor, inside Django's transaction
            n = _copy(cur, Proposal._meta.db_table, columns, proposals())
            cur.execute(
                f"SELECT id FROM {Proposal._meta.db_table} WHERE call_id = ANY(%s) ORDER BY id",
                [[c.pk for c in calls]],
            )
            proposal_ids = [r[0] for r in cur.fetchall()]
            assert len(proposal_ids) == n == n_awards, (len(proposal_ids), n)
            _copy(
                cur,
                BudgetLine._meta.db_table,
                ["proposal_id", "fiscal_year", "requested_yen", "eligible_cost_yen"],
                (
                    [pid, call_start[plan[0].pk].year + y, amount, amount]
                    for pid, plan in zip(proposal_ids, plans, strict=True)
                    for y, amount in enumerate(plan[3])
                ),
            )
            timings["proposals_copy_s"] = time.perf_counter() - t1

            # Awards: contracts (rate 1) mostly, grants at 1/2 or 2/3; a few ended early.
            t2 = time.perf_counter()
            award_columns = [
                "proposal_id",
                "call_id",
                "theme_id",
                "organisation_id",
                "number",
                "form",
                "rate",
                "rate_label",
                "start_date",
                "period_months",
                "period_end",
                "stage_gate_due",
                "stage_gate_earliest",
                "end_date",
                "state",
                "conditions",
                "adopted_as_item",
                "set_value",
                "pledged_self_investment_yen",
                "proposal_contract_yen",
                "system_technology",
                "accelerated",
                "created_by_id",
                "created_at",
            ]
            awards = []  # (form, rate, start, end, accelerated, org_id)
            featured = n_awards // 2

            def award_rows():
                for i, (pid, (call, theme, org, amounts, receipt)) in enumerate(
                    zip(proposal_ids, plans, strict=True)
                ):
                    begin = call_start[call.pk]
                    form, rate, label = rng.choice(
                        [("contract", "1", "委託")] * 6
                        + [("grant", "1/2", "1/2"), ("grant", "2/3", "2/3")]
                    )
                    end = period_end(begin, 12 * YEARS)
                    terminated = i != featured and rng.random() < 0.03
                    accelerated = i % 10 == 3
                    awards.append((form, Fraction(rate), begin, end, accelerated, org.pk))
                    yield [
                        pid,
                        call.pk,
                        theme,
                        org.pk,
                        f"A-{receipt}",
                        form,
                        rate,
                        label,
                        begin,
                        12 * YEARS,
                        end,
                        add_months(begin, 18),
                        add_months(begin, 12),
                        dt.date(2026, 3, 31) if terminated else None,
                        "terminated" if terminated else "active",
                        "",
                        None,
                        None,
                        0,
                        sum(amounts),
                        form == "contract",
                        accelerated,
                        agency_id,
                        call.closes_at + dt.timedelta(days=75),
                    ]

            _copy(cur, Award._meta.db_table, award_columns, award_rows())
            cur.execute(
                f"SELECT id FROM {Award._meta.db_table} WHERE call_id = ANY(%s) ORDER BY id",
                [[c.pk for c in calls]],
            )
            award_ids = [r[0] for r in cur.fetchall()]
            assert len(award_ids) == n_awards

            # Budget: the proposal-time amount of each fiscal year, and an acceleration increase on one in ten.
            n_budget = _copy(
                cur,
                BudgetEntry._meta.db_table,
                [
                    "award_id",
                    "fiscal_year",
                    "kind",
                    "amount_yen",
                    "effective_from",
                    "note",
                    "created_by_id",
                    "created_at",
                ],
                (
                    row
                    for aid, (_c, _t, _o, amounts, _r), (
                        _f,
                        _rate,
                        begin,
                        _e,
                        accelerated,
                        _org,
                    ) in zip(award_ids, plans, awards, strict=True)
                    for row in (
                        [
                            [aid, begin.year + y, "base", amount, begin, "proposal", agency_id, now]
                            for y, amount in enumerate(amounts)
                        ]
                        + (
                            [
                                [
                                    aid,
                                    begin.year + 2,
                                    "acceleration",
                                    amounts[2] // 5,
                                    add_months(begin, 18),
                                    "stage gate 1",
                                    agency_id,
                                    now,
                                ]
                            ]
                            if accelerated
                            else []
                        )
                    )
                ),
            )

            # Claims: 4 a fiscal year (20 for the featured award), in states that follow the calendar.
            claim_plan = []  # (award index, fiscal year, state)
            for i, (_form, _rate, begin, _end, _acc, _org) in enumerate(awards):
                per_year = FEATURED_CLAIMS // YEARS if i == featured else CLAIMS_PER_YEAR
                for y in range(YEARS):
                    fy = begin.year + y
                    for _ in range(per_year):
                        r = rng.random()
                        if fy < current_fy:
                            state = "approved" if r < 0.92 else "refused"
                        elif fy == current_fy:
                            state = "submitted" if r < 0.45 else "approved" if r < 0.85 else "draft"
                        else:
                            state = "draft"
                        claim_plan.append((i, fy, state))

            def claim_rows():
                for i, fy, state in claim_plan:
                    submitted = (
                        dt.datetime(fy + 1, 3, 31, 3, tzinfo=dt.UTC)
                        if fy < current_fy
                        else now - dt.timedelta(days=rng.randint(1, 90))
                    )
                    decided = state in {"approved", "refused"}
                    yield [
                        award_ids[i],
                        fy,
                        "base",
                        state,
                        None if state == "draft" else submitted,
                        agency_id if decided else None,
                        submitted + dt.timedelta(days=rng.randint(5, 40)) if decided else None,
                        "証憑の不足により対象外とした。" if state == "refused" else "",
                        member[awards[i][5]],
                    ]

            n_claims = _copy(
                cur,
                CostClaim._meta.db_table,
                [
                    "award_id",
                    "fiscal_year",
                    "budget_kind",
                    "state",
                    "submitted_at",
                    "decided_by_id",
                    "decided_at",
                    "decision_note",
                    "created_by_id",
                ],
                claim_rows(),
            )
            cur.execute(
                f"SELECT id FROM {CostClaim._meta.db_table} WHERE award_id = ANY(%s) ORDER BY id",
                [award_ids],
            )
            claim_ids = [r[0] for r in cur.fetchall()]
            assert len(claim_ids) == n_claims == len(claim_plan)
            timings["awards_claims_copy_s"] = time.perf_counter() - t2

            # Lines: 5 a claim, dated inside the claim's fiscal year; eligible set on approved claims.
            t3 = time.perf_counter()
            cats = [c for c, _ in CATEGORY_WEIGHTS]
            weights = [w for _, w in CATEGORY_WEIGHTS]
            eligible_by_claim: dict[
                int, tuple[int, int]
            ] = {}  # claim id → (normal, fixed) eligible

            def line_rows():
                for cid, (i, fy, state) in zip(claim_ids, claim_plan, strict=True):
                    form = awards[i][0]
                    normal = fixed = 0
                    for category in rng.choices(cats, weights, k=LINES_PER_CLAIM):
                        amount = rng.randint(1, 400) * 10**5
                        is_fixed = form == "grant" and category == "joint_research"
                        eligible = None
                        if state == "approved":
                            eligible = amount if rng.random() < 0.9 else amount - amount // 10
                            if is_fixed:
                                fixed += eligible
                            else:
                                normal += eligible
                        yield [
                            cid,
                            category,
                            rng.choice(LINE_TEXT[category]),
                            dt.date(fy, 4, 1) + dt.timedelta(days=rng.randrange(365)),
                            amount,
                            eligible,
                            is_fixed,
                            "",
                            "",
                        ]
                    if state == "approved":
                        eligible_by_claim[cid] = (normal, fixed)

            n_lines = _copy(
                cur,
                ClaimLine._meta.db_table,
                [
                    "claim_id",
                    "category",
                    "description",
                    "incurred_on",
                    "amount_yen",
                    "eligible_yen",
                    "fixed_amount",
                    "evidence",
                    "evidence_name",
                ],
                line_rows(),
            )
            timings["lines_copy_s"] = time.perf_counter() - t3

            # Payments for approved claims: Σ eligible × rate truncated, plus fixed-amount lines.
            t4 = time.perf_counter()
            n_payments = _copy(
                cur,
                Payment._meta.db_table,
                [
                    "award_id",
                    "claim_id",
                    "fiscal_year",
                    "budget_kind",
                    "eligible_yen",
                    "rate",
                    "amount_yen",
                    "approved_at",
                ],
                (
                    [
                        award_ids[i],
                        cid,
                        fy,
                        "base",
                        sum(eligible_by_claim[cid]),
                        str(awards[i][1]),
                        apply_rate(eligible_by_claim[cid][0], awards[i][1])
                        + eligible_by_claim[cid][1],
                        dt.datetime(fy + 1, 4, 20, 3, tzinfo=dt.UTC)
                        if fy < current_fy
                        else now - dt.timedelta(days=3),
                    ]
                    for cid, (i, fy, state) in zip(claim_ids, claim_plan, strict=True)
                    if state == "approved"
                ),
            )

            # Progress reports: 2 to 10 every six months from the start; a few past ones never filed.
            def report_rows():
                for aid, (_f, _r, begin, end, _a, org) in zip(award_ids, awards, strict=True):
                    for k in range(1, rng.randint(2, 10) + 1):
                        due = min(add_months(begin, 6 * k), end)
                        filed = due < today and rng.random() > 0.03
                        yield [
                            aid,
                            due,
                            dt.datetime.combine(due, dt.time(1), tzinfo=dt.UTC)
                            - dt.timedelta(days=rng.randint(0, 10))
                            if filed
                            else None,
                            "計画どおり進捗している。試作機の評価を進めた。" if filed else "",
                            "",
                            member[org] if filed else None,
                        ]
                        if due == end:
                            break

            n_reports = _copy(
                cur,
                ProgressReport._meta.db_table,
                ["award_id", "due_date", "submitted_at", "summary", "issues", "submitted_by_id"],
                report_rows(),
            )

            # Stage gates: none on 10 %; held 18 months in on most; still to hold (some within 90 days) on 12 %.
            def gate_rows():
                for aid, (_f, _r, begin, _e, accelerated, _o) in zip(
                    award_ids, awards, strict=True
                ):
                    r = rng.random()
                    due = add_months(begin, 18)
                    if r < 0.10:
                        continue
                    if r < 0.22:
                        yield [
                            aid,
                            1,
                            today + dt.timedelta(days=rng.randint(-30, 200)),
                            None,
                            "",
                            0,
                            None,
                            "",
                            None,
                        ]
                    else:
                        held = due + dt.timedelta(days=rng.randint(0, 20))
                        yield [
                            aid,
                            1,
                            due,
                            held,
                            "accelerate" if accelerated else "pass",
                            0,
                            None,
                            "計画どおり継続する。",
                            agency_id,
                        ]

            n_gates = _copy(
                cur,
                StageGateReview._meta.db_table,
                [
                    "award_id",
                    "number",
                    "scheduled_for",
                    "held_on",
                    "outcome",
                    "budget_change_yen",
                    "new_end_date",
                    "note",
                    "decided_by_id",
                ],
                gate_rows(),
            )
            timings["payments_reports_gates_copy_s"] = time.perf_counter() - t4
        CallSequence.objects.bulk_create(
            [CallSequence(call_id=pk, last=last) for pk, last in seq.items()]
        )
    t5 = time.perf_counter()
    with connection.cursor() as cur:
        for model in (
            Proposal,
            BudgetLine,
            Award,
            BudgetEntry,
            CostClaim,
            ClaimLine,
            Payment,
            ProgressReport,
            StageGateReview,
            Organisation,
            User,
            Call,
        ):
            cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    timings["vacuum_analyze_s"] = time.perf_counter() - t5
    timings["generation_s"] = time.perf_counter() - t0
    progress(
        f"generated {n_awards} awards, {n_budget} budget entries, {n_claims} claims, {n_lines} claim lines, "
        f"{n_payments} payments, {n_reports} progress reports, {n_gates} stage-gate reviews over {n_calls} calls and "
        f"{n_orgs} organisations in {timings['generation_s']:.1f} s (COPY of the lines {timings['lines_copy_s']:.1f} s)"
    )
    return timings


# --------------------------------------------------------------------------------------------
# Measurement


#: What each measured page is checked to show (counted in its HTML).
PAGE_COUNTS = {"rows": '<th scope="row">', "claims_shown": '<article class="claim"'}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--deep-page", type=int, default=200, help="clamped to the last page")
    parser.add_argument(
        "--database",
        default="kikin_bench_awards",
        help="the bench's own database on the same server",
    )
    parser.add_argument("--seed", type=int, default=11)
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
    from django.db.models import Count, F, Func
    from django.test import Client
    from django.urls import reverse

    from kikin.accounts.models import Organisation, Role, User
    from kikin.awards.models import Award, CostClaim, Payment, ProgressReport, StageGateReview
    from kikin.core.timeutil import today_jst

    today = today_jst()
    counts = bench_counts()
    expected = expected_counts(args.awards, args.organisations, args.calls)
    reused = counts == expected and not args.rebuild
    timings: dict[str, float] = {}
    if reused:
        progress(
            f"reusing {counts['awards']} awards and {counts['claim_lines']} claim lines already in {args.database}"
        )
    else:
        if any(counts.values()):
            progress(f"found {counts}, wanted {expected}: regenerating")
            wipe()
        timings = generate(args.awards, args.calls, args.organisations, args.seed, today)
        counts = bench_counts()
        assert counts == expected, (counts, expected)

    agency = User.objects.get(username=f"{BENCH_PREFIX}agency")
    ministry = User.objects.get(username=f"{BENCH_PREFIX}ministry")
    assert agency.role == Role.AGENCY and ministry.role == Role.MINISTRY
    # The implementer whose organisation has the number of awards closest to the mean (~5).
    mean = args.awards / args.organisations
    org = (
        Organisation.objects.filter(name_en__startswith=ORG_MARK)
        .annotate(n=Count("awards"))
        .annotate(d=Func(F("n") - mean, function="ABS"))
        .order_by("d", "pk")
        .first()
    )
    implementer = User.objects.filter(organisation=org, role=Role.APPLICANT).first()
    # The award with 100 claims.
    featured_id, featured_claims = (
        CostClaim.objects.values("award")
        .annotate(n=Count("id"))
        .order_by("-n", "award")
        .values_list("award", "n")
        .first()
    )
    featured = Award.objects.get(pk=featured_id)
    featured_lines = featured.claims.aggregate(n=Count("lines"))["n"]
    n_awards = Award.objects.count()
    deep = min(args.deep_page, max(1, -(-n_awards // 50)))
    overdue_awards = (
        ProgressReport.objects.filter(submitted_at__isnull=True, due_date__lt=today)
        .values("award")
        .distinct()
        .count()
    )
    gate_awards = (
        StageGateReview.objects.filter(
            held_on__isnull=True, scheduled_for__lte=today + dt.timedelta(days=90)
        )
        .values("award")
        .distinct()
        .count()
    )
    progress(
        f"implementer {implementer.username}: {org.n} awards; featured award {featured.number}: {featured_claims} claims, "
        f"{featured_lines} lines; {n_awards} awards, {overdue_awards} with overdue reports, {gate_awards} with a gate "
        f"within 90 days, {Payment.objects.count()} payments; deep page {deep}"
    )

    staff, min_, own = Client(), Client(), Client()
    staff.force_login(agency)
    min_.force_login(ministry)
    own.force_login(implementer)
    portfolio = reverse("awards:list")
    plan = {
        "portfolio_agency_p1": (staff, portfolio),
        "portfolio_agency_deep": (staff, portfolio + f"?page={deep}"),
        "portfolio_overdue": (staff, portfolio + "?show=overdue"),
        "portfolio_gates": (staff, portfolio + "?show=gates"),
        "portfolio_ministry": (min_, portfolio),
        "portfolio_implementer": (own, portfolio),
        "ledger_100_claims": (staff, reverse("awards:detail", args=[featured.pk])),
    }
    load_before = round(os.getloadavg()[0], 2)  # the host's load: other work skews the timings
    pages = {}
    for name, (client, page_url) in plan.items():
        pages[name] = measure(
            client, page_url, warmups=args.warmups, requests=args.requests, counts=PAGE_COUNTS
        )
        r = pages[name]
        progress(
            f"{name:24} p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  max {r['max_ms']:7.1f} ms  "
            f"{r['queries']} queries ({r['sql_ms']} ms in SQL, slowest {r['slowest_query_ms']} ms)  "
            + (
                f"{r['claims_shown']} claims shown"
                if name.startswith("ledger")
                else f"{r['rows']} awards listed"
            )
            + f"  {page_url}"
        )
    for name, r in pages.items():
        sql = r.pop("_slowest_sql")
        if args.explain or r["p95_ms"] >= P95_TARGET_MS:
            print(
                f"\n-- {name}: slowest query ({r['slowest_query_ms']} ms)\n{sql}\n{explain(sql)}\n",
                flush=True,
            )
        r.pop("rows" if name == "ledger_100_claims" else "claims_shown")

    # The pages must show what they are about, or their timings mean nothing.
    shown = {
        "portfolio_agency_p1": pages["portfolio_agency_p1"]["rows"] == 50,
        "portfolio_agency_deep": pages["portfolio_agency_deep"]["rows"]
        == min(50, n_awards - 50 * (deep - 1)),
        "portfolio_overdue": pages["portfolio_overdue"]["rows"] == min(50, overdue_awards) > 0,
        "portfolio_gates": pages["portfolio_gates"]["rows"] == min(50, gate_awards) > 0,
        "portfolio_ministry": pages["portfolio_ministry"]["rows"] == 50,
        "portfolio_implementer": pages["portfolio_implementer"]["rows"] == org.n > 0,
        "ledger_100_claims": pages["ledger_100_claims"]["claims_shown"]
        == featured_claims
        == FEATURED_CLAIMS,
    }
    constant = {
        "portfolio_agency": pages["portfolio_agency_p1"]["queries"]
        == pages["portfolio_agency_deep"]["queries"]
    }
    p95_ok = all(r["p95_ms"] < P95_TARGET_MS for r in pages.values())
    result = {
        "bench": "portfolio",
        "database": args.database,
        "postgresql": connection.pg_version,
        "debug": settings.DEBUG,
        "today": today.isoformat(),
        **counts,
        "payments": Payment.objects.count(),
        "progress_reports": ProgressReport.objects.count(),
        "stage_gate_reviews": StageGateReview.objects.count(),
        "awards_with_overdue_reports": overdue_awards,
        "awards_with_gates_within_90_days": gate_awards,
        "implementer_awards": org.n,
        "featured_award": featured.number,
        "featured_claims": featured_claims,
        "featured_lines": featured_lines,
        "deep_page": deep,
        "reused": reused,
        "generation_s": round(timings["generation_s"], 1) if timings else None,
        "lines_copy_s": round(timings["lines_copy_s"], 1) if timings else None,
        "migrate_and_plan_s": round(migrate_s, 1),
        "peak_rss_mib": peak_rss_mib(),
        "requests": args.requests,
        "warmups": args.warmups,
        "loadavg_1m": [load_before, round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "pages": pages,
        "p95_target_ms": P95_TARGET_MS,
        "pages_show_their_rows": shown,
        "queries_constant": constant,
        "queries_constant_target": True,
        "ok": p95_ok and all(constant.values()) and all(shown.values()),
    }
    return finish(result)


if __name__ == "__main__":
    sys.exit(main())
