"""The vector store: ChromaDB, one collection per organisation and per embedder.

Collections are per org so that a query can only ever see that org's vectors (isolation does not
depend on a metadata filter someone might forget), and per embedder so that switching embedders
never mixes two vector spaces. Embeddings are always computed here with our `Embedder` and passed
to Chroma explicitly; the collection still records the registered `ChromaEmbeddingAdapter`, so a
process that opens it and queries by text gets our embedder, never Chroma's default one (which
would try to download a model).

Pure module: no Django imports; paths, URLs and the embedder come in as arguments.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings
from chromadb.errors import NotFoundError

from datachat.providers.embeddings import (
    ChromaEmbeddingAdapter,
    Embedder,
    HashingEmbedder,
)
from datachat.text import fold

__all__ = ["ChunkLike", "VectorMatch", "VectorStore", "collection_name"]

_MAX_NAME = 63  # Chroma: 3-63 chars, [a-zA-Z0-9._-], alphanumeric at both ends, no ".."
_UPSERT_BATCH = 1000  # keeps each request well under Chroma's max batch size
_ATTEMPTS = 4  # a handle re-resolved this many times at most (another process rebuilding)


class ChunkLike(Protocol):
    """What the store needs from a chunk (apps.knowledge.engine.chunking.Chunk fits).

    A protocol rather than an import: the project's adapters must not depend on the apps.
    """

    chunk_id: str
    document_id: str
    title: str
    kind: str
    table: str
    text: str
    columns: tuple[str, ...]
    version: int


class VectorMatch(NamedTuple):
    """One nearest neighbour: `score` is the cosine similarity (1 = same direction).

    `metadata` is the chunk's stored metadata plus its text under ``"text"``.
    """

    chunk_id: str
    score: float
    metadata: dict[str, Any]


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(value)).strip("-")


def collection_name(org_slug: str, embedder_name: str) -> str:
    """The Chroma collection of one org and one embedder, valid under Chroma's naming rules.

    A readable prefix plus a digest of the exact (org, embedder) pair: sanitising or truncating
    can make two different pairs look alike, the digest keeps them apart.
    """
    digest = hashlib.blake2b(f"{org_slug}\x00{embedder_name}".encode(), digest_size=5).hexdigest()
    readable = f"dc-{_slug(org_slug) or 'org'}-{_slug(embedder_name) or 'emb'}"
    readable = readable[: _MAX_NAME - len(digest) - 1].rstrip("-")
    return f"{readable}-{digest}"


def _collection_gone(exc: Exception) -> bool:
    """Whether a Chroma call failed because its collection no longer exists (dropped or swapped
    by a rebuild in another process)."""
    if isinstance(exc, NotFoundError):
        return True
    text = str(exc).lower()
    # "Missing metadata segment": read while another process is creating the collection.
    return "does not exist" in text or "not found" in text or "missing" in text


def chunk_metadata(chunk: ChunkLike) -> dict[str, Any]:
    """Chroma metadata for a chunk: scalars only (Chroma rejects None and lists)."""
    return {
        "document_id": str(chunk.document_id),
        "title": chunk.title or "",
        "kind": chunk.kind or "",
        "table": chunk.table or "",
        "columns": ",".join(chunk.columns or ()),
        "version": int(chunk.version or 0),
    }


class VectorStore:
    """Chroma behind the few operations the knowledge app needs.

    Build it with `VectorStore.local(path)` (embedded, persistent) or `VectorStore.remote(url)`
    (a Chroma server). `embedder` defaults to the offline `HashingEmbedder`.
    """

    def __init__(self, client: Any, embedder: Embedder | None = None) -> None:
        self.client = client
        self.embedder: Embedder = embedder or HashingEmbedder()
        self._collections: dict[str, Any] = {}

    @classmethod
    def local(cls, path: str, embedder: Embedder | None = None) -> VectorStore:
        """A persistent embedded store in directory `path` (created if missing)."""
        client = chromadb.PersistentClient(
            path=str(path), settings=Settings(anonymized_telemetry=False)
        )
        return cls(client, embedder)

    @classmethod
    def remote(
        cls, url: str, embedder: Embedder | None = None, headers: Mapping[str, str] | None = None
    ) -> VectorStore:
        """A Chroma server at `url` (``http://host:8000`` or ``https://...``)."""
        parsed = urlparse(url if "://" in url else f"http://{url}")
        ssl = parsed.scheme == "https"
        client = chromadb.HttpClient(
            host=parsed.hostname or "localhost",
            port=parsed.port or (443 if ssl else 8000),
            ssl=ssl,
            headers=dict(headers or {}),
            settings=Settings(anonymized_telemetry=False),
        )
        return cls(client, embedder)

    # -- collections ------------------------------------------------------------------------

    def collection_name(self, org: str, embedder_name: str | None = None) -> str:
        """The org's collection for `embedder_name` (default: this store's embedder)."""
        return collection_name(org, embedder_name or self.embedder.name)

    def _collection(self, org: str, *, create: bool) -> Any | None:
        name = self.collection_name(org)
        cached = self._collections.get(name)
        if cached is not None:
            return cached
        adapter = ChromaEmbeddingAdapter(self.embedder)
        if create:
            collection = self.client.get_or_create_collection(
                name=name,
                embedding_function=adapter,
                configuration={"hnsw": {"space": "cosine"}},
                # The org is recorded so reset_org finds the org's collections of every embedder.
                metadata={"org": org, "embedder": self.embedder.name},
            )
        else:
            try:
                collection = self.client.get_collection(name=name, embedding_function=adapter)
            except NotFoundError:
                return None
        self._collections[name] = collection
        return collection

    def _forget(self, org: str) -> None:
        self._collections.pop(self.collection_name(org), None)

    def _on_collection(self, org: str, fn: Callable[[Any], Any], *, create: bool) -> Any:
        """`fn(collection)`, re-resolving the cached handle once if the collection it names is
        gone (another process rebuilt the index: `rebuild_org`, `reset_org`). None when the org
        has no collection and `create` is false."""
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                collection = self._collection(org, create=create)
                if collection is None:
                    return None
                return fn(collection)
            except Exception as exc:
                if attempt == _ATTEMPTS or not _collection_gone(exc):
                    raise
                self._forget(org)
                if attempt > 1:  # mid-swap in another process: give it a moment
                    time.sleep(0.05 * attempt)
        return None  # unreachable

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, org: str, chunks: Sequence[ChunkLike]) -> int:
        """Embed and write `chunks` into the org's collection; returns how many were written."""
        if not chunks:
            return 0
        for start in range(0, len(chunks), _UPSERT_BATCH):
            batch = chunks[start : start + _UPSERT_BATCH]
            texts = [c.text for c in batch]
            embeddings = self.embedder.embed(texts)
            self._on_collection(
                org,
                lambda collection, batch=batch, texts=texts, embeddings=embeddings: (
                    collection.upsert(
                        ids=[c.chunk_id for c in batch],
                        embeddings=embeddings,
                        documents=texts,
                        metadatas=[chunk_metadata(c) for c in batch],
                    )
                ),
                create=True,
            )
        return len(chunks)

    def replace_document(self, org: str, document_id: str, chunks: Sequence[ChunkLike]) -> int:
        """Write a document's new chunks, then remove its chunks that are no longer among them.

        In that order, so a process killed in between leaves the document findable (with a
        leftover chunk or two of the old version, removed by the next indexing), never absent.
        """
        written = self.upsert(org, chunks)
        keep = {c.chunk_id for c in chunks}

        def drop_stale(collection: Any) -> None:
            found = collection.get(where={"document_id": str(document_id)}, include=[])
            stale = [chunk_id for chunk_id in found["ids"] if chunk_id not in keep]
            if stale:
                collection.delete(ids=stale)

        self._on_collection(org, drop_stale, create=False)
        return written

    def delete_document(self, org: str, document_id: str) -> None:
        """Remove every chunk of one document (all its versions) from the org's collection."""
        self._on_collection(
            org,
            lambda collection: collection.delete(where={"document_id": str(document_id)}),
            create=False,
        )

    def rebuild_org(self, org: str, batches: Iterable[Sequence[ChunkLike]]) -> int:
        """Rebuild the org's collection while it keeps serving: the chunks go into a staging
        collection, which then takes the live one's name (the old one dropped just before).
        Handles other processes hold on the old collection fail with NotFoundError and are
        re-resolved (`_on_collection`). Returns how many chunks were written."""
        name = self.collection_name(org)
        staging_name = f"{name[: _MAX_NAME - 5]}-next"
        with contextlib.suppress(NotFoundError, ValueError):
            self.client.delete_collection(staging_name)  # a crashed rebuild's leftover
        adapter = ChromaEmbeddingAdapter(self.embedder)
        staging = self.client.create_collection(
            name=staging_name,
            embedding_function=adapter,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"org": org, "embedder": self.embedder.name},
        )
        written = 0
        for chunks in batches:
            for start in range(0, len(chunks), _UPSERT_BATCH):
                batch = chunks[start : start + _UPSERT_BATCH]
                texts = [c.text for c in batch]
                staging.upsert(
                    ids=[c.chunk_id for c in batch],
                    embeddings=self.embedder.embed(texts),
                    documents=texts,
                    metadatas=[chunk_metadata(c) for c in batch],
                )
                written += len(batch)
        # The swap: the org's collections of other embedders go too (as reset_org drops them).
        for collection in self.client.list_collections():
            meta = collection.metadata or {}
            if collection.name != staging_name and (
                meta.get("org") == org or collection.name == name
            ):
                with contextlib.suppress(NotFoundError, ValueError):
                    self.client.delete_collection(collection.name)
                self._collections.pop(collection.name, None)
        staging.modify(name=name)
        self._collections.pop(name, None)
        return written

    def reset_org(self, org: str) -> int:
        """Drop all of the org's collections (every embedder); returns how many were dropped."""
        dropped = 0
        for collection in self.client.list_collections():
            meta = collection.metadata or {}
            if meta.get("org") == org or collection.name == self.collection_name(org):
                self.client.delete_collection(collection.name)
                self._collections.pop(collection.name, None)
                dropped += 1
        return dropped

    # -- reads ------------------------------------------------------------------------------

    def count(self, org: str) -> int:
        return int(self._on_collection(org, lambda c: c.count(), create=False) or 0)

    def query(
        self,
        org: str,
        text_or_embedding: str | Sequence[float],
        k: int = 10,
        where: Mapping[str, Any] | None = None,
    ) -> list[VectorMatch]:
        """The `k` nearest chunks of the org, best first, optionally filtered by `where`.

        `where` is a Chroma metadata filter, applied inside the search so that filtered-out
        chunks do not take places in the top k.
        """
        if k <= 0:
            return []
        if isinstance(text_or_embedding, str):
            embedding = self.embedder.embed([text_or_embedding])[0]
        else:
            embedding = [float(x) for x in text_or_embedding]
        if len(embedding) != self.embedder.dim:
            raise ValueError(
                f"query vector has {len(embedding)} dims, collection expects {self.embedder.dim}"
            )

        def search(collection: Any) -> dict | None:
            size = collection.count()
            if size == 0:
                return None
            return collection.query(
                query_embeddings=[embedding],
                n_results=min(k, size),
                where=dict(where) if where else None,
                include=["metadatas", "documents", "distances"],
            )

        result = self._on_collection(org, search, create=False)
        if result is None:
            return []
        ids = result["ids"][0]
        distances = result["distances"][0]
        metadatas = result["metadatas"][0]
        documents = result["documents"][0]
        matches = []
        for chunk_id, distance, meta, text in zip(
            ids, distances, metadatas, documents, strict=True
        ):
            data = dict(meta or {})
            data["text"] = text or ""
            # Cosine space: distance = 1 - cosine similarity.
            matches.append(VectorMatch(chunk_id, 1.0 - float(distance), data))
        return matches
