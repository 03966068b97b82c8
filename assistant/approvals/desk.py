"""The approvals desk an Assistant holds: it checks approvals whenever the Assistant opens a new
index version, leads answers with the approved one when a question matches, and approves,
re-approves and retires on behalf of the app and the CLI.

Approvals never stop an answer: if the database cannot be read (locked past the busy timeout,
unreadable), the live answer is served and the problem logged.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from typing import Any

from assistant.approvals.compose import build_approval, served_answer
from assistant.approvals.matcher import ApprovalMatcher, Embed, unit
from assistant.approvals.records import (
    APPROVED,
    NEEDS_REVIEW,
    RETIRED,
    Approval,
    ApprovalError,
    ApprovalMatch,
    IndexedChunk,
    SentenceChoice,
)
from assistant.approvals.review import CheckReport, check_approvals, indexed_chunks
from assistant.approvals.store import ApprovalStore, ApprovalStoreError
from assistant.records import Answer
from ingest.settings import Settings

log = logging.getLogger(__name__)

REVIEW_NOTE = ("An approved answer to this question is awaiting review after a change to the page it "
               "cites; this is the live answer from the current pages.")


class ApprovalDesk:
    def __init__(self, settings: Settings, embed: Embed, lock: threading.RLock | None = None,
                 open_version: Callable[[], None] | None = None) -> None:
        """`open_version` opens the serving version when none is (questions answered by worker
        processes leave this process's reader closed until staff approve)."""
        self.settings = settings
        self._open_version = open_version
        self.store = ApprovalStore(settings.approvals_path)
        self.matcher = ApprovalMatcher(settings.approval_match_threshold)
        self._embed = embed
        self._lock = lock or threading.RLock()
        self._loaded_revision: int | None = None
        self._approvals: dict[str, Approval] = {}
        self.index: dict[str, IndexedChunk] = {}  # chunks of the version last opened (read when needed)
        self._documents: Iterable[Any] | Callable[[], Iterable[Any]] | None = None
        self.version: str | None = None
        self.last_check: CheckReport | None = None

    # -- index versions -----------------------------------------------------------------------
    def on_new_version(self, version: str, documents: Iterable[Any] | Callable[[], Iterable[Any]]
                       ) -> CheckReport | None:
        """Called by the Assistant each time it opens a serving version: re-check every approval.

        `documents` may be a function that reads the version's chunks: it is called only when there
        are approvals to check, or when the first approval is made, so a reader of a large index
        without approvals never reads every chunk.
        """
        with self._lock:
            self.version, self._documents, self.index = version, documents, {}
            self._loaded_revision = None  # states may change: reload before the next match
            if not self.store.exists():
                return None
            try:
                self.last_check = check_approvals(self.store, self._chunk_index(), version)
            except (OSError, ApprovalStoreError, sqlite3.Error) as exc:
                log.warning("approvals not checked against %s: %s", version, exc)
                return None
            return self.last_check

    def _chunk_index(self) -> dict[str, IndexedChunk]:
        if not self.index and self._documents is not None:
            docs = self._documents() if callable(self._documents) else self._documents
            self.index = indexed_chunks(docs)
        return self.index

    # -- serving ------------------------------------------------------------------------------
    def _refresh(self) -> None:
        revision = self.store.revision()
        if revision == self._loaded_revision:
            return
        approvals = self.store.approvals((*_SERVED_STATES,)) if revision else []
        missing = self.matcher.missing(approvals)
        if missing:  # vectors stored by any process first; embed (and store) only the rest
            model = self.settings.embedding_model_id
            self.matcher.add_vectors(self.store.vectors(model, missing))
            still = self.matcher.missing(approvals)
            if still:
                fresh = {t: unit(v) for t, v in zip(still, self._embed(still), strict=True)}
                self.store.save_vectors(model, fresh)
                self.matcher.add_vectors(fresh)
        self.matcher.load(approvals)
        self._approvals = {a.id: a for a in approvals}
        self._loaded_revision = revision

    def match(self, question: str, embedding: list[float] | None = None) -> ApprovalMatch | None:
        with self._lock:
            self._refresh()
            if not len(self.matcher):
                return None
            vector = embedding if embedding is not None else self._embed([question])[0]
            return self.matcher.best(vector, question)

    def has_approved_answer(self, question: str) -> bool:
        """Whether `question` would be served an approved answer now (not one awaiting review)."""
        found = self.match(question)
        approval = self.approval(found.approval_id) if found else None
        return approval is not None and approval.state == APPROVED

    def approval(self, approval_id: str) -> Approval | None:
        with self._lock:
            return self._approvals.get(approval_id)

    def lead(self, live: Answer, embedding: list[float], question: str) -> Answer:
        """`live`, or the approved answer leading it when the question matches an approval."""
        try:
            found = self.match(question, embedding)
        except (OSError, ApprovalStoreError, sqlite3.Error) as exc:
            log.warning("approvals not consulted: %s", exc)
            return live
        if found is None:
            return live
        approval = self.approval(found.approval_id)
        if approval is None:
            return live
        if approval.state == NEEDS_REVIEW:
            live.approval_note = REVIEW_NOTE
            return live
        return served_answer(approval, found, live)

    # -- staff actions ------------------------------------------------------------------------
    def approve(self, answer: Answer, by: str, *, choices: list[SentenceChoice] | None = None,
                note: str | None = None, phrasings: list[str] | None = None,
                approval_id: str | None = None) -> Approval:
        """Approve the live answer (or chosen sentences of its passages). A question approved before
        (same redacted text, not retired) is re-approved under its id, keeping its phrasings."""
        live = answer.live or answer  # an approved answer already leading: approve what search says now
        if self.version is None and self._open_version is not None:
            self._open_version()
        if self.version is None:
            raise ApprovalError("no index version is open; ask the question first")
        with self._lock:
            previous = self.store.get(approval_id) if approval_id else self.store.find_by_question(live.question)
            if previous is not None:
                note = note if note is not None else previous.note
                phrasings = phrasings if phrasings is not None else previous.phrasings
            approval = build_approval(live, self._chunk_index(), by=by, index_version=self.version, choices=choices,
                                      note=note, phrasings=phrasings,
                                      approval_id=previous.id if previous else None)
            if previous is not None:
                approval.question = previous.question  # a re-approval keeps the approved wording
            action = "re-approved" if previous is not None else "approved"
            return self.store.save(approval, actor=approval.approved_by, action=action)

    def retire(self, approval_id: str, by: str, reason: str | None = None) -> Approval:
        return self.store.set_state(approval_id, RETIRED, actor=by, reason=reason)


_SERVED_STATES = (APPROVED, NEEDS_REVIEW)
