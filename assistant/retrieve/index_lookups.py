"""Per-chunk data the answer side needs, looked up through the store's indexes when a question
needs it, instead of loaded for every chunk when a version opens.

The section merger asks for a retrieved chunk's neighbours (`merge.chunks`), and the answer
builder for the dense vectors of the passages it cites (`answer.vectors`). Both were dicts over the
whole corpus: 100k chunks meant reading every point and holding ~1 GB before the first question.
These dicts fill themselves on a miss: a section's chunks by the keyword-indexed `meta.doc_id`
and `meta.section` (a section, not its whole page: a Policy Manual chapter has ~80 chunks and
reading them all for each retrieved chapter cost up to 15 ms a page), a vector by point id.
Each holds a bounded number of entries and is safe to share between threads (a race costs at
most one repeated lookup).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from haystack import Document

from assistant.retrieve.section_merge import Position, position_of

MAX_CACHED_CHUNKS = 20_000
MAX_CACHED_VECTORS = 10_000


class SectionChunks(dict[Position, Document]):
    """Chunk map of SectionMerger: (doc_id, section, ordinal) -> chunk, a section at a time."""

    def __init__(self, store: Any) -> None:
        super().__init__()
        self.store = store
        self._sections: set[tuple[str, str]] = set()

    def _load_section(self, doc_id: str, section: str) -> None:
        if (doc_id, section) in self._sections:
            return
        page: dict[str, Any] = {"field": "meta.doc_id", "operator": "==", "value": doc_id}
        # A chunk without a section heading has none in its meta: those are found by page.
        filters = page if not section else {"operator": "AND", "conditions": [
            page, {"field": "meta.section", "operator": "==", "value": section}]}
        docs = self.store.filter_documents(filters=filters)
        if len(self) + len(docs) > MAX_CACHED_CHUNKS:
            self._sections.clear()
            self.clear()
        for doc in docs:
            pos = position_of(doc)
            if pos is not None:
                super().__setitem__(pos, doc)
        self._sections.add((doc_id, section))

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 3:
            return False
        if not super().__contains__(key):
            self._load_section(str(key[0]), str(key[1]))
        return super().__contains__(key)

    def __missing__(self, key: Position) -> Document:
        self._load_section(str(key[0]), str(key[1]))
        if super().__contains__(key):
            return super().__getitem__(key)
        raise KeyError(key)


class VectorsById(dict[str, np.ndarray]):
    """Answer builder's vectors: chunk id -> dense vector, fetched by id from the store."""

    def __init__(self, store: Any) -> None:
        super().__init__()
        self.store = store

    def _fetch(self, key: str) -> np.ndarray | None:
        docs = self.store.get_documents_by_id([key])
        if not docs or docs[0].embedding is None:
            return None
        vector = np.asarray(docs[0].embedding, dtype=np.float32)
        if len(self) >= MAX_CACHED_VECTORS:
            self.clear()
        super().__setitem__(key, vector)
        return vector

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        found = super().get(key)
        if found is None:
            found = self._fetch(key)
        return default if found is None else found

    def __missing__(self, key: str) -> np.ndarray:
        found = self._fetch(key)
        if found is None:
            raise KeyError(key)
        return found
