"""Haystack components of the indexing pipeline."""

from __future__ import annotations

from typing import Any

from haystack import Document, component

from ingest.chunk import sha256_text
from ingest.embedding_cache import EmbeddingCache
from ingest.sentences import answer_sentences, chunk_body
from ingest.sparse import Bm25Encoder


@component
class CachedDocumentEmbedder:
    """Dense embeddings for chunks, taken from the cache when (model, content hash) is known.

    Only cache misses reach the sentence-transformers model, so re-ingesting an unchanged corpus
    embeds nothing, and a changed page re-embeds only its own chunks.
    """

    def __init__(
        self, model: str, cache: EmbeddingCache, batch_size: int = 32, progress_bar: bool = True
    ):
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.model = model
        self.cache = cache
        self.batch_size = batch_size
        self.progress_bar = progress_bar
        self._embedder: Any = None  # SentenceTransformersDocumentEmbedder, loaded on first miss

    def warm_up(self) -> None:
        """Nothing to do up front: the model is loaded on the first cache miss, so a rebuild of an
        unchanged corpus never pays the ~15 s import of sentence-transformers."""

    def _load_model(self) -> None:
        if self._embedder is None:
            from haystack_integrations.components.embedders.sentence_transformers import (
                SentenceTransformersDocumentEmbedder,
            )

            self._embedder = SentenceTransformersDocumentEmbedder(
                model=self.model,
                batch_size=self.batch_size,
                progress_bar=self.progress_bar,
                normalize_embeddings=True,
                local_files_only=True,
            )
            self._embedder.warm_up()

    @component.output_types(documents=list[Document], embedded=int, from_cache=int)
    def run(self, documents: list[Document]) -> dict:
        hashes = [d.meta["content_sha256"] for d in documents]
        cached = self.cache.get_many(hashes)
        missing = [d for d in documents if d.meta["content_sha256"] not in cached]
        fresh: dict[str, list[float]] = {}
        if missing:
            self._load_model()
            assert self._embedder is not None
            out = self._embedder.run(
                documents=[Document(id=d.id, content=d.content) for d in missing]
            )
            for doc, embedded in zip(missing, out["documents"], strict=True):
                fresh[doc.meta["content_sha256"]] = embedded.embedding
            self.cache.put_many(fresh)
        vectors = cached | fresh
        result = [
            Document(
                id=d.id, content=d.content, meta=d.meta, embedding=vectors[d.meta["content_sha256"]]
            )
            for d in documents
        ]
        return {
            "documents": result,
            "embedded": len(missing),
            "from_cache": len(documents) - len(missing),
        }


@component
class CachedSentenceEmbedder:
    """Embeds every sentence a chunk could be quoted by into the embedding cache, keyed by the
    sentence's own hash, so answers can compare a question with each candidate sentence without
    embedding sentences while the agent waits. Documents pass through unchanged; an unchanged
    page costs nothing (all its sentences are cached)."""

    def __init__(self, embedder: CachedDocumentEmbedder) -> None:
        self.embedder = embedder  # the chunk embedder: same model, same cache, loaded once

    def warm_up(self) -> None:
        """Nothing to load up front (see CachedDocumentEmbedder.warm_up)."""

    @component.output_types(documents=list[Document], embedded=int, from_cache=int)
    def run(self, documents: list[Document]) -> dict:
        sentences: dict[str, str] = {}
        for d in documents:
            for span in answer_sentences(chunk_body(d.content or "", d.meta.get("heading"))):
                sentences.setdefault(sha256_text(span.text), span.text)
        pseudo = [Document(id=sha, content=text, meta={"content_sha256": sha}) for sha, text in sentences.items()]
        out = self.embedder.run(pseudo) if pseudo else {"embedded": 0, "from_cache": 0}
        return {"documents": documents, "embedded": out["embedded"], "from_cache": out["from_cache"]}


@component
class Bm25DocumentEncoder:
    """Adds BM25 sparse vectors (term frequencies; IDF comes from the Qdrant collection)."""

    def __init__(self, encoder: Bm25Encoder | None = None):
        self.encoder = encoder or Bm25Encoder()

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict:
        out = []
        for d in documents:
            out.append(
                Document(
                    id=d.id,
                    content=d.content,
                    meta=d.meta,
                    embedding=d.embedding,
                    sparse_embedding=self.encoder.encode_document(d.content or ""),
                )
            )
        return {"documents": out}
