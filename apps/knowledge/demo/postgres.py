"""Copy a generated demo SQLite file into PostgreSQL, so the demo can run against a server.

Pure psycopg 3 (no Django): the table shapes are read from SQLite's own catalog (`table_info`,
`foreign_key_list`, `index_list`), recreated with equivalent PostgreSQL types, and filled with
`COPY ... FROM STDIN`. Everything happens in one transaction: a failed load leaves the previous
tables in place.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

Progress = Callable[[int, int], None]

_FETCH_SIZE = 50_000

# SQLite declared type (upper-cased, without size) -> PostgreSQL type. Integers widen to bigint
# because SQLite INTEGER is 64-bit; unknown declarations fall back to text, which never loses data.
_TYPE_MAP = {
    "INTEGER": "bigint",
    "INT": "bigint",
    "BIGINT": "bigint",
    "SMALLINT": "integer",
    "REAL": "double precision",
    "FLOAT": "double precision",
    "DOUBLE": "double precision",
    "NUMERIC": "numeric",
    "DECIMAL": "numeric",
    "TEXT": "text",
    "VARCHAR": "text",
    "CHAR": "text",
    "DATE": "date",
    "DATETIME": "timestamp",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
}


@dataclass(frozen=True)
class _Column:
    name: str
    pg_type: str
    not_null: bool
    pk_position: int  # 0 when not part of the primary key


@dataclass(frozen=True)
class _ForeignKey:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class _Index:
    name: str
    columns: tuple[str, ...]
    unique: bool


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[_Column, ...]
    foreign_keys: tuple[_ForeignKey, ...]
    indexes: tuple[_Index, ...]

    @property
    def primary_key(self) -> tuple[str, ...]:
        keyed = sorted((c.pk_position, c.name) for c in self.columns if c.pk_position)
        return tuple(name for _, name in keyed)


def load_into_postgres(
    sqlite_path: str | Path,
    dsn: str,
    *,
    schema: str = "public",
    progress: Progress | None = None,
) -> dict:
    """Copy every table of `sqlite_path` into `schema` of the PostgreSQL database at `dsn`.

    Existing tables of the same names are dropped (CASCADE) and recreated with primary keys, foreign
    keys, NOT NULL and the secondary indexes of the source. `progress(done, total)` counts rows
    copied over all tables. Returns `{"schema", "tables": {name: rows}, "seconds"}`.
    """
    started = time.perf_counter()
    # Read-only URI (as_uri escapes odd characters): the load must never touch the source file.
    src = sqlite3.connect(Path(sqlite_path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        tables = _dependency_order(_read_tables(src))
        counts = {t.name: _count(src, t.name) for t in tables}
        total, done = sum(counts.values()), 0
        with psycopg.connect(dsn) as pg, pg.cursor() as cur:
            _recreate_tables(cur, schema, tables)
            if progress:
                progress(0, total)
            for table in tables:
                done = _copy_table(src, cur, schema, table, done, total, progress)
            # Constraints and indexes after the data: one validation pass instead of per-row checks.
            for table in tables:
                for statement in _constraint_sql(schema, table):
                    cur.execute(statement)
                cur.execute(sql.SQL("ANALYZE {}").format(_ident(schema, table.name)))
    finally:
        src.close()
    return {
        "schema": schema,
        "tables": counts,
        "seconds": round(time.perf_counter() - started, 3),
    }


# --- reading the SQLite catalog ---------------------------------------------------------------


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_tables(src: sqlite3.Connection) -> list[_Table]:
    names = [
        row[0]
        for row in src.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return [_read_table(src, name) for name in names]


def _read_table(src: sqlite3.Connection, name: str) -> _Table:
    columns = tuple(
        _Column(col_name, _pg_type(decl), bool(notnull), pk)
        for _cid, col_name, decl, notnull, _default, pk in src.execute(
            f"PRAGMA table_info({_quote_sqlite(name)})"
        )
    )
    return _Table(name, columns, _read_foreign_keys(src, name), _read_indexes(src, name))


def _pg_type(declared: str | None) -> str:
    base = (declared or "").upper().split("(")[0].strip()
    return _TYPE_MAP.get(base, "text")


def _read_foreign_keys(src: sqlite3.Connection, table: str) -> tuple[_ForeignKey, ...]:
    grouped: dict[int, list[tuple]] = {}
    for fk_id, seq, ref_table, col, ref_col, *_ in src.execute(
        f"PRAGMA foreign_key_list({_quote_sqlite(table)})"
    ):
        grouped.setdefault(fk_id, []).append((seq, ref_table, col, ref_col))
    keys = []
    for fk_id in sorted(grouped):
        parts = sorted(grouped[fk_id])
        ref_table = parts[0][1]
        ref_cols = [p[3] for p in parts]
        if any(c is None for c in ref_cols):
            # `REFERENCES parent` without columns means the parent's primary key.
            ref_cols = list(_read_table_pk(src, ref_table))
        keys.append(_ForeignKey(tuple(p[2] for p in parts), ref_table, tuple(ref_cols)))
    return tuple(keys)


def _read_table_pk(src: sqlite3.Connection, table: str) -> tuple[str, ...]:
    rows = src.execute(f"PRAGMA table_info({_quote_sqlite(table)})").fetchall()
    return tuple(r[1] for r in sorted((r for r in rows if r[5]), key=lambda r: r[5]))


def _read_indexes(src: sqlite3.Connection, table: str) -> tuple[_Index, ...]:
    indexes = []
    for _seq, name, unique, origin, _partial in src.execute(
        f"PRAGMA index_list({_quote_sqlite(table)})"
    ):
        if origin != "c":  # only explicit CREATE INDEX; PK/UNIQUE ones come with the table
            continue
        cols = tuple(r[2] for r in src.execute(f"PRAGMA index_info({_quote_sqlite(name)})") if r[2])
        if cols:  # expression indexes have no plain column names: skipped
            indexes.append(_Index(name, cols, bool(unique)))
    return tuple(sorted(indexes, key=lambda i: i.name))


def _dependency_order(tables: list[_Table]) -> list[_Table]:
    """Parents before children (by foreign key), otherwise by name: a deterministic load order."""
    by_name = {t.name: t for t in tables}
    ordered: list[_Table] = []
    seen: set[str] = set()

    def visit(table: _Table, path: frozenset[str]) -> None:
        if table.name in seen or table.name in path:
            return  # already placed, or a cycle (constraints are added after the data anyway)
        for fk in table.foreign_keys:
            parent = by_name.get(fk.ref_table)
            if parent is not None:
                visit(parent, path | {table.name})
        seen.add(table.name)
        ordered.append(table)

    for table in sorted(tables, key=lambda t: t.name):
        visit(table, frozenset())
    return ordered


def _count(src: sqlite3.Connection, table: str) -> int:
    return src.execute(f"SELECT COUNT(*) FROM {_quote_sqlite(table)}").fetchone()[0]


# --- writing PostgreSQL -----------------------------------------------------------------------


def _ident(schema: str, name: str) -> sql.Identifier:
    return sql.Identifier(schema, name)


def _columns_sql(names: tuple[str, ...]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def _recreate_tables(cur: psycopg.Cursor, schema: str, tables: list[_Table]) -> None:
    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    # Children first, so no drop trips over a foreign key of a table still to be dropped.
    for table in reversed(tables):
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(_ident(schema, table.name)))
    for table in tables:
        cur.execute(_create_table_sql(schema, table))


def _create_table_sql(schema: str, table: _Table) -> sql.Composed:
    parts = [
        sql.SQL("{} {}{}").format(
            sql.Identifier(c.name),
            sql.SQL(c.pg_type),  # from _TYPE_MAP only, never from the file
            sql.SQL(" NOT NULL" if c.not_null or c.pk_position else ""),
        )
        for c in table.columns
    ]
    if table.primary_key:
        parts.append(sql.SQL("PRIMARY KEY ({})").format(_columns_sql(table.primary_key)))
    return sql.SQL("CREATE TABLE {} ({})").format(
        _ident(schema, table.name), sql.SQL(", ").join(parts)
    )


def _constraint_sql(schema: str, table: _Table) -> Iterator[sql.Composed]:
    for fk in table.foreign_keys:
        yield sql.SQL("ALTER TABLE {} ADD FOREIGN KEY ({}) REFERENCES {} ({})").format(
            _ident(schema, table.name),
            _columns_sql(fk.columns),
            _ident(schema, fk.ref_table),
            _columns_sql(fk.ref_columns),
        )
    for index in table.indexes:
        yield sql.SQL("CREATE {}INDEX {} ON {} ({})").format(
            sql.SQL("UNIQUE " if index.unique else ""),
            sql.Identifier(index.name),
            _ident(schema, table.name),
            _columns_sql(index.columns),
        )


def _copy_table(
    src: sqlite3.Connection,
    cur: psycopg.Cursor,
    schema: str,
    table: _Table,
    done: int,
    total: int,
    progress: Progress | None,
) -> int:
    """Stream one table with COPY (text format: PostgreSQL parses ISO dates itself)."""
    names = tuple(c.name for c in table.columns)
    select = f"SELECT {', '.join(_quote_sqlite(n) for n in names)} FROM {_quote_sqlite(table.name)}"
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        _ident(schema, table.name), _columns_sql(names)
    )
    rows = src.execute(select)
    with cur.copy(copy_sql) as copy:
        while batch := rows.fetchmany(_FETCH_SIZE):
            for row in batch:
                copy.write_row(row)
            done += len(batch)
            if progress:
                progress(done, total)
    return done
