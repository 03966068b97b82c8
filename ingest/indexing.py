"""The indexing pipeline: chunks -> dense (cached) + BM25 sparse vectors -> Qdrant."""

from __future__ import annotations

from typing import Any

from haystack import Pipeline
from haystack.components.writers import DocumentWriter
from haystack.document_stores.types import DuplicatePolicy

from ingest.components import Bm25DocumentEncoder, CachedDocumentEmbedder, CachedSentenceEmbedder
from ingest.embedding_cache import EmbeddingCache
from ingest.settings import EMBEDDING_DIM, Settings


def embedding_cache_for(settings: Settings) -> EmbeddingCache:
    return EmbeddingCache(
        settings.cache_dir / "embeddings.sqlite", settings.embedding_model_id, EMBEDDING_DIM
    )


def build_indexing_pipeline(
    settings: Settings, document_store: Any, progress_bar: bool = False
) -> Pipeline:
    """The one indexing pipeline used by the CLI, the benchmarks and the tests.

    Input: `{"embedder": {"documents": chunks}}`; outputs the write count and embed statistics
    (chunks from `embedder`; with `settings.sentence_vectors`, answer sentences from `sentences`).
    """
    pipe = Pipeline()
    embedder = CachedDocumentEmbedder(
        model=settings.embedding_model,
        cache=embedding_cache_for(settings),
        batch_size=settings.embedding_batch_size,
        progress_bar=progress_bar,
    )
    pipe.add_component("embedder", embedder)
    pipe.add_component("sparse", Bm25DocumentEncoder())
    pipe.add_component(
        "writer", DocumentWriter(document_store=document_store, policy=DuplicatePolicy.OVERWRITE)
    )
    if settings.sentence_vectors:
        pipe.add_component("sentences", CachedSentenceEmbedder(embedder))
        pipe.connect("embedder.documents", "sentences.documents")
        pipe.connect("sentences.documents", "sparse.documents")
    else:
        pipe.connect("embedder.documents", "sparse.documents")
    pipe.connect("sparse.documents", "writer.documents")
    return pipe
