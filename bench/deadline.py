"""Bench: the deadline rush. Applicants submit complete proposals (drafts with their
attachments, prepared beforehand) at the same instant against the production server: gunicorn
with kikin's configuration (src/kikin/gunicorn.conf.py), production settings, PostgreSQL through
each process's bounded pool. PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/deadline.py \
        [--applicants 200] [--ramp 50,100,200,300] [--web-workers 5] [--threads 2] [--pool 3]

It never writes to the database DATABASE_URL names: it uses its own, `kikin_bench_deadline`
on the same server (created once, migrated, the seed plan loaded), and its own file store under
bench/out/. Each run opens a new call and prepares as many applicants as the largest burst needs,
each with a complete draft and a PDF attachment and a signed-in session (made directly, so that
the burst is the submissions alone). Then, with the server up:

* a ramp: bursts of 50, 100, 200 and 300 submissions released together (one thread each,
  behind a barrier), each POSTing the proposal form's fields and its own submission key;
* the main burst of --applicants (200), and the same burst again with one gunicorn worker
  killed (SIGKILL) once a quarter of the answers are in. An applicant whose connection is cut
  presses "submit" again once, with the same submission key, as the form does.

For each burst: p50 / p99 latency (from the first press to the final answer), answers by
status, submissions acknowledged (the redirect to the proposal) and stored, checked in the
database: every acknowledged submission key present exactly once, none twice, none lost. The
peak number of the bench database's connections is sampled meanwhile. Target: p99 < 2 s at 200
and nothing acknowledged lost or doubled, with and without the killed worker. The last line is
one JSON object with every figure and its target.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import secrets
import signal
import statistics
import string
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import finish, progress  # noqa: E402
from pages import bench_database_url, ensure_database  # noqa: E402

DATABASE = "kikin_bench_deadline"
P99_TARGET_MS = 2000
STORE = ROOT / "bench" / "out" / "deadline-files"


def production_env(url: str, *, pool: int) -> dict:
    """The environment of a production deployment on this machine (no TLS on loopback)."""
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(60))
    return {
        "KIKIN_ENV": "production",
        "KIKIN_SECRET_KEY": secret,
        "KIKIN_HTTPS": "0",
        "KIKIN_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": url,
        "KIKIN_DB_POOL_MAX": str(pool),
        "KIKIN_MEDIA_ROOT": str(STORE),
        "KIKIN_LOG_LEVEL": "WARNING",
        "KIKIN_ACCESS_LOG": "/dev/null",
        "DJANGO_SETTINGS_MODULE": "kikin.settings",
    }


def small_pdf(kib: int = 150) -> bytes:
    """A real one-page PDF of about `kib` KiB (a blank page, padded with a metadata field)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Subject": secrets.token_hex(kib * 512)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def form_fields(proposal) -> list[tuple[str, str]]:
    """What the proposal form sends on "submit": every field it shows, with the saved values
    (the text and number fields, the budget rows, the team and the partners)."""
    from kikin.calls.services import DRAFT_FIELDS

    pairs = []
    for name in DRAFT_FIELDS:
        if name in {"gx_commitment", "declarations"}:
            continue  # check boxes: left as saved (the form marks them shown only with the box)
        value = getattr(proposal, name, None)
        pairs.append((name, "" if value is None else str(value)))
    for line in proposal.budget_lines.order_by("fiscal_year"):
        pairs += [
            ("budget_fy", str(line.fiscal_year)),
            ("budget_requested", str(line.requested_yen)),
            (
                "budget_eligible",
                "" if line.eligible_cost_yen is None else str(line.eligible_cost_yen),
            ),
        ]
    for i, member in enumerate(proposal.team.order_by("pk")):
        pairs += [
            ("team_name", member.name),
            ("team_affiliation", member.affiliation),
            ("team_role", member.role),
        ]
        if member.is_lead:
            pairs.append(("team_lead", str(i)))
    for i, partner in enumerate(proposal.partners.order_by("pk")):
        pairs += [
            ("partner_name", partner.name),
            ("partner_country", partner.country),
            ("partner_relation", partner.relation),
            ("partner_role", getattr(partner, "role", "joint")),
            ("partner_capability", getattr(partner, "special_capability", "")),
        ]
        if getattr(partner, "supplies_ai_compute", False):
            pairs.append(("partner_ai_compute", str(i)))
    return pairs


