"""CitedAnswerBuilder: the extractive answer — verbatim sentences from retrieved passages, cited."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import Any

import numpy as np
from haystack import Document, component

from assistant.answer.answer_model import AnswerModel
from assistant.answer.answer_type import expected_types, provides_any
from assistant.answer.sentence_features import (
    Candidate,
    Evidence,
    body_offset,
    candidates_of,
    clause_spans,
    fill_features,
    is_boilerplate,
    is_lead_in,
    list_end,
    named_terms,
)
from assistant.answer.sentence_vectors import SentenceVectors
from assistant.records import ESCALATE_NOT_COVERED, Answer, Citation
from assistant.retrieve.passages import Passages
from assistant.retrieve.term_stats import TermStats
from ingest.forms import find_forms

MAX_SENTENCES = 3
PASSAGES_FOR_SENTENCES = 3
# A further sentence joins the answer only when the model rates it nearly as likely to state the
# fact as the best one (a word budget on top of that cut the fact out of 3 training answers in 115).
FOLLOW_SHARE = 0.45
# A clipped sentence (see `clip_words`) is quoted as its run of clauses of at most this many words.
CLAUSE_WINDOW_WORDS = 60


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


def cosine(a: Any, b: Any) -> float:
    if a is None or b is None or len(a) == 0 or len(b) == 0:
        return 0.0
    va, vb = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return float(va @ vb / denom) if denom else 0.0


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
    """Choose the sentences of the top passages that answer the question, and cite them.

    Every candidate sentence is scored by the sentence model (assistant.answer_model: the built-in
    formula, or one fitted by `eval --fit`) from its features: similarity to the question (MiniLM
    vectors embedded at ingest, when enabled), the question's terms it and its heading contain,
    its passage's rank and similarity, and what it is (a pointer elsewhere, a list lead-in, a long
    statute sentence, a sentence stating an asked-for amount or date). The best one leads; others
    join only when nearly as likely. Pointers ("For more information, visit ...") are never
    quoted; a lead-in is quoted with its list items; with `clip_words`, a longer sentence is quoted
    down to its answering clauses. Every quoted span is a verbatim slice of the cited passage's
    indexed text, followed by its marker [n] (the citation's rank).

    The confidence comes from the confidence model; below `threshold` the answer abstains.
    """

    def __init__(self, threshold: float = 0.5, top_k: int = 5, model: AnswerModel | None = None,
                 answer_types: bool = True, clip_words: int = 0, term_stats: TermStats | None = None,
                 known_forms: AbstractSet[str] | None = None, vectors: Mapping[str, np.ndarray] | None = None,
                 sentence_vectors: SentenceVectors | None = None) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        self.threshold = threshold
        self.top_k = top_k
        self.model = model or AnswerModel()
        # Off: no sentence is required to state an asked-for amount, duration or date (ablation).
        self.answer_types = answer_types
        # Sentences over this many words are quoted down to their answering clauses (0: never).
        self.clip_words = clip_words
        # This index version's view of the corpus (CorpusView), read only: term statistics, and
        # every form number tagged on an indexed chunk (None: not known, no form check).
        self.term_stats = term_stats
        self.known_forms = known_forms
        # chunk id -> dense vector, from the version's view: retrievers don't return vectors because
        # Haystack deep-copies every document between components (~200 ms a question at k=20).
        self.vectors: Mapping[str, np.ndarray] = vectors if vectors is not None else {}
        self.sentence_vectors = sentence_vectors

    def _overlap(self, query_tokens: list[int], text: str) -> float:
        if self.term_stats is None:
            return 0.0
        return self.term_stats.weighted_overlap(query_tokens, text)

    def _rare_missing(self, tokens: list[int], docs: list[Document]) -> float:
        """How rare the rarest question term is that none of the passages contains: "Venezuela" in a
        question whose passages are all about Ukraine says the pages may not answer it."""
        if self.term_stats is None or not tokens:
            return 0.0
        stats = self.term_stats
        present = frozenset().union(*(stats.tokens(d.content or "") for d in docs))
        return max((stats.idf(t) for t in set(tokens) - present), default=0.0) / 10.0

    def _sentence_cos(self, query: np.ndarray | None, cands: list[Candidate]) -> np.ndarray:
        if query is None or self.sentence_vectors is None or not cands:
            return np.zeros(len(cands))
        return self.sentence_vectors.get([c.text for c in cands]) @ query

    def _clip(self, cand: Candidate, tokens: list[int], query: np.ndarray | None) -> None:
        """A sentence too long to read out (a statute's 150-word proviso) is quoted down to the run of
        clauses that answers: the one closest to the question (MiniLM cosine plus term coverage).
        Still verbatim: the run is a slice of the sentence."""
        spans = clause_spans(cand.text, CLAUSE_WINDOW_WORDS)
        if len(spans) < 2:
            return
        texts = [cand.text[s:e] for s, e in spans]
        scores = np.array([self._overlap(tokens, t) for t in texts])
        if query is not None and self.sentence_vectors is not None:
            scores = scores + self.sentence_vectors.get(texts) @ query
        start, end = spans[int(np.argmax(scores))]
        cand.start, cand.end = cand.start + start, cand.start + end
        cand.text = cand.text[start:end]

    @component.output_types(answer=Answer, candidates=list[Candidate], evidence=dict[str, float])
    def run(
        self,
        question: str,
        documents: Passages | list[Document],
        query_embedding: list[float] | None = None,
        query_tokens: list[int] | None = None,
        threshold: float | None = None,
        forms: list[str] | None = None,
    ) -> dict[str, Any]:
        threshold = self.threshold if threshold is None else threshold
        docs = list(documents[: self.top_k])
        citations = [to_citation(d, i + 1) for i, d in enumerate(docs)]

        def abstain(confidence: float, message: str = ESCALATE_NOT_COVERED, cands: list[Candidate] | None = None,
                    evidence: dict[str, float] | None = None) -> dict[str, Any]:
            return {"answer": Answer(question, True, confidence, "", citations, message=message,
                                     reason="not-covered"), "candidates": cands or [], "evidence": evidence or {}}

        if not docs:
            return abstain(0.0)
        if forms and self.known_forms is not None and not set(forms) & self.known_forms:
            # The question is about a form no indexed page mentions: whatever ranks first is
            # about something else, however similar it sounds.
            missing = ", ".join(f"Form {f}" for f in forms)
            return abstain(0.0, f"{ESCALATE_NOT_COVERED} ({missing} is not in the indexed pages.)")
        tokens = query_tokens or []
        query = None if query_embedding is None else np.asarray(query_embedding, dtype=np.float32)
        passage_cos = [cosine(query, d.embedding or self.vectors.get(d.id)) for d in docs]
        shown = {str(d.meta.get("cite") or "") for d in docs}
        # A newer update to the same section is among these passages: quoting this one next to it
        # would state guidance that may have been replaced.
        skip = {r for r, d in enumerate(docs) if d.meta.get("later_update") in shown}
        skip |= set(range(PASSAGES_FOR_SENTENCES, len(docs)))
        cands = candidates_of(docs, skip)
        kinds = expected_types(question) if self.answer_types else set()
        fill_features(cands, docs, Evidence(tokens, self._sentence_cos(query, cands), passage_cos, kinds,
                                            set(forms or []), self.term_stats))
        if cands:
            for cand, p in zip(cands, self.model.sentence_probabilities(np.stack([c.features for c in cands])),
                               strict=True):
                cand.probability = float(p)
        ranked = sorted(cands, key=lambda c: (-c.probability, c.doc_rank, c.start))
        if kinds:
            # Only sentences that can state what was asked (an amount, a duration, a date) answer it.
            ranked = [c for c in ranked if provides_any(c.text, kinds)
                      or (c.doc_rank == 0 and _dated_by_citation(docs[0], kinds))]
        if "amount" in kinds and forms:
            # A fee is some form's fee: "$0" or "$200" under another form's heading is no answer to
            # "what is the N-400 fee". The sentence names the form; a sentence that names no form
            # at all takes the form of the heading it sits under (a table row naming Form I-131
            # on the I-912 page is the I-131's).
            wanted = set(forms)
            ranked = [c for c in ranked
                      if wanted & set(find_forms(c.text) or find_forms(_heading(docs[c.doc_rank])))]
        # Pointers elsewhere ("Visit the USCIS website at ...") are never quoted: they lead nowhere
        # an agent can read out, and placed first in reading order they would lead the answer.
        ranked = [c for c in ranked if not is_boilerplate(c.text)]
        best = ranked[0] if ranked else None
        quoted_text = " ".join(d.content or "" for d in docs[:PASSAGES_FOR_SENTENCES]).lower()
        evidence = {
            "bias": 1.0,
            "best_p": best.probability if best else 0.0,
            "best_cos": best.feature("cos") if best else 0.0,
            "passage_cos": passage_cos[0],
            "passage_lex": self._overlap(tokens, docs[0].content or ""),
            "rare_missing": self._rare_missing(tokens, docs[:PASSAGES_FOR_SENTENCES]),
            "name_missing": float(any(name.lower() not in quoted_text for name in named_terms(question))),
            "type_asked_found": float(bool(kinds) and best is not None),
        }
        confidence = self.model.confidence_of(evidence)
        if best is None or confidence < threshold:
            return abstain(confidence, cands=cands, evidence=evidence)
        chosen = [best]
        for cand in ranked:
            if len(chosen) == MAX_SENTENCES or cand.probability < FOLLOW_SHARE * best.probability:
                break
            if cand is best or any(_near_duplicate(c.text, cand.text) for c in chosen):
                continue  # table rows from one template ("If you live in: ... Mail your form to: ...")
            chosen.append(cand)
        quoted = [replace(c) for c in chosen]
        for cand in quoted:
            content = docs[cand.doc_rank].content or ""
            if is_lead_in(cand.text):
                cand.end = list_end(content, cand.end)
                cand.text = content[cand.start:cand.end]
            elif self.clip_words and len(cand.text.split()) > self.clip_words:
                self._clip(cand, tokens, query)
        # Read in passage order, then document order, so the answer flows as the source does.
        quoted.sort(key=lambda c: (c.doc_rank, c.start))
        for cand in quoted:
            citations[cand.doc_rank].highlights.append([cand.start, cand.end])
        for citation, doc in zip(citations, docs, strict=False):
            point_at_answer(citation, doc)
        text = " ".join(f"{c.text} [{c.doc_rank + 1}]" for c in quoted)
        return {"answer": Answer(question, False, confidence, text, citations), "candidates": cands,
                "evidence": evidence}
