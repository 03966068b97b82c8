"""Small Haystack components of the query pipeline."""

from __future__ import annotations

from typing import Any

from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from ingest.sparse import Bm25Encoder

RRF_K = 60


@component
class Bm25QueryEncoder:
    """BM25 query side: each distinct token weight 1 (the collection applies IDF)."""

    def __init__(self, encoder: Bm25Encoder | None = None) -> None:
        self.encoder = encoder or Bm25Encoder()

    @component.output_types(sparse_embedding=SparseEmbedding, tokens=list[int])
    def run(self, text: str) -> dict[str, Any]:
        sparse = self.encoder.encode_query(text)
        return {"sparse_embedding": sparse, "tokens": list(sparse.indices)}


def _cite_matches(cite: str, wanted: str) -> bool:
    """"8 u.s.c. 1254" matches "8 u.s.c. 1254(a)" but not "8 u.s.c. 1254a"."""
    if not cite.startswith(wanted):
        return False
    rest = cite[len(wanted) :]
    return not rest or not rest[0].isalnum()


@component
class IdentifierBooster:
    """Promote passages whose meta names the forms or citations the question asked about.

    Agents type exact identifiers ("I-765 fee", "INA 316"); a passage tagged with that form or
    whose canonical cite starts with the asked citation gets a bonus on its fused rank score.
    """

    def __init__(self, form_bonus: float = 0.5, cite_bonus: float = 1.0) -> None:
        self.form_bonus = form_bonus
        self.cite_bonus = cite_bonus

    @component.output_types(documents=list[Document])
    def run(
        self, documents: list[Document], forms: list[str] | None = None, cites: list[str] | None = None
    ) -> dict[str, Any]:
        wanted_forms = set(forms or [])
        wanted_cites = [c.lower() for c in cites or []]
        scored = []
        for rank, doc in enumerate(documents):
            bonus = 0.0
            if wanted_forms & set(doc.meta.get("forms") or []):
                bonus += self.form_bonus
            cite = str(doc.meta.get("cite") or "").lower()
            if any(_cite_matches(cite, c) for c in wanted_cites):
                bonus += self.cite_bonus
            scored.append(((1.0 + bonus) / (RRF_K + rank + 1), rank, doc))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return {"documents": [doc for _, _, doc in scored]}
