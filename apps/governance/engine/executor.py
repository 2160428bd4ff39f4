"""Read-only execution of a `GuardedQuery`: the second, independent layer below the guard.

Nothing here trusts the guard. With the guard switched off (see
`GuardedQuery.unchecked_for_engine_tests`) the engine still refuses writes, foreign tables,
masked columns, unlisted functions and runaway queries:

- SQLite: the file is opened `mode=ro`; an authorizer allows only SELECT, RECURSIVE, READ of the
  policy's tables (never of a masked column) in `main`, and FUNCTION for the shared allowlist;
  runtime limits cap lengths, expression depth, compound selects and forbid ATTACH; a progress
  handler enforces the deadline. No extension loading, no `executescript`.
- PostgreSQL: a READ ONLY transaction with local statement/lock/idle timeouts, the query sent as
  a server-side cursor (DECLARE over the extended protocol: one statement, SELECT only, no
  data-modifying CTE), always rolled back. The least-privilege role (`readonly_role_sql`) is the
  boundary for file, network and side-effect functions. On a source with per-role enforcement
  (`SourceConnection.pg_role_org`, see `engine.pg_roles`) the transaction writes the caller's
  attribute settings and `SET LOCAL ROLE`s to the policy's own database role first, so the
  database checks that role's tables, columns and row-level security policies by itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import functools
import math
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from .errors import SqlRefusal
from .functions import SQLITE_FUNCTIONS
from .guard import GuardedQuery
from .policy import DataPolicy

FETCH_BATCH = 500


@dataclass(frozen=True)
class SourceConnection:
    """Where a data source lives: a SQLite file path or a PostgreSQL DSN.

    `pg_role_org`: the org slug when the source enforces each role in the database (policy roles
    created by `create_readonly_role`): every query then runs as that org's policy role.
    """

    dialect: str  # "sqlite" or "postgres"
    sqlite_path: str | None = None
    pg_dsn: str | None = None
    pg_role_org: str | None = None
    pg_role_prefix: str = "dc_"


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    rows: list[tuple]
    row_count: int  # rows counted, up to policy.count_cap
    truncated: bool  # rows holds fewer than row_count
    count_capped: bool  # more than count_cap rows existed
    duration_ms: float


@dataclass(frozen=True)
class CancelHandle:
    """Handed to `execute(on_start=...)` once the query is about to run: `cancel()` stops it from
    another thread (SQLite `interrupt()`, PostgreSQL's cancel request); `backend_pid` is the
    PostgreSQL server process running it (for `pg_cancel_backend` from another process)."""

    dialect: str
    cancel: Callable[[], None]
    backend_pid: int | None = None


OnStart = Callable[[CancelHandle], None]


def execute(
    query: GuardedQuery,
    *,
    source: SourceConnection,
    lang: str = "es",
    on_start: OnStart | None = None,
) -> QueryResult:
    """Run a guarded query read-only and return at most `policy.row_cap` JSON-friendly rows.

    `on_start`, when given, is called with a `CancelHandle` just before the query is sent (a
    cancelled query ends as the `timeout` refusal; the caller knows it asked for the cancel).

    Raises `SqlRefusal` (`timeout`, `execution_error`, `not_authorized`, or the engine's own
    denial mapped to `table_not_allowed`, `column_not_allowed`, `function_not_allowed`,
    `sql_not_read_only`).
    """
    if not isinstance(query, GuardedQuery):
        raise TypeError("execute() only runs a GuardedQuery")
    if not query.policy.can_query:
        raise SqlRefusal("not_authorized", lang=lang)
    dialect = "postgres" if source.dialect in ("postgres", "postgresql") else source.dialect
    if dialect != query.dialect:
        raise SqlRefusal("execution_error", lang=lang, detail="dialect mismatch")
    if dialect == "sqlite":
        return _execute_sqlite(query, source, lang, on_start)
    if dialect == "postgres":
        return _execute_postgres(query, source, lang, on_start)
    raise SqlRefusal("execution_error", lang=lang, detail=f"unsupported dialect {dialect}")


# ---------------------------------------------------------------------------------------------
# Shared result handling


def _collect(
    cursor, policy: DataPolicy, deadline: float, lang: str
) -> tuple[list[tuple], int, bool]:
    """Keep the first row_cap rows, count up to count_cap, note whether more existed."""
    rows: list[tuple] = []
    counted = 0
    limit = policy.count_cap + 1
    while counted < limit:
        batch = cursor.fetchmany(min(FETCH_BATCH, limit - counted))
        if not batch:
            break
        for row in batch:
            if len(rows) < policy.row_cap:
                rows.append(tuple(_json_value(v) for v in row))
        counted += len(batch)
        if time.monotonic() > deadline:
            raise SqlRefusal("timeout", lang=lang, seconds=_seconds(policy))
    capped = counted > policy.count_cap
    return rows, min(counted, policy.count_cap), capped


def _json_value(value: object) -> object:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return str(value)


def _seconds(policy: DataPolicy) -> str:
    return f"{policy.timeout_ms / 1000:g}"


# ---------------------------------------------------------------------------------------------
# SQLite

_SQLITE_OK, _SQLITE_DENY = sqlite3.SQLITE_OK, sqlite3.SQLITE_DENY
_SQLITE_READ, _SQLITE_SELECT, _SQLITE_FUNCTION, _SQLITE_RECURSIVE = 20, 21, 31, 33

_SQLITE_LIMITS = {
    "SQLITE_LIMIT_LENGTH": 1_000_000,
    "SQLITE_LIMIT_SQL_LENGTH": 100_000,  # the guard caps input at 20 kB; rewrites add some
    "SQLITE_LIMIT_EXPR_DEPTH": 100,
    "SQLITE_LIMIT_COMPOUND_SELECT": 20,
    "SQLITE_LIMIT_ATTACHED": 0,
    "SQLITE_LIMIT_VARIABLE_NUMBER": 0,  # guarded SQL carries no parameters
    "SQLITE_LIMIT_LIKE_PATTERN_LENGTH": 1_000,
    "SQLITE_LIMIT_FUNCTION_ARG": 32,
    "SQLITE_LIMIT_TRIGGER_DEPTH": 0,
}
_PROGRESS_STEPS = 1_000


@dataclass
class _Denial:
    code: str | None = None
    name: str = ""


def _sqlite_authorizer(policy: DataPolicy, denial: _Denial, schema_objects: frozenset[str]):
    """Allow SELECT/RECURSIVE, READ of allowed, unmasked columns in main, listed functions."""
    allowed = {t.lower() for t in policy.allowed_tables}
    masked = {(t.lower(), c.lower()) for t, c in policy.masked_columns}
    functions = SQLITE_FUNCTIONS

    def deny(code: str, name: str) -> int:
        if denial.code is None:
            denial.code, denial.name = code, name
        return _SQLITE_DENY

    def authorize(action: int, arg1, arg2, db_name, _source) -> int:
        if action in (_SQLITE_SELECT, _SQLITE_RECURSIVE):
            return _SQLITE_OK
        if action == _SQLITE_READ:
            table = (arg1 or "").lower()
            column = (arg2 or "").lower()
            if column == "" and db_name is None and table not in schema_objects:
                return _SQLITE_OK  # count(*) over a CTE: no real object is read
            if db_name not in (None, "main") or table not in allowed:
                return deny("table_not_allowed", arg1 or "")
            if (table, column) in masked:
                return deny("column_not_allowed", f"{arg1}.{arg2}")
            return _SQLITE_OK
        if action == _SQLITE_FUNCTION:
            if (arg2 or "").lower() in functions:
                return _SQLITE_OK
            return deny("function_not_allowed", arg2 or "")
        return deny("sql_not_read_only", "")

    return authorize


def _sqlite_uri(path: str) -> str:
    return f"file:{quote(os.path.abspath(path))}?mode=ro"


def _execute_sqlite(
    query: GuardedQuery, source: SourceConnection, lang: str, on_start: OnStart | None = None
) -> QueryResult:
    policy = query.policy
    if not source.sqlite_path or not os.path.isfile(source.sqlite_path):
        raise SqlRefusal("execution_error", lang=lang, detail="data source file not found")
    started = time.monotonic()
    deadline = started + policy.timeout_ms / 1000
    denial = _Denial()
    try:
        conn = sqlite3.connect(_sqlite_uri(source.sqlite_path), uri=True, timeout=1.0)
    except sqlite3.Error:
        raise SqlRefusal("execution_error", lang=lang, detail="cannot open data source") from None
    try:
        for name, value in _SQLITE_LIMITS.items():
            if hasattr(sqlite3, name):
                conn.setlimit(getattr(sqlite3, name), value)
        # Our own fixed query, before the authorizer exists: every real name in the file.
        schema_objects = frozenset(
            str(name).lower()
            for (name,) in conn.execute("SELECT name FROM sqlite_master").fetchall()
        ) | {"sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema"}
        conn.set_authorizer(_sqlite_authorizer(policy, denial, schema_objects))
        conn.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)
        if on_start is not None:
            on_start(CancelHandle(dialect="sqlite", cancel=conn.interrupt))
        try:
            cursor = conn.execute(query.sql)
            columns = tuple(d[0] for d in cursor.description or ())
            rows, row_count, capped = _collect(cursor, policy, deadline, lang)
        except (sqlite3.Error, sqlite3.Warning) as error:
            raise _sqlite_refusal(error, denial, policy, deadline, lang) from None
    finally:
        conn.close()
    duration = (time.monotonic() - started) * 1000
    return QueryResult(columns, rows, row_count, len(rows) < row_count, capped, duration)


def _sqlite_refusal(
    error: Exception, denial: _Denial, policy: DataPolicy, deadline: float, lang: str
) -> SqlRefusal:
    text = str(error)
    if "one statement at a time" in text:  # the driver refuses a second statement
        return SqlRefusal("multiple_statements", lang=lang)
    if denial.code is not None:
        params = {"table": denial.name, "column": denial.name, "function": denial.name}
        if denial.code == "sql_not_read_only":
            params["what"] = "esta sentencia" if lang == "es" else "this statement"
        return SqlRefusal(denial.code, lang=lang, detail="denied by the engine", **params)
    if "interrupted" in text or time.monotonic() > deadline:
        return SqlRefusal("timeout", lang=lang, seconds=_seconds(policy))
    if "readonly" in text or "read-only" in text:
        return SqlRefusal(
            "sql_not_read_only", lang=lang, what="escritura" if lang == "es" else "write"
        )
    # SQLite's messages name schema objects, not row values ("no such column: x", "too big").
    return SqlRefusal("execution_error", lang=lang, detail=text[:300])


# ---------------------------------------------------------------------------------------------
# PostgreSQL

_PG_CONNECT_TIMEOUT_S = 5
_PG_LOCK_TIMEOUT_MS = 1_000
_PG_CANCEL_GRACE_S = 1.0
_SQLSTATE_CODES = {
    "57014": "timeout",  # query_canceled (statement_timeout)
    "55P03": "timeout",  # lock_not_available (lock_timeout)
    "25006": "sql_not_read_only",  # read_only_sql_transaction
    "0A000": "sql_not_read_only",  # DECLARE CURSOR with a data-modifying WITH, etc.
    "42601": "execution_error",  # syntax error (e.g. several statements in DECLARE)
}


def _execute_postgres(
    query: GuardedQuery, source: SourceConnection, lang: str, on_start: OnStart | None = None
) -> QueryResult:
    import psycopg  # imported here so SQLite-only deployments need no driver
    from psycopg import sql as pgsql

    policy = query.policy
    if not source.pg_dsn:
        raise SqlRefusal("execution_error", lang=lang, detail="no DSN")
    started = time.monotonic()
    deadline = started + policy.timeout_ms / 1000
    try:
        conn = psycopg.connect(source.pg_dsn, connect_timeout=_PG_CONNECT_TIMEOUT_S)
    except psycopg.Error:
        raise SqlRefusal("execution_error", lang=lang, detail="cannot connect") from None
    # App-side deadline as well: statement_timeout is a setting, and settings can be changed
    # from inside a query by a role that still has set_config.
    watchdog = threading.Timer(policy.timeout_ms / 1000 + _PG_CANCEL_GRACE_S, _cancel, (conn,))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.read_only = True  # the first statement opens BEGIN READ ONLY
        for setting, value in (
            ("statement_timeout", f"{int(policy.timeout_ms)}ms"),
            ("lock_timeout", f"{_PG_LOCK_TIMEOUT_MS}ms"),
            ("idle_in_transaction_session_timeout", f"{int(policy.timeout_ms) * 2}ms"),
        ):
            conn.execute(
                pgsql.SQL("SET LOCAL {} = {}").format(
                    pgsql.Identifier(setting), pgsql.Literal(value)
                )
            )
        enter_policy_role(conn, policy, source, lang)
        if on_start is not None:
            pid = conn.info.backend_pid
            on_start(CancelHandle("postgres", functools.partial(_cancel, conn), backend_pid=pid))
        try:
            with conn.cursor(name="datachat_query", scrollable=False, withhold=False) as cursor:
                cursor.execute(query.sql)  # DECLARE ... CURSOR FOR <sql>, extended protocol
                columns = tuple(c.name for c in cursor.description or ())
                rows, row_count, capped = _collect(cursor, policy, deadline, lang)
        except psycopg.Error as error:
            raise _pg_refusal(error, policy, lang) from None
    finally:
        watchdog.cancel()
        # The connection may already be broken: close it whatever rollback says.
        with contextlib.suppress(Exception):
            conn.rollback()
        conn.close()
    duration = (time.monotonic() - started) * 1000
    return QueryResult(columns, rows, row_count, len(rows) < row_count, capped, duration)


def enter_policy_role(conn, policy: DataPolicy, source: SourceConnection, lang: str) -> None:
    """On a source with per-role enforcement: write the caller's attributes, then become the
    policy's database role for the rest of the transaction (both undone by the rollback).

    The settings go through `set_config(name, value, true)` with bound parameters; only then
    `SET LOCAL ROLE`, after which the query can no longer write a setting or switch back (see
    `engine.pg_roles`). Any failure (e.g. the role was never created) refuses the query: it
    never runs as the login role instead.
    """
    if not source.pg_role_org:
        return
    import json

    import psycopg
    from psycopg import sql as pgsql

    from .pg_roles import attribute_values, policy_role_name

    try:
        role = policy_role_name(source.pg_role_org, policy.role, source.pg_role_prefix)
    except ValueError:
        raise SqlRefusal("not_authorized", lang=lang, detail="bad database role") from None
    try:
        for setting, values in attribute_values(policy).items():
            conn.execute(
                "SELECT pg_catalog.set_config(%s, %s, true)",
                (setting, json.dumps(values, ensure_ascii=False)),
            )
        conn.execute(pgsql.SQL("SET LOCAL ROLE {}").format(pgsql.Identifier(role)))
    except (psycopg.Error, ValueError) as error:
        sqlstate = getattr(error, "sqlstate", None) or ""
        raise SqlRefusal(
            "not_authorized", lang=lang, detail=f"database role {role} unusable {sqlstate}"
        ) from None


def _cancel(conn) -> None:
    with contextlib.suppress(Exception):
        conn.cancel_safe(timeout=2.0)


def _pg_refusal(error, policy: DataPolicy, lang: str) -> SqlRefusal:
    sqlstate = getattr(error, "sqlstate", None) or ""
    diag = getattr(error, "diag", None)
    primary = (getattr(diag, "message_primary", None) or "") if diag else ""
    code = _SQLSTATE_CODES.get(sqlstate)
    if code == "timeout":
        return SqlRefusal("timeout", lang=lang, seconds=_seconds(policy), detail=sqlstate)
    if code == "sql_not_read_only":
        what = "esta sentencia" if lang == "es" else "this statement"
        return SqlRefusal("sql_not_read_only", lang=lang, what=what, detail=sqlstate)
    if sqlstate == "42501":  # insufficient_privilege: the role's GRANTs said no
        match = re.search(r"permission denied for (\w+) (\S+)", primary)
        kind, name = (match.group(1), match.group(2).strip('"')) if match else ("table", "?")
        if kind == "function":
            return SqlRefusal("function_not_allowed", lang=lang, function=name, detail=sqlstate)
        if kind in ("table", "relation", "view", "sequence", "schema", "column"):
            return SqlRefusal("table_not_allowed", lang=lang, table=name, detail=sqlstate)
        return SqlRefusal("not_authorized", lang=lang, detail=sqlstate)
    if sqlstate.startswith("22"):
        # Data exceptions quote the offending value (e.g. invalid input syntax: "<value>"):
        # keep only the SQLSTATE so no row value reaches a message or a log.
        return SqlRefusal("execution_error", lang=lang, detail=f"data exception {sqlstate}")
    return SqlRefusal("execution_error", lang=lang, detail=f"{sqlstate} {primary}"[:300])


# ---------------------------------------------------------------------------------------------
# Least-privilege PostgreSQL role

_ROLE_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}\Z")

# Functions PUBLIC may execute by default that a query role never needs: sleeping, locking,
# signalling other backends, running SQL from strings, reading settings or files.
DANGEROUS_PG_FUNCTIONS = (
    "pg_sleep",
    "pg_sleep_for",
    "pg_sleep_until",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_advisory_lock",
    "pg_advisory_lock_shared",
    "pg_advisory_xact_lock",
    "pg_advisory_xact_lock_shared",
    "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
    "pg_try_advisory_xact_lock",
    "pg_try_advisory_xact_lock_shared",
    "query_to_xml",
    "query_to_xml_and_xmlschema",
    "query_to_xmlschema",
    "table_to_xml",
    "table_to_xml_and_xmlschema",
    "table_to_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "schema_to_xml",
    "schema_to_xml_and_xmlschema",
    "schema_to_xmlschema",
    "database_to_xml",
    "database_to_xml_and_xmlschema",
    "database_to_xmlschema",
    "set_config",
    "pg_notify",
    "lo_import",
    "lo_export",
    "lo_from_bytea",
    "lo_put",
    "lo_create",
    "lo_creat",
    "lo_unlink",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_dir",
    "pg_stat_file",
    "inet_server_addr",
    "inet_server_port",
    "inet_client_addr",
    "inet_client_port",
    "version",
    "repeat",
    "lpad",
    "rpad",
)
# Catalog views PUBLIC can read that leak other sessions' activity.
DANGEROUS_PG_VIEWS = ("pg_catalog.pg_stat_activity",)
# Schemas PUBLIC may use that only serve reconnaissance (pg_catalog cannot be revoked).
RECON_PG_SCHEMAS = ("information_schema",)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def hardening_sql(schema: str = "public") -> list[str]:
    """What PUBLIC loses in a source database: CREATE on the schema, EXECUTE on the dangerous
    built-ins, SELECT on other sessions' activity, USAGE on information_schema."""
    functions = ", ".join(f"'{name}'" for name in DANGEROUS_PG_FUNCTIONS)
    statements = [
        f"REVOKE CREATE ON SCHEMA {_ident(schema)} FROM PUBLIC",
        (
            "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid::regprocedure FROM "
            "pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
            f"WHERE n.nspname = 'pg_catalog' AND p.proname IN ({functions}) LOOP "
            "EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f); END LOOP; END $$"
        ),
    ]
    statements += [f"REVOKE SELECT ON {view} FROM PUBLIC" for view in DANGEROUS_PG_VIEWS]
    statements += [f"REVOKE USAGE ON SCHEMA {name} FROM PUBLIC" for name in RECON_PG_SCHEMAS]
    return statements


def readonly_role_sql(
    role: str,
    tables: Iterable[str],
    columns: Mapping[str, Iterable[str]] | None = None,
    *,
    schema: str = "public",
) -> list[str]:
    """Statements (run by an administrator) creating a least-privilege, read-only query role.

    The role can log in, is not superuser, cannot bypass RLS, create databases or roles, owns
    nothing and can only SELECT the listed tables, or only the listed columns of a table when
    `columns` names them (leave masked columns out). In the current database, PUBLIC loses CREATE
    on the schema, EXECUTE on the dangerous built-ins (DANGEROUS_PG_FUNCTIONS), SELECT on
    pg_stat_activity and USAGE on information_schema: run it on a database (or replica) that is
    a data source, not on one whose other roles rely on those. Set the password separately
    (ALTER ROLE ... PASSWORD) so it never appears in these statements.
    """
    if not _ROLE_RE.match(role):
        raise ValueError("role must be a lower-case SQL identifier")
    columns = columns or {}
    r, s = _ident(role), _ident(schema)
    attributes = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT"
    statements = [
        (
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
            f"'{role}') THEN CREATE ROLE {r} {attributes}; END IF; END $$"
        ),
        f"ALTER ROLE {r} {attributes}",
        f"ALTER ROLE {r} CONNECTION LIMIT 10",
        # Convenience only (the role could SET it back): the executor opens READ ONLY itself.
        f"ALTER ROLE {r} SET default_transaction_read_only = on",
        f"ALTER ROLE {r} SET statement_timeout = '30s'",
        f"REVOKE ALL ON SCHEMA {s} FROM {r}",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
        *hardening_sql(schema),
    ]
    for table in sorted(set(tables)):
        target = f"{s}.{_ident(table)}"
        cols = sorted(set(columns.get(table, ())))
        if table in columns:
            if cols:
                col_list = ", ".join(_ident(c) for c in cols)
                statements.append(f"GRANT SELECT ({col_list}) ON {target} TO {r}")
        else:
            statements.append(f"GRANT SELECT ON {target} TO {r}")
    return statements
