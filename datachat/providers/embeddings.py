"""Text embeddings behind one small interface.

Two embedders:

- `HashingEmbedder` (the default, ``DATACHAT_EMBEDDINGS=local``): feature hashing of normalised
  words, word bigrams and character 3/4-grams. Offline, deterministic across processes and
  machines, nothing to download. Weak semantically, which is why retrieval is hybrid (BM25 does
  the heavy lifting; this adds fuzzy matching on spelling, plurals and identifier parts).
- `OpenAIEmbedder` (``DATACHAT_EMBEDDINGS=openai``): any OpenAI-compatible embeddings endpoint.

`ChromaEmbeddingAdapter` exposes an embedder to Chroma. It is registered when this module is
imported, so every process that imports it (the web app, Celery workers, scripts) can open a
collection created with it; without the registration Chroma raises
``ValueError: Embedding function ... not found``. The vector store still passes embeddings
explicitly, so Chroma never computes anything itself, and never falls back to its default
embedding function (which downloads a model).

Text reduction (folding, stemming, stop words) is the project's one text module,
`datachat.text`; the hashing embedder reads its `index_terms`, as BM25 does.

This module is pure: no Django imports. Settings arrive as arguments.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import os
from typing import Any, Protocol, runtime_checkable

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from datachat.text import index_terms

__all__ = [
    "ChromaEmbeddingAdapter",
    "Embedder",
    "HashingEmbedder",
    "OpenAIEmbedder",
    "embedder_from_settings",
]

# --------------------------------------------------------------------------------------------
# Embedders
# --------------------------------------------------------------------------------------------


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into fixed-size vectors.

    `name` identifies the vector space: it is part of the collection name, so vectors from two
    embedders (or two versions of one) never mix in one collection.
    """

    name: str
    dim: int

    def embed(self, texts: list[str]) -> list[list[float]]: ...


# One vector space for texts in any language, so one stemmer for every text: the English one,
# the gentler on foreign words (it takes plural and verb endings off Spanish words, where the
# Spanish one cuts English words short: "date" -> "dat", the stem of "datos").
_STEMMER = "en"

# Relative weights of the feature families. Words carry the meaning; bigrams reward phrases
# ("revenue total"); character n-grams give partial credit for spelling variants and the
# halves of identifiers, but must not drown the word features (a word yields ~2*len n-grams).
_W_WORD = 1.0
_W_BIGRAM = 0.6
_W_CHAR = 0.25


@functools.lru_cache(maxsize=262_144)
def _slot(feature: str, dim: int) -> tuple[int, float]:
    # blake2b, not hash(): Python's str hash is salted per process (PYTHONHASHSEED), and the
    # vectors written by one process must match the queries of another, on any machine.
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "big")
    sign = 1.0 if value >> 63 else -1.0  # signed hashing: collisions cancel out on average
    return value % dim, sign


class HashingEmbedder:
    """Offline, deterministic feature-hashing embedder (L2-normalised, default 384 dims).

    Features: the search terms of `datachat.text.index_terms` (folded words, Snowball-stemmed
    in English whatever the text's language) as unigrams, term bigrams and character 3/4-grams
    of each term (with word-boundary markers), each hashed with blake2b into a signed bucket.
    Changing any of this changes the vector space: bump `VERSION` so the collection name
    changes too (then `manage.py reindex_knowledge` fills the new collection).
    """

    # 2: Snowball stems (datachat.text) instead of the hand plural stemmer.
    VERSION = 2

    def __init__(self, dim: int = 384) -> None:
        if dim < 16:
            raise ValueError("dim must be at least 16")
        self.dim = dim
        self.name = f"hashing{dim}-v{self.VERSION}"

    def features(self, text: str) -> dict[str, float]:
        """The weighted features of `text` (exposed for tests and debugging)."""
        feats: dict[str, float] = {}
        terms = index_terms(text, _STEMMER)
        for term in terms:
            feats["w:" + term] = feats.get("w:" + term, 0.0) + _W_WORD
            padded = f"#{term}#"
            for n in (3, 4):
                for i in range(len(padded) - n + 1):
                    key = "c:" + padded[i : i + n]
                    feats[key] = feats.get(key, 0.0) + _W_CHAR
        for left, right in itertools.pairwise(terms):
            key = f"b:{left} {right}"
            feats[key] = feats.get(key, 0.0) + _W_BIGRAM
        return feats

    def embed_one(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for feature, weight in self.features(text).items():
            idx, sign = _slot(feature, self.dim)
            # Sub-linear term frequency: a word repeated ten times is not ten times as relevant.
            vec[idx] += sign * (1.0 + math.log(weight)) if weight > 1.0 else sign * weight
        norm = math.sqrt(sum(v * v for v in vec))
        if norm == 0.0:
            return vec  # empty text: the zero vector (cosine distance 1 to everything)
        return [v / norm for v in vec]

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_one(t) for t in texts]

    def config(self) -> dict[str, Any]:
        """What `embedder_from_settings` needs to rebuild this embedder (no secrets)."""
        return {"kind": "local", "dim": self.dim}

    def __repr__(self) -> str:
        return f"HashingEmbedder(dim={self.dim})"