def prepare(n: int, run: str) -> list[dict]:
    """A new open call and `n` applicants, each with a complete draft, a PDF attachment and a
    signed-in session: [{proposal, session, csrf}]."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.core.files.uploadedfile import SimpleUploadedFile
    from tests import factories as f

    from kikin.accounts.models import Role
    from kikin.calls.services import add_attachment
    from kikin.programs.models import Program

    program = Program.objects.get(code="post5g")
    call = f.open_call(program, key=f"bench-deadline-{run}")
    password = make_password(secrets.token_urlsafe(12))  # one hash for all: nobody logs in here
    store = import_module(settings.SESSION_ENGINE).SessionStore
    pdf = small_pdf()
    people = []
    for i in range(n):
        app = f.user(Role.APPLICANT, f.organisation(), username=f"deadline-{run}-{i + 1}")
        app.password = password
        app.save(update_fields=["password"])
        draft = f.complete_proposal(app, call, title=f"締切直前の提案 {i + 1}")
        add_attachment(
            actor=app, proposal=draft, uploaded=SimpleUploadedFile(f"計画書{i + 1}.pdf", pdf)
        )
        session = store()
        session[SESSION_KEY] = str(app.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = app.get_session_auth_hash()
        session.create()
        csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        people.append(
            {
                "proposal": draft.pk,
                "session": session.session_key,
                "csrf": csrf,
                "form": form_fields(draft),
            }
        )
        if (i + 1) % 50 == 0:
            progress(f"prepared {i + 1}/{n} applicants with drafts and attachments")
    return people


def start_server(port: int, env: dict, workers: int, threads: int, log: Path):
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "src" / "kikin" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        args, env=full_env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def wait_up(port: int, server, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health/")
            if conn.getresponse().status in {200, 503}:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not start")


def web_workers(master_pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True
    )
    return [int(x) for x in out.stdout.split()]


class Sampler(threading.Thread):
    """Samples the bench database's connections (pg_stat_activity) until stopped."""

    def __init__(self, maintenance_url: str):
        super().__init__(daemon=True)
        self.url, self.peak, self._stop = maintenance_url, 0, threading.Event()

    def run(self):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(0.05):
                (n,) = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [DATABASE]
                ).fetchone()
                self.peak = max(self.peak, n)

    def stop(self):
        self._stop.set()
        self.join(timeout=5)


def submit(port: int, person: dict, key: str) -> tuple[int | str, float]:
    body = urllib.parse.urlencode(
        [
            ("csrfmiddlewaretoken", person["csrf"]),
            # The rendered form's key (kikin.core.idempotency); pressing again sends it again.
            ("form_key", key),
            ("submission_key", key),
            *person["form"],
        ]
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"sessionid={person['session']}; csrftoken={person['csrf']}",
        "Referer": f"http://127.0.0.1:{port}/proposals/{person['proposal']}/edit/",
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", f"/proposals/{person['proposal']}/submit/", body, headers)
        response = conn.getresponse()
        response.read()
        ok = response.status == 302 and "/proposals/" in (response.getheader("Location") or "")
        return (302 if ok else response.status), 0.0
    except (ConnectionError, http.client.HTTPException, TimeoutError) as exc:
        return type(exc).__name__, 0.0
    finally:
        conn.close()


def burst(port: int, people: list[dict], tag: str, *, kill_master: int | None = None) -> dict:
    """Release len(people) submissions together; returns the figures of the burst."""
    n = len(people)
    keys = [f"{tag}-{uuid.uuid4().hex[:20]}" for _ in people]
    barrier = threading.Barrier(n + 1)
    results: list[dict] = [{} for _ in people]
    answered = [0]
    lock = threading.Lock()

    def one(i: int):
        barrier.wait()
        t0 = time.perf_counter()
        status, _ = submit(port, people[i], keys[i])
        retried = False
        if not isinstance(status, int) or status >= 500:
            retried = True  # the applicant presses submit again, with the form's same key
            time.sleep(0.5)
            status, _ = submit(port, people[i], keys[i])
        results[i] = {"status": status, "ms": (time.perf_counter() - t0) * 1000, "retried": retried}
        with lock:
            answered[0] += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    killed = None
    t0 = time.perf_counter()
    barrier.wait()
    if kill_master is not None:
        while answered[0] < n // 4 and time.perf_counter() - t0 < 30:
            time.sleep(0.005)
        victims = web_workers(kill_master)
        if victims:
            killed = victims[0]
            os.kill(killed, signal.SIGKILL)
            progress(f"killed gunicorn worker {killed} after {answered[0]} answers")
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"keys": keys, "results": results, "wall_s": wall, "killed_pid": killed}


