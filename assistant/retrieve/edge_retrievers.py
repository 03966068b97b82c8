"""Retrievers on an EdgeDocumentStore: the same inputs and outputs as qdrant-haystack's, so the
query pipeline is one pipeline whichever engine serves."""

from __future__ import annotations

from typing import Any

from haystack import component
from haystack.dataclasses import SparseEmbedding

from assistant.retrieve.passages import Passages
from ingest.edge_store import EdgeDocumentStore


def _check(document_store: Any, top_k: int) -> None:
    if not isinstance(document_store, EdgeDocumentStore):
        raise ValueError(f"document_store must be an EdgeDocumentStore, got {type(document_store).__name__}")
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")


@component
class EdgeEmbeddingRetriever:
    """Dense (MiniLM) nearest neighbours through the shard's HNSW graph, with payload filters."""

    def __init__(self, document_store: EdgeDocumentStore, top_k: int = 10) -> None:
        _check(document_store, top_k)
        self.document_store = document_store
        self.top_k = top_k

    @component.output_types(documents=Passages)
    def run(self, query_embedding: list[float], filters: dict[str, Any] | None = None,
            top_k: int | None = None) -> dict[str, Any]:
        docs = self.document_store.embedding_retrieval(query_embedding, filters, top_k or self.top_k)
        return {"documents": Passages(docs)}


@component
class EdgeSparseEmbeddingRetriever:
    """BM25 through the shard's inverted sparse index (IDF modifier: Qdrant's own scoring)."""

    def __init__(self, document_store: EdgeDocumentStore, top_k: int = 10) -> None:
        _check(document_store, top_k)
        self.document_store = document_store
        self.top_k = top_k

    @component.output_types(documents=Passages)
    def run(self, query_sparse_embedding: SparseEmbedding, filters: dict[str, Any] | None = None,
            top_k: int | None = None) -> dict[str, Any]:
        docs = self.document_store.sparse_retrieval(query_sparse_embedding, filters, top_k or self.top_k)
        return {"documents": Passages(docs)}
