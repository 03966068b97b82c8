"""The Assistant: one loaded query pipeline over the serving index version, used by every front end.

Models load once per process; the serving version is re-checked before each question, so a reader
picks up a newly switched index without a restart (and keeps answering from the old copy until
the new one is open).
"""

from __future__ import annotations

import shutil
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from assistant.acronyms import expand_acronyms
from assistant.answer_builder import CitedAnswerBuilder
from assistant.approvals.desk import ApprovalDesk
from assistant.call_context import strip_call_context
from assistant.identifiers import extract_identifiers
from assistant.query_components import Bm25QueryEncoder, PassageRescorer
from assistant.query_pipeline import build_query_pipeline, retriever_names
from assistant.records import ESCALATE_CASE_SPECIFIC, Answer, QuestionError
from assistant.redact import asks_after_own_case, carries_case_identifier, redact
from assistant.referrals import find_referral
from assistant.section_merge import SectionMerger, position_of
from assistant.sentence_vectors import SentenceVectors
from assistant.sparse_index import InMemorySparseIndex, InMemorySparseRetriever
from assistant.term_stats import TermStats
from ingest.index_store import IndexVersion, VersionRegistry, close_store
from ingest.indexing import embedding_cache_for
from ingest.settings import Settings


@dataclass
class SearchFilters:
    kinds: list[str] = field(default_factory=list)
    volume: int | None = None
    forms: list[str] = field(default_factory=list)

    def to_haystack(self) -> dict[str, Any] | None:
        conditions: list[dict[str, Any]] = []
        if self.kinds:
            conditions.append({"field": "meta.kind", "operator": "in", "value": list(self.kinds)})
        if self.volume is not None:
            conditions.append({"field": "meta.volume", "operator": "==", "value": int(self.volume)})
        if self.forms:
            conditions.append({"field": "meta.forms", "operator": "in", "value": list(self.forms)})
        if not conditions:
            return None
        return conditions[0] if len(conditions) == 1 else {"operator": "AND", "conditions": conditions}


