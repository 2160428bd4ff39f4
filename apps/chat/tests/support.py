"""Test helpers for the offline engine: build the demo DB, introspect it into a CatalogSnapshot,
run SQL, and emulate the row-level filter the guard injects (for the `visor` cases).

The introspection here is deliberately small (PRAGMAs + the demo content's synonyms and metrics);
the product's own introspection lives in apps.knowledge.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlglot
from sqlglot import exp

from apps.knowledge.engine.catalog import (
    CatalogSnapshot,
    ColumnInfo,
    ForeignKeyInfo,
    MetricDef,
    TableInfo,
)

DATA_DIR = Path(__file__).parent / "data"
MAX_VALUES = 50

# What the demo users may see (docs/demo-data.md), as the guard would enforce it.
DEMO_POLICIES = {
    "analista": {"denied": {"empleados"}, "row_filters": {}},
    "visor": {
        "denied": {"clientes", "empleados"},
        "row_filters": {"ventas": ("region", ("Norte",))},
    },
    "admin": {"denied": set(), "row_filters": {}},
}


def load_cases(name: str = "eval_nl2sql.jsonl") -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def build_demo_db(path: Path, *, rows: int = 20_000, seed: int = 42) -> Path:
    from apps.knowledge.demo.generate import generate_empresa

    generate_empresa(path, rows=rows, seed=seed)
    return path


def demo_content(org: str = "acme"):  # noqa: ANN201
    """The seed's knowledge for `org` (synonyms, descriptions, metrics), or None if absent."""
    try:
        from apps.knowledge.demo import content
    except ImportError:  # the content module is optional for pure engine tests
        return None
    return content.acme_content() if org == "acme" else content.globex_content()


def introspect_sqlite(path: Path, *, content=None) -> CatalogSnapshot:  # noqa: ANN001
    """A CatalogSnapshot of a SQLite file: tables, columns, FKs, low-cardinality text values,
    plus, with `content`, the demo knowledge's descriptions, synonyms, PII flags and metrics."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables, fks = [], []
        for table in names:
            columns = []
            for _cid, name, declared, _notnull, _default, pk in conn.execute(
                f'PRAGMA table_info("{table}")'
            ):
                meta = content.column(table, name) if content else None
                values = _values(conn, table, name, declared, meta)
                columns.append(
                    ColumnInfo(
                        name=name,
                        type=(declared or "TEXT").upper(),
                        primary_key=bool(pk),
                        pii=bool(meta and meta.pii),
                        description=meta.description if meta else "",
                        synonyms=meta.synonyms if meta else (),
                        values=values,
                        currency=meta.unit if meta else "",  # the demo's one unit is USD
                    )
                )
            table_meta = (
                next((t for t in content.table_meta if t.name == table), None) if content else None
            )
            tables.append(
                TableInfo(
                    name=table,
                    columns=tuple(columns),
                    description=table_meta.description if table_meta else "",
                    synonyms=table_meta.synonyms if table_meta else (),
                )
            )
            for row in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
                fks.append(ForeignKeyInfo(table, row[3], row[2], row[4]))
        metrics: tuple[MetricDef, ...] = ()
        if content:
            metrics = tuple(m.as_metric_def() for m in content.metrics)
        return CatalogSnapshot("sqlite", tuple(tables), tuple(fks), metrics)
    finally:
        conn.close()


def _values(conn: sqlite3.Connection, table: str, column: str, declared: str, meta) -> tuple | None:  # noqa: ANN001
    if "TEXT" not in (declared or "TEXT").upper() or (meta is not None and meta.pii):
        return None
    rows = conn.execute(
        f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL '
        f"LIMIT {MAX_VALUES + 1}"
    ).fetchall()
    total = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
    if not rows or len(rows) > MAX_VALUES or len(rows) > max(total // 2, 12):
        return None
    return tuple(sorted(str(r[0]) for r in rows))


def date_bounds(path: Path, catalog: CatalogSnapshot) -> dict[tuple[str, str], tuple[str, str]]:
    """(min, max) of every DATE column: what a caller may pass to build_semantic_model."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        bounds = {}
        for table in catalog.tables:
            for col in table.columns:
                if "DATE" in col.type:
                    low, high = conn.execute(
                        f'SELECT MIN("{col.name}"), MAX("{col.name}") FROM "{table.name}"'
                    ).fetchone()
                    if low and high:
                        bounds[(table.name, col.name)] = (low, high)
        return bounds
    finally:
        conn.close()


