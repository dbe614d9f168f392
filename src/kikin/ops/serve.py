"""`kikin serve`: the web server (gunicorn) and the background worker (Celery, with its beat for
the sweep of lost jobs) started together, watched, and stopped together.

    kikin serve [--host 127.0.0.1] [--port 8000] [--web-workers N] [--jobs N] [--no-beat]
                [--demo-banner]

Ctrl-C (or SIGTERM) stops both; if either stops by itself, the other is stopped too and the
command fails. The settings come from the environment as usual (KIKIN_ENV, DATABASE_URL,
KIKIN_BROKER_URL...): `make demo` runs it with KIKIN_ENV=demo on SQLite. On several machines,
run gunicorn and `celery -A kikin worker` by their own supervisor instead, and one beat
(`celery -A kikin beat`) in all.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def web_command(host: str, port: int, workers: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(CONF), "--bind", f"{host}:{port}"]
    if workers:
        cmd += ["--workers", str(workers)]
    return cmd


def worker_command(concurrency: int, beat: bool, data_dir: Path) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "kikin",
        "worker",
        "--loglevel=INFO",
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"kikin-{os.getpid()}@%h",
    ]
    if beat:
        cmd += ["--beat", f"--schedule={data_dir / 'celerybeat-schedule'}"]
    return cmd


def _wait_until_up(url: str, web: subprocess.Popen, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and web.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status in {200, 503}
        except urllib.error.HTTPError as exc:
            return exc.code in {200, 503}
        except OSError:
            time.sleep(0.3)
    return False


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kikin serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("KIKIN_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("KIKIN_PORT", "8000")))
    parser.add_argument("--web-workers", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("KIKIN_JOB_WORKERS", "1")))
    parser.add_argument("--no-beat", action="store_true", help="run the sweep elsewhere")
    parser.add_argument("--demo-banner", action="store_true", help="print the demo's logins")
    args = parser.parse_args(argv)

    data_dir = Path(os.environ.get("KIKIN_HOME", Path.cwd()))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "kikin.settings"),
    }
    web = subprocess.Popen(web_command(args.host, args.port, args.web_workers), env=env)
    worker = subprocess.Popen(worker_command(args.jobs, not args.no_beat, data_dir), env=env)
    procs = [web, worker]
    stopping = {"signal": None}

    def on_signal(signum, _frame):
        stopping["signal"] = signum

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    address = f"http://{args.host}:{args.port}/"
    if _wait_until_up(f"{address}health/", web):
        print(
            f"kikin: serving {address} (gunicorn) with the background worker (celery)", flush=True
        )
        if args.demo_banner:
            subprocess.run(
                [sys.executable, "-m", "kikin.manage", "demo_banner", "--address", address],
                env=env,
                check=False,
            )
        else:
            print("Stop both with Ctrl-C.", flush=True)
    try:
        while stopping["signal"] is None and all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        _stop(procs)
    if stopping["signal"] is not None:
        print("kikin: stopped.", flush=True)
        return 0
    dead = [
        name
        for name, p in (("web server", web), ("worker", worker))
        if p.returncode not in (0, None, -signal.SIGTERM)
    ]
    print(
        f"kikin: the {' and the '.join(dead) or 'server'} stopped; stopped the rest.",
        file=sys.stderr,
    )
    return 1
