"""Corpus term counts written beside each index version, so a reader never re-reads every chunk.

The answer side needs, per index version, the document frequency of every BM25 token (for the
IDF weights of lexical coverage) and the set of form numbers tagged on any chunk. Counting them
means a pass over every chunk's text: done once here, at ingest, and saved as
`term_counts.json` (version folder; `index/terms/<version>.json` in server mode). A reader opens
it in milliseconds at 100k chunks instead of tokenising the corpus again.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from haystack import Document

from ingest.sparse import Bm25Encoder
from ingest.words import corpus_words


def count_terms(chunks: list[Document], encoder: Bm25Encoder | None = None) -> dict[str, Any]:
    """{"n_docs", "n_texts", "df": {token: documents containing it}, "forms": [...],
    "words": {word: documents containing it}} over `chunks` (words: the index's vocabulary,
    which the question speller corrects typos towards).

    `n_texts` (distinct texts) is the N of the IDF, as the reader computed it before counts were
    saved, so scores are unchanged.
    """
    encoder = encoder or Bm25Encoder()
    df: Counter[int] = Counter()
    forms: set[str] = set()
    for chunk in chunks:
        df.update(set(encoder.encode_query(chunk.content or "").indices))
        forms.update(chunk.meta.get("forms") or [])
    texts = {chunk.content or "" for chunk in chunks}
    return {"n_docs": len(chunks), "n_texts": len(texts), "df": {str(t): n for t, n in df.items()},
            "forms": sorted(forms), "words": corpus_words(texts)}
