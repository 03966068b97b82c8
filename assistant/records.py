"""The answer contract (DESIGN.md): what `ask --json`, `batch` and the app all produce."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ESCALATE_NOT_COVERED = (
    "Not covered — escalate. The indexed official pages do not answer this question."
)
ESCALATE_CASE_SPECIFIC = (
    "Case-specific request — escalate. PolicyDesk answers policy questions only; case status and "
    "personal records must be looked up in the case systems, not here."
)


@dataclass
class Citation:
    rank: int
    chunk_id: str
    source: str
    url: str
    cite: str
    title: str
    section: str
    kind: str
    current_as_of: str | None
    text: str
    score: float
    highlights: list[list[int]] = field(default_factory=list)  # [start, end) of answering sentences
    body_start: int = 0  # where the passage body starts, after the heading line carried into the chunk
    # The indexed chunks the passage joins, in reading order, when neighbours of one section were
    # merged; `chunk_id` is then the one that carries the first answer sentence.
    chunk_ids: list[str] = field(default_factory=list)
    # A PM update in these results that is newer and changes the same section ("USCIS-PM Update
    # 2025-05-13"): this passage may describe guidance that update replaced.
    later_update: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str  # as received, redacted of personal data
    abstained: bool
    confidence: float
    text: str  # key sentences, each followed by its marker [n]; empty when abstained
    citations: list[Citation]
    latency_ms: float = 0.0
    id: str | None = None
    message: str | None = None  # the escalation message when abstained
    reason: str | None = None  # "not-covered" | "case-specific" | "other-agency"
    referral: dict[str, str] | None = None  # with "other-agency": {"agency", "name", "where"}
    # When an approved answer leads (assistant.approvals): {"id", "by", "at", "state",
    # "matched_question", "similarity"}; `text` and `citations` are then the approved ones and
    # `live` is the search's own answer, shown below it.
    approved: dict[str, Any] | None = None
    approval_note: str | None = None  # the question's approval awaits review: this is the live answer
    live: Answer | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        out |= {
            "question": self.question,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "answer": self.text,
            "citations": [c.to_json() for c in self.citations],
            "latency_ms": round(self.latency_ms, 1),
            "approved": self.approved,
        }
        if self.approval_note:
            out["approval_note"] = self.approval_note
        if self.abstained:
            out["message"] = self.message
            out["reason"] = self.reason
            if self.referral:
                out["referral"] = self.referral
        return out


class QuestionError(ValueError):
    """A question that cannot be searched (empty, too long, no words); the message says why."""
