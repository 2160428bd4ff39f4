"""The org's vector index: chunk, embed and upsert documents into Chroma; remove them on delete.

Called by the Celery tasks (`knowledge.tasks`), enqueued after the transaction that changed a
document commits; idempotent (upsert by stable chunk ids, so a retried task does no harm).
One collection per org and per embedder; a Chroma server by URL or a persistent local store under
DATACHAT_DATA_DIR.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from apps.governance.models import Organization
from apps.knowledge.engine.chunking import Chunk, chunk_document
from apps.knowledge.models import CatalogColumn, Document
from datachat.providers.embeddings import Embedder, embedder_from_settings
from datachat.providers.vectorstore import VectorStore

_store: VectorStore | None = None
_lock = threading.Lock()


def embedder() -> Embedder:
    """The configured embedder (`DATACHAT_EMBEDDINGS`: local, the default, or openai)."""
    kind = settings.DATACHAT["EMBEDDINGS"]
    if kind == "openai":
        llm = settings.DATACHAT["LLM"]
        return embedder_from_settings(
            "openai",
            model=settings.DATACHAT["EMBEDDINGS_MODEL"],
            base_url=llm.get("OPENAI_BASE_URL") or None,
            api_key=llm.get("OPENAI_API_KEY"),
            timeout=float(llm.get("DATACHAT_LLM_TIMEOUT") or 20),
        )
    return embedder_from_settings(kind)


def vector_store() -> VectorStore:
    """One store per process (Chroma clients are heavy to open)."""
    global _store
    if _store is None:
        with _lock:
            if _store is None:
                url = settings.DATACHAT["CHROMA_URL"]
                if url:
                    _store = VectorStore.remote(url, embedder())
                else:
                    path = Path(settings.DATA_DIR) / "chroma"
                    path.mkdir(parents=True, exist_ok=True)
                    _store = VectorStore.local(str(path), embedder())
    return _store


def reset_vector_store() -> None:
    """Forget the process's store (tests switch data directories)."""
    global _store
    with _lock:
        _store = None


def document_chunks(document: Document) -> list[Chunk]:
    columns: tuple[str, ...] = ()
    if document.table_name:
        columns = tuple(
            CatalogColumn.all_tenants.for_org(document.organization_id)
            .filter(table__name=document.table_name)
            .values_list("name", flat=True)
        )
    return chunk_document(
        document.pk,
        document.title,
        document.body,
        kind=document.kind,
        table=document.table_name,
        columns=columns,
        version=document.version,
    )


def document_index(*, document: Document) -> int:
    """(Re)index one document: its new chunks written first, then its stale ones removed, so a
    shorter body leaves no orphans and a crash in between leaves the document findable."""
    return vector_store().replace_document(
        document.organization.slug, str(document.pk), document_chunks(document)
    )


def document_unindex(*, org_slug: str, document_id: int) -> None:
    vector_store().delete_document(org_slug, str(document_id))


def org_reindex(
    *, org: Organization, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Rebuild the org's collection from its documents, reporting progress, while the service
    runs: the new collection is built aside and swapped in (VectorStore.rebuild_org); documents
    edited during the rebuild are indexed again into the new collection afterwards."""
    from django.utils import timezone

    store = vector_store()
    started = timezone.now()
    documents = list(Document.all_tenants.for_org(org).order_by("pk"))

    def batches():  # noqa: ANN202
        for done, document in enumerate(documents, start=1):
            yield document_chunks(document)
            if progress:
                progress(done, len(documents))

    chunks = store.rebuild_org(org.slug, batches())
    for document in Document.all_tenants.for_org(org).filter(updated_at__gte=started):
        document_index(document=document)
    remaining = set(Document.all_tenants.for_org(org).values_list("pk", flat=True))
    for document in documents:
        if document.pk not in remaining:  # deleted during the rebuild
            store.delete_document(org.slug, str(document.pk))
    return {"documents": len(documents), "chunks": chunks}


def org_vector_count(org: Organization) -> int:
    try:
        return vector_store().count(org.slug)
    except Exception:  # noqa: BLE001 - retrieval degrades to lexical when the store is down
        return 0
