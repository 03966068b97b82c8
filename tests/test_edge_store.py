"""qdrant-edge, the embedded default: the same answers as Qdrant local mode, filters, lookups, threads."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from haystack import Document
from haystack.errors import FilterError

from assistant.retrieve.index_lookups import SectionChunks, VectorsById
from assistant.retrieve.section_merge import position_of
from assistant.retrieve.term_stats import TermStats
from ingest.edge_store import EdgeDocumentStore
from ingest.index_store import ENGINE_EDGE, ENGINE_LOCAL, VersionRegistry, close_store
from ingest.sparse import Bm25Encoder

QUERIES = [
    "fiancé met in person within two years",
    "extraordinary ability sustained national or international acclaim",
    "Dallas lockbox P.O. Box",
    "employment authorization replacement card DACA",
    "public charge totality of the circumstances",
]
QUESTIONS = [
    "What is the filing fee for Form I-765?",
    "Where do I mail Form I-765 if I live in Texas?",
    "What must a K-1 petitioner show about meeting the fiancé in person?",
    "What does public charge mean?",
    "Who qualifies as an outstanding professor or researcher?",
    "How do I replace a lost employment authorization card?",
]


def _reader(settings):
    registry = VersionRegistry(settings)
    version = registry.current()
    store, copy = registry.open_reader(version)
    return registry, version, store, copy


@pytest.fixture(scope="module")
def edge(small_index):
    registry, version, store, copy = _reader(small_index)
    assert registry.engine_of(version) == ENGINE_EDGE and isinstance(store, EdgeDocumentStore)
    yield store
    close_store(store)
    shutil.rmtree(copy, ignore_errors=True)


@pytest.fixture(scope="module")
def local(small_local_index):
    registry, version, store, copy = _reader(small_local_index)
    assert registry.engine_of(version) == ENGINE_LOCAL
    yield store
    close_store(store)
    shutil.rmtree(copy, ignore_errors=True)


@pytest.mark.parametrize("query", QUERIES)
def test_bm25_same_scores_as_qdrant_local_mode(edge, local, query):
    from haystack_integrations.components.retrievers.qdrant import QdrantSparseEmbeddingRetriever

    sparse = Bm25Encoder().encode_query(query)
    expected = QdrantSparseEmbeddingRetriever(local, top_k=10).run(query_sparse_embedding=sparse)["documents"]
    got = edge.sparse_retrieval(sparse, top_k=10)
    assert [d.score for d in got] == pytest.approx([d.score for d in expected], rel=1e-4)
    assert got[0].id == expected[0].id or got[0].score == pytest.approx(expected[0].score)


@pytest.mark.parametrize("query", QUERIES)
def test_dense_same_ranking_as_qdrant_local_mode(edge, local, query):
    from haystack_integrations.components.retrievers.qdrant import QdrantEmbeddingRetriever

    vector = _some_vector(edge, query)
    expected = QdrantEmbeddingRetriever(local, top_k=10).run(query_embedding=vector)["documents"]
    got = edge.embedding_retrieval(vector, top_k=10)
    assert [d.id for d in got] == [d.id for d in expected]
    assert [d.score for d in got] == pytest.approx([d.score for d in expected], abs=1e-4)


def _some_vector(store, query):
    """A real chunk's vector, a different chunk for each query."""
    docs = sorted(store.filter_documents(), key=lambda d: d.id)
    doc = docs[sum(map(ord, query)) % len(docs)]
    vector = VectorsById(store)[doc.id]
    return (vector / np.linalg.norm(vector)).tolist()


def test_filters_follow_haystack_semantics(edge):
    kinds = {d.meta["kind"] for d in edge.filter_documents()}
    assert len(kinds) >= 3
    only = edge.filter_documents({"field": "meta.kind", "operator": "==", "value": "statute"})
    assert only and {d.meta["kind"] for d in only} == {"statute"}
    two = edge.filter_documents({"field": "meta.kind", "operator": "in", "value": ["statute", "pm-chapter"]})
    assert {d.meta["kind"] for d in two} == {"statute", "pm-chapter"}
    others = edge.filter_documents({"field": "meta.kind", "operator": "not in", "value": ["statute"]})
    assert len(others) + len(only) == edge.count_documents()
    i765 = edge.filter_documents({"field": "meta.forms", "operator": "in", "value": ["I-765"]})
    assert i765 and all("I-765" in d.meta["forms"] for d in i765)
    both = edge.filter_documents({"operator": "AND", "conditions": [
        {"field": "meta.forms", "operator": "==", "value": "I-765"},
        {"field": "meta.kind", "operator": "!=", "value": "uscis-page"}]})
    assert all(d.meta["kind"] != "uscis-page" and "I-765" in d.meta["forms"] for d in both)
    either = edge.filter_documents({"operator": "OR", "conditions": [
        {"field": "meta.kind", "operator": "==", "value": "statute"},
        {"field": "meta.forms", "operator": "==", "value": "I-765"}]})
    assert len(either) == len({d.id for d in only} | {d.id for d in i765})
    hits = edge.sparse_retrieval(Bm25Encoder().encode_query("extraordinary ability"), filters={
        "field": "meta.kind", "operator": "==", "value": "statute"}, top_k=10)
    assert hits and {d.meta["kind"] for d in hits} == {"statute"}
    with pytest.raises(FilterError, match="unknown filter operator"):
        edge.filter_documents({"field": "meta.kind", "operator": "~", "value": "x"})
    assert edge.sparse_retrieval(Bm25Encoder().encode_query("zzzqqqxxyy"), top_k=10) == []


