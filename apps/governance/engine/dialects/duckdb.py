"""DuckDB: an org's uploaded spreadsheets (one DuckDB file per source), the third file engine.

The adapter of the dialect seam (`base.py`): the guard parses and prints with sqlglot's
"duckdb"; the engine layer holds on its own, without the guard:

- the file is opened `read_only=True` with `enable_external_access=false` (no file, URL,
  ATTACH, COPY, INSTALL), extension auto-install/auto-load off, a memory limit and a thread cap,
  then `lock_configuration=true`, so a query cannot SET any of them back;
- before running, DuckDB's own parser (`extract_statements`, `json_serialize_sql`) reads the
  statement: exactly one SELECT; only plain table references (no table function such as
  read_csv, duckdb_settings or pragma_*, no DESCRIBE/SUMMARIZE/PIVOT); every table a base table
  of `main` in the policy; every function in the allowlist; no masked column read, and no `*`
  over a table with masked columns (the guard expands stars and replaces every masked
  projection by a literal, so the SQL it prints reads none);
- a watchdog calls `conn.interrupt()` at the deadline; rows are fetched in batches
  (`fetchmany`), the executor keeps `row_cap` and counts `count_cap`.

Ingestion (`knowledge/engine/ingest.py`) writes the files; nothing here ever opens one for
writing.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from typing import Any

from ..errors import SqlRefusal
from ..functions import DUCKDB_FUNCTIONS, KEYWORD_FUNCTIONS
from ..policy import DataPolicy
from .base import (
    CatalogReader,
    ConnectionFailed,
    Dialect,
    OpenQuery,
    SourceConnection,
    seconds_text,
)

DEFAULT_SCHEMA = "main"
META_SCHEMA = "datachat_meta"  # ingestion's column metadata; never queryable

MEMORY_LIMIT = os.environ.get("DATACHAT_DUCKDB_MEMORY_LIMIT", "512MB")
THREADS = int(os.environ.get("DATACHAT_DUCKDB_THREADS", "1") or 1)

# Operators DuckDB's parser reports as functions (`a + b` is FUNCTION "+", `x LIKE y` is
# "~~"): they are not calls a query can use to reach anything.
_OPERATORS = frozenset(
    {"+", "-", "*", "/", "//", "%", "^", "**", "||", "~~", "!~~", "~~*", "!~~*", "~~~", "@"}
)


def config() -> dict[str, Any]:
    """The connection settings of every DuckDB connection DataChat opens on a source file (one
    configuration per file per process, as DuckDB requires)."""
    return {
        "access_mode": "READ_ONLY",
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": MEMORY_LIMIT,
        "threads": THREADS,
        "lock_configuration": True,
    }


def connect(path: str):  # noqa: ANN201 - duckdb.DuckDBPyConnection
    """A read-only, locked-down connection to a DuckDB file (raises duckdb.Error)."""
    import duckdb

    return duckdb.connect(path, read_only=True, config=config())


# --- running ---------------------------------------------------------------------------------


class _DuckDBQuery(OpenQuery):
    def __init__(self, query, source: SourceConnection, *, lang: str, seconds: float) -> None:  # noqa: ANN001
        import duckdb

        super().__init__()
        self.policy, self.lang = query.policy, lang
        path = source.sqlite_path
        if not path or not os.path.isfile(path):
            raise SqlRefusal("execution_error", lang=lang, detail="data source file not found")
        try:
            self._conn: Any = connect(path)
        except duckdb.Error:
            raise SqlRefusal(
                "execution_error", lang=lang, detail="cannot open data source"
            ) from None
        try:
            engine_check(self._conn, query.sql, query.policy, lang)
            self.start_watchdog(seconds)
            self._cursor = self._conn.execute(query.sql)
        except duckdb.Error as error:
            self.close()
            raise self._refusal(error) from None
        except BaseException:
            self.close()
            raise
        self.columns = tuple(d[0] for d in self._cursor.description or ())

    def _refusal(self, error: Exception) -> SqlRefusal:
        import duckdb

        if isinstance(error, duckdb.InterruptException):
            return SqlRefusal("timeout", lang=self.lang, seconds=seconds_text(self.policy))
        if isinstance(error, duckdb.PermissionException):
            what = "acceso externo" if self.lang == "es" else "external access"
            return SqlRefusal("sql_not_read_only", lang=self.lang, what=what)
        # DuckDB's messages name schema objects and types, not row values.
        return SqlRefusal("execution_error", lang=self.lang, detail=str(error)[:300])

    def fetchmany(self, size: int) -> list[tuple]:
        import duckdb

        try:
            return self._cursor.fetchmany(size)
        except duckdb.Error as error:
            raise self._refusal(error) from None

    def cancel(self) -> None:
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.interrupt()

    def close(self) -> None:
        self.stop_watchdog()
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


# --- the engine's own reading of the statement -------------------------------------------------


def engine_check(conn, sql: str, policy: DataPolicy, lang: str = "es") -> None:  # noqa: ANN001
    """Refuse, from DuckDB's own parse tree, what the guard should already have refused."""
    import duckdb

    try:
        kinds = [str(st.type).rsplit(".", 1)[-1] for st in conn.extract_statements(sql)]
        raw = conn.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()[0]
        tree = json.loads(raw)
    except (duckdb.Error, ValueError, TypeError):
        raise SqlRefusal("parse_error", lang=lang, detail="engine parse") from None
    if len(kinds) > 1:
        raise SqlRefusal("multiple_statements", lang=lang, detail="denied by the engine")
    statements = tree.get("statements") or []
    if kinds != ["SELECT"] or tree.get("error") or len(statements) != 1:
        # json_serialize_sql serialises SELECT statements only (not PRAGMA, COPY, SET, …).
        raise SqlRefusal(
            "sql_not_read_only", lang=lang, detail="denied by the engine", what="statement"
        )
    allowed = {t.lower() for t in policy.allowed_tables}
    masked: dict[str, set[str]] = {}
    for table, column in policy.masked_columns:
        masked.setdefault(table.lower(), set()).add(column.lower())
    ctes: set[str] = set()
    aliases: dict[str, str] = {}
    functions = DUCKDB_FUNCTIONS | KEYWORD_FUNCTIONS
    nodes = list(_walk(statements[0]))
    for node in nodes:
        for name in (node.get("cte_map") or {}).get("map") or []:
            if isinstance(name, dict) and name.get("key"):
                ctes.add(str(name["key"]).lower())
    for node in nodes:
        kind = node.get("type")
        if isinstance(kind, str) and "class" not in node and not _allowed_shape(kind):
            # SHOW_REF (DESCRIBE, SUMMARIZE), PIVOT, … : not a plain read of a table.
            name = str((node.get("function") or {}).get("function_name") or kind).lower()
            code = "function_not_allowed" if kind == "TABLE_FUNCTION" else "syntax_not_allowed"
            raise SqlRefusal(code, lang=lang, function=name, what=kind, detail="engine")
        if kind == "TABLE_FUNCTION":
            name = str((node.get("function") or {}).get("function_name") or "?")
            raise SqlRefusal("function_not_allowed", lang=lang, function=name, detail="engine")
        if kind == "BASE_TABLE":
            table = str(node.get("table_name") or "").lower()
            schema = str(node.get("schema_name") or "").lower()
            catalog = str(node.get("catalog_name") or "").lower()
            if not schema and not catalog and table in ctes:
                continue
            if (schema and schema != DEFAULT_SCHEMA) or catalog or table not in allowed:
                raise SqlRefusal(
                    "table_not_allowed", lang=lang, table=table, detail="denied by the engine"
                )
            aliases[str(node.get("alias") or table).lower()] = table
            aliases.setdefault(table, table)
        if node.get("class") == "FUNCTION" and not node.get("is_operator"):
            name = str(node.get("function_name") or "").lower()
            # EXTRACT reads back as main.date_part; any other qualified name is refused.
            if node.get("schema") not in ("", None, DEFAULT_SCHEMA) or node.get("catalog"):
                raise SqlRefusal(
                    "function_not_allowed", lang=lang, function=name, detail="denied by the engine"
                )
            if name not in functions and name not in _OPERATORS:
                raise SqlRefusal(
                    "function_not_allowed", lang=lang, function=name, detail="denied by the engine"
                )
    referenced = set(aliases.values())
    if any(masked.get(table) for table in referenced) and any(
        node.get("class") == "STAR" for node in nodes
    ):
        # `*`, `t.*`, COLUMNS(...) over a table with masked columns: the guard expands every
        # star into named columns, so only a query that skipped it has one.
        raise SqlRefusal("column_not_allowed", lang=lang, column="*", detail="engine")
    for node in nodes:
        if node.get("class") != "COLUMN_REF":
            continue
        names = [str(n).lower() for n in node.get("column_names") or []]
        if not names:
            continue
        column = names[-1]
        if len(names) == 1 and masked.get(aliases.get(column, "")):
            # A table's name as a column is the whole row (a struct): masked columns included.
            raise SqlRefusal(
                "column_not_allowed", lang=lang, column=column, detail="denied by the engine"
            )
        # Unqualified: any table of the query could own it.
        owners = {aliases.get(names[-2], names[-2])} if len(names) >= 2 else referenced
        if any(column in masked.get(owner, ()) for owner in owners):
            raise SqlRefusal(
                "column_not_allowed", lang=lang, column=column, detail="denied by the engine"
            )


