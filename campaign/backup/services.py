"""Taking a backup of the database and restoring it onto an empty instance.

A backup is a folder (made with mode 0700) holding:

- ``database.sqlite3``: SQLite's online backup (``sqlite3.Connection.backup``), a page-for-page
  copy of one consistent moment, taken while the app keeps serving; or
- ``database.pgdump``: PostgreSQL's ``pg_dump --format=custom`` of one snapshot, without the
  rows of ``survey_slots``, ``petition_signatures`` and ``petition_link_queue``, and
  ``survey_slots.copy``: those rows, written from the same snapshot ordered by survey and random
  slot number, and by random signature (or queued link) id. A heap scan (which is what
  ``pg_dump`` writes) would list a page's rows in the order they were last updated, that is,
  answers and signatures by arrival; the sorted copy holds no order but the random one
  (SECURITY.md promise 3; review R4-5);
- ``manifest.json``: when, which database kind, the migration revision, each table's row count
  at that moment, and a fingerprint of the data key (a keyed hash, not the key).

The data key never goes into a backup: attachments and TOTP secrets stay sealed in it. Keep
the key apart (README: "Backups"). ``restore`` refuses an instance whose data key has another
fingerprint, and afterwards checks that the audit chain is whole, that every attachment and
TOTP secret opens with the key, and that every table has the rows the manifest lists.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from campaign import clock, datakey

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
SLOTS_FILE = "survey_slots.copy"
# Tables whose rows are dumped apart, sorted by these columns (random numbers), never in the
# order the heap holds them.
SORTED_TABLES = {
    "survey_slots": ("survey_id", "slot", "part"),
    "petition_signatures": ("id",),  # random ids (campaign/petitions/models.py)
    "petition_link_queue": ("id",),  # the queued confirmation emails: random ids too
}
FORMAT = 1


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def key_fingerprint() -> str:
    """A short keyed hash of the data key: tells two keys apart, gives nothing of either."""
    return hashlib.blake2b(datakey.subkey("backup-fingerprint"), digest_size=8).hexdigest()


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as pg_dump and psycopg take it, the password moved into the environment (so that
    it does not show in the process list)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found: install PostgreSQL's client programs.")
    return found


def _name(table: str) -> str:
    """A table name from the database's own catalogue, quoted; anything odd is refused."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", table):
        raise BackupError(f"Unexpected table name {table!r}.")
    return f'"{table}"'


def _count_sql(table: str) -> str:
    return f"SELECT count(*) FROM {_name(table)}"  # noqa: S608  (a checked catalogue name)


def _counts(connection, tables: list[str]) -> dict[str, int]:
    return {t: int(connection.execute(_count_sql(t)).fetchone()[0]) for t in sorted(tables)}


def _revision(connection, tables: list[str]) -> str | None:
    if "alembic_version" not in tables:
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


@dataclass
class Progress:
    """What a long step reports: ``step(done, total)``; the CLI draws it as a bar."""

    step: Callable[[int, int], None] = field(default=lambda done, total: None)


def backup(engine: Engine, url: str, dest: Path, progress: Progress | None = None) -> dict:
    """Write a backup of the database into the new folder ``dest``; return its manifest."""
    progress = progress or Progress()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists: name a new folder for the backup.")
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    manifest = {"format": FORMAT, "taken_at": clock.now().isoformat(), "key": key_fingerprint()}
    try:
        if _is_sqlite(url):
            manifest.update(_backup_sqlite(_sqlite_path(url), dest / SQLITE_FILE, progress))
        else:
            manifest.update(_backup_postgres(url, dest, progress))
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.chmod(dest / MANIFEST, 0o600)
    return manifest


