"""The `Dialect` interface: everything DataChat knows about one database engine, in one object.

One adapter per engine (`sqlite.py`, `postgres.py`, `mariadb.py`, `duckdb.py`), registered in
`__init__.py` and looked up with `get_dialect(kind)`, which raises `UnknownDialect` for a kind
nobody registered: no caller guesses an engine from an if/else. Callers never import an adapter
module.

What an adapter provides (write a new one from this list alone; `sqlite.py` is the shortest
complete example, `mariadb.py` the most recent server one):

Names
- `kind`: the `DataSource.Kind` value stored in the database ("sqlite", "postgres", …);
  `aliases`: other spellings accepted once, here, and normalised to `kind` ("postgresql").
- `label`: the product name people and the LLM prompt read ("PostgreSQL").
- `sqlglot_name`: the sqlglot dialect the guard parses and prints with.
- `default_schema`: the one schema a query may name explicitly (`main`, `public`, the database).
- `fold_identifiers`: the guard compares table/column names case-insensitively.
- `nulls_sort_high`: NULL sorts after every value in ascending order (PostgreSQL) rather than
  before it (SQLite, MariaDB); the offline SQL generator writes NULLS FIRST/LAST from it.
- `functions`: the lower-case function names a query may call (allowlist; `functions.py`).
- `server`: a server reached by a DSN (`SourceConnection.server_dsn`) rather than a file
  (`SourceConnection.sqlite_path`).
- `url_schemes`: a server engine's location URL schemes, the first the canonical one
  (`kind_for_url` picks the engine from a URL; `knowledge/locations.py` checks with them).
- `driver_errors`: the driver's exception classes (a catalog read or probe failing with one is
  `location_unavailable`).

Running a guarded query (the executor calls only these; nothing else opens a data source)
- `open(query, source, *, lang, seconds)` → an `OpenQuery`: the query running read-only with
  the engine's own limits (read-only connection or transaction, statement timeout, the policy's
  database role when the source has per-role enforcement) and an app-side watchdog that
  cancels it after `seconds`. Refusals raise `SqlRefusal` with the stable codes of
  `errors.py`. `OpenQuery.fetchmany(n)` maps engine errors to refusals, `cancel()` stops the
  running statement from another thread, `close()` rolls back and releases everything.
  `OpenQuery.backend_id`: the server's id for the query's session (PostgreSQL's backend pid,
  MariaDB's thread id), None for an in-process engine.
- `estimate_cost(query, source, *, lang)`: the engine's planner cost of the query, planned (never
  run) as `open` would run it, or None when the engine has no cost model comparable to the org's
  `job_cost_threshold` (PostgreSQL cost units) or the planner failed. Only PostgreSQL answers.
- `cancel_backend(source, backend_id)`: stop the query still running on that session from
  another process (a web process stopping a worker's job); False when the engine cannot (an
  in-process engine: its own `OpenQuery.cancel` in the worker is the only way) or the session no
  longer runs DataChat's query.

Reading the schema (`knowledge.engine.introspection` turns it into a catalog)
- `catalog_reader(source)`: a context manager yielding a `CatalogReader` over a read-only
  connection: `tables()`, `foreign_keys()`, `values(table, column, limit, distinct)`,
  `count(table)`, `table_count()`, `ping()`.
- `probe(source)`: open and run a trivial query, raise `ConnectionFailed` if that fails.
- `check_file(path)` (file engines that accept an uploaded database file): raise
  `ConnectionFailed` unless the file is a sound database of this engine (SQLite: its header and
  `PRAGMA quick_check`); an engine without uploads raises `NotImplementedError`.

Per-role enforcement in the database (optional; `supports_roles`)
- `policy_roles_sql(...)`: statements creating/syncing one database role per access policy
  (SELECT on the allowed tables, only the unmasked columns), run by `create_readonly_role`.
- `apply_admin_statements(dsn, statements, login_role)`: run them in one go as an administrator;
  `admin_error(error)` words a driver error for the operator; `login_user(dsn)` and
  `database_of(dsn)` read a DSN.

A minimal new engine: subclass `Dialect`, set the names, implement `open` (subclass `OpenQuery`:
connect read-only, set the deadline, `start_watchdog(seconds)`, execute, set `columns`) and
`catalog_reader`, then `register()` it in `__init__.py`.

Pure Python: no Django. Drivers are imported inside the adapter's methods so a deployment
without a server engine needs no driver.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from ..policy import DataPolicy


class UnknownDialect(ValueError):
    """A database engine nobody registered (the message names the known ones)."""


class ConnectionFailed(Exception):
    """The source could not be opened (missing file, unreachable server, bad credentials):
    `message` is safe to show, `detail` (the driver's words) is for staff and logs."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class SourceConnection:
    """Where a data source lives: a SQLite file path or a server DSN.

    `dialect`: the engine's kind (any alias; `get_dialect` normalises it).
    `sqlite_path`: a file engine's absolute path (SQLite; another file engine may use it too).
    `pg_dsn`: a PostgreSQL conninfo; `dsn`: another server engine's connection string
    (a `mysql://` URL for MariaDB). `pg_role_org`: the org slug when the source enforces each role
    in the database (policy roles created by `create_readonly_role`): every query then runs as
    that org's policy role (PostgreSQL and MariaDB).
    """

    dialect: str  # "sqlite", "postgres", "mariadb", "duckdb", …
    sqlite_path: str | None = None  # the file of a file engine (SQLite, DuckDB)
    pg_dsn: str | None = None
    pg_role_org: str | None = None
    pg_role_prefix: str = "dc_"
    dsn: str | None = None

    @property
    def server_dsn(self) -> str | None:
        return self.dsn or self.pg_dsn


def json_value(value: object) -> object:
    """A cell as the executor hands it out, whatever the engine: JSON-friendly and stable
    (Decimal → float, dates → ISO text, bytes → hex) so answers, charts and exports read the same
    types from every engine."""
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
        return [json_value(v) for v in value]
    return str(value)


def seconds_text(policy: DataPolicy) -> str:
    return f"{policy.timeout_ms / 1000:g}"


# Set by `executor.execute(on_start=...)` around the opening of one query (this thread only).
OPENING: contextvars.ContextVar[Callable[[OpenQuery], None] | None] = contextvars.ContextVar(
    "datachat_opening", default=None
)


class OpenQuery:
    """A guarded query running on one connection; adapters subclass it.

    `columns` is set once open. `fetchmany` returns raw driver rows (the executor converts each
    value with `json_value`) and raises `SqlRefusal` for any engine error. `cancel` may be called
    from any thread; `close` is idempotent.
    """

    columns: tuple[str, ...] = ()
    # The server's id for this query's session, for `Dialect.cancel_backend` from another
    # process (PostgreSQL backend pid, MariaDB thread id); None for an in-process engine.
    backend_id: int | None = None

    def __init__(self) -> None:
        self._watchdog: threading.Timer | None = None
        # The executor's `on_start` (long queries as jobs): told of this query before the
        # adapter sends it, since SQLite computes an aggregate inside its first `execute`
        # (and MariaDB a COUNT inside its), and again by `session_started`.
        self._hook = OPENING.get()
        if self._hook is not None:
            self._hook(self)

    def session_started(self, backend_id: int) -> None:
        """Called by a server adapter once connected, before it sends the query: records the
        session's id and tells the executor's `on_start` again (now with the id)."""
        self.backend_id = backend_id
        if self._hook is not None:
            self._hook(self)

    def start_watchdog(self, seconds: float) -> None:
        """Cancel the statement from another thread after `seconds` (the app-side deadline,
        whatever the engine's own settings say)."""
        self._watchdog = threading.Timer(seconds, self.cancel)
        self._watchdog.daemon = True
        self._watchdog.start()

    def stop_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()

    def fetchmany(self, size: int) -> list[tuple]:  # pragma: no cover - interface
        raise NotImplementedError

    def cancel(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class CatalogReader:
    """Catalog queries over a read-only connection (only queries written by the adapter run).

    `tables()` → [(table, [(column, declared_type, normalised_type, primary_key)])], views too,
    sorted by table name, columns in their order; `foreign_keys()` → [(table, column, ref_table,
    ref_column)]; `values(table, column, limit, distinct)` → non-null values of a column;
    `count(table)` → its rows; `table_count()` → how many tables and views; `ping()` → a
    trivial query.
    """

    def tables(self) -> list[tuple[str, list[tuple[str, str, str, bool]]]]:  # pragma: no cover
        raise NotImplementedError

    def foreign_keys(self) -> list[tuple[str, str, str, str]]:  # pragma: no cover
        raise NotImplementedError

    def values(
        self, table: str, column: str, limit: int, *, distinct: bool
    ) -> list:  # pragma: no cover
        raise NotImplementedError

    def count(self, table: str) -> int:  # pragma: no cover
        raise NotImplementedError

    def table_count(self) -> int:  # pragma: no cover
        raise NotImplementedError

    def ping(self) -> None:
        """A trivial query (`SELECT 1`): proves the connection works, reads no catalog (a
        least-privilege login may not see one)."""
        raise NotImplementedError  # pragma: no cover


class Dialect:
    """One database engine; see the module docstring for the whole interface."""

    kind: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    label: ClassVar[str] = ""
    sqlglot_name: ClassVar[str] = ""
    default_schema: ClassVar[str] = ""
    fold_identifiers: ClassVar[bool] = False
    nulls_sort_high: ClassVar[bool] = False
    functions: ClassVar[frozenset[str]] = frozenset()
    server: ClassVar[bool] = True
    url_schemes: ClassVar[tuple[str, ...]] = ()
    supports_roles: ClassVar[bool] = False
    # Errors the driver raises while reading a catalog or probing (mapped to ConnectionFailed).
    driver_errors: ClassVar[tuple[type[BaseException], ...]] = ()

    def __repr__(self) -> str:
        return f"<Dialect {self.kind}>"

    # --- running ------------------------------------------------------------------------------

    def open(
        self, query: Any, source: SourceConnection, *, lang: str, seconds: float
    ) -> OpenQuery:  # pragma: no cover - interface
        raise NotImplementedError

    def estimate_cost(self, query: Any, source: SourceConnection, *, lang: str) -> float | None:
        """The planner's total cost of a guarded query, planned but never run, in the same
        read-only session, limits and policy role `open` would use; None when this engine has no
        cost model in the units of `job_cost_threshold` (the default) or the planner failed."""
        return None

    def cancel_backend(self, source: SourceConnection, backend_id: int) -> bool:
        """Stop, from another process, the DataChat query running on the session `backend_id`
        (an `OpenQuery.backend_id`); True when a running query was told to stop. The default
        says it cannot: an in-process engine is cancelled by its own `OpenQuery.cancel`."""
        return False

    # --- schema -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def catalog_reader(
        self, source: SourceConnection, *, timeout_s: float | None = None
    ) -> Iterator[CatalogReader]:  # pragma: no cover
        """A read-only catalog reader; with `timeout_s`, every read stops at that deadline (a
        view is its author's SQL: an uploaded file's view can be made never to finish)."""
        raise NotImplementedError
        yield  # noqa: B901 - interface

    def probe(self, source: SourceConnection, *, timeout_s: int = 5) -> None:
        """Open the source and run a trivial query; `ConnectionFailed` if that fails."""
        try:
            with self.catalog_reader(source) as reader:
                reader.ping()
        except self.driver_errors as exc:
            text = str(exc).strip()
            raise ConnectionFailed(
                "Could not connect to the database server with these credentials.",
                detail=text.splitlines()[0][:300] if text else "",
            ) from None

    def check_file(self, path: str) -> None:
        """Raise `ConnectionFailed` unless the file at `path` is a sound database of this
        engine (an uploaded file, before it becomes a source)."""
        raise NotImplementedError(f"{self.label} takes no uploaded database file")

    # --- per-role enforcement -----------------------------------------------------------------

    def policy_roles_sql(
        self,
        *,
        org_slug: str,
        login_role: str,
        grants: Iterable[Any],
        all_tables: Iterable[str],
        roles: Iterable[str] = (),
        create_login: bool = False,
        prefix: str = "dc_",
        database: str = "",
    ) -> list[str]:
        raise NotImplementedError(f"{self.label} has no per-role database enforcement")

    def apply_admin_statements(self, dsn: str, statements: list[str], login_role: str) -> dict:
        """Run the statements in one go; return facts about the login role (`superuser`,
        `inherits`, `bypass_rls`) for warnings."""
        raise NotImplementedError(f"{self.label} has no per-role database enforcement")

    def admin_error(self, error: BaseException) -> str | None:
        """A short text (SQLSTATE and message, never the URL) for a driver error raised while
        applying role statements; None when `error` is not this driver's."""
        return None

    def database_of(self, dsn: str) -> str:
        """The database a server DSN names, where the role statements need it ('' if not)."""
        return ""

    def login_user(self, dsn: str) -> str:
        """The user a server DSN connects as ('' when it names none)."""
        return ""
