"""CorpusView: what the components of one index version's pipeline know about the whole corpus.

Term statistics (coverage re-scoring, sentence features), every form number tagged on a chunk (a
question about a form no page mentions abstains), the chunk map the section merger fills gaps from,
chunk vectors for the answer builder and, in Qdrant local mode, the in-memory BM25 index. Built once
when a version opens; `build_query_pipeline` hands each component its part through the component's
constructor, so a pipeline and its view belong to one version. A newer version gets a new view and a
new pipeline, and a question still running on the old pipeline reads the old version's statistics.

Read-only once built: nothing replaces a field, and the lookups of edge and server mode
(SectionChunks, VectorsById) only fill a cache of what the version holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from haystack import Document

from assistant.retrieve.index_lookups import SectionChunks, VectorsById
from assistant.retrieve.section_merge import Position, position_of
from assistant.retrieve.sparse_index import InMemorySparseIndex
from assistant.retrieve.spelling import Speller
from assistant.retrieve.term_stats import TermStats
from ingest.sparse import Bm25Encoder
from ingest.words import corpus_words


@dataclass(frozen=True)
class CorpusView:
    version: str
    term_stats: TermStats | None = None
    known_forms: frozenset[str] | None = None
    chunks: Mapping[Position, Document] = field(default_factory=lambda: MappingProxyType({}))
    vectors: Mapping[str, np.ndarray] = field(default_factory=lambda: MappingProxyType({}))
    sparse_index: InMemorySparseIndex | None = None
    speller: Speller | None = None  # corrects a question's typos towards this version's words


def _forms(docs: list[Document]) -> frozenset[str]:
    return frozenset(f for d in docs for f in d.meta.get("forms") or [])


def view_in_memory(version: str, docs: list[Document], encoder: Bm25Encoder, sparse: bool = True,
                   spell_known: frozenset[str] | None = None) -> CorpusView:
    """Qdrant local mode: its searches and filters are Python scans, so the reader holds the whole
    corpus in memory (BM25 matrix unless no BM25 retriever reads it, term statistics, chunk map,
    vectors). `docs` carry their vectors. `spell_known`: the words a speller leaves alone (the
    model's vocabulary); None builds no speller."""
    return CorpusView(
        version=version,
        term_stats=TermStats(encoder, (d.content or "" for d in docs)),
        known_forms=_forms(docs),
        chunks=MappingProxyType({pos: d for d in docs if (pos := position_of(d)) is not None}),
        vectors=MappingProxyType({d.id: np.asarray(d.embedding, dtype=np.float32) for d in docs if d.embedding}),
        sparse_index=InMemorySparseIndex(docs) if sparse else None,
        speller=None if spell_known is None else Speller(corpus_words(d.content or "" for d in docs), spell_known),
    )


def view_by_lookups(version: str, store: Any, encoder: Bm25Encoder, counts: dict[str, Any] | None,
                    spell_known: frozenset[str] | None = None) -> CorpusView:
    """qdrant-edge or a server: nothing per chunk is loaded. Term counts come from the file the ingest
    wrote (`counts`); a section's neighbours and a passage's vector are looked up by index when a
    question needs them (SectionChunks, VectorsById)."""
    if counts is None:  # a version built before term counts were saved: count once, here
        docs = store.filter_documents()
        term_stats = TermStats(encoder, (d.content or "" for d in docs))
        known_forms = _forms(docs)
        words = corpus_words(d.content or "" for d in docs) if spell_known is not None else {}
    else:
        df = {int(t): int(n) for t, n in counts["df"].items()}
        term_stats = TermStats.from_counts(encoder, df, int(counts.get("n_texts", counts["n_docs"])))
        known_forms = frozenset(counts["forms"])
        words = counts.get("words") or {}
        if spell_known is not None and "words" not in counts:  # built before words were counted
            words = corpus_words(d.content or "" for d in store.filter_documents())
    speller = Speller(words, spell_known) if spell_known is not None and words else None
    return CorpusView(version=version, term_stats=term_stats, known_forms=known_forms,
                      chunks=SectionChunks(store), vectors=VectorsById(store), speller=speller)
