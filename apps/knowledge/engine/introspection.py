"""Read a data source's schema (tables, columns, keys, low-cardinality values) as plain data.

Connections here are read-only too: SQLite opened with mode=ro, PostgreSQL in a READ ONLY
transaction. Only catalog queries written in this module run through them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from apps.knowledge.engine import pii
from apps.knowledge.engine.catalog import ColumnInfo, ForeignKeyInfo, TableInfo

# A text column with at most this many distinct values gets a value index (Norte, Online, …).
MAX_DISTINCT_VALUES = 50
# Values of a text column read to recognise personal data by its shape (e-mail, phone, …).
PII_SAMPLE_ROWS = 100
TEXT_TYPES = ("TEXT", "CHAR", "VARCHAR", "CHARACTER", "CLOB", "STRING")


def looks_pii(column: str, table: str = "") -> bool:
    """Personal data by the column's name (see `engine.pii`); a bare `name` needs the table."""
    return pii.name_is_pii(table, column)


def _table(name: str, columns: list[ColumnInfo]) -> TableInfo:
    flags = [pii.ColumnFlag(c.name, c.pii, c.primary_key) for c in columns]
    return TableInfo(name=name, columns=tuple(columns), sensitive=pii.table_sensitive(name, flags))


def _is_text(declared: str) -> bool:
    upper = (declared or "TEXT").upper()
    return any(t in upper for t in TEXT_TYPES)


def sqlite_readonly_uri(path: str | Path) -> str:
    return f"file:{quote(str(path))}?mode=ro"


def introspect_sqlite(path: str | Path) -> tuple[list[TableInfo], list[ForeignKeyInfo], dict]:
    """Tables, foreign keys and row counts of a SQLite file (opened read-only)."""
    conn = sqlite3.connect(sqlite_readonly_uri(path), uri=True)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables: list[TableInfo] = []
        fks: list[ForeignKeyInfo] = []
        counts: dict[str, int] = {}
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            cols = conn.execute(f"PRAGMA table_info({quoted})").fetchall()
            columns = []
            for _cid, col, declared, _notnull, _default, pk in cols:
                values = None
                personal = looks_pii(col, name)
                if _is_text(declared) and not personal and not pk:
                    personal = bool(pii.values_pii_kind(_sample_sqlite(conn, quoted, col)))
                if _is_text(declared) and not personal:
                    values = _distinct_sqlite(conn, quoted, col)
                columns.append(
                    ColumnInfo(
                        name=col,
                        type=(declared or "TEXT").upper(),
                        primary_key=bool(pk),
                        pii=personal,
                        values=values,
                    )
                )
            tables.append(_table(name, columns))
            for row in conn.execute(f"PRAGMA foreign_key_list({quoted})"):
                fks.append(
                    ForeignKeyInfo(table=name, column=row[3], ref_table=row[2], ref_column=row[4])
                )
            counts[name] = conn.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0]
        return tables, fks, counts
    finally:
        conn.close()


def _sample_sqlite(conn: sqlite3.Connection, quoted_table: str, column: str) -> list:
    quoted_col = '"' + column.replace('"', '""') + '"'
    rows = conn.execute(
        f"SELECT {quoted_col} FROM {quoted_table} WHERE {quoted_col} IS NOT NULL "
        f"LIMIT {PII_SAMPLE_ROWS}"
    ).fetchall()
    return [r[0] for r in rows]


def _distinct_sqlite(conn: sqlite3.Connection, quoted_table: str, column: str) -> tuple | None:
    quoted_col = '"' + column.replace('"', '""') + '"'
    rows = conn.execute(
        f"SELECT {quoted_col} FROM {quoted_table} WHERE {quoted_col} IS NOT NULL "
        f"GROUP BY {quoted_col} LIMIT {MAX_DISTINCT_VALUES + 1}"
    ).fetchall()
    if len(rows) > MAX_DISTINCT_VALUES:
        return None
    return tuple(sorted(str(r[0]) for r in rows))


