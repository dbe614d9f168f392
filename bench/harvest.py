"""Bench: a full OAI-PMH harvest of 100,000 datasets and search over them, on PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/harvest.py \
        [--datasets 100000] [--searches 200] [--page-size 500] [--rebuild]

It never writes to the database DATABASE_URL names: it creates (once) and uses its own database on
the same server, `kikin_bench_harvest` (--database), migrates it and loads the seed plan there.
It then generates, once, by PostgreSQL COPY, N published datasets (Japanese and English titles,
descriptions and keywords from the fund's vocabulary, one to three creators, every access level,
one in five under the post-5G program, one in ten with a DOI, one in a hundred withdrawn) and
their search entries (SudachiPy tokens, and the tsvector built from them by one UPDATE). A later
run with the same size reuses them.

It serves the project's WSGI application from a real HTTP server: gunicorn with the project's
configuration (src/kikin/gunicorn.conf.py, two workers) when it is installed, else a WSGI server thread of this process (the standard library's wsgiref,
threaded), and harvests over HTTP as a harvester does, one request after another, following the
resumption tokens to the end and parsing every response (lxml): ListRecords in oai_dc and in
jpcoar_2.0, and ListIdentifiers. Every record must come once: the count and the identifiers are
checked. Then it times --searches requests of the search page (/search/?q=...) for one or two
words of the vocabulary, in Japanese and in English, anonymous (public entries) and as an agency
officer (every entry), after 5 warm-ups.

Targets: harvest ≥ 2,000 records/s (oai_dc ListRecords); search p95 < 300 ms.
The last line is one JSON object with every figure and its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import importlib.util
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import finish, peak_rss_mib, progress  # noqa: E402
from pages import SENTENCES, TERMS, _copy, open_bench_database  # noqa: E402

RECORDS_PER_S_TARGET = 2000
P95_TARGET_MS = 300
MARK = "bench-harvest"  # organisation's English name, username, identifiers' prefix
OAI = "{http://www.openarchives.org/OAI/2.0/}"
ENGLISH = [
    "electron microscope images",
    "semiconductor lithography logs",
    "battery cycling data",
    "robot grasping trajectories",
    "call-centre speech corpus",
    "materials informatics descriptors",
    "thin film spectra",
    "construction site video",
    "quantum device calibration",
    "network latency measurements",
]
QUERIES_JA = [
    "電子顕微鏡",
    "量子誤り訂正",
    "光電融合",
    "大規模言語モデル",
    "チップレット",
    "O-RAN",
    "デジタルツイン",
]
QUERIES_EN = ["microscope", "lithography logs", "battery", "speech corpus", "spectra", "latency"]
LEVELS = [
    ("open", "CC-BY-4.0"),
    ("shared", "LicenseRef-conditions"),
    ("closed", "LicenseRef-reserved"),
    ("embargoed", "CC-BY-4.0"),
]


def generate(n: int, seed: int) -> dict[str, float]:
    """N datasets and their search entries, by COPY (and one UPDATE for the tsvectors)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from kikin.accounts.models import Organisation, Role, User
    from kikin.datasets.models import Dataset, SearchEntry
    from kikin.datasets.search import index_tokens
    from kikin.programs.models import Program

    rng = random.Random(seed)
    org, _ = Organisation.objects.get_or_create(
        name_ja="ベンチ用データ管理機関", defaults={"name_en": MARK, "category": "academia"}
    )
    user, _ = User.objects.get_or_create(
        username=f"{MARK}-manager", defaults={"role": Role.APPLICANT, "organisation": org}
    )
    post5g = Program.objects.get(code="post5g").pk
    start = timezone.now() - dt.timedelta(days=400)
    timings = {}
    t = time.perf_counter()
    rows, entries = [], []
    for i in range(n):
        at = start + dt.timedelta(seconds=i * 300)
        level, licence = LEVELS[i % 4]
        terms = rng.sample(TERMS, 2)
        en = rng.choice(ENGLISH)
        title_ja = f"{terms[0]}と{terms[1]}の計測データ 第{i}版"
        title_en = f"{en.capitalize()} ({terms[0]}) no. {i}"
        desc_ja = "".join(
            rng.choice(SENTENCES).format(
                a=rng.choice(TERMS), b=rng.choice(TERMS), n=rng.randint(2, 9)
            )
            for _ in range(2)
        )
        desc_en = f"Measured {en} for research and development."
        creators = [
            {
                "name": f"研究 {k}郎",
                "name_en": f"Researcher {k}",
                "affiliation": "ベンチ大学",
                "orcid": "",
            }
            for k in range(1, rng.randint(2, 4))
        ]
        subjects = [*terms, en]
        ident = f"bh-{i:08d}"
        state = "withdrawn" if i % 100 == 99 else "published"
        rows.append(
            (
                ident,
                f"10.99999/{ident}" if i % 10 == 0 else "",
                org.pk,
                post5g if i % 5 == 0 else None,
                title_ja,
                title_en,
                desc_ja,
                desc_en,
                json.dumps(creators, ensure_ascii=False),
                "ベンチ大学",
                at.year,
                json.dumps(subjects, ensure_ascii=False),
                "ja",
                "Dataset",
                "1.0",
                level,
                (at + dt.timedelta(days=800)).date() if level == "embargoed" else None,
                licence,
                "[]",
                1,
                state,
                "重複登録" if state == "withdrawn" else "",
                rng.randint(10_000, 10**9),
                user.pk,
                at,
                at,
                at,
            )
        )
        if state == "published":
            tokens = index_tokens(
                title_ja,
                title_en,
                desc_ja,
                desc_en,
                " ".join(subjects),
                " ".join(c["name"] + " " + c["name_en"] for c in creators),
                "ベンチ大学",
            )
            entries.append((i, title_ja, title_en, desc_ja[:200], ident, tokens, at))
        if i % 20000 == 19999:
            progress(f"built {i + 1} datasets and their tokens")
    timings["build_s"] = time.perf_counter() - t
    t = time.perf_counter()
    columns = [
        "identifier", "doi", "organisation_id", "program_id", "title_ja", "title_en",
        "description_ja", "description_en", "creators", "publisher", "publication_year",
        "subjects", "language", "resource_type", "version", "access_level", "embargo_until",
        "licence", "conditions", "conditions_version", "state", "withdrawn_reason", "size_bytes",
        "created_by_id", "created_at", "modified_at", "published_at",
    ]  # fmt: skip
    with transaction.atomic(), connection.cursor() as cur:
        _copy(cur, Dataset._meta.db_table, columns, rows)
        ids = dict(
            Dataset.objects.filter(identifier__startswith="bh-").values_list("identifier", "pk")
        )
        _copy(
            cur,
            SearchEntry._meta.db_table,
            [
                "kind",
                "object_id",
                "program_id",
                "organisation_id",
                "public",
                "title",
                "title_en",
                "summary",
                "key",
                "tokens",
                "updated_at",
            ],
            (
                (
                    "dataset",
                    ids[key],
                    post5g if i % 5 == 0 else None,
                    org.pk,
                    True,
                    tj,
                    te,
                    s,
                    key,
                    tok,
                    at,
                )
                for i, tj, te, s, key, tok, at in entries
            ),
        )
        # What the search service writes on PostgreSQL: the vector, and no tokens as text.
        cur.execute(
            f"UPDATE {SearchEntry._meta.db_table} SET vector = to_tsvector('simple', tokens), "
            "tokens = '' WHERE vector IS NULL"
        )
    with connection.cursor() as cur:
        # COPY then UPDATE leaves a dead version of every row: compact, as rows written one by
        # one (the service writes each entry once) would be.
        cur.execute(f"VACUUM (FULL, ANALYZE) {SearchEntry._meta.db_table}")
        cur.execute(f"ANALYZE {Dataset._meta.db_table}")
    timings["copy_s"] = time.perf_counter() - t
    progress(f"wrote {len(rows)} datasets and {len(entries)} search entries")
    return {k: round(v, 1) for k, v in timings.items()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The WSGI application behind a real HTTP server on a free port."""

    def __init__(self):
        self.port = free_port()
        self.process = None
        if importlib.util.find_spec("gunicorn") is not None:
            # The project's own gunicorn configuration (src/kikin/gunicorn.conf.py), two
            # workers as on this two-core machine, no access log.
            self.kind = "gunicorn (project configuration, 2 workers)"
            env = dict(
                os.environ,
                PYTHONPATH=str(ROOT / "src"),
                KIKIN_BIND=f"127.0.0.1:{self.port}",
                KIKIN_WEB_WORKERS="2",
                KIKIN_WEB_TIMEOUT="120",
                KIKIN_ACCESS_LOG="/dev/null",
            )
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "src/kikin/gunicorn.conf.py")],
                env=env,
            )
        else:
            # The bench's own WSGI server (the standard library's, threaded), in a process of
            # its own so that the harvester never shares an interpreter lock with it.
            self.kind = "wsgiref (threaded, own process; gunicorn not installed)"
            self.process = subprocess.Popen(
                [sys.executable, __file__, "--serve", str(self.port)], env=dict(os.environ)
            )
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def serve(port: int) -> None:
    """Serve the project's WSGI application on 127.0.0.1:`port` until killed."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kikin.settings")
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    class Threaded(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    make_server(
        "127.0.0.1", port, get_wsgi_application(), server_class=Threaded, handler_class=Quiet
    ).serve_forever()


def get(conn: http.client.HTTPConnection, path: str, headers=None) -> bytes:
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"GET {path}: HTTP {response.status}")
    return body


def harvest(port: int, verb: str, prefix: str) -> dict:
    """Follow the list to its end as a harvester does; every response parsed."""
    from lxml import etree

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    query = {"verb": verb, "metadataPrefix": prefix}
    seen: set[str] = set()
    requests = deleted = size = 0
    t = time.perf_counter()
    while True:
        body = get(conn, "/oai?" + urlencode(query))
        size += len(body)
        requests += 1
        root = etree.fromstring(body)
        error = root.find(f"{OAI}error")
        if error is not None:
            raise SystemExit(f"{verb} {prefix}: error {error.get('code')}: {error.text}")
        for header in root.iter(f"{OAI}header"):
            seen.add(header.findtext(f"{OAI}identifier"))
            deleted += header.get("status") == "deleted"
        token = root.find(f".//{OAI}resumptionToken")
        if token is None or not (token.text or "").strip():
            break
        query = {"verb": verb, "resumptionToken": token.text.strip()}
    seconds = time.perf_counter() - t
    conn.close()
    return {
        "records": len(seen),
        "deleted": deleted,
        "requests": requests,
        "seconds": round(seconds, 2),
        "records_per_s": round(len(seen) / seconds),
        "mib": round(size / 2**20, 1),
    }


def timed_searches(port: int, queries: list[str], cookie: str | None, warmups: int = 5) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    for q in queries[:warmups]:
        get(conn, "/search/?" + urlencode({"q": q}), headers)
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        body = get(conn, "/search/?" + urlencode({"q": q}), headers)
        times.append((time.perf_counter() - t) * 1000)
        found.append(body.count(b'<li><span class="tag">'))
    conn.close()
    times.sort()
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 1),
        "max_ms": round(times[-1], 1),
        "mean_results_shown": round(sum(found) / len(found), 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--database", default="kikin_bench_harvest")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rebuild", action="store_true", help="regenerate even if present")
    args = parser.parse_args(argv)
    os.environ["KIKIN_OAI_PAGE_SIZE"] = str(args.page_size)

    _created, migrate_s = open_bench_database(args.database)
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.db import connection

    from kikin.accounts.models import Role, User
    from kikin.datasets.models import Dataset, SearchEntry

    existing = Dataset.objects.filter(identifier__startswith="bh-").count()
    timings = {}
    if existing == args.datasets and not args.rebuild:
        progress(f"reusing {existing} datasets already in {args.database}")
    else:
        if existing:
            progress(f"found {existing} datasets, wanted {args.datasets}: regenerating")
            SearchEntry.objects.filter(key__startswith="bh-").delete()
            Dataset.objects.filter(identifier__startswith="bh-").delete()
        timings = generate(args.datasets, args.seed)
    harvestable = Dataset.objects.filter(state__in=["published", "withdrawn"]).count()
    with_doi = Dataset.objects.filter(state__in=["published", "withdrawn"]).exclude(doi="").count()

    # A session for the staff searches (the server reads it from the database).
    from importlib import import_module

    agency, _ = User.objects.get_or_create(
        username=f"{MARK}-agency", defaults={"role": Role.AGENCY}
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(agency.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = agency.get_session_auth_hash()
    store.save()
    connection.close()

    server = Server()
    progress(f"serving on 127.0.0.1:{server.port} with {server.kind}")
    load_before = round(os.getloadavg()[0], 2)
    try:
        runs = {}
        for name, verb, prefix in (
            ("list_records_oai_dc", "ListRecords", "oai_dc"),
            ("list_records_jpcoar", "ListRecords", "jpcoar_2.0"),
            ("list_identifiers", "ListIdentifiers", "oai_dc"),
            ("list_records_datacite", "ListRecords", "oai_datacite"),
        ):
            runs[name] = harvest(server.port, verb, prefix)
            r = runs[name]
            progress(
                f"{name:24} {r['records']:>7} records ({r['deleted']} deleted) in {r['requests']} "
                f"requests, {r['seconds']} s: {r['records_per_s']} records/s, {r['mib']} MiB"
            )
        rng = random.Random(args.seed)
        words = QUERIES_JA + QUERIES_EN
        queries = [
            " ".join(rng.sample(words, rng.choice([1, 1, 2])))
            if rng.random() < 0.3
            else rng.choice(words)
            for _ in range(args.searches)
        ]
        search_public = timed_searches(server.port, queries, None)
        cookie = f"{settings.SESSION_COOKIE_NAME}={store.session_key}"
        search_staff = timed_searches(server.port, queries, cookie)
        progress(f"search (anonymous): {search_public}")
        progress(f"search (agency):    {search_staff}")
    finally:
        server.stop()

    complete = (
        runs["list_records_oai_dc"]["records"] == harvestable
        and runs["list_records_jpcoar"]["records"] == harvestable
        and runs["list_identifiers"]["records"] == harvestable
        and runs["list_records_datacite"]["records"] == with_doi
    )
    rate = runs["list_records_oai_dc"]["records_per_s"]
    p95 = max(search_public["p95_ms"], search_staff["p95_ms"])
    result = {
        "bench": "harvest",
        "database": args.database,
        "postgresql": connection.pg_version,
        "server": server.kind,
        "datasets": args.datasets,
        "harvestable": harvestable,
        "page_size": args.page_size,
        "harvest": runs,
        "harvest_complete": complete,
        "harvest_records_per_s": rate,
        "harvest_records_per_s_target": f">= {RECORDS_PER_S_TARGET}",
        "search_public": search_public,
        "search_staff": search_staff,
        "search_p95_ms": p95,
        "search_p95_ms_target": f"< {P95_TARGET_MS}",
        "generate": timings,
        "migrate_s": round(migrate_s, 1),
        "load_before": load_before,
        "cores": os.cpu_count(),
        "peak_rss_mib": peak_rss_mib(),
        "ok": complete and rate >= RECORDS_PER_S_TARGET and p95 < P95_TARGET_MS,
    }
    return finish(result)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(int(sys.argv[2]))
    raise SystemExit(main())
