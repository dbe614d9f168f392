"""`backup` then `restore` into an empty database and an empty file store: every table's rows,
every sequence and every file come back identical; a restore into a database or store that is
not empty is refused."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from kikin.calls.services import add_attachment
from kikin.jobs.services import enqueue_job
from tests import factories as f
from tests import runtime
from tests.security.files import tiny_pdf

from ..jobs import handlers  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def manage(*args: str, database_url: str, media: Path) -> subprocess.CompletedProcess:
    env = runtime.process_env(DATABASE_URL=database_url, KIKIN_MEDIA_ROOT=media)
    return subprocess.run(
        [sys.executable, "-m", "kikin.manage", *args],
        cwd=runtime.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def pg_snapshot(dbname: str) -> dict:
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        dbname=dbname,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
    ) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        out = {}
        for t in tables:
            out[t] = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \"{t}\" x"
            ).fetchone()
        for (seq,) in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        ):
            out[f"sequence {seq}"] = conn.execute(f'SELECT last_value FROM "{seq}"').fetchone()
        return out


def sqlite_snapshot(path: str) -> dict:
    import sqlite3

    conn = sqlite3.connect(path)
    tables = [
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
    ]
    out = {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    conn.close()
    return out


@pytest.fixture
def records(plan, settings):
    app = f.applicant()
    draft = f.complete_proposal(app, f.open_call(plan), title="控えを取る提案")
    add_attachment(
        actor=app,
        proposal=draft,
        uploaded=SimpleUploadedFile("計画.pdf", tiny_pdf(uuid.uuid4().hex)),
    )
    job = enqueue_job(kind="test.file", params={"who": "backup"}, requested_by=app)
    assert job.result_file
    return Path(settings.MEDIA_ROOT)


def test_backup_and_restore_into_an_empty_database_and_store(records, tmp_path):
    media = records
    source_url = (
        runtime.database_url()
        if connection.vendor == "postgresql"
        else f"sqlite:///{connection.settings_dict['NAME']}"
    )
    made = manage("backup", "--to", str(tmp_path / "backups"), database_url=source_url, media=media)
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.strip().splitlines()[-1])
    assert folder.name.startswith("kikin-") and (folder / "manifest.json").exists()

    empty_store = tmp_path / "store"
    empty_store.mkdir()
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        target_url = runtime.database_url().rsplit("/", 1)[0] + f"/{name}"
    else:
        name = str(tmp_path / "restored.sqlite3")
        target_url = f"sqlite:///{name}"
    try:
        done = manage("restore", str(folder), database_url=target_url, media=empty_store)
        assert done.returncode == 0, done.stderr
        assert "all checked against the backup" in done.stdout
        if connection.vendor == "postgresql":
            assert pg_snapshot(name) == pg_snapshot(connection.settings_dict["NAME"])
        else:
            assert sqlite_snapshot(name) == sqlite_snapshot(connection.settings_dict["NAME"])
        assert tree(empty_store) == tree(media) and len(tree(media)) >= 2
        # Again into the now full database and store: refused, nothing changed.
        again = manage("restore", str(folder), database_url=target_url, media=empty_store)
        assert again.returncode != 0 and "not empty" in again.stderr
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
