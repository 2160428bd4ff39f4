"""Backups of an installation: the app database, the vector index, data-source files, audit
checkpoints and (when the command exists) the semantic layer, with a checksummed manifest.

`manage.py backup --output DIR` writes, `manage.py restore DIR` reads (docs/deploy.md, "Backups").

Layout of a backup directory::

    manifest.json                 format, parts, and size + sha256 of every file below
    database/datachat.pgdump      pg_dump custom format (PostgreSQL app database), or
    database/datachat.sqlite3     SQLite's online backup API (SQLite app database)
    chroma/…                      the local Chroma directory (absent with a Chroma server)
    sources/<org>/…               DATACHAT_DATA_DIR/sources/: the SQLite data sources
    audit-checkpoints/…           DATACHAT_AUDIT_CHECKPOINT_DIR: signed checkpoints
    knowledge/<org>.yaml          `manage.py knowledge export`, when that command exists

SQLite files (app database, data sources, Chroma's own catalog) are copied with SQLite's backup
API, so a file being written is still copied consistently. The audit key is never in a backup: it
lives outside the database on purpose (docs/security.md) and must be kept, separately, to verify
the restored chain.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

FORMAT = 1
MANIFEST = "manifest.json"
_SQLITE_HEADER = b"SQLite format 3\x00"
_SKIP_SUFFIXES = ("-wal", "-shm", "-journal")

Progress = Callable[[str], None]


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Summary:
    parts: dict[str, Any]
    files: int
    bytes: int
    seconds: float


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == _SQLITE_HEADER


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite file (its WAL included) through the backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # Self-contained: opening the copy later must not create -wal/-shm files beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _copy_tree(source: Path, target: Path) -> tuple[int, int]:
    """Copy a directory (SQLite files through the backup API). Returns (files, bytes)."""
    files = size = 0
    if not source.is_dir():
        return 0, 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.endswith(_SKIP_SUFFIXES):
            continue
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        if _is_sqlite(path):
            _sqlite_copy(path, out)
        else:
            shutil.copy2(path, out)
        files += 1
        size += out.stat().st_size
    return files, size


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


def _human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{size:.1f} GB"


# --- the app database ----------------------------------------------------------------------


def _database() -> dict[str, Any]:
    return settings.DATABASES["default"]


def _vendor() -> str:
    engine = _database()["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"backups support SQLite and PostgreSQL app databases, not {engine}")


def _pg_env() -> dict[str, str]:
    db = _database()
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client (Debian: postgresql-client), "
            "at least as new as the server"
        )
    return path


def _pg_run(args: list[str]) -> None:
    result = subprocess.run(args, env=_pg_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _pg_maintenance():  # noqa: ANN202
    """A connection to the server's `postgres` database (the app database may not exist)."""
    import psycopg

    db = _database()
    return psycopg.connect(
        dbname="postgres",
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
        connect_timeout=10,
    )


def _database_backup(out: Path) -> dict[str, Any]:
    vendor = _vendor()
    (out / "database").mkdir(parents=True, exist_ok=True)
    if vendor == "sqlite":
        target = out / "database" / "datachat.sqlite3"
        _sqlite_copy(Path(_database()["NAME"]), target)
        return {
            "vendor": "sqlite",
            "method": "sqlite backup API",
            "file": "database/datachat.sqlite3",
        }
    target = out / "database" / "datachat.pgdump"
    _pg_run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
            f"--dbname={_database()['NAME']}",
        ]
    )
    return {"vendor": "postgresql", "method": "pg_dump", "file": "database/datachat.pgdump"}


def _database_has_tables() -> bool:
    """Whether the target app database holds anything (without creating or migrating it)."""
    if _vendor() == "sqlite":
        path = Path(_database()["NAME"])
        if not path.exists() or path.stat().st_size == 0:
            return False
        with sqlite3.connect(path) as conn:
            return bool(
                conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
            )
    name = _database()["NAME"]
    with _pg_maintenance() as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        return bool(cur.fetchone()[0])


def _database_restore(backup: Path, part: dict[str, Any], *, force: bool) -> None:
    vendor = _vendor()
    if part["vendor"] != vendor:
        raise BackupError(
            f"the backup holds a {part['vendor']} app database and DATABASE_URL names a "
            f"{vendor} one: restore into the same kind"
        )
    connections.close_all()
    source = backup / part["file"]
    if vendor == "sqlite":
        target = Path(_database()["NAME"])
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in _SKIP_SUFFIXES:
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return
    name = _database()["NAME"]
    from psycopg import sql

    with _pg_maintenance() as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    args = [
        _pg_tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={name}",
    ]
    if force:
        args += ["--clean", "--if-exists"]
    _pg_run([*args, str(source)])
    connections.close_all()


# --- the other parts --------------------------------------------------------------------------


def _data_dir() -> Path:
    return Path(settings.DATA_DIR)


def _trees() -> dict[str, Path]:
    """The directories a backup copies, by the name of their folder in the backup."""
    trees = {
        "sources": _data_dir() / "sources",
        "audit-checkpoints": Path(settings.DATACHAT_AUDIT_CHECKPOINT_DIR),
    }
    if not settings.DATACHAT["CHROMA_URL"]:
        trees["chroma"] = _data_dir() / "chroma"
    return trees


