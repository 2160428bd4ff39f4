"""DuckDB, the third dialect: the attack corpus holds on it, through the guard and through the
engine layer alone (guard bypassed), and DuckDB's own ways out (read_csv, read_parquet, COPY,
ATTACH, INSTALL/LOAD, PRAGMA, SET, duckdb_* and pragma_* table functions, a file name in FROM,
COLUMNS(*)) are refused; nothing is written, no other tenant's or masked value surfaces."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import duckdb
import pytest
import sqlglot

from apps.governance.engine.dialects import duckdb as duckdb_adapter
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import QueryResult, SourceConnection, execute
from apps.governance.engine.guard import GuardedQuery, guard_sql

from .appendix import ACCEPTED, ALL_ATTACKS, MASKED
from .conftest import (
    ADMIN,
    ANALYST,
    DEMO_DDL,
    EMP_MARKER,
    OTHER_TENANT_MARKER,
    PII_MARKER,
    SCHEMA,
    dir_listing,
    file_digest,
)

SECRETS = (PII_MARKER, EMP_MARKER, OTHER_TENANT_MARKER)

# DuckDB's own ways to reach files, settings, extensions and the catalog. {root} is the test
# directory holding the other tenant's DuckDB file and a CSV of secrets.
DUCKDB_ATTACKS = [
    ("D01", "SELECT * FROM read_csv('{root}/secrets.csv')"),
    ("D02", "SELECT * FROM read_csv_auto('{root}/secrets.csv')"),
    ("D03", "SELECT * FROM '{root}/secrets.csv'"),
    ("D04", "SELECT * FROM read_parquet('{root}/x.parquet')"),
    ("D05", "SELECT * FROM read_json_auto('{root}/x.json')"),
    ("D06", "SELECT * FROM read_text('/etc/passwd')"),
    ("D07", "SELECT * FROM glob('{root}/*')"),
    ("D08", "COPY clientes TO '{root}/out.csv'"),
    ("D09", "COPY (SELECT email FROM clientes) TO '{root}/out.csv' (FORMAT csv)"),
    ("D10", "ATTACH '{root}/globex.duckdb' AS g"),
    ("D11", "SELECT * FROM g.main.pedidos"),
    ("D12", "INSTALL httpfs"),
    ("D13", "LOAD httpfs"),
    ("D14", "PRAGMA database_list"),
    ("D15", "PRAGMA table_info('clientes')"),
    ("D16", "SELECT * FROM pragma_table_info('clientes')"),
    ("D17", "SELECT * FROM duckdb_settings()"),
    ("D18", "SELECT * FROM duckdb_tables()"),
    ("D19", "SELECT * FROM duckdb_columns()"),
    ("D20", "SET enable_external_access = true"),
    ("D21", "SET memory_limit = '64GB'"),
    ("D22", "RESET threads"),
    ("D23", "CALL pragma_version()"),
    ("D24", "SELECT current_setting('memory_limit')"),
    ("D25", "SELECT getenv('HOME')"),
    ("D26", "SELECT * FROM query('SELECT email FROM clientes')"),
    ("D27", "SELECT * FROM query_table('empleados')"),
    ("D28", "SELECT COLUMNS('e.*') FROM clientes"),
    ("D29", "SELECT COLUMNS(*) FROM clientes"),
    ("D30", "SELECT * EXCLUDE (nombre) FROM clientes WHERE email LIKE '%PII%'"),
    ("D31", "EXPORT DATABASE '{root}/dump'"),
    ("D32", "CREATE MACRO m(x) AS x + 1"),
    ("D33", "DETACH DATABASE memory"),
    ("D34", "USE memory"),
    ("D35", "SELECT * FROM information_schema.tables"),
    ("D36", "SELECT * FROM datachat_meta.columns"),
    ("D37", "SUMMARIZE clientes"),
    ("D38", "DESCRIBE clientes"),
    ("D39", "SELECT * FROM range(100000000) a, range(100000000) b"),
    ("D40", "SELECT * FROM generate_series(1, 1000000000)"),
    ("D41", "SELECT repeat('x', 1000000000)"),
    ("D42", "SELECT * FROM memory.main.clientes"),
    ("D43", "SELECT * FROM system.main.duckdb_settings()"),
    ("D44", "FROM empleados"),
    ("D45", "SELECT * FROM empleados"),
    ("D46", "SELECT email FROM clientes"),
    ("D47", "PIVOT ventas ON region USING sum(total)"),
    ("D48", "SELECT * FROM sniff_csv('{root}/secrets.csv')"),
    ("D49", "SELECT * FROM read_blob('{root}/secrets.csv')"),
    ("D50", "SELECT * FROM read_xlsx('{root}/x.xlsx')"),
    ("D51", "CHECKPOINT"),
    ("D52", "SELECT * FROM which_secret('s3://x', 's3')"),
    ("D53", "SELECT (SELECT email FROM clientes LIMIT 1) AS e"),
    ("D54", "SELECT json_serialize_sql('SELECT 1')"),
    ("D55", "SELECT * FROM duckdb_secrets()"),
]


def _fill(sql: str, root: Path) -> str:
    return (
        sql.replace("{root}", str(root))
        .replace("{tmp}", str(root))
        .replace("{other}", str(root / "globex.duckdb"))
    )


def _build_duckdb(sqlite_path: Path, target: Path) -> Path:
    """The demo tables copied from the SQLite demo file into a DuckDB file (our own DDL)."""
    conn = duckdb.connect(str(target))
    try:
        for statement in DEMO_DDL.split(";"):
            if statement.strip():
                conn.execute(
                    statement.replace("REFERENCES clientes(cliente_id)", "")
                    .replace("REFERENCES productos(producto_id)", "")
                    .replace("REFERENCES empleados(empleado_id)", "")
                )
        source = sqlite3.connect(sqlite_path)
        for table in ("productos", "clientes", "empleados", "ventas"):
            rows = source.execute(f"SELECT * FROM {table}").fetchall()
            marks = ", ".join("?" * len(rows[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        source.close()
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return target


@pytest.fixture(scope="module")
def duck_dir(tmp_path_factory, demo_db) -> Path:
    root = tmp_path_factory.mktemp("duck")
    _build_duckdb(demo_db, root / "empresa.duckdb")
    other = duckdb.connect(str(root / "globex.duckdb"))
    other.execute(f"CREATE TABLE pedidos AS SELECT '{OTHER_TENANT_MARKER}' AS cliente")
    other.close()
    (root / "secrets.csv").write_text(f"a\n{PII_MARKER}-{OTHER_TENANT_MARKER}\n")
    return root


def _source(root: Path) -> SourceConnection:
    return SourceConnection(dialect="duckdb", sqlite_path=str(root / "empresa.duckdb"))


def _assert_no_secret(*texts: object) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in str(text), secret


def _engine_alone(sql: str, root: Path, policy=ANALYST) -> SqlRefusal | QueryResult:
    query = GuardedQuery.unchecked_for_engine_tests(sql, "duckdb", policy)
    try:
        return execute(query, source=_source(root))
    except SqlRefusal as refusal:
        return refusal


def _guard(sql: str, policy=ANALYST) -> GuardedQuery:
    return guard_sql(sql, dialect="duckdb", schema=SCHEMA, policy=policy)


@pytest.mark.parametrize("attack", ALL_ATTACKS, ids=lambda a: a.id)
def test_appendix_a_holds_on_duckdb_through_the_guard(attack, duck_dir):
    sql = _fill(attack.sql, duck_dir)
    if "ok" in attack.codes:
        return
    if MASKED in attack.codes:
        query = _guard(sql)
        assert query.masked_outputs == ("email",)
        assert ("clientes", "email") not in query.columns
        result = execute(query, source=_source(duck_dir))
        _assert_no_secret(result.rows)
        return
    with pytest.raises(SqlRefusal) as caught:
        _guard(sql)
    assert caught.value.message and caught.value.code in str(caught.value)


@pytest.mark.parametrize(
    "attack", [a for a in ALL_ATTACKS if "ok" not in a.codes], ids=lambda a: a.id
)
def test_appendix_a_holds_on_duckdb_with_the_guard_off(attack, duck_dir):
    before = file_digest(duck_dir / "empresa.duckdb")
    listing = dir_listing(duck_dir)
    outcome = _engine_alone(_fill(attack.sql, duck_dir), duck_dir)
    if isinstance(outcome, QueryResult):
        # A harmless read the engine may run (e.g. a masked column the guard would mask): never
        # a secret, never a write.
        _assert_no_secret(outcome.rows)
    else:
        _assert_no_secret(outcome.message, str(outcome), outcome.detail)
    assert file_digest(duck_dir / "empresa.duckdb") == before
    assert dir_listing(duck_dir) == listing


@pytest.mark.parametrize("case", DUCKDB_ATTACKS, ids=lambda c: c[0])
def test_duckdb_attacks_refused_by_guard_and_by_engine(case, duck_dir):
    _id, sql = case
    sql = _fill(sql, duck_dir)
    before = file_digest(duck_dir / "empresa.duckdb")
    listing = dir_listing(duck_dir)
    try:
        guarded = _guard(sql)
    except SqlRefusal as refusal:
        _assert_no_secret(refusal.message)
    else:  # neutralised by masking: the rewritten SQL reads no masked column
        assert guarded.masked_outputs and not guarded.columns & ANALYST.masked_columns
        _assert_no_secret(execute(guarded, source=_source(duck_dir)).rows)
    outcome = _engine_alone(sql, duck_dir)
    assert isinstance(outcome, SqlRefusal), f"{_id} ran with the guard off: {outcome}"
    _assert_no_secret(outcome.message, str(outcome), outcome.detail)
    assert file_digest(duck_dir / "empresa.duckdb") == before
    assert dir_listing(duck_dir) == listing


def test_engine_codes_for_representative_attacks(duck_dir):
    expected = {
        "SELECT * FROM empleados": "table_not_allowed",
        "SELECT email FROM clientes": "column_not_allowed",
        "SELECT c.email FROM clientes c": "column_not_allowed",
        f"SELECT * FROM read_csv('{duck_dir}/secrets.csv')": "function_not_allowed",
        "SELECT * FROM duckdb_settings()": "function_not_allowed",
        "SELECT getenv('HOME')": "function_not_allowed",
        "DROP TABLE clientes": "sql_not_read_only",
        "PRAGMA database_list": "sql_not_read_only",
        f"ATTACH '{duck_dir}/globex.duckdb' AS g": "sql_not_read_only",
        "SELECT 1; DROP TABLE clientes": "multiple_statements",
        "SELECT * FROM datachat_meta.columns": "table_not_allowed",
    }
    for sql, code in expected.items():
        outcome = _engine_alone(sql, duck_dir)
        assert isinstance(outcome, SqlRefusal) and outcome.code == code, (sql, outcome)


def test_the_connection_itself_is_locked_down(duck_dir):
    """Below the parse-tree check: read-only, no external access, configuration locked."""
    conn = duckdb_adapter.connect(str(duck_dir / "empresa.duckdb"))
    try:
        for sql in (
            f"SELECT * FROM read_csv('{duck_dir}/secrets.csv')",
            f"COPY clientes TO '{duck_dir}/out.csv'",
            f"ATTACH '{duck_dir}/globex.duckdb' AS g",
            "SET enable_external_access = true",
            "SET threads = 8",
            "CREATE TABLE x (a INTEGER)",
            "INSERT INTO clientes (cliente_id) VALUES (999)",
            "LOAD httpfs",
        ):
            with pytest.raises(duckdb.Error):
                conn.execute(sql)
        settings = dict(
            conn.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN "
                "('enable_external_access', 'lock_configuration', 'threads', 'access_mode')"
            ).fetchall()
        )
        assert settings["enable_external_access"] == "false"
        assert settings["lock_configuration"] == "true"
        assert settings["threads"] == str(duckdb_adapter.THREADS)
    finally:
        conn.close()
    assert not (duck_dir / "out.csv").exists()


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c[0])
def test_appendix_b_accepted_on_duckdb(case, duck_dir):
    _id, sqlite_sql, pg_sql = case
    # Appendix B's PostgreSQL spelling where it has one (DuckDB follows PostgreSQL's functions).
    sql = pg_sql or sqlite_sql
    try:
        query = _guard(sql)
    except SqlRefusal as refusal:
        # Only a function DuckDB spells differently may be refused; never a policy code.
        assert refusal.code in ("function_not_allowed", "parse_error"), refusal.code
        return
    (reparsed,) = sqlglot.parse(query.sql, read="duckdb")
    assert isinstance(reparsed, (sqlglot.exp.Select, sqlglot.exp.SetOperation))
    try:
        result = execute(query, source=_source(duck_dir))
    except SqlRefusal as refusal:
        assert refusal.code in ("execution_error", "function_not_allowed"), refusal.code
        return
    assert result.columns and result.row_count == len(result.rows)
    _assert_no_secret(result.rows)


def test_masking_and_caps_and_timeout_on_duckdb(duck_dir):
    query = _guard("SELECT nombre, email FROM clientes ORDER BY cliente_id")
    result = execute(query, source=_source(duck_dir))
    assert {row[1] for row in result.rows} == {"***"}
    _assert_no_secret(result.rows)
    policy = dataclasses.replace(ANALYST, row_cap=5, count_cap=20)
    capped = execute(
        guard_sql("SELECT venta_id FROM ventas", dialect="duckdb", schema=SCHEMA, policy=policy),
        source=_source(duck_dir),
    )
    assert len(capped.rows) == 5 and capped.row_count == 20 and capped.count_capped
    slow = dataclasses.replace(ADMIN, timeout_ms=300)
    heavy = GuardedQuery.unchecked_for_engine_tests(
        "SELECT count(*) FROM ventas a, ventas b, ventas c, ventas d, ventas e, ventas f",
        "duckdb",
        slow,
    )
    with pytest.raises(SqlRefusal) as caught:
        execute(heavy, source=_source(duck_dir))
    assert caught.value.code == "timeout"


def test_exports_stream_from_duckdb_through_the_same_opening(duck_dir):
    """`executor.stream` (what exports read) opens DuckDB exactly as `execute` does: masked
    values stay masked, the limit holds, and the engine check still applies."""
    from apps.governance.engine.executor import stream

    query = _guard("SELECT cliente_id, email FROM clientes ORDER BY cliente_id")
    rows = stream(query, source=_source(duck_dir), limit=5)
    try:
        read = list(rows)
    finally:
        rows.close()
    assert rows.columns == ("cliente_id", "email")
    assert len(read) == 5 and {row[1] for row in read} == {"***"}
    _assert_no_secret(read)


def test_duckdb_has_no_cost_estimate_and_is_cancelled_through_its_handle(duck_dir):
    """No planner cost comparable to the job threshold and no session another process can
    cancel: a job on DuckDB is stopped by the worker's handle (`interrupt()`) alone."""
    import threading
    import time

    from apps.governance.engine.executor import cancel_backend, plan_cost

    source = _source(duck_dir)
    assert plan_cost(_guard("SELECT region FROM ventas"), source=source) is None
    assert cancel_backend(source, 1) is False
    heavy = GuardedQuery.unchecked_for_engine_tests(
        "SELECT count(*) FROM ventas a, ventas b, ventas c, ventas d, ventas e, ventas f",
        "duckdb",
        dataclasses.replace(ADMIN, timeout_ms=30_000),
    )
    handles = []

    def on_start(handle):
        handles.append(handle)
        threading.Timer(0.3, handle.cancel).start()

    started = time.monotonic()
    with pytest.raises(SqlRefusal) as caught:
        execute(heavy, source=source, on_start=on_start)
    assert caught.value.code == "timeout"
    assert time.monotonic() - started < 10  # the handle stopped it, not the 30 s timeout
    assert handles and all(handle.backend_pid is None for handle in handles)
