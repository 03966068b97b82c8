"""Ranked passages as they pass from one query-pipeline step to the next.

Haystack deep-copies every component input, element by element, and checks each element against
its `Component` protocol (a runtime-checkable Protocol: ~25 µs a check). For 30 passages through
six steps that was ~10 ms of each question's Python time, held under the GIL, so parallel
questions queued on it. The steps never change a passage in place (they make changed copies with
`dataclasses.replace`), so the ranked list travels as one immutable `Passages` value that the
copy hands on as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, overload

from haystack import Document

RRF_RANK_OFFSET = 61  # Haystack's DocumentJoiner: 60 from the RRF paper, +1 for 0-based ranks


class Passages(Sequence[Document]):
    """An immutable ranked list of documents; copying it returns it."""

    __slots__ = ("_docs",)

    def __init__(self, documents: Iterable[Document] = ()) -> None:
        self._docs: tuple[Document, ...] = tuple(documents)

    @overload
    def __getitem__(self, index: int) -> Document: ...
    @overload
    def __getitem__(self, index: slice) -> Passages: ...
    def __getitem__(self, index: int | slice) -> Document | Passages:
        if isinstance(index, slice):
            return Passages(self._docs[index])
        return self._docs[index]

    def __len__(self) -> int:
        return len(self._docs)

    def __iter__(self) -> Iterator[Document]:
        return iter(self._docs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Passages):
            return self._docs == other._docs
        if isinstance(other, (list, tuple)):
            return list(self._docs) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # documents are not hashable

    def __repr__(self) -> str:
        return f"Passages({list(self._docs)!r})"

    def __deepcopy__(self, memo: dict[int, Any]) -> Passages:
        return self

    def __copy__(self) -> Passages:
        return self


def fuse_ranks(rankings: Sequence[Sequence[Document]], weights: Sequence[float] | None = None,
               top_k: int | None = None) -> Passages:
    """Weighted reciprocal rank fusion, scored exactly as Haystack's DocumentJoiner
    ("reciprocal_rank_fusion"): per list weight x n / (61 + rank), summed, divided by n / 61;
    deduplicated by id (the last list's copy of a document kept), best first, ties in first-seen order."""
    if not rankings:
        return Passages()
    n = len(rankings)
    resolved = list(weights) if weights else [1 / n] * n
    if len(resolved) != n:
        raise ValueError(f"{n} rankings but {len(resolved)} weights")
    scores: dict[str, float] = {}
    docs: dict[str, Document] = {}
    for ranking, weight in zip(rankings, resolved, strict=True):
        for rank, doc in enumerate(ranking):
            scores[doc.id] = scores.get(doc.id, 0.0) + weight * n / (RRF_RANK_OFFSET + rank)
            docs[doc.id] = doc
    fused = [replace(doc, score=scores[doc_id] / (n / RRF_RANK_OFFSET)) for doc_id, doc in docs.items()]
    fused.sort(key=lambda d: -(d.score or 0.0))
    return Passages(fused[:top_k] if top_k is not None else fused)
