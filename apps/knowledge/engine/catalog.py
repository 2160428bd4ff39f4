"""Plain-data view of a data source's schema catalog.

The catalog is introspected into models (apps.knowledge.models) and handed to the pure engines
(the offline NL2SQL engine, the SQL guard, retrieval) as these frozen dataclasses, so the engines
never touch the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.governance.engine.policy import CatalogFlags


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str  # declared type, upper-cased: INTEGER, TEXT, REAL, DATE, NUMERIC, ...
    primary_key: bool = False
    pii: bool = False
    description: str = ""
    synonyms: tuple[str, ...] = ()
    # Distinct values of a low-cardinality text column (None when not indexed).
    values: tuple[str, ...] | None = None
    currency: str = ""  # ISO 4217 code of a money column, as documented ("" when unknown)
    unit: str = ""  # the unit of a measure ("km²", "kg"), as documented
    # Other words for some of the values: ((value, (synonym, …)), …), a steward's.
    value_synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Set only in a caller's catalog (`apps.chat.semantic_cache.caller_catalog`): their policy
    # masks the column or does not allow its table, so a reading must not add it unasked.
    hidden: bool = False

    @property
    def unit_label(self) -> str:
        """What a value of this column is counted in, shown after it ("EUR", "km²") or ""."""
        return self.currency or self.unit


@dataclass(frozen=True)
class ForeignKeyInfo:
    table: str
    column: str
    ref_table: str
    ref_column: str
    # From `table` to `ref_table`: many_to_one (a foreign key), one_to_one, one_to_many, …
    cardinality: str = "many_to_one"


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[ColumnInfo, ...]
    description: str = ""
    synonyms: tuple[str, ...] = ()
    # Personal data, pay, banking or identity documents: kept from viewers and analysts by the
    # default policies (`engine.pii.table_sensitive`, or a steward's choice).
    sensitive: bool = False
    label_column: str = ""  # the column that names a row, as a steward chose it

    def column(self, name: str) -> ColumnInfo | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None


@dataclass(frozen=True)
class MetricDef:
    """A named business metric: `expression` is SQL over `table` (and joined tables via FKs)."""

    name: str
    expression: str
    table: str
    synonyms: tuple[str, ...] = ()
    description: str = ""
    filters: tuple[str, ...] = ()  # SQL conditions every counted row meets
    format: str = ""  # "number", "integer", "money", "percent", "ratio" or "" (inferred)
    unit: str = ""  # shown after the value (a currency code or a unit); "" → the column's


@dataclass(frozen=True)
class CatalogSnapshot:
    dialect: str  # a registered engine kind (governance.engine.dialects)
    tables: tuple[TableInfo, ...]
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()
    metrics: tuple[MetricDef, ...] = field(default=())

    def table(self, name: str) -> TableInfo | None:
        for table in self.tables:
            if table.name == name:
                return table
        return None

    def policy_flags(self) -> CatalogFlags:
        """Tables, personal columns and sensitive tables: what the policy rules resolve against
        (`governance.services.policy_resolve(catalog=...)`)."""
        return CatalogFlags(
            tables=frozenset(t.name for t in self.tables),
            personal=frozenset((t.name, c.name) for t in self.tables for c in t.columns if c.pii),
            sensitive=frozenset(t.name for t in self.tables if t.sensitive),
        )

    def schema_mapping(self) -> dict[str, dict[str, str]]:
        """{table: {column: type}}: the shape sqlglot's qualifier and the guard expect."""
        return {t.name: {c.name: c.type or "TEXT" for c in t.columns} for t in self.tables}


def with_synonym(
    catalog: CatalogSnapshot,
    *,
    word: str,
    target: str,
    table: str,
    column: str = "",
    value: str = "",
) -> CatalogSnapshot:
    """The catalog as it would read with `word` added as a synonym of a table, a column or a
    column's value (`target`): the preview of a steward's fix, nothing saved."""
    from dataclasses import replace

    def column_with(col: ColumnInfo) -> ColumnInfo:
        if col.name != column:
            return col
        if target == "column":
            return replace(col, synonyms=(*col.synonyms, word))
        given = dict(col.value_synonyms)
        given[value] = (*given.get(value, ()), word)
        return replace(col, value_synonyms=tuple(sorted(given.items())))

    tables = []
    for info in catalog.tables:
        if info.name == table:
            if target == "table":
                info = replace(info, synonyms=(*info.synonyms, word))
            else:
                info = replace(info, columns=tuple(column_with(c) for c in info.columns))
        tables.append(info)
    return replace(catalog, tables=tuple(tables))