def clean_question(question: object, max_chars: int) -> str:
    """Validate and tidy a question; QuestionError says what is wrong in plain words."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in question)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty: type what the caller asked")
    if len(text) > max_chars:
        raise QuestionError(
            f"the question is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Ask one question in a sentence or two."
        )
    if not any(ch.isalpha() for ch in text):
        raise QuestionError("the question has no words to search for")
    return text


class Assistant:
    def __init__(self, settings: Settings, mode: str = "hybrid") -> None:
        self.settings = settings
        self.mode = mode
        self.registry = VersionRegistry(settings)
        self._lock = threading.RLock()
        self._version: IndexVersion | None = None
        self._store: Any = None
        self._copy: Path | None = None
        self._pipeline: Any = None
        # One lock for both: the desk embeds through this Assistant, which checks approvals.
        self.approvals = ApprovalDesk(settings, embed=self.embed_questions, lock=self._lock)

    # -- index lifecycle ----------------------------------------------------------------------
    @property
    def version(self) -> IndexVersion:
        self._ensure_current()
        assert self._version is not None
        return self._version

    def _ensure_current(self) -> None:
        name = self.registry.current_name()
        if self._version is not None and name == self._version.name:
            return
        version = self.registry.current()  # raises IndexUnavailable with how to rebuild
        store, copy = self.registry.open_reader(version)
        pipeline = build_query_pipeline(self.settings, store, self.mode)
        pipeline.warm_up()
        builder = cast(CitedAnswerBuilder, pipeline.get_component("answer"))
        docs = store.filter_documents()  # with vectors: the reader store returns embeddings
        bm25 = pipeline.get_component("bm25") if "bm25" in pipeline.graph.nodes else None
        if isinstance(bm25, InMemorySparseRetriever):
            bm25.index = InMemorySparseIndex(docs)
        encoder = cast(Bm25QueryEncoder, pipeline.get_component("sparse")).encoder
        builder.term_stats = TermStats(encoder, (d.content or "" for d in docs))
        cast(PassageRescorer, pipeline.get_component("rescore")).term_stats = builder.term_stats
        builder.known_forms = {f for d in docs for f in d.meta.get("forms") or []}
        merger = cast(SectionMerger, pipeline.get_component("merge"))
        merger.chunks = {pos: d for d in docs if (pos := position_of(d)) is not None}
        builder.vectors = {d.id: np.asarray(d.embedding, dtype=np.float32) for d in docs if d.embedding}
        if self.settings.sentence_vectors:
            backend = pipeline.get_component("embedder").embedding_backend
            builder.sentence_vectors = SentenceVectors(
                embedding_cache_for(self.settings).path, self.settings.embedding_model_name,
                lambda texts: backend.embed(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False))
        self.approvals.on_new_version(version.name, docs)  # a page change sends approvals to review
        old_store, old_copy = self._store, self._copy
        self._version, self._store, self._copy, self._pipeline = version, store, copy, pipeline
        self._release(old_store, old_copy)

    @staticmethod
    def _release(store: Any, copy: Path | None) -> None:
        if store is not None:
            close_store(store)
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._release(self._store, self._copy)
            self._version = self._store = self._copy = self._pipeline = None

    def pipeline_component(self, name: str) -> Any:
        """A component of the serving version's query pipeline (for evaluation and fitting)."""
        self._ensure_current()
        return self._pipeline.get_component(name)

    @property
    def document_store(self) -> Any:
        self._ensure_current()
        return self._store

    # -- answering ----------------------------------------------------------------------------
    def ask(
        self,
        question: object,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
        qid: str | None = None,
        threshold: float | None = None,
    ) -> Answer:
        return self.explain(question, top_k, filters, qid, threshold)[0]

    def explain(
        self,
        question: object,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
        qid: str | None = None,
        threshold: float | None = None,
    ) -> tuple[Answer, dict[str, Any]]:
        """The answer, and what the answer builder weighed: its candidate sentences with their
        features (`candidates`) and the confidence features (`evidence`); `eval --fit` learns from them."""
        started = time.perf_counter()
        text = clean_question(question, self.settings.max_question_chars)
        shown = redact(text)
        # A case identifier always escalates (and is never echoed); otherwise a question another
        # agency handles is referred there before "my ..." phrasing counts as a case lookup
        # ("status of my tax refund" is the IRS's, not a USCIS case).
        has_identifier = carries_case_identifier(text)
        referral = find_referral(text) if self.settings.refer_other_agencies and not has_identifier else None
        if referral is not None or has_identifier or asks_after_own_case(text):
            # Answered before any search: nothing is retrieved or quoted.
            escalation = Answer(shown, True, 0.0, "", [], id=qid, message=ESCALATE_CASE_SPECIFIC,
                                reason="case-specific")
            if referral is not None:
                escalation.message, escalation.reason = referral.message, "other-agency"
                escalation.referral = referral.contact()
            escalation.latency_ms = (time.perf_counter() - started) * 1000
            return escalation, {"candidates": [], "evidence": {}}
        with self._lock:
            self._ensure_current()
            self._pipeline.get_component("answer").top_k = top_k or self.settings.top_k
            inputs = self._inputs(text, filters)
            inputs["answer"] = {"question": shown, "threshold": threshold, "forms": inputs["rescore"]["forms"]}
            out = self._pipeline.run(inputs, include_outputs_from={"embedder"})
            answer: Answer = self.approvals.lead(out["answer"]["answer"], out["embedder"]["embedding"], text)
        answer.id = qid
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer, out["answer"]

    def _inputs(self, text: str, filters: SearchFilters | None) -> dict[str, Any]:
        """Pipeline inputs: identifiers spelled canonically, acronyms spelled out, call context dropped."""
        ids = extract_identifiers(text)
        query = ids.normalised_text
        if self.settings.strip_call_context:
            query = strip_call_context(query)
        if self.settings.expand_acronyms:
            query = expand_acronyms(query)
        inputs: dict[str, Any] = {
            "embedder": {"text": query},
            "sparse": {"text": query},
            "rescore": {"forms": list(ids.forms), "cites": [*ids.pm_cites, *ids.usc_sections]},
        }
        haystack_filters = (filters or SearchFilters()).to_haystack()
        if haystack_filters:
            for name in retriever_names(self.mode):
                inputs[name] = {"filters": haystack_filters}
        return inputs

    def embed_questions(self, questions: list[str]) -> list[list[float]]:
        """Questions embedded exactly as `ask` embeds them (to match approved questions)."""
        with self._lock:
            self._ensure_current()
            embedder = self._pipeline.get_component("embedder")
            texts = [embedder.prefix + self._inputs(q, None)["embedder"]["text"] + embedder.suffix for q in questions]
            # One batch through the loaded model (the component's run() takes one text at a time).
            vectors = embedder.embedding_backend.embed(texts, batch_size=32, show_progress_bar=False,
                                                       normalize_embeddings=True)
            return [list(map(float, v)) for v in vectors]

    def retrieve(self, question: str, top_k: int = 10, filters: SearchFilters | None = None) -> list[Any]:
        """Ranked passages, as the answer cites them (for evaluation of retrieval)."""
        text = clean_question(question, self.settings.max_question_chars)
        with self._lock:
            self._ensure_current()
            inputs = self._inputs(text, filters)
            inputs["answer"] = {"question": text}
            out = self._pipeline.run(inputs, include_outputs_from={"merge"})
        return out["merge"]["documents"][:top_k]
