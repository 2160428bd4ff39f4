"""DuckDB: the third dialect (an org's uploaded spreadsheets), behind the same guard and executor.

One adapter: the names the guard needs (`SQLGLOT_DIALECT`, `DEFAULT_SCHEMA`, `FUNCTIONS`), a
read-only connection (`connect`), execution (`execute`) and the catalog queries introspection uses
(`list_tables`, `list_columns`). Written as a self-contained module so it plugs into the dialect
registry as one adapter.

The engine layer holds on its own, without the guard:

- the file is opened `read_only=True` with `enable_external_access=false` (no file, URL,
  ATTACH, COPY, INSTALL), extension auto-install/auto-load off, a memory limit and a thread cap,
  then `lock_configuration=true`, so a query cannot SET any of them back;
- before running, DuckDB's own parser (`json_serialize_sql`) reads the statement: exactly one
  SELECT; every table a base table of `main` in the policy (no table function such as
  read_csv, duckdb_settings or pragma_*); every function in `FUNCTIONS`; no masked column read
  (the guard replaced every masked projection by a literal, so the rewritten SQL reads none);
- a timer calls `conn.interrupt()` at the deadline; rows are fetched in batches (`fetchmany`)
  and only `row_cap` are kept, `count_cap` counted.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from .errors import SqlRefusal
from .functions import DUCKDB_FUNCTIONS, KEYWORD_FUNCTIONS
from .guard import GuardedQuery
from .policy import DataPolicy

NAME = "duckdb"
SQLGLOT_DIALECT = "duckdb"
DEFAULT_SCHEMA = "main"
FUNCTIONS = DUCKDB_FUNCTIONS
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


def execute(query: GuardedQuery, path: str | None, lang: str = "es"):  # noqa: ANN201
    """Run a guarded query on the DuckDB file at `path`; a `QueryResult` (see executor)."""
    import duckdb

    from .executor import QueryResult, _collect, _seconds

    policy = query.policy
    if not path or not os.path.isfile(path):
        raise SqlRefusal("execution_error", lang=lang, detail="data source file not found")
    started = time.monotonic()
    deadline = started + policy.timeout_ms / 1000
    try:
        conn = connect(path)
    except duckdb.Error:
        raise SqlRefusal("execution_error", lang=lang, detail="cannot open data source") from None
    timer = threading.Timer(policy.timeout_ms / 1000, conn.interrupt)
    timer.daemon = True
    try:
        engine_check(conn, query.sql, policy, lang)
        timer.start()
        try:
            cursor = conn.execute(query.sql)
            columns = tuple(d[0] for d in cursor.description or ())
            rows, row_count, capped = _collect(cursor, policy, deadline, lang)
        except duckdb.InterruptException:
            raise SqlRefusal("timeout", lang=lang, seconds=_seconds(policy)) from None
        except duckdb.PermissionException:
            raise SqlRefusal(
                "sql_not_read_only", lang=lang, what="acceso externo" if lang == "es" else "I/O"
            ) from None
        except duckdb.Error as error:
            if time.monotonic() > deadline:
                raise SqlRefusal("timeout", lang=lang, seconds=_seconds(policy)) from None
            # DuckDB's messages name schema objects and types, not row values.
            raise SqlRefusal("execution_error", lang=lang, detail=str(error)[:300]) from None
    finally:
        timer.cancel()
        conn.close()
    duration = (time.monotonic() - started) * 1000
    return QueryResult(columns, rows, row_count, len(rows) < row_count, capped, duration)


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
    functions = FUNCTIONS | KEYWORD_FUNCTIONS
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


# --- catalog queries (introspection) ------------------------------------------------------------


def list_tables(conn) -> list[str]:  # noqa: ANN001
    rows = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal "
        "AND NOT temporary UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' "
        "AND NOT internal AND NOT temporary ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def list_columns(conn, table: str) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """(name, type, comment) of a table of `main`, in order."""
    rows = conn.execute(
        "SELECT column_name, data_type, coalesce(comment, '') FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def column_meta(conn) -> dict[tuple[str, str], dict[str, str]]:  # noqa: ANN001
    """Ingestion's metadata per (table, column): header, unit, currency (empty when absent)."""
    found = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'columns'",
        [META_SCHEMA],
    ).fetchone()[0]
    if not found:
        return {}
    rows = conn.execute(
        f"SELECT table_name, column_name, header, unit, currency FROM {META_SCHEMA}.columns"
    ).fetchall()
    return {
        (t, c): {"header": h or "", "unit": u or "", "currency": cur or ""}
        for t, c, h, u, cur in rows
    }
