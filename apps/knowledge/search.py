"""Retrieval over an org's knowledge, filtered by the caller's policy, and offline RAG answers.

The lexical index of an org is built from its documents once per knowledge version (any change a
steward makes bumps it, so a stale index is never used). The vector side joins once the org's
Chroma collection has been filled by the indexing tasks; with the store down, retrieval is
lexical only.
"""

from __future__ import annotations

import threading

from apps.governance.engine.policy import DataPolicy
from apps.governance.models import Organization
from apps.knowledge.engine.catalog import CatalogSnapshot
from apps.knowledge.engine.rag_answer import RagAnswer, compose_schema_answer
from apps.knowledge.engine.retrieval import Hit, LexicalIndex, retrieve
from apps.knowledge.indexing import document_chunks, org_vector_count, vector_store
from apps.knowledge.models import Document

_indexes: dict[tuple[int, int], LexicalIndex] = {}
_lock = threading.Lock()


def lexical_index_for(org: Organization) -> LexicalIndex:
    """The org's BM25 index at its current knowledge version (built on first use)."""
    key = (org.pk, org.knowledge_version)
    index = _indexes.get(key)
    if index is None:
        chunks = []
        for doc in Document.all_tenants.for_org(org).order_by("pk"):
            chunks.extend(document_chunks(doc))
        index = LexicalIndex(chunks)
        with _lock:
            for stale in [k for k in _indexes if k[0] == org.pk]:
                _indexes.pop(stale, None)
            _indexes[key] = index
    return index


def knowledge_search(
    *,
    org: Organization,
    question: str,
    catalog: CatalogSnapshot,
    policy: DataPolicy,
    k: int = 5,
) -> list[Hit]:
    """The org's top-`k` knowledge chunks for `question` that the caller's policy lets them see
    (hidden tables' documents never ranked, lines naming hidden tables or columns removed)."""
    store = vector_store() if org_vector_count(org) else None
    return retrieve(
        question,
        lexical=lexical_index_for(org),
        store=store,
        embedder=store.embedder if store else None,
        org=org.slug,
        k=k,
        allowed_tables=policy.allowed_tables,
        schema=catalog.schema_mapping(),
    )


def answer_schema_question(
    *,
    org: Organization,
    question: str,
    catalog: CatalogSnapshot,
    policy: DataPolicy,
    lang: str,
    kind: str | None = None,
    table: str | None = None,
    column: str | None = None,
    metric: str | None = None,
    k: int = 5,
) -> RagAnswer:
    """Answer a question about the data's structure or meaning from documents and the catalog."""
    hits = knowledge_search(org=org, question=question, catalog=catalog, policy=policy, k=k)
    return compose_schema_answer(
        question,
        catalog=catalog,
        hits=hits,
        lang=lang,
        allowed_tables=policy.allowed_tables,
        masked_columns=policy.masked_columns,
        kind=kind,
        table=table,
        column=column,
        metric=metric,
    )