_SHAPES = frozenset(
    {
        "SELECT_NODE",
        "SET_OPERATION_NODE",
        "RECURSIVE_CTE_NODE",
        "CTE_NODE",
        "BASE_TABLE",
        "JOIN",
        "SUBQUERY",
        "EMPTY",
        "EXPRESSION_LIST",
        "ASCENDING",
        "DESCENDING",
        "ORDER_DEFAULT",
    }
)


def _allowed_shape(kind: str) -> bool:
    """Query nodes, table references and modifiers a plain SELECT is made of."""
    return kind in _SHAPES or kind.endswith(("_MODIFIER", "_TYPE_INFO"))


def _walk(node: Any) -> Iterator[dict]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


# --- reading the schema ------------------------------------------------------------------------


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_INTEGER = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER")


def normalised_type(declared: str) -> str:
    upper = (declared or "VARCHAR").upper()
    if upper in _INTEGER:
        return "INTEGER"
    if upper in ("DOUBLE", "FLOAT", "REAL") or upper.startswith("DECIMAL"):
        return "REAL"
    if upper.startswith("VARCHAR"):
        return "TEXT"
    if upper.startswith("TIMESTAMP"):
        return "TIMESTAMP"
    return upper


class _DuckDBCatalog(CatalogReader):
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def _names(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal "
            "AND NOT temporary UNION SELECT view_name FROM duckdb_views() "
            "WHERE schema_name = 'main' AND NOT internal AND NOT temporary ORDER BY 1"
        ).fetchall()
        return [r[0] for r in rows]

    def tables(self):  # noqa: ANN201
        found = []
        for name in self._names():
            rows = self.conn.execute(
                "SELECT column_name, data_type FROM duckdb_columns() "
                "WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index",
                [name],
            ).fetchall()
            found.append((name, [(c, t, normalised_type(t), False) for c, t in rows]))
        return found

    def foreign_keys(self):  # noqa: ANN201
        return []  # spreadsheets declare none; a steward declares them (semantic layer)

    def values(self, table: str, column: str, limit: int, *, distinct: bool) -> list:
        c, t = _q(column), _q(table)
        group = f" GROUP BY {c}" if distinct else ""
        rows = self.conn.execute(
            f"SELECT {c} FROM {t} WHERE {c} IS NOT NULL{group} LIMIT {int(limit)}"
        ).fetchall()
        return [r[0] for r in rows]

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {_q(table)}").fetchone()[0])

    def table_count(self) -> int:
        return len(self._names())

    def ping(self) -> None:
        self.conn.execute("SELECT 1").fetchone()

    def column_notes(self) -> dict[tuple[str, str], dict[str, str]]:
        """What ingestion recorded per (table, column): the original header (`description`),
        a unit ("%") and a currency ("EUR"); empty for a file nobody ingested."""
        found = self.conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'columns'",
            [META_SCHEMA],
        ).fetchone()[0]
        if not found:
            return {}
        rows = self.conn.execute(
            f"SELECT table_name, column_name, header, unit, currency FROM {META_SCHEMA}.columns"
        ).fetchall()
        return {
            (t, c): {"description": h or "", "unit": u or "", "currency": cur or ""}
            for t, c, h, u, cur in rows
        }


