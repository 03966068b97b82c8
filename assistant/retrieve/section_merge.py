"""SectionMerger: neighbouring chunks of one section, retrieved together, become one passage.

A Policy Manual section or a form-instructions item is cut into ~160-word chunks. When several
chunks of the same section are among a question's candidates, they compete for the top places
with near-identical scores, and the one that ranks first is often the section's opening while
the answering sentence sits in the next chunk ("8. Evidence for K-1 petitions": A. intention to
marry, B. in-person meeting ...). The merger shows the section as one passage instead:

- the best-ranked chunk of a section keeps its place; up to `max_chunks` contiguous chunks
  around it are joined in reading order, taking those that were retrieved too and the chunk
  between two retrieved ones;
- other chunks of that section lower in the list are dropped (they are inside the passage or
  add nothing a different section would not), which leaves the top places to other sections;
- the text is the indexed chunk bodies joined exactly, with the lead-in paragraph that chunking
  repeats at the start of a chunk taken once; `meta["spans"]` records which chunk each part of
  the text came from, so a citation can name the chunk that carries its answer sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from haystack import Document, component

from assistant.retrieve.passages import Passages
from ingest.sentences import chunk_body

Position = tuple[str, str, int]  # (doc_id, section, ordinal)


def position_of(doc: Document) -> Position | None:
    m = doc.meta
    if m.get("doc_id") is None or m.get("ordinal") is None:
        return None
    return (str(m["doc_id"]), str(m.get("section") or ""), int(m["ordinal"]))


def body_of(doc: Document) -> tuple[str, str]:
    """(heading line, body) of an indexed chunk."""
    content = doc.content or ""
    heading = doc.meta.get("heading")
    body = chunk_body(content, heading)  # the one heading-strip rule, shared with ingest
    return (str(heading), body) if len(body) < len(content) else ("", content)


def join_chunks(chunks: list[Document]) -> tuple[str, list[list[Any]]]:
    """Text of contiguous chunks (reading order) and [chunk_id, start, end) spans of each body."""
    heading, _ = body_of(chunks[0])
    text = heading + "\n" if heading else ""
    spans: list[list[Any]] = []
    previous_last = ""
    for doc in chunks:
        _, body = body_of(doc)
        paragraphs = body.split("\n\n")
        if spans and paragraphs and paragraphs[0] == previous_last and len(paragraphs) > 1:
            body = "\n\n".join(paragraphs[1:])  # the carried lead-in is already in the passage
        if spans:
            text += "\n\n"
        spans.append([doc.meta.get("chunk_id", doc.id), len(text), len(text) + len(body)])
        text += body
        previous_last = paragraphs[-1] if paragraphs else ""
    return text, spans


@component
class SectionMerger:
    """Merge retrieved chunks of the same section into one passage at the best chunk's rank."""

    def __init__(self, max_chunks: int = 3, chunks: Mapping[Position, Document] | None = None) -> None:
        if max_chunks < 1:
            raise ValueError(f"max_chunks must be >= 1, got {max_chunks}")
        self.max_chunks = max_chunks
        # Every indexed chunk of this index version by position (CorpusView.chunks); read only.
        self.chunks: Mapping[Position, Document] = chunks if chunks is not None else {}

    def _window(self, best: Position, retrieved: set[int]) -> list[int]:
        """Ordinals of up to max_chunks contiguous chunks around `best`, preferring retrieved ones."""
        doc_id, section, o = best
        lo = hi = o
        while hi - lo + 1 < self.max_chunks:
            # Grow towards the nearest retrieved neighbour on either side, if one is close enough.
            room = self.max_chunks - (hi - lo + 1)
            up = next((hi + d for d in range(1, room + 1) if hi + d in retrieved), None)
            down = next((lo - d for d in range(1, room + 1) if lo - d in retrieved), None)
            if up is None and down is None:
                break
            if down is None or (up is not None and up - hi <= lo - down):
                hi = up  # type: ignore[assignment]
            else:
                lo = down
        return [n for n in range(lo, hi + 1) if (doc_id, section, n) in self.chunks or n == o]

    @component.output_types(documents=Passages)
    def run(self, documents: Passages | list[Document]) -> dict[str, Any]:
        if self.max_chunks == 1:
            return {"documents": Passages(documents)}
        retrieved: dict[tuple[str, str], set[int]] = {}
        for doc in documents:
            pos = position_of(doc)
            if pos is not None:
                retrieved.setdefault(pos[:2], set()).add(pos[2])
        out: list[Document] = []
        done: set[tuple[str, str]] = set()
        for doc in documents:
            pos = position_of(doc)
            if pos is None:
                out.append(doc)
                continue
            key = pos[:2]
            if key in done:
                continue
            done.add(key)
            ordinals = self._window(pos, retrieved[key])
            if len(ordinals) == 1:
                out.append(doc)
                continue
            members = [doc if n == pos[2] else self.chunks[(*key, n)] for n in ordinals]
            text, spans = join_chunks(members)
            out.append(replace(doc, content=text, meta={**doc.meta, "spans": spans}))
        return {"documents": Passages(out)}
