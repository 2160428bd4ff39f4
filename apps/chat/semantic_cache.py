"""The offline engine's semantic model per data source, memoised per catalog version (and per
set of columns whose values the caller's policy hides)."""

from __future__ import annotations

import dataclasses
import logging
import threading

import sqlglot

from apps.chat.engine.offline import build_semantic_model
from apps.governance.engine.policy import DataPolicy
from apps.knowledge.engine.catalog import CatalogSnapshot
from apps.knowledge.models import DataSource

logger = logging.getLogger(__name__)

_models: dict[tuple, object] = {}
_lock = threading.Lock()


def semantic_model_for(  # noqa: ANN201
    source: DataSource, catalog: CatalogSnapshot, policy: DataPolicy | None = None
):
    """Compile (once per schema and knowledge version) the source's semantic model, over the
    catalog as the caller's `policy` lets them use it (`caller_catalog`)."""
    key, caller = _caller_view(source, catalog, policy)
    model = _models.get(("model", *key))
    if model is None:
        model = build_semantic_model(caller)
        _remember(("model", *key), model)
    return model


def caller_catalog(
    source: DataSource, catalog: CatalogSnapshot, policy: DataPolicy | None
) -> CatalogSnapshot:
    """The catalog whose value index holds only what the caller may learn from it: no values of
    the columns their policy masks or of the tables it does not allow, and for a table it filters
    by row only the values found in the rows they see. A question naming a hidden value is then
    read as naming nothing known (as a made-up word is), never as a filter whose refusal
    (`column_masked`, `table_not_allowed`) or empty answer ("0 customers in Sevilla") would
    confirm the value exists. The offline engine and the LLM prompt's VALUES both read it."""
    return _caller_view(source, catalog, policy)[1]


def _caller_view(
    source: DataSource, catalog: CatalogSnapshot, policy: DataPolicy | None
) -> tuple[tuple, CatalogSnapshot]:
    hidden = tuple(sorted(_hidden_columns(catalog, policy))) if policy is not None else ()
    filtered = _row_filtered_columns(catalog, policy, set(hidden)) if policy is not None else []
    key = (
        *source.memo_key(),
        source.organization.knowledge_version,
        hidden,
        policy.fingerprint() if filtered else "",
    )
    if not hidden and not filtered:
        return key, catalog
    caller = _models.get(("catalog", *key))
    if caller is None:
        visible = _visible_values(source, catalog, policy, filtered) if filtered else {}
        caller = _without_values(catalog, set(hidden), visible)
        _remember(("catalog", *key), caller)
    return key, caller


def _remember(key: tuple, value: object) -> None:
    with _lock:
        if len(_models) > 128:
            _models.clear()
        _models[key] = value


def _hidden_columns(catalog: CatalogSnapshot, policy: DataPolicy) -> set[tuple[str, str]]:
    hidden = {(t, c) for t, c in policy.masked_columns}
    for table in catalog.tables:
        if table.name not in policy.allowed_tables:
            hidden.update((table.name, column.name) for column in table.columns)
    return hidden


def _row_filtered_columns(
    catalog: CatalogSnapshot, policy: DataPolicy, hidden: set[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The indexed columns of the allowed tables the policy filters by row, but the filter's own
    columns (their values are the policy's: "you see only region Norte" names them)."""
    by_table: dict[str, set[str]] = {}
    for row_filter in policy.row_filters:
        by_table.setdefault(row_filter.table, set()).add(row_filter.column)
    return [
        (table.name, column.name)
        for table in catalog.tables
        if table.name in by_table and table.name in policy.allowed_tables
        for column in table.columns
        if column.values
        and column.name not in by_table[table.name]
        and (table.name, column.name) not in hidden
    ]


def _visible_values(
    source: DataSource,
    catalog: CatalogSnapshot,
    policy: DataPolicy,
    columns: list[tuple[str, str]],
) -> dict[tuple[str, str], frozenset[str]]:
    """The values of `columns` in the rows the policy lets the caller see: one guarded
    `SELECT DISTINCT` each, under the caller's row filters. A column that cannot be read (a
    refusal, a timeout, more values than the index holds) shows none."""
    from apps.governance.engine.errors import SqlRefusal
    from apps.governance.engine.executor import execute
    from apps.governance.engine.guard import guard_sql
    from apps.knowledge.engine.introspection import MAX_INDEXED_VALUES
    from apps.knowledge.query_context import connection_for

    visible: dict[tuple[str, str], frozenset[str]] = {}
    try:
        connection = connection_for(source)
    except SqlRefusal:
        return {column: frozenset() for column in columns}
    for table, column in columns:
        sql = (
            sqlglot.select(sqlglot.exp.column(column))
            .distinct()
            .from_(table)
            .limit(MAX_INDEXED_VALUES + 1)
            .sql(dialect=catalog.dialect)
        )
        try:
            guarded = guard_sql(
                sql, dialect=catalog.dialect, schema=catalog.schema_mapping(), policy=policy
            )
            result = execute(guarded, source=connection)
        except Exception:  # noqa: BLE001 - unreadable: none of its values is offered
            logger.warning("visible values of %s.%s unreadable", table, column, exc_info=True)
            visible[(table, column)] = frozenset()
            continue
        found = {str(row[0]) for row in result.rows if row and row[0] is not None}
        too_many = result.truncated or len(found) > MAX_INDEXED_VALUES
        visible[(table, column)] = frozenset() if too_many else frozenset(found)
    return visible


def _without_values(
    catalog: CatalogSnapshot,
    masked: set[tuple[str, str]],
    visible: dict[tuple[str, str], frozenset[str]] | None = None,
) -> CatalogSnapshot:
    """The catalog without the values of `masked` columns (marked `hidden`: no rule adds them
    unasked), and with only the `visible` values of the columns it names (their steward's
    synonyms for hidden values go too)."""
    visible = visible or {}

    def trimmed(table_name: str, column):  # noqa: ANN001, ANN202
        key = (table_name, column.name)
        if key in masked:
            return dataclasses.replace(column, values=None, value_synonyms=(), hidden=True)
        if key in visible and column.values:
            seen = visible[key]
            return dataclasses.replace(
                column,
                values=tuple(v for v in column.values if v in seen),
                value_synonyms=tuple(p for p in column.value_synonyms if p[0] in seen),
            )
        return column

    tables = tuple(
        dataclasses.replace(table, columns=tuple(trimmed(table.name, c) for c in table.columns))
        for table in catalog.tables
    )
    return dataclasses.replace(catalog, tables=tables)