def _backup_sqlite(source: Path, target: Path, progress: Progress) -> dict:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(
            dst, pages=256, progress=lambda _s, left, total: progress.step(total - left, total)
        )
        tables = [r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        tables = [t for t in tables if not t.startswith("sqlite_")]
        info = {
            "database": "sqlite",
            "revision": _revision(dst, tables),
            "counts": _counts(dst, tables),
        }
    finally:
        src.close()
        dst.close()
    os.chmod(target, 0o600)
    return info


def _backup_postgres(url: str, dest: Path, progress: Progress) -> dict:
    import psycopg

    dsn, env = _libpq(url)
    pg_dump = _tool("pg_dump")
    with psycopg.connect(dsn) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.transaction():
            snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
            tables = [
                r[0]
                for r in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            ]
            sorted_here = [t for t in SORTED_TABLES if t in tables]
            command = [pg_dump, "--format=custom", "--no-owner", "--no-acl",
                       f"--snapshot={snapshot}", f"--file={dest / PG_FILE}"]  # fmt: skip
            command += [f"--exclude-table-data={t}" for t in sorted_here]
            # Our own arguments, no shell.
            done = subprocess.run([*command, dsn], env=env, capture_output=True, text=True)  # noqa: S603
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
            progress.step(1, 2)
            with open(dest / SLOTS_FILE, "wb") as out:
                for table in sorted_here:
                    order = ", ".join(SORTED_TABLES[table])
                    out.write(f"\\table {table}\n".encode())
                    query = f"COPY (SELECT * FROM {_name(table)} ORDER BY {order}) TO STDOUT"  # noqa: S608
                    with connection.cursor().copy(query) as copy:
                        for chunk in copy:
                            out.write(bytes(chunk))
                    out.write(b"\\end\n")
            counts = _counts(connection, tables)
            revision = _revision(connection, tables)
    for name in (PG_FILE, SLOTS_FILE):
        os.chmod(dest / name, 0o600)
    progress.step(2, 2)
    return {"database": "postgresql", "revision": revision, "counts": counts}


def read_manifest(src: Path) -> dict:
    """The manifest of a backup folder, or BackupError when it is not one."""
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except (OSError, ValueError, RecursionError) as error:
        raise BackupError(f"{src} is not a backup made by 'flask backup' ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("database") not in ("sqlite", "postgresql"):
        raise BackupError(f"{src} is not a backup made by 'flask backup'.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{src} was made by another version of the backup command.")
    counts = manifest.get("counts")
    if not (
        all(isinstance(manifest.get(k), str) for k in ("key", "taken_at"))
        and isinstance(manifest.get("revision"), str | None)
        and isinstance(counts, dict)
        and all(isinstance(n, int) and not isinstance(n, bool) for n in counts.values())
    ):
        raise BackupError(f"{src}: its manifest is damaged.")
    return manifest


def is_empty(engine: Engine) -> bool:
    """Whether the database has no table at all (a new instance, before ``init``)."""
    return not inspect(engine).get_table_names()


def restore(engine: Engine, url: str, src: Path, progress: Progress | None = None) -> dict:
    """Restore the backup folder ``src`` into the empty database behind ``engine``."""
    progress = progress or Progress()
    manifest = read_manifest(src)
    kind = "sqlite" if _is_sqlite(url) else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(
            f"This backup is of a {manifest['database']} database; this instance uses {kind}."
        )
    if manifest["key"] != key_fingerprint():
        raise BackupError(
            "This instance's data key is not the one the backup was taken with. Put the data "
            "key kept apart in NAISHIN_DATA_KEY (or instance/data_key) and try again."
        )
    if not is_empty(engine):
        raise BackupError(
            "The database is not empty. Restore into a new, empty database (before 'init')."
        )
    engine.dispose()
    if kind == "sqlite":
        _restore_sqlite(src / SQLITE_FILE, _sqlite_path(url), progress)
    else:
        _restore_postgres(url, src, progress)
    engine.dispose()
    return manifest


def _restore_sqlite(source: Path, target: Path, progress: Progress) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(
            dst, pages=256, progress=lambda _s, left, total: progress.step(total - left, total)
        )
    finally:
        src.close()
        dst.close()


def _restore_postgres(url: str, src: Path, progress: Progress) -> None:
    import psycopg

    dsn, env = _libpq(url)
    command = [_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error",
               f"--dbname={dsn}", str(src / PG_FILE)]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    progress.step(1, 2)
    with psycopg.connect(dsn) as connection, open(src / SLOTS_FILE, "rb") as rows:
        for line in rows:
            table = line.removeprefix(b"\\table ").strip().decode()
            if not line.startswith(b"\\table ") or table not in SORTED_TABLES:
                raise BackupError(f"{SLOTS_FILE} is damaged (at {line[:40]!r}).")
            with connection.cursor().copy(f"COPY {_name(table)} FROM STDIN") as copy:
                for row in rows:
                    if row == b"\\end\n":
                        break
                    copy.write(row)
        connection.commit()
    progress.step(2, 2)


@dataclass
class Check:
    """What ``check`` found after a restore."""

    problems: list[str]
    lines: list[str]


def check(
    db: Session, manifest: dict, checks: list[Callable[[Session], tuple[str, list[str]]]]
) -> Check:
    """Compare the restored tables' row counts with the manifest, then run each feature's
    check (the audit chain, the sealed attachments and TOTP secrets)."""
    problems, lines = [], []
    connection = db.connection()
    tables = inspect(connection).get_table_names()
    for table, expected in sorted(manifest["counts"].items()):
        if table not in tables:
            problems.append(f"table {table} is missing")
            continue
        found = connection.execute(text(_count_sql(table))).scalar_one()
        if found != expected:
            problems.append(f"table {table}: {found} rows, the backup had {expected}")
    lines.append(f"{len(manifest['counts'])} tables, {sum(manifest['counts'].values())} rows: "
                 f"{'as in the backup' if not problems else 'NOT as in the backup'}.")  # fmt: skip
    for run in checks:
        line, found = run(db)
        lines.append(line)
        problems += found
    return Check(problems, lines)
