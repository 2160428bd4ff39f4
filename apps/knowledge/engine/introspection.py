"""Read a data source's schema (tables, columns, keys, low-cardinality values) as plain data.

The engine-specific catalog queries live in each engine's `Dialect` adapter
(`governance/engine/dialects/`, `catalog_reader`); this module turns what they read into
`TableInfo`s: personal data by name and by value shape, low-cardinality values. Connections are
read-only (SQLite mode=ro, PostgreSQL and MariaDB in a READ ONLY transaction), and only the
adapters' own catalog queries run through them.
"""

from __future__ import annotations

from pathlib import Path

from apps.governance.engine.dialects import Dialect, SourceConnection, get_dialect
from apps.knowledge.engine import pii
from apps.knowledge.engine.catalog import ColumnInfo, ForeignKeyInfo, TableInfo

# A text column gets a value index (Norte, Online, …, and names of entities: people, products,
# cities, titles) so its values can be filters: up to this many distinct values, when none is
# longer than ENTITY_VALUE_CHARS (longer values are free text: notes, descriptions, addresses).
# Personal columns are never indexed.
MAX_INDEXED_VALUES = 2000
ENTITY_VALUE_CHARS = 60
# Values of a text column read to recognise personal data by its shape (e-mail, phone, …).
PII_SAMPLE_ROWS = 100
TEXT_TYPES = ("TEXT", "CHAR", "VARCHAR", "CHARACTER", "CLOB", "STRING")


def looks_pii(column: str, table: str = "") -> bool:
    """Personal data by the column's name (see `engine.pii`); a bare `name` needs the table."""
    return pii.name_is_pii(table, column)


def _table(name: str, columns: list[ColumnInfo]) -> TableInfo:
    flags = [pii.ColumnFlag(c.name, c.pii, c.primary_key) for c in columns]
    return TableInfo(name=name, columns=tuple(columns), sensitive=pii.table_sensitive(name, flags))


def _written_flag(found: list) -> bool:
    """A BOOL column's values are a written yes/no ('T'/'F', 'Y', 'true', 1): at most two
    short ones. Anything else SQLite let in (e-mails, names) is not sampled for personal data
    as text is, so it is not indexed."""
    return len(found) <= 2 and all(v is None or len(str(v)) <= 5 for v in found)


def _is_text(declared: str) -> bool:
    upper = (declared or "TEXT").upper()
    return any(t in upper for t in TEXT_TYPES)


def introspect(
    dialect: str | Dialect, source: SourceConnection, *, timeout_s: float | None = None
) -> tuple[list[TableInfo], list[ForeignKeyInfo], dict]:
    """Tables (views too), foreign keys and row counts of any engine's source, read through its
    adapter's `catalog_reader` (a read-only connection; `UnknownDialect` for an unknown kind).

    A text column that is not a key and not personal by name is sampled for personal values
    (e-mails, phones, …, and people's names in a column named after a person's role or deed:
    `Player`, `Directed_by`); a text column that is not personal gets its distinct values when it
    has at most MAX_INDEXED_VALUES of them and none is free text (see `indexable`). With
    `timeout_s`, reading stops at that deadline with the driver's error: a view is its author's
    SQL, and one in an uploaded file can be made never to finish.
    """
    engine = get_dialect(dialect)
    with engine.catalog_reader(source, timeout_s=timeout_s) as reader:
        # What the engine keeps about a column besides its type (DuckDB: a spreadsheet's
        # original header, its unit or currency); adapters without it have no `column_notes`.
        notes = getattr(reader, "column_notes", dict)()
        tables: list[TableInfo] = []
        counts: dict[str, int] = {}
        for name, described in reader.tables():
            columns = []
            for col, declared, normalised, pk in described:
                values = None
                note = notes.get((name, col), {})
                personal = looks_pii(col, name) or (
                    bool(note.get("description")) and looks_pii(note["description"], name)
                )
                text = _is_text(declared)
                if text and not personal and not pk:
                    sample = reader.values(name, col, PII_SAMPLE_ROWS, distinct=False)
                    personal = bool(pii.values_pii_kind(sample)) or pii.names_people(
                        col, sample, table=name, columns=[c for c, *_ in described]
                    )
                # A column declared BOOL holds what was written in it where the engine does not
                # check (SQLite: 'T'/'F', 'Y'/'N'): its values say how its yes is written.
                if (text or "BOOL" in (declared or "").upper()) and not personal:
                    found = reader.values(name, col, MAX_INDEXED_VALUES + 1, distinct=True)
                    values = indexable([str(v) for v in found])
                    if not text and not _written_flag(found):
                        values = None  # a BOOL column holding other text: never indexed
                columns.append(
                    ColumnInfo(
                        name=col,
                        type=normalised,
                        primary_key=pk,
                        pii=personal,
                        values=values,
                        description=note.get("description", ""),
                        currency=note.get("currency", ""),
                        unit=note.get("unit", ""),
                    )
                )
            tables.append(_table(name, columns))
            counts[name] = reader.count(name)
        fks = [ForeignKeyInfo(*row) for row in reader.foreign_keys()]
    return tables, fks, counts


def indexable(found: list[str]) -> tuple[str, ...] | None:
    """The distinct values to index of a text column (categories, and entities' names up to
    MAX_INDEXED_VALUES), or None when there are more or one of them is free text (a note, a
    description: longer than ENTITY_VALUE_CHARS)."""
    if len(found) > MAX_INDEXED_VALUES or any(len(v) > ENTITY_VALUE_CHARS for v in found):
        return None
    return tuple(sorted(found))


def introspect_sqlite(path: str | Path) -> tuple[list[TableInfo], list[ForeignKeyInfo], dict]:
    """Tables, foreign keys and row counts of a SQLite file (opened read-only)."""
    return introspect("sqlite", SourceConnection(dialect="sqlite", sqlite_path=str(path)))
