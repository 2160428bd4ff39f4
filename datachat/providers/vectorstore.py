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

import hashlib
import re
from collections.abc import Mapping, Sequence
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

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, org: str, chunks: Sequence[ChunkLike]) -> int:
        """Embed and write `chunks` into the org's collection; returns how many were written."""
        if not chunks:
            return 0
        collection = self._collection(org, create=True)
        for start in range(0, len(chunks), _UPSERT_BATCH):
            batch = chunks[start : start + _UPSERT_BATCH]
            texts = [c.text for c in batch]
            collection.upsert(
                ids=[c.chunk_id for c in batch],
                embeddings=self.embedder.embed(texts),
                documents=texts,
                metadatas=[chunk_metadata(c) for c in batch],
            )
        return len(chunks)

    def delete_document(self, org: str, document_id: str) -> None:
        """Remove every chunk of one document (all its versions) from the org's collection."""
        collection = self._collection(org, create=False)
        if collection is not None:
            collection.delete(where={"document_id": str(document_id)})

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
        collection = self._collection(org, create=False)
        return 0 if collection is None else int(collection.count())

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
        collection = self._collection(org, create=False)
        if collection is None or k <= 0:
            return []
        if isinstance(text_or_embedding, str):
            embedding = self.embedder.embed([text_or_embedding])[0]
        else:
            embedding = [float(x) for x in text_or_embedding]
        if len(embedding) != self.embedder.dim:
            raise ValueError(
                f"query vector has {len(embedding)} dims, collection expects {self.embedder.dim}"
            )
        size = collection.count()
        if size == 0:
            return []
        result = collection.query(
            query_embeddings=[embedding],
            n_results=min(k, size),
            where=dict(where) if where else None,
            include=["metadatas", "documents", "distances"],
        )
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
