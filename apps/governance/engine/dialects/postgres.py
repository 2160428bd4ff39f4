"""PostgreSQL: a READ ONLY transaction, a server-side cursor, timeouts, the policy's own role.

The transaction sets local statement/lock/idle timeouts and sends the query as a server-side
cursor (DECLARE over the extended protocol: one statement, SELECT only, no data-modifying CTE);
it is always rolled back. The least-privilege role (`pg_roles.readonly_role_sql`) is the boundary
for file, network and side-effect functions. On a source with per-role enforcement
(`SourceConnection.pg_role_org`, see `engine.pg_roles`) the transaction writes the caller's
attribute settings and `SET LOCAL ROLE`s to the policy's own database role first, so the
database checks that role's tables, columns and row-level security policies by itself. An
app-side watchdog cancels the statement (`cancel_safe`) after the deadline.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator

from ..errors import SqlRefusal
from ..functions import POSTGRES_FUNCTIONS
from ..policy import DataPolicy
from .base import CatalogReader, Dialect, OpenQuery, SourceConnection, seconds_text

CONNECT_TIMEOUT_S = 5
LOCK_TIMEOUT_MS = 1_000
CANCEL_GRACE_S = 1.0
EXPLAIN_TIMEOUT_MS = 2_000
CURSOR_NAME = "datachat_query"
_SQLSTATE_CODES = {
    "57014": "timeout",  # query_canceled (statement_timeout)
    "55P03": "timeout",  # lock_not_available (lock_timeout)
    "25006": "sql_not_read_only",  # read_only_sql_transaction
    "0A000": "sql_not_read_only",  # DECLARE CURSOR with a data-modifying WITH, etc.
    "42601": "execution_error",  # syntax error (e.g. several statements in DECLARE)
}


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
    import psycopg
    from psycopg import sql as pgsql

    from ..pg_roles import attribute_values, policy_role_name

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


def refusal(error, policy: DataPolicy, lang: str) -> SqlRefusal:
    sqlstate = getattr(error, "sqlstate", None) or ""
    diag = getattr(error, "diag", None)
    primary = (getattr(diag, "message_primary", None) or "") if diag else ""
    code = _SQLSTATE_CODES.get(sqlstate)
    if code == "timeout":
        return SqlRefusal("timeout", lang=lang, seconds=seconds_text(policy), detail=sqlstate)
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


class _PostgresQuery(OpenQuery):
    def __init__(self, query, source: SourceConnection, *, lang: str, seconds: float) -> None:
        import psycopg
        from psycopg import sql as pgsql

        super().__init__()
        policy = query.policy
        self.policy, self.lang = policy, lang
        self._cursor = None
        if not source.pg_dsn:
            raise SqlRefusal("execution_error", lang=lang, detail="no DSN")
        try:
            self._conn = psycopg.connect(source.pg_dsn, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error:
            raise SqlRefusal("execution_error", lang=lang, detail="cannot connect") from None
        # App-side deadline as well: statement_timeout is a setting, and settings can be changed
        # from inside a query by a role that still has set_config.
        self.start_watchdog(seconds + CANCEL_GRACE_S)
        self.session_started(self._conn.info.backend_pid)
        try:
            self._conn.read_only = True  # the first statement opens BEGIN READ ONLY
            idle_ms = max(int(policy.timeout_ms) * 2, int(seconds * 1000))
            for setting, value in (
                ("statement_timeout", f"{int(policy.timeout_ms)}ms"),  # per statement/FETCH
                ("lock_timeout", f"{LOCK_TIMEOUT_MS}ms"),
                ("idle_in_transaction_session_timeout", f"{idle_ms}ms"),
            ):
                self._conn.execute(
                    pgsql.SQL("SET LOCAL {} = {}").format(
                        pgsql.Identifier(setting), pgsql.Literal(value)
                    )
                )
            enter_policy_role(self._conn, policy, source, lang)
            self._cursor = self._conn.cursor(name=CURSOR_NAME, scrollable=False, withhold=False)
            self._cursor.execute(query.sql)  # DECLARE ... CURSOR FOR <sql>, extended protocol
        except psycopg.Error as error:
            self.close()
            raise refusal(error, policy, lang) from None
        except BaseException:
            self.close()
            raise
        self.columns = tuple(c.name for c in self._cursor.description or ())

    def fetchmany(self, size: int) -> list[tuple]:
        import psycopg

        try:
            return self._cursor.fetchmany(size)
        except psycopg.Error as error:
            raise refusal(error, self.policy, self.lang) from None

    def cancel(self) -> None:
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.cancel_safe(timeout=2.0)

    def close(self) -> None:
        self.stop_watchdog()
        conn, self._conn = self._conn, None
        if conn is None:
            return
        # The connection may already be broken: close it whatever rollback says.
        with contextlib.suppress(Exception):
            conn.rollback()
        conn.close()


_PG_TYPES = {
    "integer": "INTEGER",
    "bigint": "INTEGER",
    "smallint": "INTEGER",
    "double precision": "REAL",
    "real": "REAL",
    "numeric": "NUMERIC",
    "text": "TEXT",
    "character varying": "TEXT",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMPTZ",
    "boolean": "BOOLEAN",
}


class _PostgresCatalog(CatalogReader):
    def __init__(self, cur, schema: str) -> None:
        self.cur, self.schema = cur, schema

    def _ident(self, table: str, column: str | None = None):
        from psycopg import sql as pgsql

        parts = {"s": pgsql.Identifier(self.schema), "t": pgsql.Identifier(table)}
        if column is not None:
            parts["c"] = pgsql.Identifier(column)
        return parts

    def tables(self):
        cur, schema = self.cur, self.schema
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY table_name",
            (schema,),
        )
        names = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT kcu.table_name, kcu.column_name "
            "FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu "
            "ON tc.constraint_name = kcu.constraint_name "
            "AND tc.table_schema = kcu.table_schema "
            "WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = %s",
            (schema,),
        )
        pks = {(t, c) for t, c in cur.fetchall()}
        found = []
        for name in names:
            cur.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                (schema, name),
            )
            found.append(
                (
                    name,
                    [
                        (
                            col,
                            declared,
                            _PG_TYPES.get(declared.lower(), declared.upper()),
                            (name, col) in pks,
                        )
                        for col, declared in cur.fetchall()
                    ],
                )
            )
        return found

    def foreign_keys(self):
        self.cur.execute(
            "SELECT kcu.table_name, kcu.column_name, ccu.table_name, ccu.column_name "
            "FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu "
            "ON tc.constraint_name = kcu.constraint_name "
            "AND tc.table_schema = kcu.table_schema "
            "JOIN information_schema.constraint_column_usage ccu "
            "ON ccu.constraint_name = tc.constraint_name "
            "AND ccu.table_schema = tc.table_schema "
            "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = %s "
            "ORDER BY 1, 2",
            (self.schema,),
        )
        return [tuple(row) for row in self.cur.fetchall()]

    def values(self, table: str, column: str, limit: int, *, distinct: bool) -> list:
        from psycopg import sql as pgsql

        text = "SELECT {c} FROM {s}.{t} WHERE {c} IS NOT NULL"
        text += " GROUP BY {c} LIMIT %s" if distinct else " LIMIT %s"
        self.cur.execute(pgsql.SQL(text).format(**self._ident(table, column)), (limit,))
        return [r[0] for r in self.cur.fetchall()]

    def count(self, table: str) -> int:
        from psycopg import sql as pgsql

        self.cur.execute(pgsql.SQL("SELECT COUNT(*) FROM {s}.{t}").format(**self._ident(table)))
        return int(self.cur.fetchone()[0])

    def ping(self) -> None:
        self.cur.execute("SELECT 1")
        self.cur.fetchone()

    def table_count(self) -> int:
        self.cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            (self.schema,),
        )
        return int(self.cur.fetchone()[0])


class PostgresDialect(Dialect):
    kind = "postgres"
    aliases = ("postgresql",)
    label = "PostgreSQL"
    sqlglot_name = "postgres"
    default_schema = "public"
    fold_identifiers = False
    nulls_sort_high = True
    functions = POSTGRES_FUNCTIONS
    server = True
    url_schemes = ("postgresql", "postgres")
    supports_roles = True

    @property
    def driver_errors(self):  # noqa: ANN201 - the driver is imported lazily
        import psycopg

        return (psycopg.Error, OSError)

    def open(self, query, source: SourceConnection, *, lang: str, seconds: float) -> OpenQuery:
        return _PostgresQuery(query, source, lang=lang, seconds=seconds)

    @contextlib.contextmanager
    def catalog_reader(
        self, source: SourceConnection, *, timeout_s: float | None = None
    ) -> Iterator[CatalogReader]:
        import psycopg

        with psycopg.connect(source.pg_dsn or "", connect_timeout=CONNECT_TIMEOUT_S) as conn:
            conn.read_only = True
            with conn.cursor() as cur:
                if timeout_s is not None:
                    milliseconds = str(max(1, int(timeout_s * 1000)))
                    cur.execute("SELECT set_config('statement_timeout', %s, true)", [milliseconds])
                yield _PostgresCatalog(cur, self.default_schema)
            conn.rollback()

    def estimate_cost(self, query, source: SourceConnection, *, lang: str) -> float | None:
        """`EXPLAIN (FORMAT JSON)` (plans, never executes) in the READ ONLY transaction and
        policy role the query would run in, under a short statement timeout."""
        import psycopg
        from psycopg import sql as pgsql

        if not source.pg_dsn:
            return None
        try:
            conn = psycopg.connect(source.pg_dsn, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error:
            return None
        try:
            conn.read_only = True
            conn.execute(
                pgsql.SQL("SET LOCAL statement_timeout = {}").format(
                    pgsql.Literal(f"{EXPLAIN_TIMEOUT_MS}ms")
                )
            )
            enter_policy_role(conn, query.policy, source, lang)
            # The guarded SQL is one SELECT (the guard's output); EXPLAIN without ANALYZE. Sent
            # by the extended protocol (`binary`: a query without parameters would otherwise go
            # by the simple one, which runs every statement of the text), as the executor's
            # cursor is: a second statement is a protocol error, never run.
            row = conn.execute("EXPLAIN (FORMAT JSON) " + query.sql, binary=True).fetchone()
            plan = row[0] if row else None
            if isinstance(plan, str):
                plan = json.loads(plan)
            return float(plan[0]["Plan"]["Total Cost"])
        except Exception:  # noqa: BLE001 - no estimate is an answer too
            return None
        finally:
            with contextlib.suppress(Exception):
                conn.rollback()
            conn.close()

    def cancel_backend(self, source: SourceConnection, backend_id: int) -> bool:
        """`pg_cancel_backend`, only while that backend still runs DataChat's cursor (a pid is
        reused once its connection closes). A hardened source revokes both from PUBLIC: then
        False, and the worker's own watchdog cancels instead."""
        import psycopg

        if not source.pg_dsn:
            return False
        try:
            with psycopg.connect(source.pg_dsn, connect_timeout=3, autocommit=True) as conn:
                row = conn.execute(
                    "SELECT pg_catalog.pg_cancel_backend(pid) FROM pg_catalog.pg_stat_activity "
                    "WHERE pid = %s AND query LIKE %s",
                    (int(backend_id), f'%"{CURSOR_NAME}"%'),
                ).fetchone()
                return bool(row and row[0])
        except psycopg.Error:
            return False

    def policy_roles_sql(self, **kwargs) -> list[str]:  # noqa: ANN003
        from ..pg_roles import policy_roles_sql

        kwargs.pop("database", None)
        return policy_roles_sql(**kwargs)

    def apply_admin_statements(self, dsn: str, statements: list[str], login_role: str) -> dict:
        import psycopg

        with psycopg.connect(dsn, connect_timeout=CONNECT_TIMEOUT_S) as conn, conn.transaction():
            for statement in statements:
                conn.execute(statement)
            row = conn.execute(
                "SELECT rolsuper, rolinherit, rolbypassrls FROM pg_catalog.pg_roles "
                "WHERE rolname = %s",
                (login_role,),
            ).fetchone()
        if not row:
            return {}
        return {"superuser": bool(row[0]), "inherits": bool(row[1]), "bypass_rls": bool(row[2])}

    def admin_error(self, error: BaseException) -> str | None:
        """The server's SQLSTATE and message for a failed role sync (never the URL), or None
        when `error` is not this driver's."""
        import psycopg

        if not isinstance(error, psycopg.Error):
            return None
        diag = getattr(error, "diag", None)
        primary = (getattr(diag, "message_primary", None) or "") if diag else ""
        sqlstate = getattr(error, "sqlstate", None) or type(error).__name__
        return f"{sqlstate} {primary}".strip()[:300]

    def login_user(self, dsn: str) -> str:
        import psycopg

        try:
            return str(psycopg.conninfo.conninfo_to_dict(dsn).get("user") or "")
        except psycopg.Error:
            return ""
