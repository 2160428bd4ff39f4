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


@dataclass(frozen=True)
class ForeignKeyInfo:
    table: str
    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[ColumnInfo, ...]
    description: str = ""
    synonyms: tuple[str, ...] = ()
    # Personal data, pay, banking or identity documents: kept from viewers and analysts by the
    # default policies (`engine.pii.table_sensitive`, or a steward's choice).
    sensitive: bool = False

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


@dataclass(frozen=True)
class CatalogSnapshot:
    dialect: str  # "sqlite" or "postgres"
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
