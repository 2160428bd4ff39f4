"""The offline engine's semantic model per data source, memoised per catalog version (and per
set of columns the caller's policy masks)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Collection

from apps.chat.engine.offline import build_semantic_model
from apps.knowledge.engine.catalog import CatalogSnapshot
from apps.knowledge.models import DataSource

_models: dict[tuple, object] = {}
_lock = threading.Lock()


def semantic_model_for(  # noqa: ANN201
    source: DataSource, catalog: CatalogSnapshot, masked: Collection[tuple[str, str]] = ()
):
    """Compile (once per schema and knowledge version) the source's semantic model.

    `masked` are the (table, column) pairs the caller's policy masks: their values are left out
    of the model's value index, so a question naming one is read as naming nothing known (as a
    made-up word is), never as a filter on the masked column, whose refusal would confirm the
    value exists there."""
    hidden = tuple(sorted({(t, c) for t, c in masked}))
    key = (*source.memo_key(), source.organization.knowledge_version, hidden)
    model = _models.get(key)
    if model is None:
        model = build_semantic_model(_without_values(catalog, set(hidden)) if hidden else catalog)
        with _lock:
            if len(_models) > 64:
                _models.clear()
            _models[key] = model
    return model


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