class DuckDBDialect(Dialect):
    kind = "duckdb"
    label = "DuckDB"
    sqlglot_name = "duckdb"
    default_schema = DEFAULT_SCHEMA
    fold_identifiers = True
    nulls_sort_high = True  # DuckDB sorts NULLs last in ascending order
    functions = DUCKDB_FUNCTIONS
    server = False

    @property
    def driver_errors(self) -> tuple[type[BaseException], ...]:  # type: ignore[override]
        import duckdb

        return (duckdb.Error,)

    def open(self, query, source: SourceConnection, *, lang: str, seconds: float) -> OpenQuery:  # noqa: ANN001
        return _DuckDBQuery(query, source, lang=lang, seconds=seconds)

    @contextlib.contextmanager
    def catalog_reader(
        self, source: SourceConnection, *, timeout_s: float | None = None
    ) -> Iterator[CatalogReader]:
        conn = connect(source.sqlite_path or "")
        # With a deadline, a timer interrupts whatever catalog read is running at that moment.
        timer = threading.Timer(timeout_s, conn.interrupt) if timeout_s is not None else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            yield _DuckDBCatalog(conn)
        finally:
            if timer is not None:
                timer.cancel()
            conn.close()

    def probe(self, source: SourceConnection, *, timeout_s: int = 5) -> None:
        import duckdb

        path = source.sqlite_path or ""
        if not os.path.isfile(path):
            raise ConnectionFailed(
                "There is no such file in the organization's folder.", detail=path
            )
        try:
            with self.catalog_reader(source) as reader:
                reader.ping()
        except duckdb.Error as exc:
            raise ConnectionFailed(
                "The file is not a DuckDB database or cannot be opened.", detail=str(exc)[:300]
            ) from None
