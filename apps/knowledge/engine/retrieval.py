"""Hybrid retrieval over an org's knowledge chunks: BM25 + vectors, fused by reciprocal rank.

BM25 carries exact terms (column names, metric names, values); vectors add fuzzy matches that
BM25 misses (spelling variants, identifier halves, and real semantics with a neural embedder).
Reciprocal rank fusion (RRF, k=60) combines the two rankings without calibrating their scores
against each other, and degrades gracefully to lexical-only when there is no vector store.

The caller's policy is applied before anything is ranked or returned: a chunk whose ``table``
is not among the caller's allowed tables is never a candidate (in Chroma it is excluded by a
``where`` filter inside the search, so it cannot even take a place in the top k). Knowledge
documents describe columns but never hold row values, so masked/PII values cannot leak through
retrieval; masked *names* are visible to a role that may see the table (they are masked, not
hidden).

Pure module: no Django imports.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rank_bm25 import BM25Okapi

from apps.knowledge.engine.chunking import Chunk
from datachat.providers.embeddings import Embedder
from datachat.providers.vectorstore import VectorStore
from datachat.text import LANGUAGES, detect_language, fold, index_terms

logger = logging.getLogger(__name__)

__all__ = [
    "HASHING_VECTOR_WEIGHT",
    "RRF_K",
    "Hit",
    "LexicalIndex",
    "denied_terms",
    "make_visible",
    "policy_where",
    "redact_lines",
    "retrieve",
]

RRF_K = 60  # the constant from Cormack et al. (2009): damps the weight of the very top ranks
# Weight of the vector ranking in the fusion when the store uses the built-in hashing embedder.
# It mostly re-finds what BM25 finds, biased towards short chunks; at full weight it pushed short
# metric notes above the table documents (top-1 0.85 vs 0.90 lexical-only on the eval set), at
# 0.5 it keeps its value on misspellings without that cost. A neural embedder gets weight 1.
HASHING_VECTOR_WEIGHT = 0.5

Visible = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk; `score` is the fused RRF score, ranks are 1-based (None: not found
    by that retriever)."""

    chunk_id: str
    document_id: str
    title: str
    kind: str
    table: str
    text: str
    score: float
    lexical_rank: int | None
    vector_rank: int | None


def _chunk_meta(chunk: Chunk) -> dict[str, Any]:
    return {
        "document_id": chunk.document_id,
        "title": chunk.title,
        "kind": chunk.kind,
        "table": chunk.table,
        "columns": ",".join(chunk.columns),
        "version": chunk.version,
    }


def make_visible(allowed_tables: frozenset[str] | None) -> Visible:
    """The policy predicate over chunk metadata.

    ``None`` means no table restriction (internal tooling). Otherwise a chunk is visible when it
    is about no particular table (``table == ""``: glossary, notes) or about an allowed table.
    """
    if allowed_tables is None:
        return lambda meta: True
    allowed = frozenset(allowed_tables)

    def visible(meta: Mapping[str, Any]) -> bool:
        table = str(meta.get("table") or "")
        return table == "" or table in allowed

    return visible


def policy_where(allowed_tables: frozenset[str] | None) -> dict[str, Any] | None:
    """The same policy as a Chroma ``where`` filter, so it runs inside the vector search."""
    if allowed_tables is None:
        return None
    return {"table": {"$in": sorted(set(allowed_tables) | {""})}}


def denied_terms(
    schema: Mapping[str, Iterable[str]], allowed_tables: frozenset[str] | None
) -> frozenset[str]:
    """Names a caller must not read: hidden tables, and columns that exist only in hidden tables.

    `schema` is ``{table: column names}`` (``CatalogSnapshot.schema_mapping()`` fits). A column
    name shared with a visible table (``region``, ``nombre``) is not a secret.
    """
    if allowed_tables is None:
        return frozenset()
    hidden = {t for t in schema if t not in allowed_tables}
    visible_columns = {c for t, cols in schema.items() if t in allowed_tables for c in cols}
    hidden_columns = {c for t in hidden for c in schema[t]} - visible_columns
    return frozenset(hidden | hidden_columns)


def redact_lines(text: str, denied: Iterable[str]) -> str:
    """Drop the lines of `text` that name a denied table or column (see `denied_terms`).

    For text that leaves the policy boundary verbatim (prompts, excerpts): a glossary line such
    as "... también empleados.region" or a note listing "salario" must not tell an analyst what
    `empleados` holds.
    """
    names = [fold(t) for t in denied if t]
    if not names:
        return text
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])")
    return "\n".join(line for line in text.split("\n") if not pattern.search(fold(line)))


