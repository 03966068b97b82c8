"""The query pipeline: question -> dense + BM25 -> hybrid RRF in Qdrant -> boost -> cited answer."""

from __future__ import annotations

from typing import Any

from haystack import Pipeline

from assistant.answer_builder import CitedAnswerBuilder
from assistant.query_components import Bm25QueryEncoder, IdentifierBooster
from ingest.settings import Settings

MODES = ("hybrid", "dense", "sparse")


def build_query_pipeline(settings: Settings, document_store: Any, mode: str = "hybrid") -> Pipeline:
    """The one query pipeline used by the CLI, the app, the benchmarks and the tests.

    `mode` "dense" or "sparse" swaps the hybrid retriever for a single one (for evaluation).
    Inputs: embedder.text, sparse.text, booster.forms/cites, answer.question, retriever.filters.
    """
    from haystack_integrations.components.embedders.sentence_transformers import (
        SentenceTransformersTextEmbedder,
    )
    from haystack_integrations.components.retrievers.qdrant import (
        QdrantEmbeddingRetriever,
        QdrantHybridRetriever,
        QdrantSparseEmbeddingRetriever,
    )

    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    pipe = Pipeline()
    pipe.add_component("embedder", SentenceTransformersTextEmbedder(
        model=settings.embedding_model, normalize_embeddings=True, progress_bar=False, local_files_only=True))
    pipe.add_component("sparse", Bm25QueryEncoder())
    k = settings.retrieve_k
    if mode == "hybrid":
        retriever: Any = QdrantHybridRetriever(document_store, top_k=k, return_embedding=True)
    elif mode == "dense":
        retriever = QdrantEmbeddingRetriever(document_store, top_k=k, return_embedding=True)
    else:
        retriever = QdrantSparseEmbeddingRetriever(document_store, top_k=k, return_embedding=True)
    pipe.add_component("retriever", retriever)
    pipe.add_component("booster", IdentifierBooster())
    pipe.add_component("answer", CitedAnswerBuilder(threshold=settings.abstain_threshold, top_k=settings.top_k))
    if mode in ("hybrid", "dense"):
        pipe.connect("embedder.embedding", "retriever.query_embedding")
    if mode in ("hybrid", "sparse"):
        pipe.connect("sparse.sparse_embedding", "retriever.query_sparse_embedding")
    pipe.connect("embedder.embedding", "answer.query_embedding")
    pipe.connect("sparse.tokens", "answer.query_tokens")
    pipe.connect("retriever.documents", "booster.documents")
    pipe.connect("booster.documents", "answer.documents")
    return pipe
