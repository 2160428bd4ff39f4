"""SQLite: a file in the org's folder, opened `mode=ro` with an authorizer and runtime limits.

The authorizer allows only SELECT, RECURSIVE, READ of the policy's tables (never of a masked
column) in `main`, and FUNCTION for the allowlist; runtime limits cap lengths, expression depth,
compound selects and forbid ATTACH; a progress handler enforces the deadline; `cancel` is
`sqlite3.Connection.interrupt`. No extension loading, no `executescript`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from ..errors import SqlRefusal
from ..functions import SQLITE_FUNCTIONS
from ..policy import DataPolicy
from .base import (
    CatalogReader,
    ConnectionFailed,
    Dialect,
    OpenQuery,
    SourceConnection,
    seconds_text,
)

_SQLITE_OK, _SQLITE_DENY = sqlite3.SQLITE_OK, sqlite3.SQLITE_DENY
_SQLITE_READ, _SQLITE_SELECT, _SQLITE_FUNCTION, _SQLITE_RECURSIVE = 20, 21, 31, 33

SQLITE_LIMITS = {
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
PROGRESS_STEPS = 1_000
_INTERNAL = {"sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema"}


@dataclass
class Denial:
    code: str | None = None
    name: str = ""


def authorizer(policy: DataPolicy, denial: Denial, schema_objects: frozenset[str]):
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


def readonly_uri(path: str) -> str:
    return f"file:{quote(os.path.abspath(path))}?mode=ro"


def refusal(
    error: Exception, denial: Denial, policy: DataPolicy, deadline: float, lang: str
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
        return SqlRefusal("timeout", lang=lang, seconds=seconds_text(policy))
    if "readonly" in text or "read-only" in text:
        return SqlRefusal(
            "sql_not_read_only", lang=lang, what="escritura" if lang == "es" else "write"
        )
    # SQLite's messages name schema objects, not row values ("no such column: x", "too big").
    return SqlRefusal("execution_error", lang=lang, detail=text[:300])


class _SqliteQuery(OpenQuery):
    def __init__(self, query, source: SourceConnection, *, lang: str, seconds: float) -> None:
        super().__init__()
        policy = query.policy
        self.policy, self.lang = policy, lang
        if not source.sqlite_path or not os.path.isfile(source.sqlite_path):
            raise SqlRefusal("execution_error", lang=lang, detail="data source file not found")
        self.deadline = time.monotonic() + seconds
        self.denial = Denial()
        try:
            # The rows may be read from another thread than the one that opened the query
            # (a streamed export); only this object touches the connection.
            self._conn: sqlite3.Connection | None = sqlite3.connect(
                readonly_uri(source.sqlite_path), uri=True, timeout=1.0, check_same_thread=False
            )
        except sqlite3.Error:
            raise SqlRefusal(
                "execution_error", lang=lang, detail="cannot open data source"
            ) from None
        conn = self._conn
        try:
            for name, value in SQLITE_LIMITS.items():
                if hasattr(sqlite3, name):
                    conn.setlimit(getattr(sqlite3, name), value)
            # Our own fixed query, before the authorizer exists: every real name in the file.
            schema_objects = (
                frozenset(
                    str(name).lower()
                    for (name,) in conn.execute("SELECT name FROM sqlite_master").fetchall()
                )
                | _INTERNAL
            )
            conn.set_authorizer(authorizer(policy, self.denial, schema_objects))
            conn.set_progress_handler(lambda: time.monotonic() > self.deadline, PROGRESS_STEPS)
            self._cursor = conn.execute(query.sql)
        except (sqlite3.Error, sqlite3.Warning) as error:
            self.close()
            raise refusal(error, self.denial, policy, self.deadline, lang) from None
        except BaseException:
            self.close()
            raise
        self.columns = tuple(d[0] for d in self._cursor.description or ())

    def fetchmany(self, size: int) -> list[tuple]:
        try:
            return self._cursor.fetchmany(size)
        except (sqlite3.Error, sqlite3.Warning) as error:
            raise refusal(error, self.denial, self.policy, self.deadline, self.lang) from None

    def cancel(self) -> None:
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.interrupt()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


class _SqliteCatalog(CatalogReader):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @staticmethod
    def _q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def tables(self):
        names = [
            row[0]
            for row in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        found = []
        for name in names:
            cols = self.conn.execute(f"PRAGMA table_info({self._q(name)})").fetchall()
            found.append(
                (
                    name,
                    [
                        (col, declared or "TEXT", (declared or "TEXT").upper(), bool(pk))
                        for _cid, col, declared, _notnull, _default, pk in cols
                    ],
                )
            )
        return found

    def foreign_keys(self):
        fks = []
        for (name,) in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall():
            for row in self.conn.execute(f"PRAGMA foreign_key_list({self._q(name)})"):
                fks.append((name, row[3], row[2], row[4]))
        return fks

    def values(self, table: str, column: str, limit: int, *, distinct: bool) -> list:
        c, t = self._q(column), self._q(table)
        group = f" GROUP BY {c}" if distinct else ""
        rows = self.conn.execute(
            f"SELECT {c} FROM {t} WHERE {c} IS NOT NULL{group} LIMIT {int(limit)}"
        ).fetchall()
        return [r[0] for r in rows]

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {self._q(table)}").fetchone()[0])

    def table_count(self) -> int:
        query = "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view')"
        return int(self.conn.execute(query).fetchone()[0])


FILE_HEADER = b"SQLite format 3\x00"


class SqliteDialect(Dialect):
    kind = "sqlite"
    label = "SQLite"
    sqlglot_name = "sqlite"
    default_schema = "main"
    fold_identifiers = True
    nulls_sort_high = False
    functions = SQLITE_FUNCTIONS
    server = False
    driver_errors = (sqlite3.Error, OSError)

    def open(self, query, source: SourceConnection, *, lang: str, seconds: float) -> OpenQuery:
        return _SqliteQuery(query, source, lang=lang, seconds=seconds)

    @contextlib.contextmanager
    def catalog_reader(
        self, source: SourceConnection, *, timeout_s: float | None = None
    ) -> Iterator[CatalogReader]:
        conn = sqlite3.connect(sqlite_readonly_uri(source.sqlite_path or ""), uri=True, timeout=1.0)
        if timeout_s is not None:
            deadline = time.monotonic() + timeout_s
            conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        try:
            yield _SqliteCatalog(conn)
        finally:
            conn.close()

    def probe(self, source: SourceConnection, *, timeout_s: int = 5) -> None:
        path = source.sqlite_path or ""
        if not os.path.isfile(path):
            raise ConnectionFailed(
                "There is no such file in the organization's folder.", detail=path
            )
        try:
            conn = sqlite3.connect(sqlite_readonly_uri(path), uri=True, timeout=1.0)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise ConnectionFailed(
                "The file is not a SQLite database or cannot be opened.", detail=str(exc)
            ) from None

    def check_file(self, path: str) -> None:
        """The file starts with SQLite's header and passes `PRAGMA quick_check` (opened
        read-only: a damaged or foreign file never becomes a source)."""
        try:
            with open(path, "rb") as handle:
                header = handle.read(len(FILE_HEADER))
        except OSError as exc:
            raise ConnectionFailed("The file cannot be read.", detail=str(exc)[:300]) from None
        if header != FILE_HEADER:
            raise ConnectionFailed("The file is not a SQLite database.", detail="no header")
        try:
            conn = sqlite3.connect(sqlite_readonly_uri(path), uri=True, timeout=1.0)
            try:
                result = conn.execute("PRAGMA quick_check").fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise ConnectionFailed(
                "The file is not a SQLite database.", detail=str(exc)[:300]
            ) from None
        if not result or result[0] != "ok":
            raise ConnectionFailed("The SQLite file is damaged.", detail=str(result)[:300])


def sqlite_readonly_uri(path: str) -> str:
    """What introspection and probes open (the path as given, quoted, `mode=ro`)."""
    return f"file:{quote(str(path))}?mode=ro"