def introspect_postgres(
    dsn: str, *, schema: str = "public"
) -> tuple[list[TableInfo], list[ForeignKeyInfo], dict]:
    """The same from PostgreSQL's information_schema, inside a READ ONLY transaction."""
    import psycopg
    from psycopg import sql as pgsql

    with psycopg.connect(dsn, connect_timeout=5) as conn:
        conn.read_only = True
        with conn.cursor() as cur:
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
            cur.execute(
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
                (schema,),
            )
            fks = [ForeignKeyInfo(*row) for row in cur.fetchall()]
            tables, counts = [], {}
            for name in names:
                cur.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                    (schema, name),
                )
                columns = []
                for col, declared in cur.fetchall():
                    values = None
                    personal = looks_pii(col, name)
                    if _is_text(declared) and not personal and (name, col) not in pks:
                        cur.execute(
                            pgsql.SQL(
                                "SELECT {c} FROM {s}.{t} WHERE {c} IS NOT NULL LIMIT %s"
                            ).format(
                                c=pgsql.Identifier(col),
                                s=pgsql.Identifier(schema),
                                t=pgsql.Identifier(name),
                            ),
                            (PII_SAMPLE_ROWS,),
                        )
                        personal = bool(pii.values_pii_kind(r[0] for r in cur.fetchall()))
                    if _is_text(declared) and not personal:
                        cur.execute(
                            pgsql.SQL(
                                "SELECT {c} FROM {s}.{t} WHERE {c} IS NOT NULL "
                                "GROUP BY {c} LIMIT %s"
                            ).format(
                                c=pgsql.Identifier(col),
                                s=pgsql.Identifier(schema),
                                t=pgsql.Identifier(name),
                            ),
                            (MAX_DISTINCT_VALUES + 1,),
                        )
                        found = [str(r[0]) for r in cur.fetchall()]
                        values = tuple(sorted(found)) if len(found) <= MAX_DISTINCT_VALUES else None
                    columns.append(
                        ColumnInfo(
                            name=col,
                            type=_pg_type(declared),
                            primary_key=(name, col) in pks,
                            pii=personal,
                            values=values,
                        )
                    )
                tables.append(_table(name, columns))
                cur.execute(
                    pgsql.SQL("SELECT COUNT(*) FROM {s}.{t}").format(
                        s=pgsql.Identifier(schema), t=pgsql.Identifier(name)
                    )
                )
                counts[name] = cur.fetchone()[0]
        conn.rollback()
    return tables, fks, counts


def introspect_duckdb(path: str | Path) -> tuple[list[TableInfo], list[ForeignKeyInfo], dict]:
    """Tables and row counts of a DuckDB file (an org's spreadsheets), opened read-only with the
    executor's own settings. Column descriptions, units and currencies come from ingestion (the
    original header, a `%` or a currency symbol); spreadsheets declare no foreign keys."""
    from apps.governance.engine import duckdb as duckdb_adapter

    conn = duckdb_adapter.connect(str(path))
    try:
        meta = duckdb_adapter.column_meta(conn)
        tables: list[TableInfo] = []
        counts: dict[str, int] = {}
        for name in duckdb_adapter.list_tables(conn):
            quoted = '"' + name.replace('"', '""') + '"'
            columns = []
            for col, declared, comment in duckdb_adapter.list_columns(conn, name):
                info = meta.get((name, col), {})
                declared_type = _duckdb_type(declared)
                text = declared_type == "TEXT"
                personal = looks_pii(col, name) or looks_pii(info.get("header", ""), name)
                if text and not personal:
                    personal = bool(pii.values_pii_kind(_sample_sqlite(conn, quoted, col)))
                values = _distinct_sqlite(conn, quoted, col) if text and not personal else None
                columns.append(
                    ColumnInfo(
                        name=col,
                        type=declared_type,
                        pii=personal,
                        values=values,
                        description=comment or info.get("header", ""),
                        currency=info.get("currency", ""),
                        unit=info.get("unit", ""),
                    )
                )
            tables.append(_table(name, columns))
            counts[name] = conn.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0]
        return tables, [], counts
    finally:
        conn.close()


def _duckdb_type(declared: str) -> str:
    upper = (declared or "VARCHAR").upper()
    if upper in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"):
        return "INTEGER"
    if upper in ("DOUBLE", "FLOAT", "REAL") or upper.startswith("DECIMAL"):
        return "REAL"
    if upper == "VARCHAR" or upper.startswith("VARCHAR"):
        return "TEXT"
    if upper.startswith("TIMESTAMP"):
        return "TIMESTAMP"
    return upper


def _pg_type(declared: str) -> str:
    mapping = {
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
    return mapping.get(declared.lower(), declared.upper())
