"""Answer-sentence vectors: embedded at ingest, looked up while answering, never embedded twice."""

from __future__ import annotations

import shutil

import numpy as np

from assistant.answer.sentence_vectors import SentenceVectors
from ingest.index_store import VersionRegistry, close_store
from ingest.indexing import embedding_cache_for
from ingest.run_ingest import run_ingest
from ingest.sentences import answer_sentences, chunk_body
from tests.conftest import FIXTURES, make_settings


def _indexed_sentences(settings) -> list[str]:
    registry = VersionRegistry(settings)
    store, copy = registry.open_reader(registry.current())
    try:
        docs = store.filter_documents()
    finally:
        close_store(store)
        shutil.rmtree(copy, ignore_errors=True)
    return [s.text for d in docs for s in answer_sentences(chunk_body(d.content or "", d.meta.get("heading")))]


def test_indexed_sentences_come_from_the_cache_and_new_ones_are_embedded_once(tmp_path):
    settings = make_settings(tmp_path / "data", sentence_vectors=True)
    report = run_ingest(settings, [str(FIXTURES / "mirror")])
    indexed = _indexed_sentences(settings)
    assert report.sentences_embedded == len(set(indexed)) > 0
    calls: list[list[str]] = []

    def embed(texts):
        calls.append(list(texts))
        return [np.full(384, 1 / np.sqrt(384), dtype=np.float32).tolist() for _ in texts]

    vectors = SentenceVectors(embedding_cache_for(settings).path, settings.embedding_model_name, embed)
    got = vectors.get(indexed)
    assert got.shape == (len(indexed), 384) and calls == []  # all embedded at ingest
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-3)

    novel = "A sentence that no indexed page contains, about nothing in particular."
    twice = vectors.get([novel, indexed[0], novel])
    assert calls == [[novel]] and np.allclose(twice[0], twice[2])
    vectors.get([novel])
    assert calls == [[novel]] and vectors.embedded_here == 1  # kept in memory, not embedded again


def test_without_sentence_vectors_ingest_embeds_only_chunks(tmp_path):
    report = run_ingest(make_settings(tmp_path / "data"), [str(FIXTURES / "mirror")])
    assert report.embedded == report.chunks and report.sentences_embedded == 0
