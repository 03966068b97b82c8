"""Corpus term statistics (document frequencies over Qdrant's BM25 tokens) for sentence scoring."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

from ingest.sparse import Bm25Encoder

# Token sets of passages seen recently, so sentences and passages scored again cost a lookup.
TOKEN_CACHE_SIZE = 4096


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
        self.df: Mapping[int, int] = df
        self._recent: dict[str, frozenset[int]] = {}

    @classmethod
    def from_counts(cls, encoder: Bm25Encoder, df: Mapping[int, int], n_docs: int) -> TermStats:
        """Statistics counted at ingest (ingest.term_counts): nothing is read or tokenised here,
        and a passage's tokens are computed when it is scored (microseconds each)."""
        stats = cls(encoder, [])
        stats.df, stats.n_docs = df, max(n_docs, 1)
        return stats

    def tokens(self, text: str) -> frozenset[int]:
        known = self._passage_tokens.get(text)
        if known is None:
            known = self._recent.get(text)
        if known is None:
            known = frozenset(self.encoder.encode_query(text).indices)
            if len(self._recent) >= TOKEN_CACHE_SIZE:
                self._recent.clear()  # questions run in parallel: a cheap reset, never a shared iteration
            self._recent[text] = known
        return known

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
