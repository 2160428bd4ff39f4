"""The SQLite engine layer: alone (guard bypassed) it stops every Appendix A attack, and with the
guard it runs Appendix B, caps rows and converts values; nothing is ever written."""

from __future__ import annotations

import dataclasses
import sqlite3
import time

import pytest

from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import QueryResult, SourceConnection, execute
from apps.governance.engine.guard import GuardedQuery, guard_sql

from .appendix import ACCEPTED, SQLITE_ATTACKS
from .conftest import (
    ANALYST,
    EMP_MARKER,
    OTHER_TENANT_MARKER,
    PII_MARKER,
    SCHEMA,
    VIEWER,
    dir_listing,
    file_digest,
)

ENGINE_ATTACKS = [a for a in SQLITE_ATTACKS if "ok" not in a.codes]
SECRETS = (PII_MARKER, EMP_MARKER, OTHER_TENANT_MARKER)


def _fill(sql: str, root) -> str:
    return sql.replace("{tmp}", str(root)).replace("{other}", str(root / "globex.db"))


def _engine_alone(sql: str, policy=ANALYST) -> GuardedQuery:
    return GuardedQuery.unchecked_for_engine_tests(sql, "sqlite", policy)


def _source(path) -> SourceConnection:
    return SourceConnection(dialect="sqlite", sqlite_path=str(path))


def _assert_no_secret(*texts: object) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in str(text), secret


def _run_attack(sql: str, root) -> SqlRefusal | QueryResult:
    started = time.monotonic()
    try:
        outcome = execute(_engine_alone(sql), source=_source(root / "empresa.db"))
    except SqlRefusal as refusal:
        outcome = refusal
    assert time.monotonic() - started < 2.5, "the engine must stop an attack within ~2 s"
    return outcome


@pytest.mark.parametrize("attack", ENGINE_ATTACKS, ids=lambda a: a.id)
def test_engine_alone_refuses_sqlite_attack(attack, fresh_tenants):
    before = {p: file_digest(fresh_tenants / p) for p in ("empresa.db", "globex.db")}
    listing = dir_listing(fresh_tenants)
    outcome = _run_attack(_fill(attack.sql, fresh_tenants), fresh_tenants)
    assert isinstance(outcome, SqlRefusal), f"{attack.id} ran: {outcome}"
    _assert_no_secret(outcome.message, str(outcome), outcome.detail)
    assert {p: file_digest(fresh_tenants / p) for p in before} == before
    assert dir_listing(fresh_tenants) == listing


def test_engine_alone_codes_for_representative_attacks(demo_dir):
    expected = {
        "SELECT * FROM empleados": "table_not_allowed",
        "SELECT email FROM clientes": "column_not_allowed",
        "SELECT name, sql FROM sqlite_master": "table_not_allowed",
        "SELECT load_extension('x')": "function_not_allowed",
        "DROP TABLE clientes": "sql_not_read_only",
        "PRAGMA query_only = 0": "sql_not_read_only",
        f"ATTACH '{demo_dir / 'globex.db'}' AS t2": "sql_not_read_only",
        "SELECT 1; DROP TABLE clientes": "multiple_statements",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c) SELECT count(*) FROM c": (
            "timeout"
        ),
    }
    for sql, code in expected.items():
        outcome = _run_attack(sql, demo_dir)
        assert isinstance(outcome, SqlRefusal) and outcome.code == code, (sql, outcome)
    timeout = _run_attack(
        "SELECT count(*) FROM ventas a, ventas b, ventas c, ventas d, ventas e", demo_dir
    )
    assert timeout.code == "timeout" and "filtro" in timeout.message


def test_whole_attack_suite_leaves_files_untouched(fresh_tenants):
    """Guard and engine, separately, over every attack: same bytes, no new files afterwards."""
    before = {p: file_digest(fresh_tenants / p) for p in ("empresa.db", "globex.db")}
    listing = dir_listing(fresh_tenants)
    for attack in ENGINE_ATTACKS:
        sql = _fill(attack.sql, fresh_tenants)
        _run_attack(sql, fresh_tenants)
        try:
            guarded = guard_sql(sql, dialect="sqlite", schema=SCHEMA, policy=ANALYST)
        except SqlRefusal:
            continue
        result = execute(guarded, source=_source(fresh_tenants / "empresa.db"))
        _assert_no_secret(result.rows)
    assert {p: file_digest(fresh_tenants / p) for p in before} == before
    assert dir_listing(fresh_tenants) == listing


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c[0])
def test_appendix_b_runs_through_guard_and_engine(case, demo_db):
    _id, sql, _pg = case
    query = guard_sql(sql, dialect="sqlite", schema=SCHEMA, policy=ANALYST)
    result = execute(query, source=_source(demo_db))
    assert result.columns and result.row_count == len(result.rows)
    _assert_no_secret(result.rows)


def test_row_cap_and_count_cap(demo_db):
    policy = dataclasses.replace(ANALYST, row_cap=5, count_cap=20)
    query = guard_sql("SELECT venta_id FROM ventas", dialect="sqlite", schema=SCHEMA, policy=policy)
    result = execute(query, source=_source(demo_db))
    assert len(result.rows) == 5 and result.row_count == 20
    assert result.truncated and result.count_capped
    small = guard_sql(
        "SELECT venta_id FROM ventas LIMIT 3", dialect="sqlite", schema=SCHEMA, policy=policy
    )
    result = execute(small, source=_source(demo_db))
    assert (len(result.rows), result.row_count, result.truncated, result.count_capped) == (
        3,
        3,
        False,
        False,
    )
    # The engine caps on its own too, whatever LIMIT the SQL carries.
    raw = execute(_engine_alone("SELECT venta_id FROM ventas", policy), source=_source(demo_db))
    assert raw.row_count == 20 and raw.count_capped and len(raw.rows) == 5


def test_values_are_json_friendly(demo_db):
    query = guard_sql(
        "SELECT fecha, total, cantidad, hex('ab') AS h, NULL AS n FROM ventas LIMIT 1",
        dialect="sqlite",
        schema=SCHEMA,
        policy=ANALYST,
    )
    result = execute(query, source=_source(demo_db))
    row = result.rows[0]
    assert isinstance(row[0], str) and isinstance(row[1], float) and isinstance(row[2], int)
    assert row[4] is None


def test_connection_is_read_only_even_for_allowed_statements(fresh_tenants):
    # Even if an authorizer bug allowed a write, mode=ro makes the file unwritable.
    uri = f"file:{fresh_tenants / 'empresa.db'}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM ventas")
    conn.close()


def test_missing_file_and_dialect_mismatch(tmp_path):
    query = guard_sql("SELECT 1 AS x", dialect="sqlite", schema=SCHEMA, policy=VIEWER)
    with pytest.raises(SqlRefusal) as caught:
        execute(query, source=_source(tmp_path / "missing.db"))
    assert caught.value.code == "execution_error"
    assert not (tmp_path / "missing.db").exists()  # mode=ro never creates a file
    with pytest.raises(SqlRefusal) as caught:
        execute(query, source=SourceConnection(dialect="postgres", pg_dsn="dbname=x"))
    assert caught.value.code == "execution_error"


def test_execute_accepts_only_guarded_queries(demo_db):
    with pytest.raises(TypeError):
        execute("SELECT 1", source=_source(demo_db))  # type: ignore[arg-type]
