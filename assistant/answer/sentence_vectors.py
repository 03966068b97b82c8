"""Vectors of candidate answer sentences, for question-to-sentence similarity while answering.

Ingest embeds every sentence a chunk could be quoted by into the embedding cache (keyed by the
sentence's SHA-256; `ingest.components.CachedSentenceEmbedder`), so a question looks up its ~30
candidate sentences (one indexed SQLite read) instead of running the model on them. A sentence
the cache lacks (a reader on another machine, a cache that was cleared) is embedded once with the
query model and kept in memory for this process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ingest.chunk import sha256_text
from ingest.embedding_cache import EmbeddingCache
from ingest.settings import EMBEDDING_DIM

Embed = Callable[[list[str]], list[list[float]]]


class SentenceVectors:
    def __init__(self, cache_path: Path, model_name: str, embed: Embed, memo_size: int = 20_000) -> None:
        self.cache_path = cache_path
        self.model_name = model_name
        self.embed = embed
        self.memo_size = memo_size
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()  # one SQLite connection per thread
        self.embedded_here = 0  # sentences the cache lacked (a figure for benchmarks and tests)

    def _cache(self) -> EmbeddingCache | None:
        if not self.cache_path.exists():
            return None
        cache = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = EmbeddingCache(self.cache_path, self.model_name, EMBEDDING_DIM)
        return cache

    def get(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of `texts`, shape (len(texts), dim), in order."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        keys = [sha256_text(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for k in keys:
                if k in self._memo:
                    found[k] = self._memo[k]
        wanted = [k for k in dict.fromkeys(keys) if k not in found]
        cache = self._cache() if wanted else None
        if cache is not None:
            found |= {k: np.asarray(v, dtype=np.float32) for k, v in cache.get_many(wanted).items()}
        missing = list(dict.fromkeys(t for k, t in zip(keys, texts, strict=True) if k not in found))
        if missing:
            for text, vec in zip(missing, self.embed(missing), strict=True):
                found[sha256_text(text)] = np.asarray(vec, dtype=np.float32)
            self.embedded_here += len(missing)
        with self._lock:
            for k in wanted:
                self._memo[k] = found[k]
            while len(self._memo) > self.memo_size:
                self._memo.popitem(last=False)
        return np.stack([found[k] for k in keys])
