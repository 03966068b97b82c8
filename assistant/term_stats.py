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
        # Token sets of the indexed passages, computed once here rather than on every question.
        self._passage_tokens: dict[str, frozenset[int]] = {}
        for text in texts:
            tokens = frozenset(encoder.encode_query(text).indices)
            self._passage_tokens[text] = tokens
            df.update(tokens)
        self.n_docs = max(len(self._passage_tokens), 1)
        self.df = df

    def tokens(self, text: str) -> frozenset[int]:
        known = self._passage_tokens.get(text)
        return known if known is not None else frozenset(self.encoder.encode_query(text).indices)

    def idf(self, token: int) -> float:
        df = self.df.get(token, 0)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def weighted_overlap(self, query_tokens: Iterable[int], text: str) -> float:
        """Share of the query's IDF mass present in `text` (0..1)."""
        q = set(query_tokens)
        if not q:
            return 0.0
        present = self.tokens(text) & q
        total = sum(self.idf(t) for t in q)
        return sum(self.idf(t) for t in present) / total if total else 0.0