# Output sizes of well-known models, so `dim` is known before the first call.
_OPENAI_DIMS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible endpoint (`/v1/embeddings`), sent in batches.

    `dim` is taken from `dimensions` when given, from the known model sizes otherwise, and
    else learnt from the first response.
    """

    def __init__(
        self,
        model: str = "text-embedding-3-small",
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        *,
        batch_size: int = 128,
        dimensions: int | None = None,
        max_retries: int = 2,
        api_key_env: str = "OPENAI_API_KEY",
    ) -> None:
        self.model = model
        self.base_url = base_url or None
        self.api_key = api_key
        self.timeout = timeout
        self.batch_size = max(1, batch_size)
        self.dimensions = dimensions
        self.max_retries = max_retries
        self.api_key_env = api_key_env
        self.dim = dimensions or _OPENAI_DIMS.get(model, 0)
        suffix = f"-{dimensions}" if dimensions else ""
        self.name = f"openai-{model}{suffix}"
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            import openai  # imported lazily: the local embedder must not need it

            # Local OpenAI-compatible servers often need no key, but the SDK insists on one.
            self._client = openai.OpenAI(
                api_key=self.api_key or os.environ.get(self.api_key_env) or "unused",
                base_url=self.base_url,
                timeout=self.timeout,
                max_retries=self.max_retries,
            )
        return self._client

    def embed(self, texts: list[str]) -> list[list[float]]:
        client = self._get_client()
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            # The endpoint rejects empty strings; a single space embeds as "nothing".
            batch = [t if t.strip() else " " for t in texts[start : start + self.batch_size]]
            kwargs: dict[str, Any] = {"model": self.model, "input": batch}
            if self.dimensions:
                kwargs["dimensions"] = self.dimensions
            response = client.embeddings.create(**kwargs)
            # Results carry an index; order them rather than trusting the response order.
            rows = sorted(response.data, key=lambda d: d.index)
            out.extend([float(x) for x in row.embedding] for row in rows)
        if out and not self.dim:
            self.dim = len(out[0])
        return out

    def config(self) -> dict[str, Any]:
        """Rebuild information without the key: Chroma persists this next to the collection."""
        return {
            "kind": "openai",
            "model": self.model,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "dimensions": self.dimensions,
            "api_key_env": self.api_key_env,
        }

    def __repr__(self) -> str:
        return f"OpenAIEmbedder(model={self.model!r}, base_url={self.base_url!r})"


def embedder_from_settings(kind: str | None = "local", **opts: Any) -> Embedder:
    """Build the embedder named by the ``DATACHAT_EMBEDDINGS`` setting.

    ``kind``: ``"local"`` (default, also for empty/None) or ``"openai"``. Options: ``dim`` for
    local; ``model``, ``base_url``, ``api_key``, ``timeout``, ``batch_size``, ``dimensions``,
    ``api_key_env`` for openai. Options that do not apply to the chosen kind are ignored, so the
    caller can pass its whole embeddings settings block.
    """
    choice = (kind or "local").strip().lower()
    if choice in ("local", "hashing", "builtin"):
        return HashingEmbedder(dim=int(opts.get("dim") or 384))
    if choice == "openai":
        return OpenAIEmbedder(
            model=opts.get("model") or "text-embedding-3-small",
            base_url=opts.get("base_url") or None,
            api_key=opts.get("api_key") or None,
            timeout=float(opts.get("timeout") or 30.0),
            batch_size=int(opts.get("batch_size") or 128),
            dimensions=opts.get("dimensions") or None,
            api_key_env=opts.get("api_key_env") or "OPENAI_API_KEY",
        )
    raise ValueError(f"unknown embeddings provider {kind!r} (expected 'local' or 'openai')")


# --------------------------------------------------------------------------------------------
# Chroma adapter
# --------------------------------------------------------------------------------------------


@register_embedding_function
class ChromaEmbeddingAdapter(EmbeddingFunction[Documents]):
    """Chroma's view of an `Embedder`; registered under the name ``"datachat"``.

    Chroma stores `get_config()` with each collection and calls `build_from_config()` when a
    process opens the collection again, so the config holds what rebuilds the embedder and never
    an API key (the OpenAI key is read from the environment variable named in the config).
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return self.embedder.embed([str(t) for t in input])  # type: ignore[return-value]

    @staticmethod
    def name() -> str:
        return "datachat"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine", "l2", "ip"]

    def get_config(self) -> dict[str, Any]:
        config = getattr(self.embedder, "config", None)
        if config is None:
            raise ValueError(f"embedder {self.embedder!r} cannot describe itself to Chroma")
        return dict(config())

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingAdapter:
        opts = {k: v for k, v in config.items() if k != "kind"}
        return ChromaEmbeddingAdapter(embedder_from_settings(config.get("kind"), **opts))

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        if config.get("kind") not in ("local", "openai"):
            raise ValueError(f"unsupported datachat embedder config: {config!r}")
        if "api_key" in config:
            raise ValueError("an API key must never be stored in a collection's configuration")

    def validate_config_update(
        self, old_config: dict[str, Any], new_config: dict[str, Any]
    ) -> None:
        # Another embedder means another vector space: that is a new collection, not an update.
        if old_config.get("kind") != new_config.get("kind"):
            raise ValueError("changing the embedder of a collection is not supported")
