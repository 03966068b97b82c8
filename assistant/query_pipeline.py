"""Query pipeline: question -> dense + BM25 -> RRF -> lexical re-scoring -> newer updates first -> section
passages -> cited answer."""

from __future__ import annotations

from typing import Any

from haystack import Pipeline

from assistant.answer.answer_builder import CitedAnswerBuilder
from assistant.answer.answer_model import AnswerModel
from assistant.answer.sentence_vectors import SentenceVectors
from assistant.retrieve.corpus_view import CorpusView
from assistant.retrieve.edge_retrievers import EdgeEmbeddingRetriever, EdgeSparseEmbeddingRetriever
from assistant.retrieve.query_components import (
    Bm25QueryEncoder,
    PassageLimit,
    PassageRescorer,
    QueryEmbedder,
    RankFusion,
)
from assistant.retrieve.section_merge import SectionMerger
from assistant.retrieve.sparse_index import InMemorySparseRetriever
from assistant.retrieve.supersession import NewerGuidanceFirst
from ingest.edge_store import EdgeDocumentStore
from ingest.indexing import embedding_cache_for
from ingest.settings import Settings

MODES = ("hybrid", "dense", "sparse")
MAX_TOP_K = 50  # the most citations one question may ask for


def build_query_pipeline(settings: Settings, document_store: Any, mode: str = "hybrid", *,
                         view: CorpusView) -> Pipeline:
    """The one query pipeline used by the CLI, the app, the benchmarks and the tests.

    One pipeline per index version: `view` is that version's CorpusView (the store's version), and
    each component that reads the corpus gets its part through its constructor here (term
    statistics, known forms, chunk map, chunk vectors, local mode's BM25 index); nothing is set on
    a component afterwards. A new version gets a new view and a new pipeline.
    The retrievers follow the store: qdrant-edge's (EdgeDocumentStore, the embedded default),
    a Qdrant server's, or for Qdrant local mode dense search plus BM25 in memory (`view.sparse_index`).
    With `settings.sentence_vectors`, the answer builder reads question-to-sentence cosines from
    the embedding cache, embedding a sentence it lacks with this pipeline's warm model.
    Dense (MiniLM) and BM25 (Qdrant sparse vectors with IDF) each retrieve `retrieve_k` passages
    from the same collection; RankFusion fuses them by weighted reciprocal rank fusion (scored as
    Haystack's DocumentJoiner) into one `Passages` value that later steps pass on uncopied.
    `mode` "dense" or "sparse" keeps one retriever (to measure what the hybrid adds).
    Inputs: embedder.text, sparse.text, rescore.forms/cites, limit.top_k, answer.question, and
    dense/sparse `filters` on the retrievers. No component keeps per-question state, so one
    pipeline answers questions in parallel.
    """
    from haystack_integrations.components.retrievers.qdrant import (
        QdrantEmbeddingRetriever,
        QdrantSparseEmbeddingRetriever,
    )

    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    k = settings.retrieve_k
    pipe = Pipeline()
    embedder = QueryEmbedder(model=settings.embedding_model)
    pipe.add_component("embedder", embedder)
    pipe.add_component("sparse", Bm25QueryEncoder())
    pipe.add_component("rescore", PassageRescorer(coverage_weight=settings.coverage_weight, term_stats=view.term_stats))
    pipe.add_component("newer", NewerGuidanceFirst(window=settings.newer_guidance_window))
    pipe.add_component("merge", SectionMerger(max_chunks=settings.merge_chunks, chunks=view.chunks))
    pipe.add_component("limit", PassageLimit(top_k=settings.top_k))
    sentence_vectors = (SentenceVectors(embedding_cache_for(settings).path, settings.embedding_model_id,
                                        embedder.embed_batch)  # called after warm_up, when a question runs
                        if settings.sentence_vectors else None)
    # The builder's own cut is left wide: `limit` cuts per question (limit.top_k).
    pipe.add_component("answer", CitedAnswerBuilder(
        threshold=settings.abstain_threshold, top_k=MAX_TOP_K,
        model=AnswerModel.load(settings.answer_model_file), answer_types=settings.answer_types,
        clip_words=settings.clip_sentence_words, term_stats=view.term_stats, known_forms=view.known_forms,
        vectors=view.vectors, sentence_vectors=sentence_vectors))
    edge = isinstance(document_store, EdgeDocumentStore)
    if mode in ("hybrid", "dense"):
        dense: Any = (EdgeEmbeddingRetriever(document_store, top_k=k) if edge
                      else QdrantEmbeddingRetriever(document_store, top_k=k))
        pipe.add_component("dense", dense)
        pipe.connect("embedder.embedding", "dense.query_embedding")
    if mode in ("hybrid", "sparse"):
        if edge:  # qdrant-edge searches its inverted sparse index in-process
            bm25: Any = EdgeSparseEmbeddingRetriever(document_store, top_k=k)
        elif settings.qdrant_url:  # a server searches its native sparse index
            bm25 = QdrantSparseEmbeddingRetriever(document_store, top_k=k)
        else:  # local mode's sparse search is a Python loop: same scores, in memory (sparse_index.py)
            bm25 = InMemorySparseRetriever(top_k=k, index=view.sparse_index)
        pipe.add_component("bm25", bm25)
        pipe.connect("sparse.sparse_embedding", "bm25.query_sparse_embedding")
    if mode == "hybrid":
        pipe.add_component("joiner", RankFusion(weights=[settings.dense_weight, 1.0 - settings.dense_weight], top_k=k))
        pipe.connect("dense.documents", "joiner.dense")
        pipe.connect("bm25.documents", "joiner.sparse")
        pipe.connect("joiner.documents", "rescore.documents")
    else:
        pipe.connect(f"{'dense' if mode == 'dense' else 'bm25'}.documents", "rescore.documents")
    pipe.connect("embedder.embedding", "answer.query_embedding")
    pipe.connect("sparse.tokens", "answer.query_tokens")
    pipe.connect("sparse.tokens", "rescore.query_tokens")
    pipe.connect("rescore.documents", "newer.documents")
    pipe.connect("newer.documents", "merge.documents")
    pipe.connect("merge.documents", "limit.documents")
    pipe.connect("limit.documents", "answer.documents")
    return pipe


def retriever_names(mode: str) -> list[str]:
    return {"hybrid": ["dense", "bm25"], "dense": ["dense"], "sparse": ["bm25"]}[mode]
