"""The Assistant: one loaded query pipeline over the serving index version, used by every front end.

Models load once per process; the serving version is re-checked before each question, so a reader
picks up a newly switched index without a restart (and keeps answering from the old copy until
the new one is open). Questions run in parallel: an open version is read-only, and no pipeline
component keeps per-question state (Qdrant local mode, not thread-safe, answers one at a time).
Each version gets its own pipeline, built with that version's CorpusView (term statistics, known
forms, chunk map, vectors) handed to the components' constructors.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.admission import AdmissionGate
from assistant.answer.referrals import find_referral
from assistant.approvals.desk import ApprovalDesk
from assistant.privacy.redact import asks_after_own_case, carries_case_identifier, redact
from assistant.query_pipeline import build_query_pipeline, retriever_names
from assistant.records import ESCALATE_CASE_SPECIFIC, Answer, QuestionError
from assistant.retrieve.acronyms import expand_acronyms
from assistant.retrieve.call_context import strip_call_context
from assistant.retrieve.corpus_view import CorpusView, view_by_lookups, view_in_memory
from assistant.retrieve.identifiers import extract_identifiers
from assistant.retrieve.spelling import model_words
from assistant.workers import AskWorkers
from ingest.index_store import ENGINE_LOCAL, IndexUnavailable, IndexVersion, VersionRegistry, close_store
from ingest.model_identity import index_model_mismatch
from ingest.settings import Settings
from ingest.sparse import Bm25Encoder


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


@dataclass
class _Serving:
    """One open index version: its store, its private copy, its CorpusView and the pipeline over it.

    Read-only once opened, so any number of questions use it at once; `users` counts them, and a
    version replaced by a newer one is closed when its last question finishes.
    """

    version: IndexVersion
    store: Any
    copy: Path | None
    view: CorpusView  # what this version's pipeline components read about the corpus
    pipeline: Any
    exclusive: Any  # Qdrant local mode is not thread-safe: its questions take turns (a lock)
    users: int = 0
    retired: bool = False


class Assistant:
    def __init__(self, settings: Settings, mode: str = "hybrid") -> None:
        self.settings = settings
        self.mode = mode
        self.registry = VersionRegistry(settings)
        self._state = threading.Lock()  # guards _serving and the users counts (held for microseconds)
        self._opening = threading.Lock()  # one thread opens a new version; the others keep answering
        self._serving: _Serving | None = None
        self.approvals = ApprovalDesk(settings, embed=self.embed_questions, open_version=self._ensure_current)
        self._workers: AskWorkers | None = None  # started on the first question (POLICYDESK_ASK_PROCESSES)
        self._workers_lock = threading.Lock()
        # Admission: at most this many questions in the pipeline at once (POLICYDESK_PARALLEL_QUESTIONS).
        self._admission = AdmissionGate(settings.parallel_questions or os.cpu_count() or 1)

    # -- index lifecycle ----------------------------------------------------------------------
    @property
    def version(self) -> IndexVersion:
        with self._use() as serving:
            return serving.version

    def _ensure_current(self) -> None:
        with self._use():
            pass

    @contextmanager
    def _use(self) -> Iterator[_Serving]:
        """The serving version, opened (or re-opened after a switch) as needed, held for one question."""
        serving = self._acquire()
        try:
            yield serving
        finally:
            self._leave(serving)

    def _acquire(self) -> _Serving:
        name = self.registry.current_name()
        with self._state:
            serving = self._serving
            if serving is not None and serving.version.name == name:
                serving.users += 1
                return serving
        # A new version serves. One thread opens it (seconds: the model warms up); meanwhile the
        # others answer from the version they have, if any.
        if not self._opening.acquire(blocking=serving is None):
            with self._state:
                if self._serving is not None:
                    self._serving.users += 1
                    return self._serving
            self._opening.acquire()
        try:
            with self._state:
                serving = self._serving
                if serving is not None and serving.version.name == self.registry.current_name():
                    serving.users += 1
                    return serving
            fresh = self._open(self.registry.current())  # raises IndexUnavailable with how to rebuild
            with self._state:
                old, self._serving = self._serving, fresh
                fresh.users += 1
                done = old is not None and old.users == 0
                if old is not None:
                    old.retired = True
            if done and old is not None:
                self._release(old.store, old.copy)
            return fresh
        finally:
            self._opening.release()

    def _leave(self, serving: _Serving) -> None:
        with self._state:
            serving.users -= 1
            done = serving.retired and serving.users == 0
        if done:
            self._release(serving.store, serving.copy)

    def _open(self, version: IndexVersion) -> _Serving:
        if self.settings.inference_threads:
            import torch

            torch.set_num_threads(self.settings.inference_threads)  # process-wide: the app is one reader
        mismatch = index_model_mismatch(version.manifest, self.settings.embedding_model_id)
        if mismatch:
            raise IndexUnavailable(mismatch)
        store, copy = self.registry.open_reader(version)
        try:
            local = self.registry.engine_of(version) == ENGINE_LOCAL
            view = self._corpus_view(version, store, local)
            # The view goes to the components through their constructors: nothing is set on them later.
            pipeline = build_query_pipeline(self.settings, store, self.mode, view=view)
            pipeline.warm_up()
            exclusive: Any = threading.RLock() if local else nullcontext()
            # A page change sends approvals to review; the chunks are read only when there are
            # approvals to check (or when the first one is made), not on every open.
            self.approvals.on_new_version(version.name, store.filter_documents)
        except BaseException:
            self._release(store, copy)
            raise
        return _Serving(version, store, copy, view, pipeline, exclusive)

    def _corpus_view(self, version: IndexVersion, store: Any, local: bool) -> CorpusView:
        """This version's CorpusView. Qdrant local mode's searches and filters are Python scans, so
        its reader holds the whole corpus in memory; qdrant-edge or a server looks chunks and vectors
        up by index, with term counts from the file the ingest wrote."""
        encoder = Bm25Encoder()
        # The speller (off by default) leaves the model's own words alone; no speller, no vocabulary read.
        known = model_words(self.settings.embedding_model) if self.settings.correct_spelling else None
        if local:
            # with vectors: the reader store returns embeddings
            return view_in_memory(version.name, store.filter_documents(), encoder, sparse=self.mode != "dense",
                                  spell_known=known)
        return view_by_lookups(version.name, store, encoder, self.registry.load_term_counts(version), known)

    @staticmethod
    def _release(store: Any, copy: Path | None) -> None:
        if store is not None:
            close_store(store)
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)

    def close(self) -> None:
        with self._workers_lock:
            workers, self._workers = self._workers, None
        if workers is not None:
            workers.close()
        busy = False
        with self._state:
            serving, self._serving = self._serving, None
            if serving is not None:
                serving.retired = True
                busy = serving.users > 0
        if serving is not None and not busy:
            self._release(serving.store, serving.copy)

    @property
    def _pipeline(self) -> Any:
        """The serving pipeline, None before the first question (insights reuses its embedder)."""
        serving = self._serving
        return serving.pipeline if serving is not None else None

    def pipeline_component(self, name: str) -> Any:
        """A component of the serving version's query pipeline (for evaluation and fitting)."""
        self._ensure_current()
        return self._pipeline.get_component(name)

    @property
    def document_store(self) -> Any:
        with self._use() as serving:
            return serving.store

    # -- answering ----------------------------------------------------------------------------
    def ask(
        self,
        question: object,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
        qid: str | None = None,
        threshold: float | None = None,
    ) -> Answer:
        if self.settings.ask_processes:
            started = time.perf_counter()
            answer = self.workers().ask(question, top_k, filters, qid, threshold)
            answer.latency_ms = (time.perf_counter() - started) * 1000
            return answer
        return self.explain(question, top_k, filters, qid, threshold)[0]

    def workers(self) -> AskWorkers:
        """The worker processes that answer `ask` (POLICYDESK_ASK_PROCESSES), started once."""
        with self._workers_lock:
            if self._workers is None:
                self._workers = AskWorkers(self.settings, self.settings.ask_processes)
            return self._workers

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
        with self._admission, self._use() as serving, serving.exclusive:
            inputs = self._inputs(text, filters, serving.view)
            inputs["limit"] = {"top_k": top_k or self.settings.top_k}
            inputs["answer"] = {"question": shown, "threshold": threshold, "forms": inputs["rescore"]["forms"]}
            out = serving.pipeline.run(inputs, include_outputs_from={"embedder"})
        answer: Answer = self.approvals.lead(out["answer"]["answer"], out["embedder"]["embedding"], text)
        answer.id = qid
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer, out["answer"]

    def _inputs(self, text: str, filters: SearchFilters | None, view: CorpusView) -> dict[str, Any]:
        """Pipeline inputs: identifiers spelled canonically, typos corrected, call context dropped,
        acronyms spelled out. Only the search text changes: the answer reads the agent's question."""
        ids = extract_identifiers(text)
        query = ids.normalised_text
        if view.speller is not None:  # built only when POLICYDESK_CORRECT_SPELLING is on
            query = view.speller.correct(query)
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
        with self._use() as serving:
            component = serving.pipeline.get_component("embedder")
            prefix, suffix = component.embedder.prefix, component.embedder.suffix
            texts = [prefix + self._inputs(q, None, serving.view)["embedder"]["text"] + suffix for q in questions]
            return [list(map(float, v)) for v in component.embed_batch(texts)]  # one batch, the loaded model

    def trace(self, question: str, steps: tuple[str, ...] = ("embedder", "sparse", "dense", "bm25", "joiner",
                                                            "rescore"),
              filters: SearchFilters | None = None) -> dict[str, Any]:
        """What each named pipeline step put out for one question, plus the pipeline's inputs
        (`"inputs"`: the search text after identifiers, call context and acronyms) and the serving
        pipeline's own re-scorer (`"rescorer"`, read-only): for evaluation, and for benchmarks that
        weigh a candidate model or re-ranker against the served ranking on the candidates it fused."""
        text = clean_question(question, self.settings.max_question_chars)
        with self._admission, self._use() as serving, serving.exclusive:
            inputs = self._inputs(text, filters, serving.view)
            inputs["answer"] = {"question": text}
            out = serving.pipeline.run(inputs, include_outputs_from=set(steps))
            rescorer = serving.pipeline.get_component("rescore")
        return {**{s: out[s] for s in steps if s in out}, "inputs": inputs, "rescorer": rescorer}

    def retrieve(self, question: str, top_k: int = 10, filters: SearchFilters | None = None) -> list[Any]:
        """Ranked passages, as the answer cites them (for evaluation of retrieval)."""
        return list(self.trace(question, ("merge",), filters)["merge"]["documents"][:top_k])