def test_lookups_return_what_a_full_load_would(edge):
    docs = edge.filter_documents()
    full = {pos: d for d in docs if (pos := position_of(d)) is not None}
    chunks = SectionChunks(edge)
    for pos, doc in list(full.items())[:40]:
        assert pos in chunks and chunks[pos].content == doc.content
    assert ("no-such-page", "", 0) not in chunks
    with pytest.raises(KeyError):
        chunks[("no-such-page", "", 0)]
    vectors = VectorsById(edge)
    vector = vectors.get(docs[0].id)
    assert vector is not None and vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-3
    assert vectors.get("no-such-chunk") is None


def test_term_counts_saved_at_ingest_equal_counting_the_store(small_index, edge):
    registry = VersionRegistry(small_index)
    counts = registry.load_term_counts(registry.current())
    assert counts is not None
    encoder = Bm25Encoder()
    counted = TermStats(encoder, (d.content or "" for d in edge.filter_documents()))
    saved = TermStats.from_counts(encoder, {int(t): n for t, n in counts["df"].items()}, counts["n_texts"])
    assert saved.n_docs == counted.n_docs and dict(saved.df) == dict(counted.df)
    text = edge.filter_documents()[0].content or ""
    tokens = list(encoder.encode_query("fee for Form I-765 employment authorization").indices)
    assert saved.weighted_overlap(tokens, text) == pytest.approx(counted.weighted_overlap(tokens, text))


def test_write_policies(tmp_path):
    from haystack.document_stores.errors import DuplicateDocumentError
    from haystack.document_stores.types import DuplicatePolicy

    store = EdgeDocumentStore(tmp_path / "shard", create=True)
    doc = Document(id="a", content="fee waiver", meta={"kind": "uscis-page", "forms": ["I-912"]},
                   embedding=[1.0] + [0.0] * 383, sparse_embedding=Bm25Encoder().encode_document("fee waiver"))
    assert store.write_documents([doc]) == 1
    with pytest.raises(DuplicateDocumentError):
        store.write_documents([doc], policy=DuplicatePolicy.FAIL)
    store.write_documents([Document(id="a", content="changed", embedding=doc.embedding)], policy=DuplicatePolicy.SKIP)
    assert store.filter_documents()[0].content == "fee waiver"
    store.write_documents([Document(id="a", content="changed", embedding=doc.embedding)],
                          policy=DuplicatePolicy.OVERWRITE)
    assert store.filter_documents()[0].content == "changed"
    store.delete_documents(["a"])
    assert store.count_documents() == 0
    store.close()


def test_parallel_questions_get_the_serial_answers(small_index):
    """The Assistant answers questions from many threads at once, exactly as one at a time."""
    from assistant.service import Assistant

    assistant = Assistant(small_index)
    serial = [(a.text, [c.chunk_id for c in a.citations]) for a in map(assistant.ask, QUESTIONS)]
    top_ks = [3, 5, 7]

    def ask(i: int):
        answer = assistant.ask(QUESTIONS[i % len(QUESTIONS)], top_k=top_ks[i % 3])
        return i, answer.text, [c.chunk_id for c in answer.citations]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ask, range(48)))
    for i, text, cited in results:
        want_text, want_cited = serial[i % len(QUESTIONS)]
        assert text == want_text
        k = top_ks[i % 3]
        assert cited[:min(k, 5)] == want_cited[:min(k, 5)] and len(cited) <= k
    assistant.close()


def test_a_new_version_is_picked_up_while_questions_run_in_parallel(tmp_path):
    """Clients keep asking from several threads while an ingest switches versions: no errors, the
    new version serves without a restart, and the old version's reader view is removed once its
    last question has finished."""
    import threading

    from assistant.service import Assistant
    from ingest.run_ingest import run_ingest
    from tests.conftest import FIXTURES, make_settings

    settings = make_settings(tmp_path / "data")
    first = run_ingest(settings, [str(FIXTURES / "mirror")])
    assistant = Assistant(settings)
    assert assistant.version.name == first.version
    errors: list[str] = []
    stop = threading.Event()
    versions_seen: set[str] = set()

    def client() -> None:
        while not stop.is_set():
            try:
                assistant.ask("What is the fee for Form I-999?")
                versions_seen.add(assistant.version.name)
            except Exception as exc:  # noqa: BLE001 - any failure is the test failing
                errors.append(repr(exc))

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    second = run_ingest(settings, [str(FIXTURES / "mirror")])
    deadline = time.time() + 120
    while second.version not in versions_seen and time.time() < deadline:
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert second.version in versions_seen and assistant.version.name == second.version
    views = [p.name for p in (settings.index_dir / "readers").iterdir()]
    assert len(views) == 1 and second.version in views[0]  # the old view went with its last question
    assistant.close()
    assert list((settings.index_dir / "readers").iterdir()) == []
