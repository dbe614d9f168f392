"""Real processes for the tests that need them: a Celery worker (and, for the scale-out test,
gunicorn app servers) on loopback, against the test database and RabbitMQ. Each is stopped by
the test that started it. Ports are picked free (bound to port 0) so that runs do not collide."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BROKER_URL = os.environ.get("KIKIN_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def broker_or_skip(url: str = BROKER_URL) -> None:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        pytest.skip(f"no message broker at {url}: {exc}")


def postgresql_or_skip() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): app servers and workers share it")


def database_url() -> str:
    """The URL of the test database the suite runs on (PostgreSQL)."""
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def process_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIKIN_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="kikin.test_settings",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "src")]),
        KIKIN_JOBS_EAGER="0",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


@contextlib.contextmanager
def queue_of_our_own(url: str = BROKER_URL):
    """A queue name no other run uses, set as the default queue of this process's Celery app
    while the block runs, and deleted from the broker afterwards."""
    from kombu import Connection

    from kikin.celery import app

    name = f"kikin-test-{uuid.uuid4().hex[:12]}"
    saved = (app.conf.broker_url, app.conf.task_default_queue, app.conf.broker_transport_options)
    app.conf.broker_url, app.conf.task_default_queue = url, name
    app.conf.broker_transport_options = {}
    _reset_connections(app)
    try:
        yield name
    finally:
        _reset_connections(app)
        app.conf.broker_url, app.conf.task_default_queue, app.conf.broker_transport_options = saved
        app.amqp.__dict__.pop("queues", None)
        with contextlib.suppress(Exception), Connection(url, connect_timeout=3) as conn:
            conn.default_channel.queue_delete(name)


def _reset_connections(app) -> None:
    """Forget the app's broker connections and producers, so the next send uses the new URL."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    app.amqp.__dict__.pop("queues", None)
    pools.reset()


class Process:
    def __init__(self, name: str, args: list[str], env: dict, log: Path):
        self.name, self.log = name, log
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)


def start_worker(tmp_path: Path, *, queue: str, database_url: str, **env) -> Process:
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "kikin",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--include=tests.jobs.handlers",
        "-n",
        f"{queue}@%h",
    ]
    return Process(
        "worker",
        args,
        process_env(
            DATABASE_URL=database_url,
            KIKIN_BROKER_URL=BROKER_URL,
            KIKIN_QUEUE=queue,
            **env,
        ),
        tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log",
    )


def wait_for(predicate, *, timeout: float, what: str, process: Process | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process is not None and process.popen.poll() is not None:
            raise AssertionError(
                f"{process.name} stopped while waiting for {what}:\n{process.output()}"
            )
        time.sleep(0.1)
    tail = process.output()[-4000:] if process else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")
