"""Query pipeline: question -> dense + BM25 -> RRF -> lexical re-scoring -> newer updates first -> section
passages -> cited answer."""

from __future__ import annotations

from typing import Any

from haystack import Pipeline
from haystack.components.joiners import DocumentJoiner

from assistant.answer_builder import CitedAnswerBuilder
from assistant.answer_model import AnswerModel
from assistant.query_components import Bm25QueryEncoder, PassageRescorer
from assistant.section_merge import SectionMerger
from assistant.sparse_index import InMemorySparseRetriever
from assistant.supersession import NewerGuidanceFirst
from ingest.settings import Settings

MODES = ("hybrid", "dense", "sparse")


def build_query_pipeline(settings: Settings, document_store: Any, mode: str = "hybrid") -> Pipeline:
    """The one query pipeline used by the CLI, the app, the benchmarks and the tests.

    In embedded mode the BM25 retriever's index is loaded by the caller
    (`pipe.get_component("bm25").index = InMemorySparseIndex(documents)`), and so is the chunk map
    the section merger fills gaps from (`pipe.get_component("merge").chunks`).
    Dense (MiniLM) and BM25 (Qdrant sparse vectors with IDF) each retrieve `retrieve_k` passages
    from the same collection; Haystack's DocumentJoiner fuses them by weighted reciprocal rank
    fusion. `mode` "dense" or "sparse" keeps one retriever (to measure what the hybrid adds).
    Inputs: embedder.text, sparse.text, rescore.forms/cites, answer.question, and
    dense/sparse `filters` on the retrievers.
    """
    from haystack_integrations.components.embedders.sentence_transformers import (
        SentenceTransformersTextEmbedder,
    )
    from haystack_integrations.components.retrievers.qdrant import (
        QdrantEmbeddingRetriever,
        QdrantSparseEmbeddingRetriever,
    )

    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    k = settings.retrieve_k
    pipe = Pipeline()
    pipe.add_component("embedder", SentenceTransformersTextEmbedder(
        model=settings.embedding_model, normalize_embeddings=True, progress_bar=False, local_files_only=True))
    pipe.add_component("sparse", Bm25QueryEncoder())
    pipe.add_component("rescore", PassageRescorer(coverage_weight=settings.coverage_weight))
    pipe.add_component("newer", NewerGuidanceFirst(window=settings.newer_guidance_window))
    pipe.add_component("merge", SectionMerger(max_chunks=settings.merge_chunks))
    pipe.add_component("answer", CitedAnswerBuilder(
        threshold=settings.abstain_threshold, top_k=settings.top_k,
        model=AnswerModel.load(settings.answer_model_file), answer_types=settings.answer_types))
    if mode in ("hybrid", "dense"):
        pipe.add_component("dense", QdrantEmbeddingRetriever(document_store, top_k=k))
        pipe.connect("embedder.embedding", "dense.query_embedding")
    if mode in ("hybrid", "sparse"):
        if settings.qdrant_url:  # a server searches its native sparse index
            bm25: Any = QdrantSparseEmbeddingRetriever(document_store, top_k=k)
        else:  # local mode's sparse search is a Python loop: same scores, in memory (sparse_index.py)
            bm25 = InMemorySparseRetriever(top_k=k)
        pipe.add_component("bm25", bm25)
        pipe.connect("sparse.sparse_embedding", "bm25.query_sparse_embedding")
    if mode == "hybrid":
        pipe.add_component("joiner", DocumentJoiner(
            join_mode="reciprocal_rank_fusion", weights=[settings.dense_weight, 1.0 - settings.dense_weight], top_k=k))
        pipe.connect("dense.documents", "joiner.documents")
        pipe.connect("bm25.documents", "joiner.documents")
        pipe.connect("joiner.documents", "rescore.documents")
    else:
        pipe.connect(f"{'dense' if mode == 'dense' else 'bm25'}.documents", "rescore.documents")
    pipe.connect("embedder.embedding", "answer.query_embedding")
    pipe.connect("sparse.tokens", "answer.query_tokens")
    pipe.connect("sparse.tokens", "rescore.query_tokens")
    pipe.connect("rescore.documents", "newer.documents")
    pipe.connect("newer.documents", "merge.documents")
    pipe.connect("merge.documents", "answer.documents")
    return pipe


def retriever_names(mode: str) -> list[str]:
    return {"hybrid": ["dense", "bm25"], "dense": ["dense"], "sparse": ["bm25"]}[mode]
