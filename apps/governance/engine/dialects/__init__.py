"""The database engines DataChat can query, one `Dialect` adapter each (see `base.py`).

    get_dialect("postgresql")  # -> the PostgreSQL adapter (aliases normalised here, once)
    get_dialect("oracle")      # -> UnknownDialect: "unknown database engine 'oracle' (…)"

Adding an engine: write `<engine>.py` with a `Dialect` subclass (the interface is documented in
`base.py`), `register()` it below, add its `DataSource.Kind` (a migration) and its location rule
in `knowledge/locations.py`. docs/architecture.md ("How to add a database engine") lists the rest.
"""

from __future__ import annotations

from .base import (
    CatalogReader,
    ConnectionFailed,
    Dialect,
    OpenQuery,
    SourceConnection,
    UnknownDialect,
    json_value,
)

_REGISTRY: dict[str, Dialect] = {}


def register(dialect: Dialect) -> Dialect:
    """Make `dialect` reachable under its kind and aliases (the last registration wins)."""
    if not dialect.kind or not dialect.sqlglot_name:
        raise ValueError("a dialect needs a kind and a sqlglot name")
    for name in (dialect.kind, *dialect.aliases):
        _REGISTRY[name.lower()] = dialect
    return dialect


def get_dialect(kind: str | Dialect) -> Dialect:
    """The adapter for a `DataSource.Kind` value or alias; `UnknownDialect` for anything else."""
    if isinstance(kind, Dialect):
        return kind
    found = _REGISTRY.get(str(kind or "").strip().lower())
    if found is None:
        known = ", ".join(sorted({d.kind for d in _REGISTRY.values()}))
        raise UnknownDialect(f"unknown database engine {kind!r} (known: {known})")
    return found


def kind_for_url(url: str) -> Dialect:
    """The server engine whose location URLs use `url`'s scheme (`postgresql://`, `mysql://`, …);
    `UnknownDialect` for a URL without a scheme or with one no engine claims."""
    scheme = url.split("://", 1)[0].strip().lower() if "://" in url else ""
    for dialect in registered():
        if scheme and scheme in dialect.url_schemes:
            return dialect
    known = ", ".join(f"{d.url_schemes[0]}://" for d in registered() if d.url_schemes)
    raise UnknownDialect(f"no database engine takes {scheme or 'this'} URLs (known: {known})")


def normalise_kind(kind: str) -> str:
    """The one spelling of an engine's kind ("postgresql" → "postgres"); raises if unknown."""
    return get_dialect(kind).kind


def registered() -> tuple[Dialect, ...]:
    """Every registered engine, once each, in registration order."""
    return tuple(dict.fromkeys(_REGISTRY.values()))


def _register_builtins() -> None:
    from .duckdb import DuckDBDialect
    from .mariadb import MariaDBDialect
    from .postgres import PostgresDialect
    from .sqlite import SqliteDialect

    for cls in (SqliteDialect, PostgresDialect, MariaDBDialect, DuckDBDialect):
        register(cls())


_register_builtins()

__all__ = [
    "CatalogReader",
    "ConnectionFailed",
    "Dialect",
    "OpenQuery",
    "SourceConnection",
    "UnknownDialect",
    "get_dialect",
    "json_value",
    "kind_for_url",
    "normalise_kind",
    "register",
    "registered",
]
