"""The offline engine's semantic model per data source, memoised per catalog version."""

from __future__ import annotations

import threading

from apps.chat.engine.offline import build_semantic_model
from apps.knowledge.engine.catalog import CatalogSnapshot
from apps.knowledge.models import DataSource

_models: dict[tuple, object] = {}
_lock = threading.Lock()


def semantic_model_for(source: DataSource, catalog: CatalogSnapshot):  # noqa: ANN201
    """Compile (once per schema and knowledge version) the source's semantic model."""
    key = (*source.memo_key(), source.organization.knowledge_version)
    model = _models.get(key)
    if model is None:
        model = build_semantic_model(catalog)
        with _lock:
            if len(_models) > 64:
                _models.clear()
            _models[key] = model
    return model
