"""The Dialect registry: one adapter per engine, aliases normalised once, an unknown kind refused
in the governance engine layer (the other layers in tests/test_dialect_registry.py)."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from apps.governance.engine import executor
from apps.governance.engine.dialects import (
    Dialect,
    SourceConnection,
    UnknownDialect,
    get_dialect,
    normalise_kind,
    register,
    registered,
)
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.functions import (
    MARIADB_FUNCTIONS,
    POSTGRES_FUNCTIONS,
    SQLITE_FUNCTIONS,
    allowed_functions,
)
from apps.governance.engine.guard import GuardedQuery, guard_sql

from .conftest import ANALYST, SCHEMA


def test_each_builtin_engine_is_one_adapter_with_its_names():
    kinds = {d.kind: d for d in registered()}
    assert set(kinds) >= {"sqlite", "postgres", "mariadb"}
    assert (kinds["sqlite"].sqlglot_name, kinds["sqlite"].label) == ("sqlite", "SQLite")
    assert (kinds["postgres"].sqlglot_name, kinds["postgres"].label) == ("postgres", "PostgreSQL")
    assert kinds["mariadb"].label == "MariaDB"
    assert kinds["sqlite"].functions is SQLITE_FUNCTIONS
    assert kinds["postgres"].functions is POSTGRES_FUNCTIONS
    assert kinds["mariadb"].functions is MARIADB_FUNCTIONS


@pytest.mark.parametrize(
    ("spelling", "kind"),
    [("postgres", "postgres"), ("postgresql", "postgres"), ("PostgreSQL", "postgres"),
     ("sqlite", "sqlite"), ("mariadb", "mariadb"), ("mysql", "mariadb")],
)  # fmt: skip
def test_spellings_are_normalised_once(spelling, kind):
    assert normalise_kind(spelling) == kind
    assert get_dialect(spelling) is get_dialect(kind)
    assert allowed_functions(spelling) is get_dialect(kind).functions


@pytest.mark.parametrize("kind", ["oracle", "", "duck db", None])
def test_an_unknown_kind_raises_with_the_known_ones_named(kind):
    with pytest.raises(UnknownDialect) as error:
        get_dialect(kind)
    assert "sqlite" in str(error.value) and "postgres" in str(error.value)
    assert isinstance(error.value, ValueError)


def test_an_unknown_kind_raises_in_every_engine_layer(tmp_path):
    with pytest.raises(UnknownDialect):
        allowed_functions("oracle")
    with pytest.raises(UnknownDialect):
        guard_sql("SELECT 1", dialect="oracle", schema=SCHEMA, policy=ANALYST)
    with pytest.raises(UnknownDialect):
        GuardedQuery.unchecked_for_engine_tests("SELECT 1", "oracle", ANALYST)
    query = guard_sql("SELECT 1 AS x", dialect="sqlite", schema=SCHEMA, policy=ANALYST)
    with pytest.raises(SqlRefusal) as refused:
        executor.execute(query, source=SourceConnection(dialect="oracle", sqlite_path="x.db"))
    assert refused.value.code == "execution_error" and "oracle" in refused.value.detail
    with pytest.raises(SqlRefusal):
        executor.stream(query, source=SourceConnection(dialect="oracle"), limit=1)


def test_an_adapter_needs_a_kind_and_a_sqlglot_name():
    class Nameless(Dialect):
        pass

    with pytest.raises(ValueError):
        register(Nameless())


def test_an_unknown_kind_raises_for_the_cost_estimate_and_the_remote_cancel():
    query = guard_sql("SELECT 1 AS x", dialect="sqlite", schema=SCHEMA, policy=ANALYST)
    with pytest.raises(UnknownDialect):
        executor.plan_cost(query, source=SourceConnection(dialect="oracle", sqlite_path="x.db"))
    with pytest.raises(UnknownDialect):
        executor.cancel_backend(SourceConnection(dialect="oracle"), 42)
    with pytest.raises(TypeError):
        executor.plan_cost("SELECT 1", source=SourceConnection(dialect="sqlite"))


# --- the file engines: no cost model, no session another process can cancel --------------------


def test_sqlite_has_no_cost_estimate_and_no_remote_cancel(demo_db):
    source = SourceConnection(dialect="sqlite", sqlite_path=str(demo_db))
    query = guard_sql(
        "SELECT region, SUM(total) AS t FROM ventas GROUP BY region",
        dialect="sqlite",
        schema=SCHEMA,
        policy=ANALYST,
    )
    assert executor.plan_cost(query, source=source) is None
    assert executor.cancel_backend(source, 1) is False
    handles = []
    result = executor.execute(query, source=source, on_start=handles.append)
    assert result.rows and handles
    # In-process: cancelled by its own handle only, so no session id is handed out.
    assert all(handle.backend_pid is None for handle in handles)


def test_sqlite_is_cancelled_through_the_handle_the_executor_hands_out(demo_db):
    source = SourceConnection(dialect="sqlite", sqlite_path=str(demo_db))
    # Five copies of the demo's sales: minutes of counting (four finished in 0.15 s on a quiet
    # machine, before the handle was pressed)
    slow = GuardedQuery.unchecked_for_engine_tests(
        "SELECT count(*) FROM ventas a, ventas b, ventas c, ventas d, ventas e",
        "sqlite",
        dataclasses.replace(ANALYST, timeout_ms=30_000),
    )
    started = time.monotonic()

    def on_start(handle):
        threading.Timer(0.2, handle.cancel).start()

    with pytest.raises(SqlRefusal) as refused:
        executor.execute(slow, source=source, on_start=on_start)
    assert refused.value.code == "timeout"
    assert time.monotonic() - started < 10  # the handle stopped it, not the 30 s timeout


def test_a_query_guarded_for_another_engine_gets_no_estimate(demo_db):
    query = guard_sql("SELECT 1 AS x", dialect="postgres", schema=SCHEMA, policy=ANALYST)
    source = SourceConnection(dialect="sqlite", sqlite_path=str(demo_db))
    assert executor.plan_cost(query, source=source) is None


def test_sqlite_checks_an_uploaded_file_before_it_becomes_a_source(demo_db, tmp_path):
    from apps.governance.engine.dialects import ConnectionFailed

    sqlite = get_dialect("sqlite")
    sqlite.check_file(str(demo_db))  # a sound database passes
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_bytes(b"just some text, no database here" * 10)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(demo_db.read_bytes()[:100] + b"\xff" * 8192)
    for path, why in ((not_sqlite, "no header"), (damaged, "")):
        with pytest.raises(ConnectionFailed) as refused:
            sqlite.check_file(str(path))
        assert why in refused.value.detail
    with pytest.raises(ConnectionFailed):
        sqlite.check_file(str(tmp_path / "missing.db"))


def test_an_engine_without_uploaded_files_says_so():
    for kind in ("postgres", "mariadb", "duckdb"):
        with pytest.raises(NotImplementedError):
            get_dialect(kind).check_file("/dev/null")


@pytest.mark.parametrize(
    ("url", "kind"),
    [("postgresql://u@h/db", "postgres"), ("postgres://u@h/db", "postgres"),
     ("POSTGRESQL://u@h/db", "postgres"), ("mysql://u@h/db", "mariadb"),
     ("mariadb://u@h/db", "mariadb")],
)  # fmt: skip
def test_a_url_scheme_names_its_engine_once(url, kind):
    from apps.governance.engine.dialects import kind_for_url

    assert kind_for_url(url).kind == kind


@pytest.mark.parametrize("url", ["oracle://u@h/db", "host=h dbname=db", "sqlite://x.db", ""])
def test_a_url_no_engine_takes_raises(url):
    from apps.governance.engine.dialects import kind_for_url

    with pytest.raises(UnknownDialect) as error:
        kind_for_url(url)
    assert "postgresql://" in str(error.value) and "mysql://" in str(error.value)