def check(people: list[dict], done: dict) -> dict:
    """Acknowledged vs stored, from the database."""
    from django.db.models import Count

    from kikin.calls.models import ProposalVersion

    stored = dict(
        ProposalVersion.objects.filter(submission_key__in=done["keys"])
        .values_list("submission_key")
        .annotate(n=Count("id"))
    )
    acked = [k for k, r in zip(done["keys"], done["results"], strict=True) if r["status"] == 302]
    latencies = sorted(r["ms"] for r in done["results"])
    statuses: dict[str, int] = {}
    for r in done["results"]:
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    return {
        "concurrency": len(people),
        "p50_ms": round(statistics.median(latencies)),
        "p99_ms": round(p99),
        "max_ms": round(latencies[-1]),
        "wall_s": round(done["wall_s"], 2),
        "statuses": statuses,
        "acknowledged": len(acked),
        "stored": sum(1 for k in done["keys"] if stored.get(k, 0) >= 1),
        "acknowledged_stored_once": sum(1 for k in acked if stored.get(k, 0) == 1),
        "acknowledged_lost": sum(1 for k in acked if stored.get(k, 0) == 0),
        "stored_twice": sum(1 for k in done["keys"] if stored.get(k, 0) > 1),
        "retried": sum(1 for r in done["results"] if r["retried"]),
        "killed_worker": done["killed_pid"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=200)
    parser.add_argument("--ramp", default="50,100,200,300")
    parser.add_argument("--web-workers", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pool", type=int, default=3, help="database connections per process")
    args = parser.parse_args()
    ramp = [int(x) for x in args.ramp.split(",") if x.strip()]

    url, maintenance = bench_database_url(os.environ.get("DATABASE_URL", ""), DATABASE)
    created = ensure_database(maintenance, DATABASE)
    env = production_env(url, pool=args.pool)
    os.environ.update(env)
    os.environ["KIKIN_DB_POOL_MAX"] = "0"  # this process: plain connections
    STORE.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    progress(f"database {DATABASE}{' (created)' if created else ''}: migrating")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_plan", verbosity=0)
    run = uuid.uuid4().hex[:8]
    people = prepare(max([args.applicants, *ramp]), run)
    from django.db import connections

    connections.close_all()

    port = free_port()
    log = ROOT / "bench" / "out" / "deadline-server.log"
    server = start_server(port, env, args.web_workers, args.threads, log)
    sampler = Sampler(maintenance.rsplit("/", 1)[0] + "/postgres")
    try:
        wait_up(port, server)
        progress(
            f"gunicorn on 127.0.0.1:{port}: {args.web_workers} workers × {args.threads} threads, "
            f"pool ≤ {args.pool} connections each"
        )
        sampler.start()
        phases = []
        for n in ramp:
            figures = check(people[:n], burst(port, people[:n], f"ramp{n}"))
            phases.append(figures)
            progress(f"ramp {n}: {figures}")
            time.sleep(2)
        main_burst = check(
            people[: args.applicants], burst(port, people[: args.applicants], "main")
        )
        progress(f"main burst: {main_burst}")
        time.sleep(2)
        killed = check(
            people[: args.applicants],
            burst(port, people[: args.applicants], "kill", kill_master=server.pid),
        )
        progress(f"with a worker killed: {killed}")
    finally:
        sampler.stop()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    server_log = log.read_text(errors="replace")
    pool_timeouts = server_log.count("PoolTimeout")
    first_failure = "none up to the largest burst"
    for figures in phases:
        failed = []
        if figures["p99_ms"] >= P99_TARGET_MS:
            failed.append(f"p99 {figures['p99_ms']} ms ≥ {P99_TARGET_MS}")
        if figures["statuses"].get("302", 0) != figures["concurrency"]:
            failed.append(f"answers {figures['statuses']}")
        if failed:
            first_failure = f"at {figures['concurrency']} together: " + "; ".join(failed)
            break

    def good(f: dict) -> bool:
        return (
            f["p99_ms"] < P99_TARGET_MS
            and f["acknowledged_lost"] == 0
            and f["stored_twice"] == 0
            and f["acknowledged_stored_once"] == f["acknowledged"]
        )

    return finish(
        {
            "bench": "deadline",
            "note": "2-core machine shared with other work while measured",
            "server": {
                "gunicorn_workers": args.web_workers,
                "threads": args.threads,
                "pool_per_process": args.pool,
                "connection_bound": args.web_workers * args.pool,
            },
            "burst_200": {**main_burst, "target_p99_ms": P99_TARGET_MS},
            "burst_200_worker_killed": {**killed, "target_p99_ms": P99_TARGET_MS},
            "ramp": phases,
            "peak_db_connections": sampler.peak,
            "pool_timeouts_in_server_log": pool_timeouts,
            "first_failure_as_load_grew": first_failure,
            "targets": {
                "p99_ms": P99_TARGET_MS,
                "acknowledged_lost": 0,
                "stored_twice": 0,
                "all_acknowledged_without_kill": True,
            },
            "ok": good(main_burst)
            and good(killed)
            and main_burst["acknowledged"] == main_burst["concurrency"],
        }
    )


def free_port() -> int:
    """A free loopback port (bound to port 0, then released for the server)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
