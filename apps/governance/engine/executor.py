"""Read-only execution of a `GuardedQuery`: the second, independent layer below the guard.

Nothing here trusts the guard. With the guard switched off (see
`GuardedQuery.unchecked_for_engine_tests`) the engine still refuses writes, foreign tables,
masked columns, unlisted functions and runaway queries. How each engine does it lives in its
`Dialect` adapter (`engine/dialects/`: SQLite's authorizer and limits, PostgreSQL's READ ONLY
transaction, server-side cursor and per-policy role, MariaDB's read-only transaction,
`max_statement_time` and per-policy role); this module is the one entry point:

- `execute(query, source=…)`: run once, keep at most `policy.row_cap` rows, count up to
  `policy.count_cap`, within the policy's timeout;
- `stream(query, source=…, limit=…)`: the same opening, read batch by batch (exports), within a
  longer deadline, never the whole result in memory;
- `plan_cost(query, source=…)`: the engine's planner cost before running it
  (`Dialect.estimate_cost`: PostgreSQL's `EXPLAIN`; None elsewhere), which sends an expensive
  query to a job;
- `cancel_backend(source, backend_id)`: stop a query another process runs
  (`Dialect.cancel_backend`: PostgreSQL's `pg_cancel_backend`, MariaDB's `KILL QUERY`; False
  for in-process engines).

Every value comes out JSON-friendly (`dialects.json_value`), whatever the engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .dialects import OpenQuery, SourceConnection, get_dialect, json_value
from .dialects.base import OPENING, UnknownDialect, seconds_text
from .errors import SqlRefusal
from .guard import GuardedQuery
from .pg_roles import hardening_sql, readonly_role_sql
from .policy import DataPolicy

FETCH_BATCH = 500
# A streamed export may last longer than an answer's query (a slow client reads a big file);
# the first run already proved the query itself fits the policy's timeout.
STREAM_SECONDS = 300

__all__ = [
    "FETCH_BATCH",
    "STREAM_SECONDS",
    "QueryResult",
    "RowStream",
    "SourceConnection",
    "cancel_backend",
    "execute",
    "hardening_sql",
    "plan_cost",
    "readonly_role_sql",
    "stream",
]


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    rows: list[tuple]
    row_count: int  # rows counted, up to policy.count_cap
    truncated: bool  # rows holds fewer than row_count
    count_capped: bool  # more than count_cap rows existed
    duration_ms: float


def _open(query: GuardedQuery, source: SourceConnection, lang: str, seconds: float) -> OpenQuery:
    if not query.policy.can_query:
        raise SqlRefusal("not_authorized", lang=lang)
    try:
        dialect = get_dialect(source.dialect)
        wanted = get_dialect(query.dialect)
    except UnknownDialect as error:
        raise SqlRefusal("execution_error", lang=lang, detail=str(error)) from None
    if dialect is not wanted:
        raise SqlRefusal("execution_error", lang=lang, detail="dialect mismatch")
    return dialect.open(query, source, lang=lang, seconds=seconds)


def plan_cost(query: GuardedQuery, *, source: SourceConnection, lang: str = "es") -> float | None:
    """The planner's total cost of the query, planned as `execute` would run it but never run;
    None when the engine has no cost model (SQLite, MariaDB, DuckDB), the query was guarded for
    another engine, it may not query at all, or the planner failed: the caller then treats the
    query as of unknown cost. An unknown engine raises `UnknownDialect`."""
    if not isinstance(query, GuardedQuery):
        raise TypeError("plan_cost() only plans a GuardedQuery")
    dialect = get_dialect(source.dialect)
    if dialect is not get_dialect(query.dialect) or not query.policy.can_query:
        return None
    return dialect.estimate_cost(query, source, lang=lang)


def cancel_backend(source: SourceConnection, backend_id: int) -> bool:
    """Stop, from this process, the query another one runs on the session `backend_id` (a
    `CancelHandle.backend_pid`); True when a running query was told to stop. An unknown engine
    raises `UnknownDialect`."""
    return get_dialect(source.dialect).cancel_backend(source, backend_id)


@dataclass(frozen=True)
class CancelHandle:
    """Handed to `execute(on_start=...)` once the query is open: `cancel()` stops it from another
    thread (the adapter's own cancel: SQLite/DuckDB `interrupt()`, PostgreSQL's cancel request,
    MariaDB's `KILL QUERY`); `backend_pid` is the server's id for the query's session
    (`OpenQuery.backend_id`: PostgreSQL's backend pid, MariaDB's thread id) for `cancel_backend`
    from another process, None for an in-process engine."""

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

    `on_start`, when given, is called with a `CancelHandle` once the query is open (a cancelled
    query ends as the `timeout` refusal; the caller knows it asked for the cancel).

    Raises `SqlRefusal` (`timeout`, `execution_error`, `not_authorized`, or the engine's own
    denial mapped to `table_not_allowed`, `column_not_allowed`, `function_not_allowed`,
    `sql_not_read_only`).
    """
    if not isinstance(query, GuardedQuery):
        raise TypeError("execute() only runs a GuardedQuery")
    policy = query.policy
    started = time.monotonic()
    seconds = policy.timeout_ms / 1000
    token = None
    if on_start is not None:  # long queries as jobs (apps/chat/jobs.py): Stop cancels here
        # As the adapter starts opening (SQLite computes inside its first step), and again
        # with the server's session id once connected (`OpenQuery.session_started`).
        token = OPENING.set(
            lambda opening: on_start(
                CancelHandle(query.dialect, opening.cancel, opening.backend_id)
            )
        )
    try:
        running = _open(query, source, lang, seconds)
    finally:
        if token is not None:
            OPENING.reset(token)
    try:
        rows, row_count, capped = _collect(running, policy, started + seconds, lang)
    finally:
        running.close()
    duration = (time.monotonic() - started) * 1000
    return QueryResult(running.columns, rows, row_count, len(rows) < row_count, capped, duration)


def _collect(
    running: OpenQuery, policy: DataPolicy, deadline: float, lang: str
) -> tuple[list[tuple], int, bool]:
    """Keep the first row_cap rows, count up to count_cap, note whether more existed."""
    rows: list[tuple] = []
    counted = 0
    limit = policy.count_cap + 1
    while counted < limit:
        batch = running.fetchmany(min(FETCH_BATCH, limit - counted))
        if not batch:
            break
        for row in batch:
            if len(rows) < policy.row_cap:
                rows.append(tuple(json_value(v) for v in row))
        counted += len(batch)
        if time.monotonic() > deadline:
            raise SqlRefusal("timeout", lang=lang, seconds=seconds_text(policy))
    capped = counted > policy.count_cap
    return rows, min(counted, policy.count_cap), capped


class RowStream:
    """A guarded query opened read-only, read batch by batch: columns now, rows on iteration.

    Opened exactly as `execute` opens it (the same adapter, the same engine-side limits), with a
    deadline of `seconds` for the whole read (slow readers included). Reads at most `limit`
    rows; `close()` (or exhausting the stream) releases the connection; `cancel()` stops the
    running statement from another thread.
    """

    def __init__(
        self,
        query: GuardedQuery,
        source: SourceConnection,
        *,
        limit: int,
        lang: str = "es",
        seconds: float = STREAM_SECONDS,
    ) -> None:
        if not isinstance(query, GuardedQuery) or not query.checked:
            raise TypeError("stream() only runs a checked GuardedQuery")
        self.query, self.limit, self.lang, self.seconds = query, limit, lang, seconds
        self.deadline = time.monotonic() + seconds
        self._running: OpenQuery | None = _open(query, source, lang, seconds)
        self.columns: tuple[str, ...] = self._running.columns

    def __iter__(self) -> Iterator[tuple]:
        read = 0
        try:
            while read < self.limit and self._running is not None:
                if time.monotonic() > self.deadline:
                    raise SqlRefusal("timeout", lang=self.lang, seconds=f"{self.seconds:g}")
                batch = self._running.fetchmany(min(FETCH_BATCH, self.limit - read))
                if not batch:
                    break
                read += len(batch)
                for row in batch:
                    yield tuple(json_value(value) for value in row)
        finally:
            self.close()

    def cancel(self) -> None:
        if self._running is not None:
            self._running.cancel()

    def close(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            running.close()


def stream(
    query: GuardedQuery,
    *,
    source: SourceConnection,
    limit: int,
    lang: str = "es",
    seconds: float = STREAM_SECONDS,
) -> RowStream:
    """Open a checked guarded query for streaming (see `RowStream`); refusals raise
    `SqlRefusal` before any row is read."""
    return RowStream(query, source, limit=limit, lang=lang, seconds=seconds)
