"""Approval records: what policy staff approved, and what it was approved against."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

APPROVED = "approved"
NEEDS_REVIEW = "needs review"
RETIRED = "retired"
STATES = (APPROVED, NEEDS_REVIEW, RETIRED)

# Why a chunk no longer supports an approval (set by review.check_approvals).
CHANGED = "text changed"
MOVED = "moved"
VANISHED = "vanished"
CHANGES = (CHANGED, MOVED, VANISHED)


@dataclass
class ApprovedChunk:
    """One indexed chunk of a cited passage, as it was when approved (and as the index has it now,
    once a check found it changed)."""

    chunk_id: str
    content_sha256: str
    text: str
    url: str
    cite: str
    current_as_of: str | None = None
    change: str | None = None  # one of CHANGES, or None while it still matches the index
    new_chunk_id: str | None = None
    new_text: str | None = None
    new_url: str | None = None
    new_cite: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Approval:
    id: str
    question: str  # redacted
    answer: str  # the approved sentences, each followed by its marker [n]
    citations: list[dict[str, Any]]  # Citation.to_json() of each cited passage, renumbered from 1
    chunks: list[ApprovedChunk]
    approved_by: str
    approved_at: str  # ISO time, UTC
    index_version: str  # the index version the answer was approved on
    state: str = APPROVED
    note: str | None = None  # redacted
    phrasings: list[str] = field(default_factory=list)  # alternative phrasings, redacted
    state_reason: str | None = None  # why it needs review, in words
    state_changed_at: str | None = None
    revision: int = 1  # bumped by every change, so a check never overwrites a newer re-approval

    def questions(self) -> list[str]:
        """Every phrasing that should get this answer: the question first."""
        return [self.question, *self.phrasings]

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["chunks"] = [c.to_json() for c in self.chunks]
        return out


@dataclass(frozen=True)
class ApprovalMatch:
    """An incoming question matched an approved question (or one of its phrasings)."""

    approval_id: str
    matched_question: str
    similarity: float


@dataclass(frozen=True)
class IndexedChunk:
    """A chunk of the serving index version, as an approval check compares it."""

    chunk_id: str
    content_sha256: str
    text: str
    url: str
    cite: str
    current_as_of: str | None = None


@dataclass(frozen=True)
class SentenceChoice:
    """A sentence of a cited passage: [start, end) in the passage text of citation `rank`."""

    rank: int
    start: int
    end: int


class ApprovalError(ValueError):
    """An approval that cannot be made (the answer abstains, a sentence is not in its passage...)."""
