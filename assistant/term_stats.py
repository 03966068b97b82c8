"""Corpus term statistics (document frequencies over Qdrant's BM25 tokens) for sentence scoring."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from ingest.sparse import Bm25Encoder


class TermStats:
    def __init__(self, encoder: Bm25Encoder, texts: Iterable[str]) -> None:
        self.encoder = encoder
        df: Counter[int] = Counter()
        n = 0
        for text in texts:
            n += 1
            df.update(set(encoder.encode_query(text).indices))
        self.n_docs = max(n, 1)
        self.df = df

    def tokens(self, text: str) -> list[int]:
        return list(self.encoder.encode_query(text).indices)

    def idf(self, token: int) -> float:
        df = self.df.get(token, 0)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def weighted_overlap(self, query_tokens: Iterable[int], text: str) -> float:
        """Share of the query's IDF mass present in `text` (0..1)."""
        q = set(query_tokens)
        if not q:
            return 0.0
        present = set(self.tokens(text)) & q
        total = sum(self.idf(t) for t in q)
        return sum(self.idf(t) for t in present) / total if total else 0.0
