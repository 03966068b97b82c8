"""Ranked passages between pipeline steps: fused as Haystack's joiner scores them, never copied."""

from __future__ import annotations

import copy

from haystack import Document, Pipeline, component
from haystack.components.joiners import DocumentJoiner

from assistant.retrieve.passages import Passages, fuse_ranks
from assistant.retrieve.query_components import PassageLimit, RankFusion


def _docs(prefix: str, n: int) -> list[Document]:
    return [Document(id=f"{prefix}{i}", content=f"text {prefix}{i}") for i in range(n)]


def test_fusion_scores_equal_haystacks_joiner_for_the_same_list_order():
    dense = _docs("d", 4) + _docs("s", 2)  # two documents both rankings found
    sparse = _docs("s", 5)
    ours = fuse_ranks([dense, sparse], [0.65, 0.35], top_k=8)
    theirs = DocumentJoiner(join_mode="reciprocal_rank_fusion", weights=[0.65, 0.35], top_k=8).run(
        documents=[dense, sparse])["documents"]
    assert [(d.id, round(d.score, 12)) for d in ours] == [(d.id, round(d.score, 12)) for d in theirs]
    assert len({d.id for d in ours}) == len(ours)  # deduplicated


def test_dense_weight_goes_to_the_dense_ranking_whatever_order_the_pipeline_runs_them():
    @component
    class Ranked:
        def __init__(self, docs: list[Document]) -> None:
            self.docs = docs

        @component.output_types(documents=Passages)
        def run(self, go: bool) -> dict[str, Passages]:
            return {"documents": Passages(self.docs)}

    pipe = Pipeline()
    # Named so that Haystack schedules "bm25" before "dense" (it did, and a variadic joiner then
    # received BM25's list first and gave it the weight meant for dense).
    pipe.add_component("bm25", Ranked(_docs("s", 3)))
    pipe.add_component("dense", Ranked(_docs("d", 3)))
    pipe.add_component("joiner", RankFusion(weights=[0.9, 0.1]))
    pipe.connect("dense.documents", "joiner.dense")
    pipe.connect("bm25.documents", "joiner.sparse")
    fused = pipe.run({"bm25": {"go": True}, "dense": {"go": True}})["joiner"]["documents"]
    assert [d.id for d in fused[:3]] == ["d0", "d1", "d2"]


def test_passages_are_handed_on_not_copied():
    docs = Passages(_docs("d", 3))
    assert copy.deepcopy(docs) is docs
    assert copy.deepcopy({"documents": docs})["documents"] is docs
    assert docs[:2] == [docs[0], docs[1]] and isinstance(docs[:2], Passages)
    assert PassageLimit(top_k=2).run(documents=docs)["documents"] == list(docs)[:2]
    assert list(reversed(docs)) == list(docs)[::-1] and docs.index(docs[1]) == 1
