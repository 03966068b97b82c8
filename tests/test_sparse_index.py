"""The in-memory BM25 scorer (Qdrant local mode's reader) returns what local mode's sparse search returns."""

from __future__ import annotations

import shutil

import pytest

from assistant.retrieve.sparse_index import InMemorySparseIndex
from ingest.index_store import VersionRegistry, close_store
from ingest.sparse import Bm25Encoder

QUERIES = [
    "fiancé met in person within two years",
    "extraordinary ability sustained national or international acclaim",
    "Dallas lockbox P.O. Box",
    "employment authorization replacement card DACA",
    "teaching or research experience outstanding professors",
]


@pytest.fixture(scope="module")
def store(small_local_index):
    registry = VersionRegistry(small_local_index)
    store, copy = registry.open_reader(registry.current())
    yield store
    close_store(store)
    shutil.rmtree(copy, ignore_errors=True)


@pytest.mark.parametrize("query", QUERIES)
def test_same_ranking_and_scores_as_qdrant_local(store, query):
    from haystack_integrations.components.retrievers.qdrant import QdrantSparseEmbeddingRetriever

    sparse = Bm25Encoder().encode_query(query)
    expected = QdrantSparseEmbeddingRetriever(store, top_k=10).run(query_sparse_embedding=sparse)["documents"]
    index = InMemorySparseIndex(store.filter_documents())
    got = index.search(sparse, top_k=10)
    assert [d.score for d in got] == pytest.approx([d.score for d in expected], rel=1e-4)
    # Same documents; order may differ only among equal scores.
    assert {d.id for d in got} == {d.id for d in expected} or got[-1].score == pytest.approx(expected[-1].score)
    assert got[0].id == expected[0].id or got[0].score == pytest.approx(expected[0].score)


def test_filters_and_unknown_terms(store):
    index = InMemorySparseIndex(store.filter_documents())
    sparse = Bm25Encoder().encode_query("extraordinary ability")
    only_statute = index.search(sparse, 10, {"field": "meta.kind", "operator": "==", "value": "statute"})
    assert only_statute and {d.meta["kind"] for d in only_statute} == {"statute"}
    assert index.search(Bm25Encoder().encode_query("zzzqqqxxyy"), 10) == []
