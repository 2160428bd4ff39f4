"""The offline engine's semantic model per data source, memoised per catalog version (and per
set of columns whose values the caller's policy hides)."""

from __future__ import annotations

import dataclasses
import threading

from apps.chat.engine.offline import build_semantic_model
from apps.governance.engine.policy import DataPolicy
from apps.knowledge.engine.catalog import CatalogSnapshot
from apps.knowledge.models import DataSource

_models: dict[tuple, object] = {}
_lock = threading.Lock()


def semantic_model_for(  # noqa: ANN201
    source: DataSource, catalog: CatalogSnapshot, policy: DataPolicy | None = None
):
    """Compile (once per schema and knowledge version) the source's semantic model.

    With the caller's `policy`, the values of the columns it masks and of the tables it may not
    read are left out of the model's value index: a question naming one is read as naming
    nothing known (as a made-up word is), never as a filter on that column, whose refusal
    (`column_masked`, `table_not_allowed`) would confirm the value exists there."""
    hidden = tuple(sorted(_hidden_columns(catalog, policy))) if policy is not None else ()
    key = (*source.memo_key(), source.organization.knowledge_version, hidden)
    model = _models.get(key)
    if model is None:
        model = build_semantic_model(_without_values(catalog, set(hidden)) if hidden else catalog)
        with _lock:
            if len(_models) > 64:
                _models.clear()
            _models[key] = model
    return model


def _hidden_columns(catalog: CatalogSnapshot, policy: DataPolicy) -> set[tuple[str, str]]:
    hidden = {(t, c) for t, c in policy.masked_columns}
    for table in catalog.tables:
        if table.name not in policy.allowed_tables:
            hidden.update((table.name, column.name) for column in table.columns if column.values)
    return hidden


def _without_values(catalog: CatalogSnapshot, masked: set[tuple[str, str]]) -> CatalogSnapshot:
    tables = tuple(
        dataclasses.replace(
            table,
            columns=tuple(
                dataclasses.replace(column, values=None, value_synonyms=())
                if (table.name, column.name) in masked
                else column
                for column in table.columns
            ),
        )
        for table in catalog.tables
    )
    return dataclasses.replace(catalog, tables=tables)