def with_row_filters(sql: str, filters: dict[str, tuple[str, tuple]]) -> str:
    """Emulate the guard's row-level rewrite: every reference to a filtered table reads a
    filtered subquery instead (good enough for the demo's single-level queries)."""
    if not filters:
        return sql
    tree = sqlglot.parse_one(sql, read="sqlite")

    def swap(node: exp.Expression) -> exp.Expression:
        if (
            isinstance(node, exp.Table)
            and node.name in filters
            and not isinstance(node.parent, exp.Subquery)
        ):
            column, values = filters[node.name]
            inner = sqlglot.parse_one(
                f"SELECT * FROM {node.name} WHERE {column} IN ("
                + ", ".join(f"'{v}'" for v in values)
                + ")",
                read="sqlite",
            )
            return exp.Subquery(
                this=inner, alias=exp.TableAlias(this=exp.to_identifier(node.alias_or_name))
            )
        return node

    return tree.transform(swap).sql(dialect="sqlite")


def tables_of(sql: str) -> set[str]:
    return {t.name for t in sqlglot.parse_one(sql, read="sqlite").find_all(exp.Table)}


def engine_model(path: Path):  # noqa: ANN201
    """The offline engine's model of a test's own small SQLite database, read by the product's
    introspection (tables, columns, values, foreign keys) as a data source would be."""
    from apps.chat.engine.offline import build_semantic_model
    from apps.knowledge.engine import introspection

    tables, fks, _counts = introspection.introspect_sqlite(path)
    return build_semantic_model(CatalogSnapshot("sqlite", tuple(tables), tuple(fks)))


def layered_catalog(path: Path, tables: dict, metrics: tuple = ()) -> CatalogSnapshot:
    """A test database's catalog as introspected, with a steward's semantic layer on it:
    `tables` maps a table to {"synonyms": (...), "columns": {column: (synonyms...)}}."""
    from dataclasses import replace

    from apps.knowledge.engine import introspection

    infos, fks, _counts = introspection.introspect_sqlite(path)
    laid = []
    for info in infos:
        spec = tables.get(info.name, {})
        columns = spec.get("columns", {})
        laid.append(
            replace(
                info,
                synonyms=tuple(spec.get("synonyms", ())),
                columns=tuple(
                    replace(c, synonyms=tuple(columns.get(c.name, ()))) for c in info.columns
                ),
            )
        )
    return CatalogSnapshot("sqlite", tuple(laid), tuple(fks), metrics=metrics)


def engine_database(path: Path, script: str, rows: dict[str, list[tuple]]):  # noqa: ANN201
    """A test's own small SQLite database (its DDL, then each table's rows) → the engine's model
    of it and a read-only connection to check answers against."""
    conn = sqlite3.connect(path)
    conn.executescript(script)
    for table, values in rows.items():
        marks = ", ".join("?" * len(values[0]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)  # noqa: S608
    conn.commit()
    conn.close()
    return engine_model(path), sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@contextmanager
def engine_databases(
    folders,  # noqa: ANN001
    name: str,
    schemas: dict[str, str],
    rows: dict[str, dict[str, list[tuple]]],
) -> Iterator[dict]:
    """One test database per language (`engine_database` of `schemas[lang]` and `rows[lang]`,
    in a folder of `folders`, pytest's `tmp_path_factory`): lang -> (model, connection), the
    connections closed at the end. A module fixture yields it from within the `with`."""
    made = {
        lang: engine_database(folders.mktemp(lang) / name, schemas[lang], tables)
        for lang, tables in rows.items()
    }
    try:
        yield made
    finally:
        for _model, conn in made.values():
            conn.close()


def engine_answer(databases: dict, lang: str, question: str):  # noqa: ANN201
    """The engine's reading of `question` on the language's database (`engine_databases`), and
    the rows its SQL returns, sorted."""
    model, conn = databases[lang]
    result = engine_reads(model, question)
    return result, sorted(conn.execute(result.sql).fetchall())


def engine_clarify(databases: dict, lang: str, question: str) -> str:
    """What the engine asks back on the language's database (`engine_databases`)."""
    model, _conn = databases[lang]
    return engine_asks(model, question).clarify


def engine_reads(model, question: str):  # noqa: ANN001, ANN201
    """The engine's reading of a question it must answer with SQL (the assertion says what it
    asked back instead)."""
    from apps.chat.engine.offline import interpret

    result = interpret(question, model)
    assert result.route == "SQL", (question, result.clarify, result.notes)
    return result


def engine_asks(model, question: str):  # noqa: ANN001, ANN201
    """The engine's reading of a question it must ask back (the assertion shows the SQL it
    wrote instead)."""
    from apps.chat.engine.offline import interpret

    result = interpret(question, model)
    assert result.route == "CLARIFY", (question, result.sql)
    return result


def engine_rows(database, question: str) -> list:  # noqa: ANN001
    """The rows the engine's SQL for `question` returns on a test's own database (`database`
    is the (model, connection) pair `engine_database` gives)."""
    model, conn = database
    return conn.execute(engine_reads(model, question).sql).fetchall()
