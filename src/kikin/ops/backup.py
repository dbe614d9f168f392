"""Backups: the database and the file store into one dated folder, and back.

    kikin manage backup [--to backups]          → backups/kikin-20270901-031500/
    kikin manage restore backups/kikin-20270901-031500

A backup folder holds `database.dump` (PostgreSQL: pg_dump's custom format) or
`database.sqlite3` (SQLite: a consistent copy through SQLite's backup API), `files/` (every
file of the store, read through Django's storage API, so an S3-compatible store is saved the
same way), and `manifest.json` (when, which database engine, each file's size and SHA-256, each
table's row count). A restore goes into an empty database and an empty store only, checks every
file against the manifest and every table's row count, and says what it restored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection

FORMAT = 1


class BackupError(Exception):
    pass


def _pg_env() -> tuple[dict, list[str]]:
    s = connection.settings_dict
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", s["HOST"]]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", s["USER"]]
    return env, args


def _walk(storage, folder: str = ""):
    """Every file name in the store, depth first, in a stable order."""
    dirs, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for d in sorted(dirs):
        yield from _walk(storage, f"{folder}/{d}" if folder else d)


def _sha256(fh) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cur:
        for table in sorted(connection.introspection.table_names(cur)):
            cur.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cur.fetchone()[0]
    return counts


def backup(to: Path, *, now: dt.datetime | None = None) -> Path:
    """Save the database and the file store into a new folder under `to`; returns it."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = Path(to) / f"kikin-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    vendor = connection.vendor
    if vendor == "postgresql":
        env, args = _pg_env()
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-acl",
                "--file",
                str(folder / "database.dump"),
                *args,
            ],
            env=env,
            check=True,
        )
    elif vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(folder / "database.sqlite3")
        with target:
            connection.connection.backup(target)
        target.close()
    else:
        raise BackupError(f"no backup for the {vendor} database")
    files = {}
    store = folder / "files"
    for name in _walk(default_storage):
        dest = store / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        with dest.open("rb") as fh:
            sha, size = _sha256(fh)
        files[name] = {"sha256": sha, "size": size}
    manifest = {
        "format": FORMAT,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": vendor,
        "tables": table_counts(),
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return folder


def _database_is_empty() -> bool:
    with connection.cursor() as cur:
        return not connection.introspection.table_names(cur)


def _store_is_empty() -> bool:
    try:
        return next(iter(_walk(default_storage)), None) is None
    except FileNotFoundError:
        return True


def restore(folder: Path) -> dict:
    """Restore a backup folder into an empty database and an empty file store, then check the
    tables' row counts and every file's SHA-256 against the manifest. Returns the counts."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError("unknown backup format")
    vendor = connection.vendor
    if manifest["database"] != vendor:
        raise BackupError(f"a {manifest['database']} backup cannot go into {vendor}")
    if not _database_is_empty():
        raise BackupError("the database is not empty: restore into a new, empty database")
    if not _store_is_empty():
        raise BackupError("the file store is not empty: restore into a new, empty store")
    if vendor == "postgresql":
        env, args = _pg_env()
        connection.close()
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                *args,
                str(folder / "database.dump"),
            ],
            env=env,
            check=True,
        )
    else:
        source = sqlite3.connect(folder / "database.sqlite3")
        connection.ensure_connection()
        with source:
            source.backup(connection.connection)
        source.close()
        connection.close()
    for name, expected in manifest["files"].items():
        with (folder / "files" / name).open("rb") as fh:
            saved = default_storage.save(name, File(fh, name=name))
        if saved != name:
            raise BackupError(f"the store renamed {name} to {saved}")
        with default_storage.open(name, "rb") as fh:
            if _sha256(fh) != (expected["sha256"], expected["size"]):
                raise BackupError(f"{name} differs from the backup after restoring it")
    counts = table_counts()
    if counts != manifest["tables"]:
        raise BackupError("the restored tables' row counts differ from the backup's")
    return {"tables": len(counts), "rows": sum(counts.values()), "files": len(manifest["files"])}
