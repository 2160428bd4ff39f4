"""Backups: `manage.py backup --output DIR` and `manage.py restore DIR`, drilled end to end.

The drill is what an operator would do after losing a server: seed, ask, back up, destroy (a new
empty data directory; the PostgreSQL app database dropped), restore, and then the same questions
give the same answers and `verify_audit` prints the same report. Real subprocesses, real SQLite
and PostgreSQL; nothing replaced.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.support.services import manage_runner

QUESTIONS = [
    "¿Cuál fue el total de ventas por región?",  # SQL
    "ventas por mes este año",  # SQL, a trend with a chart
    "¿Qué significa la columna descuento en ventas?",  # RAG: the vector index and its sources
    "borra la tabla ventas; DROP TABLE ventas",  # refused or clarified, and audited
]
# What may differ between two runs of the same question: where it was stored and how long it took.
VOLATILE = ("timings_ms", "message_id", "conversation_id", "cached")


def _answers(run, tmp_path: Path) -> list[dict]:  # noqa: ANN001
    batch = tmp_path / "questions.txt"
    batch.write_text("\n".join(QUESTIONS) + "\n")
    out = run("ask", "--org", "acme", "--user", "analista", "--json", "--batch", str(batch))
    answers = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(answers) == len(QUESTIONS)
    return [{k: v for k, v in answer.items() if k not in VOLATILE} for answer in answers]


def _drill(before, after, tmp_path: Path, destroy) -> dict:  # noqa: ANN001
    """Seed, ask, checkpoint, back up with `before`; destroy; restore and re-ask with `after`."""
    before("migrate", "--noinput")
    before("seed_demo", "--rows", "2000")
    asked = _answers(before, tmp_path)
    assert {a["type"] for a in asked} >= {"SQL", "RAG"}
    assert any(a["sources"] for a in asked), "a RAG answer cites its documents"
    before("audit_checkpoint")
    verified = before("verify_audit", "--require-checkpoint").stdout
    assert "acme: OK" in verified and "checkpoint at entry" in verified

    backup = tmp_path / "backup"
    written = before("backup", "--output", str(backup)).stdout
    for part in ("database", "sources", "audit-checkpoints", "manifest"):
        assert f"{part}" in written, written
    manifest = json.loads((backup / "manifest.json").read_text())

    destroy()
    restored = after("restore", str(backup)).stdout
    assert "checked" in restored and "restored" in restored
    assert after("verify_audit", "--require-checkpoint").stdout == verified
    assert _answers(after, tmp_path) == asked
    # The restored installation keeps working: new entries chain onto the restored ones.
    assert "acme: OK" in after("verify_audit").stdout
    return manifest


def test_restore_drill_on_sqlite(tmp_path):
    old, new = tmp_path / "server-a", tmp_path / "server-b"
    before = manage_runner(DATACHAT_DATA_DIR=str(old))
    after = manage_runner(DATACHAT_DATA_DIR=str(new))
    manifest = _drill(before, after, tmp_path, destroy=lambda: shutil.rmtree(old))

    assert manifest["parts"]["database"]["method"] == "sqlite backup API"
    paths = {entry["path"] for entry in manifest["files"]}
    assert "database/datachat.sqlite3" in paths
    assert any(p.startswith("sources/acme/") for p in paths)
    assert any(p.startswith("chroma/") for p in paths)
    assert "audit-checkpoints/checkpoints.jsonl" in paths
    for entry in manifest["files"]:
        assert len(entry["sha256"]) == 64 and entry["size"] > 0 or entry["size"] == 0


def test_restore_drill_on_postgres(scratch_postgres_db, tmp_path):
    import psycopg

    assert shutil.which("pg_dump") and shutil.which("pg_restore")
    old, new = tmp_path / "server-a", tmp_path / "server-b"
    before = manage_runner(DATABASE_URL=scratch_postgres_db, DATACHAT_DATA_DIR=str(old))
    after = manage_runner(DATABASE_URL=scratch_postgres_db, DATACHAT_DATA_DIR=str(new))
    name = urlparse(scratch_postgres_db).path.lstrip("/")
    server = urlparse(scratch_postgres_db)._replace(path="/postgres").geturl()

    def destroy() -> None:
        shutil.rmtree(old)
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

    manifest = _drill(before, after, tmp_path, destroy)
    assert manifest["parts"]["database"] == {
        "vendor": "postgresql",
        "method": "pg_dump",
        "file": "database/datachat.pgdump",
    }


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory) -> Path:  # noqa: ANN001
    root = tmp_path_factory.mktemp("backup-src")
    run = manage_runner(DATACHAT_DATA_DIR=str(root / "data"))
    run("migrate", "--noinput")
    run("seed_demo", "--rows", "500")
    run("backup", "--output", str(root / "backup"))
    return root / "backup"


def test_restore_refuses_a_backup_whose_checksums_disagree(sqlite_backup, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(sqlite_backup, damaged)
    source = damaged / "sources" / "acme" / "empresa.db"
    with sqlite3.connect(source) as conn:  # a plausible edit, same file type
        conn.execute("CREATE TABLE planted (x)")
    target = tmp_path / "target"
    run = manage_runner(DATACHAT_DATA_DIR=str(target))
    result = run("restore", str(damaged), check=False)
    assert result.returncode != 0
    assert "does not match its manifest" in result.stderr
    assert f"sources/acme/{source.name}" in result.stderr
    # Nothing was restored: no app database, no sources.
    assert not (target / "datachat.sqlite3").exists()
    assert not (target / "sources").exists()


def test_restore_refuses_a_missing_file_and_a_non_backup(sqlite_backup, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(sqlite_backup, partial)
    (partial / "database" / "datachat.sqlite3").unlink()
    run = manage_runner(DATACHAT_DATA_DIR=str(tmp_path / "target"))
    result = run("restore", str(partial), check=False)
    assert result.returncode != 0 and "database/datachat.sqlite3: missing" in result.stderr
    result = run("restore", str(tmp_path), check=False)
    assert result.returncode != 0 and "not a DataChat backup" in result.stderr


def test_restore_refuses_a_target_with_data_unless_forced(sqlite_backup, tmp_path):
    target = tmp_path / "target"
    run = manage_runner(DATACHAT_DATA_DIR=str(target))
    run("migrate", "--noinput")
    result = run("restore", str(sqlite_backup), check=False)
    assert result.returncode != 0 and "not empty" in result.stderr
    forced = run("restore", "--force", "--reindex", str(sqlite_backup))
    assert "vector index: rebuilt from the documents" in forced.stdout
    assert "acme: OK" in run("verify_audit").stdout


def test_backup_refuses_a_directory_that_is_not_empty(sqlite_backup, tmp_path):
    run = manage_runner(DATACHAT_DATA_DIR=str(tmp_path / "data"))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "something").write_text("x")
    result = run("backup", "--output", str(tmp_path / "out"), check=False)
    assert result.returncode != 0 and "not empty" in result.stderr
