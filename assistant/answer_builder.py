"""CitedAnswerBuilder: the extractive answer — verbatim sentences from retrieved passages, cited."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from haystack import Document, component

from assistant.answer_type import expected_types, provides_any
from assistant.records import ESCALATE_NOT_COVERED, Answer, Citation
from assistant.section_merge import body_of
from assistant.sentences import split_sentences
from assistant.term_stats import TermStats
from ingest.forms import find_forms

MAX_SENTENCES = 3
PASSAGES_FOR_SENTENCES = 3
MIN_SENTENCE_CHARS = 25


@dataclass
class _Candidate:
    doc_rank: int
    start: int
    end: int
    text: str
    score: float


def _capitalised_share(words: list[str]) -> float:
    core = [w.lstrip("([\"'“‘-–—") for w in words]
    core = [w for w in core if w]
    return sum(1 for w in core if w[0].isupper() or w[0].isdigit()) / len(core) if core else 1.0


def _heading_line(line: str) -> bool:
    words = line.split()
    if not words:
        return True
    end = line.rstrip()[-1]
    if end == ":":
        return len(words) <= 4  # a label ("Affected Sections:"), not a lead-in sentence
    if end in ".?!;,":
        return False
    if end == ")":  # "... Vaccination Record (Form I-693)" is a title; "... (see Part 2)" is not
        return len(words) > 8 and _capitalised_share(words) >= 0.75
    return len(words) <= 8 or (len(words) <= 20 and _capitalised_share(words) >= 0.6)


def _looks_like_heading(text: str) -> bool:
    """Heading lines, not sentences: short lines without closing punctuation ("(B) Outstanding
    professors and researchers"), title-cased lines ("POLICY ALERT - COVID-19 Vaccination
    Requirement for ..."), and lists of them under a label ("Affected Sections:")."""
    return all(_heading_line(line) for line in text.splitlines())


def _near_duplicate(a: str, b: str) -> bool:
    """Two sentences that share most of their words say one thing twice, or are rows of one table:
    the better-scored one answers and the other adds only noise."""
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return a == b or len(wa & wb) >= 0.6 * min(len(wa), len(wb))


def _dated_by_citation(doc: Document, kinds: set[str]) -> bool:
    """A Policy Manual update is dated by its citation ("USCIS-PM Update 2025-05-13"): when it ranks
    first, its sentences answer "when did USCIS ...", the date standing next to them in the citation."""
    return "date" in kinds and doc.meta.get("kind") == "pm-update" and bool(doc.meta.get("current_as_of"))


def _heading(doc: Document) -> str:
    return str(doc.meta.get("heading") or doc.meta.get("title") or "")


def body_offset(doc: Document) -> int:
    """Where the passage body starts: after the heading line carried into each chunk."""
    heading, _ = body_of(doc)
    return len(heading) + 1 if heading else 0


def cosine(a: Any, b: Any) -> float:
    if a is None or b is None or len(a) == 0 or len(b) == 0:
        return 0.0
    va, vb = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return float(va @ vb / denom) if denom else 0.0


def confidence_from(dense: float, lexical: float) -> float:
    """Map the top passage's dense similarity and lexical coverage to [0, 1].

    A logistic of a weighted sum: MiniLM cosines for on-topic passages sit around 0.5–0.8 and
    off-topic ones around 0.1–0.4; lexical coverage is the share of the question's IDF mass the
    passage contains. The abstention threshold on this value is calibrated by `policydesk eval
    --calibrate` on a labelled set, not guessed here.
    """
    z = 7.0 * (dense - 0.42) + 4.0 * (lexical - 0.5)
    return 1.0 / (1.0 + math.exp(-z))


def to_citation(doc: Document, rank: int) -> Citation:
    m = doc.meta
    return Citation(
        rank=rank,
        chunk_id=m.get("chunk_id", doc.id),
        source=m.get("source", ""),
        url=m.get("url", ""),
        cite=m.get("cite", ""),
        title=m.get("title", ""),
        section=m.get("section", ""),
        kind=m.get("kind", ""),
        current_as_of=m.get("current_as_of"),
        text=doc.content or "",
        score=round(float(doc.score or 0.0), 4),
        body_start=body_offset(doc),
        chunk_ids=[str(span[0]) for span in m.get("spans") or []],
        later_update=m.get("later_update"),
    )


def point_at_answer(citation: Citation, doc: Document) -> None:
    """A merged passage is cited by the chunk that carries its first answer sentence."""
    spans = doc.meta.get("spans") or []
    if citation.highlights and spans:
        start = min(h[0] for h in citation.highlights)
        citation.chunk_id = next((str(cid) for cid, s, e in spans if s <= start < e), citation.chunk_id)


@component
class CitedAnswerBuilder:
    """Choose 1–3 answering sentences from the top passages and attach numbered citations.

    Every answer sentence is a verbatim substring of the cited passage's indexed text; its
    marker [n] is the citation's rank. Below `threshold` confidence the answer abstains.
    """

    def __init__(self, threshold: float = 0.5, top_k: int = 5) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        self.threshold = threshold
        self.top_k = top_k
        self.term_stats: TermStats | None = None
        self.known_forms: set[str] | None = None  # every form number tagged on an indexed chunk
        # chunk id -> dense vector, loaded with the index: retrievers don't return vectors because
        # Haystack deep-copies every document between components (~200 ms a question at k=20).
        self.vectors: dict[str, np.ndarray] = {}

    def _overlap(self, query_tokens: list[int], text: str) -> float:
        if self.term_stats is None:
            return 0.0
        return self.term_stats.weighted_overlap(query_tokens, text)

    def _candidates(self, docs: list[Document], query_tokens: list[int], dense: list[float]) -> list[_Candidate]:
        out: list[_Candidate] = []
        shown = {str(d.meta.get("cite") or "") for d in docs}
        for rank, doc in enumerate(docs[:PASSAGES_FOR_SENTENCES]):
            if doc.meta.get("later_update") in shown:
                # A newer update to the same section is among these passages: quoting this one
                # next to it would state guidance that may have been replaced ("requires COVID-19
                # vaccination records" after "removes the COVID-19 vaccination requirement").
                continue
            # Footnotes back up the guidance (citations, history); they answer only when nothing
            # in the guidance itself does.
            penalty = 0.15 if doc.meta.get("footnotes") else 0.0
            content = doc.content or ""
            offset = body_offset(doc)
            for span in split_sentences(content[offset:]):
                if len(span.text) < MIN_SENTENCE_CHARS or _looks_like_heading(span.text):
                    continue
                lexical = self._overlap(query_tokens, span.text)
                score = 0.65 * lexical + 0.35 * dense[rank] - 0.05 * rank - penalty
                out.append(_Candidate(rank, offset + span.start, offset + span.end, span.text, score))
        return out

    @component.output_types(answer=Answer)
    def run(
        self,
        question: str,
        documents: list[Document],
        query_embedding: list[float] | None = None,
        query_tokens: list[int] | None = None,
        threshold: float | None = None,
        forms: list[str] | None = None,
    ) -> dict[str, Any]:
        threshold = self.threshold if threshold is None else threshold
        docs = documents[: self.top_k]
        citations = [to_citation(d, i + 1) for i, d in enumerate(docs)]
        if not docs:
            return {"answer": Answer(question, True, 0.0, "", [], message=ESCALATE_NOT_COVERED,
                                     reason="not-covered")}
        if forms and self.known_forms is not None and not set(forms) & self.known_forms:
            # The question is about a form no indexed page mentions: whatever ranks first is
            # about something else, however similar it sounds.
            missing = ", ".join(f"Form {f}" for f in forms)
            return {"answer": Answer(question, True, 0.0, "", citations, reason="not-covered",
                                     message=f"{ESCALATE_NOT_COVERED} ({missing} is not in the indexed pages.)")}
        tokens = query_tokens or []
        dense = [cosine(query_embedding, d.embedding or self.vectors.get(d.id)) for d in docs]
        confidence = confidence_from(dense[0], self._overlap(tokens, docs[0].content or ""))
        if confidence < threshold:
            return {"answer": Answer(question, True, confidence, "", citations,
                                     message=ESCALATE_NOT_COVERED, reason="not-covered")}
        candidates = sorted(self._candidates(docs, tokens, dense), key=lambda c: -c.score)
        kinds = expected_types(question)
        if kinds:
            # Only sentences that can state what was asked (an amount, a duration, a date) answer it.
            candidates = [c for c in candidates if provides_any(c.text, kinds)
                          or (c.doc_rank == 0 and _dated_by_citation(docs[0], kinds))]
        if "amount" in kinds and forms:
            # A fee is some form's fee: "$0" or "$200" under another form's heading is no answer to
            # "what is the N-400 fee". The sentence, or the heading it sits under, names the form.
            wanted = set(forms)
            candidates = [c for c in candidates if wanted & set(find_forms(f"{c.text} {_heading(docs[c.doc_rank])}"))]
        chosen: list[_Candidate] = []
        for cand in candidates:
            if len(chosen) == MAX_SENTENCES or (chosen and cand.score < 0.8 * chosen[0].score):
                break
            if any(_near_duplicate(c.text, cand.text) for c in chosen):
                continue  # table rows from one template ("If you live in: ... Mail your form to: ...")
            chosen.append(cand)
        if not chosen:
            return {"answer": Answer(question, True, confidence, "", citations,
                                     message=ESCALATE_NOT_COVERED, reason="not-covered")}
        # Read in passage order, then document order, so the answer flows as the source does.
        chosen.sort(key=lambda c: (c.doc_rank, c.start))
        for cand in chosen:
            citations[cand.doc_rank].highlights.append([cand.start, cand.end])
        for citation, doc in zip(citations, docs, strict=False):
            point_at_answer(citation, doc)
        text = " ".join(f"{c.text} [{c.doc_rank + 1}]" for c in chosen)
        return {"answer": Answer(question, False, confidence, text, citations)}