class LexicalIndex:
    """BM25 (Okapi) over the chunks' search terms (`datachat.text.index_terms`).

    One index per language: a query is stemmed by the Snowball stemmer of its own language and
    searched in the index whose chunks were stemmed by the same one, so every word of a query
    weighs one term whatever the language of the question and of the documents.
    """

    def __init__(self, chunks: Iterable[Chunk]) -> None:
        self.chunks: tuple[Chunk, ...] = tuple(chunks)
        self._by_id = {c.chunk_id: c for c in self.chunks}
        self._metas = [_chunk_meta(c) for c in self.chunks]
        # The title is already part of each chunk's text; counting it twice more makes "tabla
        # ventas" prefer the ventas document over a short metric note that merely names ventas.
        self._bm25: dict[str, BM25Okapi] = {}
        for lang in LANGUAGES:
            corpus = [
                index_terms(c.title, lang) * 2 + index_terms(c.text, lang) for c in self.chunks
            ]
            # rank_bm25 divides by the corpus size: an empty org simply has no index.
            if self.chunks:
                self._bm25[lang] = BM25Okapi(corpus)

    def __len__(self) -> int:
        return len(self.chunks)

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self._by_id.get(chunk_id)

    def search(
        self, query: str, *, k: int = 50, visible: Visible | None = None
    ) -> list[tuple[Chunk, float]]:
        """Chunks with a positive BM25 score, best first, invisible ones removed before ranking."""
        lang = detect_language(query)
        terms = index_terms(query, lang)
        if not self._bm25 or not terms:
            return []
        scores = self._bm25[lang].get_scores(terms)
        ranked = []
        for idx, score in enumerate(scores):
            if score <= 0.0:
                continue
            if visible is not None and not visible(self._metas[idx]):
                continue
            ranked.append((float(score), idx))
        # Ties are broken by chunk id so results are stable from run to run.
        ranked.sort(key=lambda item: (-item[0], self.chunks[item[1]].chunk_id))
        return [(self.chunks[idx], score) for score, idx in ranked[:k]]


def retrieve(
    query: str,
    *,
    lexical: LexicalIndex,
    store: VectorStore | None,
    embedder: Embedder | None,
    org: str,
    k: int = 5,
    allowed_tables: frozenset[str] | None,
    schema: Mapping[str, Iterable[str]] | None = None,
    pool: int = 50,
    min_similarity: float = 0.1,
    vector_weight: float | None = None,
) -> list[Hit]:
    """Top-`k` chunks for `query` among those the caller may see, best first.

    Lexical (BM25 over `lexical`) and, when `store` is given, vector search in the org's
    collection, each over `pool` candidates, fused by RRF. `embedder` embeds the query for the
    store (it must be the store's embedder; None means use the store's). Vector matches below
    `min_similarity` are ignored: with the hashing embedder they are noise. With `schema`
    (``{table: columns}``), lines naming a hidden table or a column only hidden tables have are
    removed from hit texts (see `redact_lines`). `vector_weight` scales the vector ranking's
    share of the fusion (default: `HASHING_VECTOR_WEIGHT` for the hashing embedder, else 1).
    """
    visible = make_visible(allowed_tables)
    lexical_ranked = lexical.search(query, k=pool, visible=visible)

    vector_ranked: list[tuple[str, float, dict[str, Any]]] = []
    if store is not None:
        if embedder is not None and embedder.name != store.embedder.name:
            raise ValueError(
                f"query embedder {embedder.name!r} does not match the store's "
                f"{store.embedder.name!r}"
            )
        query_embedder = embedder or store.embedder
        if vector_weight is None:
            hashing = query_embedder.name.startswith("hashing")
            vector_weight = HASHING_VECTOR_WEIGHT if hashing else 1.0
        vector = query_embedder.embed([query])[0]
        try:
            matches = store.query(org, vector, k=pool, where=policy_where(allowed_tables))
        except Exception:  # noqa: BLE001 - a vector-store fault degrades to lexical, never an error
            logger.warning("vector search failed; answering from the lexical index", exc_info=True)
            matches = []
        for match in matches:
            # Checked again here: the where filter is the fast path, this is the guarantee.
            if match.score >= min_similarity and visible(match.metadata):
                vector_ranked.append((match.chunk_id, match.score, match.metadata))

    fused: dict[str, float] = {}
    lex_rank: dict[str, int] = {}
    vec_rank: dict[str, int] = {}
    for rank, (chunk, _score) in enumerate(lexical_ranked, start=1):
        lex_rank[chunk.chunk_id] = rank
        fused[chunk.chunk_id] = fused.get(chunk.chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    vec_meta: dict[str, dict[str, Any]] = {}
    for rank, (chunk_id, _score, meta) in enumerate(vector_ranked, start=1):
        vec_rank[chunk_id] = rank
        vec_meta[chunk_id] = meta
        fused[chunk_id] = fused.get(chunk_id, 0.0) + (vector_weight or 0.0) / (RRF_K + rank)

    order = sorted(
        fused,
        key=lambda cid: (-fused[cid], lex_rank.get(cid, 10**9), vec_rank.get(cid, 10**9), cid),
    )
    denied = denied_terms(schema, allowed_tables) if schema is not None else frozenset()

    hits: list[Hit] = []
    for chunk_id in order[:k]:
        chunk = lexical.chunk(chunk_id)
        if chunk is not None:
            document_id, title, kind, table, text = (
                chunk.document_id,
                chunk.title,
                chunk.kind,
                chunk.table,
                chunk.text,
            )
        else:  # in the store but not (yet) in the lexical index: use the stored copy
            meta = vec_meta[chunk_id]
            document_id = str(meta.get("document_id", ""))
            title = str(meta.get("title", ""))
            kind = str(meta.get("kind", ""))
            table = str(meta.get("table", ""))
            text = str(meta.get("text", ""))
        if denied:
            text = redact_lines(text, denied)
        hits.append(
            Hit(
                chunk_id=chunk_id,
                document_id=document_id,
                title=title,
                kind=kind,
                table=table,
                text=text,
                score=fused[chunk_id],
                lexical_rank=lex_rank.get(chunk_id),
                vector_rank=vec_rank.get(chunk_id),
            )
        )
    return hits
