"""`kikin serve` starts gunicorn and the Celery worker, answers on the address it prints, and
stops both on Ctrl-C (SIGINT)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests import runtime

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    kids = {int(x) for x in out.stdout.split()}
    for kid in list(kids):
        kids |= _children(kid)
    return kids


def _running(pid: int) -> bool:
    """Alive and not a zombie (a dead child its new parent has not reaped yet)."""
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return bool(state.stdout.strip()) and not state.stdout.strip().startswith("Z")


def test_serve_runs_web_and_worker_and_stops_both(tmp_path):
    runtime.postgresql_or_skip()
    port = runtime.free_port()
    env = runtime.process_env(
        KIKIN_ENV="demo",
        KIKIN_HOME=tmp_path,
        KIKIN_MEDIA_ROOT=tmp_path / "media",
        DATABASE_URL=runtime.database_url(),
        KIKIN_WEB_THREADS=1,
    )
    env["DJANGO_SETTINGS_MODULE"] = "kikin.settings"
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kikin.cli", "serve", "--port", str(port), "--web-workers", "1"],
        cwd=runtime.ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        text = lambda: (tmp_path / "serve.log").read_text(errors="replace")  # noqa: E731
        runtime.wait_for(
            lambda: "ready." in text() and "kikin: serving" in text(),
            timeout=90,
            what="kikin serve",
        )
        assert f"http://127.0.0.1:{port}/" in text()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=10) as r:
            body = json.load(r)
        assert r.status == 200 and body["status"] == "ok", body
        children = _children(proc.pid)
        assert len(children) >= 3  # gunicorn's master and worker, celery's worker and its pool
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        time.sleep(1)
        alive = [pid for pid in children if _running(pid)]
        assert alive == [], text()
        assert "kikin: stopped." in text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
