"""Copy a generated demo SQLite file into MariaDB/MySQL, so the demo can run against that server.

Pure PyMySQL (no Django), reading the SQLite catalog as `demo.postgres` does: tables are
recreated with equivalent MariaDB types (key and indexed text columns as VARCHAR(191), which
utf8mb4 can index), filled in batches, then given their foreign keys and indexes. Existing tables
of the same names are dropped first.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from apps.governance.engine.dialects.mariadb import connect_args
from apps.knowledge.demo.postgres import _dependency_order, _read_tables

_BATCH = 2_000
_TYPES = {
    "bigint": "BIGINT",
    "integer": "INT",
    "double precision": "DOUBLE",
    "numeric": "DECIMAL(20, 6)",
    "text": "TEXT",
    "date": "DATE",
    "timestamp": "DATETIME",
    "boolean": "BOOLEAN",
}


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def load_into_mariadb(sqlite_path: str | Path, url: str) -> dict:
    """Copy every table of `sqlite_path` into the database named by the `mysql://` `url`.

    Returns `{"tables": {name: rows}, "seconds"}`.
    """
    import pymysql

    started = time.perf_counter()
    src = sqlite3.connect(Path(sqlite_path).resolve().as_uri() + "?mode=ro", uri=True)
    counts: dict[str, int] = {}
    try:
        tables = _dependency_order(_read_tables(src))
        conn = pymysql.connect(**{**connect_args(url), "autocommit": True})
        try:
            with conn.cursor() as cur:
                cur.execute("SET FOREIGN_KEY_CHECKS = 0")
                for table in reversed(tables):
                    cur.execute(f"DROP TABLE IF EXISTS {_q(table.name)}")
                for table in tables:
                    keyed = set(table.primary_key)
                    for fk in table.foreign_keys:
                        keyed |= set(fk.columns)
                    for index in table.indexes:
                        keyed |= set(index.columns)
                    columns = []
                    for column in table.columns:
                        kind = _TYPES.get(column.pg_type, "TEXT")
                        if kind == "TEXT" and column.name in keyed:
                            kind = "VARCHAR(191)"
                        null = " NOT NULL" if column.not_null or column.pk_position else ""
                        columns.append(f"{_q(column.name)} {kind}{null}")
                    if table.primary_key:
                        columns.append(f"PRIMARY KEY ({', '.join(map(_q, table.primary_key))})")
                    cur.execute(
                        f"CREATE TABLE {_q(table.name)} ({', '.join(columns)}) "
                        "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
                    )
                    names = [c.name for c in table.columns]
                    marks = ", ".join(["%s"] * len(names))
                    insert = (
                        f"INSERT INTO {_q(table.name)} ({', '.join(map(_q, names))}) "
                        f"VALUES ({marks})"
                    )
                    select = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
                    rows = src.execute(f'SELECT {select} FROM "{table.name}"')
                    counts[table.name] = 0
                    while batch := rows.fetchmany(_BATCH):
                        cur.executemany(insert, batch)
                        counts[table.name] += len(batch)
                for table in tables:
                    for number, fk in enumerate(table.foreign_keys, 1):
                        cur.execute(
                            f"ALTER TABLE {_q(table.name)} ADD CONSTRAINT "
                            f"{_q(f'fk_{table.name}_{number}'[:64])} FOREIGN KEY "
                            f"({', '.join(map(_q, fk.columns))}) REFERENCES "
                            f"{_q(fk.ref_table)} ({', '.join(map(_q, fk.ref_columns))})"
                        )
                    for index in table.indexes:
                        unique = "UNIQUE " if index.unique else ""
                        cur.execute(
                            f"CREATE {unique}INDEX {_q(index.name[:64])} ON {_q(table.name)} "
                            f"({', '.join(map(_q, index.columns))})"
                        )
                cur.execute("SET FOREIGN_KEY_CHECKS = 1")
        finally:
            conn.close()
    finally:
        src.close()
    return {"tables": counts, "seconds": round(time.perf_counter() - started, 3)}
