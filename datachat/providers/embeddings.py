"""Text embeddings behind one small interface, plus the text normalisation retrieval shares.

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

This module is pure: no Django imports. Settings arrive as arguments.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import os
import re
import unicodedata
from typing import Any, Protocol, runtime_checkable

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

__all__ = [
    "ChromaEmbeddingAdapter",
    "Embedder",
    "HashingEmbedder",
    "OpenAIEmbedder",
    "embedder_from_settings",
    "fold",
    "stem",
    "tokenize",
    "words",
]

# --------------------------------------------------------------------------------------------
# Text normalisation (shared by the hashing embedder, the BM25 index and the offline answerer,
# so that a query and a document are reduced to the same terms everywhere).
# --------------------------------------------------------------------------------------------

# Identifiers keep their underscores (`costo_unitario`) so they survive as one term; their parts
# are added separately by `tokenize` so "costo unitario" still matches.
_WORD_RE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")

# Function words in Spanish and English (accent-folded). Only `tokenize` drops them; `words`
# keeps them because names such as "Número de ventas" contain them.
_STOPWORDS_TEXT = """
a al algo algun alguna algunos ante como con cual cuales cuando de del donde el ella ellos en entre
era es esa ese eso esta este esto estos fue ha hay la las le les lo los mas me mi mis mucho muy ni
no nos o os otra otro para pero poco por porque que quien se sea ser si sin sobre son su sus
tambien te tiene tienen tu un una uno unos y ya puede pueden
an and any are as at be been but by can could did do does for from had has have how i if in into is
it its me my of on or our should so than that the their them then there these they this those to
was we were what when where which who why will with would you your
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def fold(text: str) -> str:
    """Lower-case and strip accents ("Electrónica" -> "electronica", "año" -> "ano")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A deliberately small es/en stemmer: it only folds plural forms onto the singular.

    Retrieval needs "ventas"/"venta", "valores"/"valor", "columns"/"column" to meet; a full
    stemmer would also merge unrelated words and is not worth a dependency here.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:  # categories -> category
        return word[:-3] + "y"
    if word.endswith("iones"):  # regiones -> region
        return word[:-2]
    # Spanish plural "-es" after a consonant that follows a vowel: valores, totales, ciudades.
    # (English "tables"/"files" end in consonant+consonant+"es" and take the plain "-s" rule.)
    if word.endswith("es") and len(word) > 4 and word[-3] in "rlndz" and word[-4] in "aeiou":
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Folded, stemmed words in order, stop words kept; identifiers stay whole."""
    return [stem(w) for w in _WORD_RE.findall(fold(text))]


def tokenize(text: str) -> list[str]:
    """Index terms: folded, stemmed words without stop words, plus the parts of identifiers.

    ``"¿Qué es costo_unitario?"`` -> ``["costo_unitario", "costo", "unitario"]``.
    """
    out: list[str] = []
    for raw in _WORD_RE.findall(fold(text)):
        if "_" in raw:
            out.append(raw)
            out.extend(stem(p) for p in raw.split("_") if p and p not in STOPWORDS)
        elif raw not in STOPWORDS:
            out.append(stem(raw))
    return out


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

    Features: folded+stemmed word unigrams, word bigrams and character 3/4-grams of each word
    (with word-boundary markers), each hashed with blake2b into a signed bucket. Changing any of
    this changes the vector space: bump `VERSION` so the collection name changes too.
    """

    VERSION = 1

    def __init__(self, dim: int = 384) -> None:
        if dim < 16:
            raise ValueError("dim must be at least 16")
        self.dim = dim
        self.name = f"hashing{dim}-v{self.VERSION}"

    def features(self, text: str) -> dict[str, float]:
        """The weighted features of `text` (exposed for tests and debugging)."""
        feats: dict[str, float] = {}
        terms = tokenize(text)
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
