"""Small Haystack components of the query pipeline."""

from __future__ import annotations

from typing import Any

import numpy as np
from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from assistant.retrieve.passages import Passages, fuse_ranks
from assistant.retrieve.term_stats import TermStats
from ingest.sparse import Bm25Encoder

RRF_K = 60


@component
class QueryEmbedder:
    """MiniLM query embedding (sentence-transformers' Haystack embedder inside), as a float32 array.

    Why an array: Haystack copies every component input defensively, element by element for a
    list, with a slow Protocol check per element; a 384-float list passed to two components
    cost more Python time (GIL held) than the retrieval itself. An array is copied in one step.
    Retrievers and the answer builder take any float sequence.
    """

    def __init__(self, model: str) -> None:
        from haystack_integrations.components.embedders.sentence_transformers import (
            SentenceTransformersTextEmbedder,
        )

        self.embedder = SentenceTransformersTextEmbedder(
            model=model, normalize_embeddings=True, progress_bar=False, local_files_only=True)

    def warm_up(self) -> None:
        self.embedder.warm_up()

    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict[str, Any]:
        return {"embedding": np.asarray(self.embedder.run(text=text)["embedding"], dtype=np.float32)}

    def embed_batch(self, texts: list[str]) -> list[list[float]]:
        """Unit vectors of `texts` in one batch through the warm model, no prefix (answer sentences)."""
        backend = self.embedder.embedding_backend
        if backend is None:
            raise RuntimeError("QueryEmbedder.embed_batch runs after warm_up()")
        return backend.embed(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)


@component
class Bm25QueryEncoder:
    """BM25 query side: each distinct token weight 1 (the collection applies IDF)."""

    def __init__(self, encoder: Bm25Encoder | None = None) -> None:
        self.encoder = encoder or Bm25Encoder()

    @component.output_types(sparse_embedding=SparseEmbedding, tokens=list[int])
    def run(self, text: str) -> dict[str, Any]:
        sparse = self.encoder.encode_query(text)
        return {"sparse_embedding": sparse, "tokens": list(sparse.indices)}


def _cite_matches(cite: str, wanted: str) -> bool:
    """"8 u.s.c. 1254" matches "8 u.s.c. 1254(a)" but not "8 u.s.c. 1254a"."""
    if not cite.startswith(wanted):
        return False
    rest = cite[len(wanted) :]
    return not rest or not rest[0].isalnum()


@component
class PassageRescorer:
    """Re-score the fused candidates: rank, asked identifiers, and coverage of the question's terms.

    score = RRF_K / (RRF_K + rank) x (1 + identifier bonus) + coverage_weight x coverage, where
    - the identifier bonus rewards a passage tagged with a form the question names (agents type
      "I-765 fee") or whose canonical cite starts with a cited section ("INA 316");
    - coverage is the share of the question's IDF mass (over this index) present in the passage.
      Fusion ranks by two rankings only; coverage adds how completely a passage speaks to the
      question's rarer words, which BM25's length normalisation under-rewards in long passages.
    Purely lexical and deterministic: no trained model is involved.
    """

    def __init__(self, form_bonus: float = 0.5, cite_bonus: float = 1.0, coverage_weight: float = 1.0,
                 term_stats: TermStats | None = None) -> None:
        if min(form_bonus, cite_bonus, coverage_weight) < 0:
            raise ValueError("form_bonus, cite_bonus and coverage_weight must be >= 0")
        self.form_bonus = form_bonus
        self.cite_bonus = cite_bonus
        self.coverage_weight = coverage_weight
        self.term_stats = term_stats  # this index version's (CorpusView); None: no coverage term

    def signals(self, doc: Document, forms: set[str], cites: list[str],
                query_tokens: list[int] | None) -> tuple[bool, bool, float]:
        """What the score reads of one passage: (tagged with an asked form, its cite starts with an
        asked section, coverage of the question's IDF mass). `cites` lower-cased."""
        form = bool(forms & set(doc.meta.get("forms") or []))
        cite = str(doc.meta.get("cite") or "").lower()
        coverage = 0.0
        if self.term_stats is not None and query_tokens:
            coverage = self.term_stats.weighted_overlap(query_tokens, doc.content or "")
        return form, any(_cite_matches(cite, c) for c in cites), coverage

    @component.output_types(documents=Passages)
    def run(
        self,
        documents: Passages | list[Document],
        forms: list[str] | None = None,
        cites: list[str] | None = None,
        query_tokens: list[int] | None = None,
    ) -> dict[str, Any]:
        wanted_forms = set(forms or [])
        wanted_cites = [c.lower() for c in cites or []]
        scored = []
        for rank, doc in enumerate(documents):
            form, cite, coverage = self.signals(doc, wanted_forms, wanted_cites, query_tokens)
            bonus = self.form_bonus * form + self.cite_bonus * cite
            score = RRF_K / (RRF_K + rank + 1) * (1.0 + bonus) + self.coverage_weight * coverage
            scored.append((score, rank, doc))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return {"documents": Passages(doc for _, _, doc in scored)}


@component
class RankFusion:
    """Dense and BM25 rankings fused by weighted reciprocal rank fusion (scored as Haystack's
    DocumentJoiner), handed on as one `Passages` value that the pipeline does not copy."""

    def __init__(self, weights: list[float] | None = None, top_k: int | None = None) -> None:
        self.weights = weights  # [dense, sparse]
        self.top_k = top_k

    @component.output_types(documents=Passages)
    def run(self, dense: Passages | list[Document], sparse: Passages | list[Document]) -> dict[str, Any]:
        return {"documents": fuse_ranks([dense, sparse], self.weights, self.top_k)}


@component
class PassageLimit:
    """The first `top_k` passages: the number of citations is a per-question input, so parallel
    questions never change a shared component's setting."""

    def __init__(self, top_k: int = 5) -> None:
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        self.top_k = top_k

    @component.output_types(documents=Passages)
    def run(self, documents: Passages | list[Document], top_k: int | None = None) -> dict[str, Any]:
        return {"documents": Passages(documents[: top_k or self.top_k])}