def _knowledge_export(out: Path, progress: Progress) -> dict[str, Any]:
    from django.core.management import call_command, get_commands

    if "knowledge" not in get_commands():
        return {
            "exported": [],
            "note": "no `manage.py knowledge export` in this version: the semantic layer "
            "(metrics, glossary, documents, examples) is in the app database dump",
        }
    from apps.governance.models import Organization

    exported, errors = [], {}
    (out / "knowledge").mkdir(exist_ok=True)
    for org in Organization.objects.order_by("slug"):
        target = out / "knowledge" / f"{org.slug}.yaml"
        try:
            call_command("knowledge", "export", "--org", org.slug, "--output", str(target))
            exported.append(org.slug)
        except Exception as exc:  # noqa: BLE001 - a copy for people; the dump is the backup
            errors[org.slug] = str(exc)[:200]
            target.unlink(missing_ok=True)
    progress(f"knowledge: exported {len(exported)} organization(s)")
    return {"exported": exported, "errors": errors}


def _migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections["default"]).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def backup_create(*, output: Path, progress: Progress = lambda _: None) -> Summary:
    """Write a full backup into `output` (which must not exist or be empty)."""
    started = time.perf_counter()
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} is not empty: back up into a new directory")
    output.mkdir(parents=True, exist_ok=True)
    parts: dict[str, Any] = {}

    step = time.perf_counter()
    parts["database"] = _database_backup(output)
    size = (output / parts["database"]["file"]).stat().st_size
    progress(f"database ({parts['database']['method']}): {_human(size)} in {_since(step)}")

    for name, source in _trees().items():
        step = time.perf_counter()
        files, size = _copy_tree(source, output / name)
        parts[name] = {"files": files, "bytes": size}
        progress(f"{name}: {files} files, {_human(size)} in {_since(step)}")
    if settings.DATACHAT["CHROMA_URL"]:
        parts["chroma"] = {"server": True, "note": "rebuilt from the documents on restore"}
        progress("chroma: a Chroma server; restore rebuilds the index (reindex_knowledge)")

    parts["knowledge"] = _knowledge_export(output, progress)

    files = []
    for path in sorted(output.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            files.append(
                {
                    "path": path.relative_to(output).as_posix(),
                    "size": path.stat().st_size,
                    "sha256": _sha256(path),
                }
            )
    manifest = {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "migrations": _migrations(),
        "parts": parts,
        "files": files,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    total = sum(f["size"] for f in files)
    seconds = time.perf_counter() - started
    progress(f"manifest: {len(files)} files, {_human(total)}, sha256 each")
    return Summary(parts=parts, files=len(files), bytes=total, seconds=seconds)


def backup_verify(backup: Path) -> dict[str, Any]:
    """The backup's manifest, after checking every file's size and sha256 against it."""
    path = Path(backup) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{backup} has no {MANIFEST}: not a DataChat backup")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r} (expected {FORMAT})")
    bad = []
    for entry in manifest["files"]:
        file = Path(backup) / entry["path"]
        if not file.is_file():
            bad.append(f"{entry['path']}: missing")
        elif file.stat().st_size != entry["size"]:
            bad.append(f"{entry['path']}: size {file.stat().st_size}, manifest {entry['size']}")
        elif _sha256(file) != entry["sha256"]:
            bad.append(f"{entry['path']}: sha256 differs from the manifest")
    if bad:
        raise BackupError(
            "the backup does not match its manifest, nothing was restored: " + "; ".join(bad[:10])
        )
    return manifest


def _target_in_use(trees: dict[str, Path]) -> list[str]:
    used = []
    if _database_has_tables():
        used.append("the app database has tables")
    for name, path in trees.items():
        if path.is_dir() and any(p.is_file() for p in path.rglob("*")):
            used.append(f"{path} ({name}) is not empty")
    return used


def backup_restore(
    *, backup: Path, force: bool = False, reindex: bool = False, progress: Progress = lambda _: None
) -> Summary:
    """Restore `backup` into the configured installation (checked first; refuses a non-empty
    target unless `force`). The vector index is copied back, or rebuilt from the restored
    documents with a Chroma server, without a copy in the backup, or when `reindex` is asked."""
    started = time.perf_counter()
    backup = Path(backup)
    manifest = backup_verify(backup)
    progress(
        f"checked {len(manifest['files'])} files against the manifest of {manifest['created']}"
    )
    trees = _trees()
    used = _target_in_use(trees)
    if used and not force:
        raise BackupError(
            "the target installation is not empty (" + "; ".join(used) + "): restore into a new "
            "data directory and an empty database, or pass --force to replace what is there"
        )
    parts = manifest["parts"]

    step = time.perf_counter()
    _database_restore(backup, parts["database"], force=force)
    progress(f"database ({parts['database']['method']}): restored in {_since(step)}")

    copy_chroma = "chroma" in trees and "files" in parts.get("chroma", {}) and not reindex
    for name, target in trees.items():
        if name == "chroma" and not copy_chroma:
            continue
        step = time.perf_counter()
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True, exist_ok=True)
        files, size = _copy_tree(backup / name, target)
        progress(f"{name}: {files} files, {_human(size)} in {_since(step)}")

    from apps.knowledge.indexing import org_reindex, reset_vector_store

    reset_vector_store()
    if not copy_chroma:
        from apps.governance.models import Organization

        step = time.perf_counter()
        if "chroma" in trees and (trees["chroma"]).exists():
            shutil.rmtree(trees["chroma"])
        chunks = 0
        for org in Organization.objects.order_by("slug"):
            chunks += org_reindex(org=org)["chunks"]
        progress(f"vector index: rebuilt from the documents, {chunks} chunks in {_since(step)}")

    missing = set(_migrations_pending())
    if missing:
        progress(f"{len(missing)} migrations newer than the backup: run `manage.py migrate`")
    seconds = time.perf_counter() - started
    return Summary(
        parts=parts,
        files=len(manifest["files"]),
        bytes=sum(f["size"] for f in manifest["files"]),
        seconds=seconds,
    )


def _migrations_pending() -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
