"""How expensive a guarded query is expected to be, before it runs (PostgreSQL's planner).

`plan_cost` asks the planner (`EXPLAIN (FORMAT JSON)`, which plans but never executes) for the
total cost of a `GuardedQuery`, in the same READ ONLY transaction, settings and policy role the
executor would use, so the estimate is of the query that would really run. Used to send a query
that is expected to be slow to a background job instead of a web worker (apps/chat/jobs.py).

SQLite has no cost model: `plan_cost` answers None there and callers fall back to a first attempt
under a short deadline.
"""

from __future__ import annotations

import contextlib

from .dialects import SourceConnection
from .dialects.postgres import enter_policy_role
from .guard import GuardedQuery

_EXPLAIN_TIMEOUT_MS = 2_000


def plan_cost(query: GuardedQuery, *, source: SourceConnection, lang: str = "es") -> float | None:
    """The planner's total cost of the query, or None when there is no estimate (SQLite, or
    the planner failed: the caller then treats the query as of unknown cost)."""
    if not isinstance(query, GuardedQuery):
        raise TypeError("plan_cost() only plans a GuardedQuery")
    dialect = "postgres" if source.dialect in ("postgres", "postgresql") else source.dialect
    if dialect != "postgres" or query.dialect != "postgres" or not source.pg_dsn:
        return None
    import psycopg
    from psycopg import sql as pgsql

    try:
        conn = psycopg.connect(source.pg_dsn, connect_timeout=5)
    except psycopg.Error:
        return None
    try:
        conn.read_only = True
        conn.execute(
            pgsql.SQL("SET LOCAL statement_timeout = {}").format(
                pgsql.Literal(f"{_EXPLAIN_TIMEOUT_MS}ms")
            )
        )
        enter_policy_role(conn, query.policy, source, lang)
        # The guarded SQL is one SELECT (the guard's output); EXPLAIN without ANALYZE plans it.
        row = conn.execute("EXPLAIN (FORMAT JSON) " + query.sql).fetchone()
        plan = row[0] if row else None
        if isinstance(plan, str):
            import json

            plan = json.loads(plan)
        return float(plan[0]["Plan"]["Total Cost"])
    except Exception:  # noqa: BLE001 - no estimate is an answer too
        return None
    finally:
        with contextlib.suppress(Exception):
            conn.rollback()
        conn.close()
