"""Matching a question against approved questions, in memory.

Each approved question and each of its alternative phrasings is one row of a matrix of unit
vectors (MiniLM, embedded exactly as `ask` embeds a question: identifiers spelled canonically,
acronyms spelled out). A question matches the approval of its most similar row when the cosine is
at least the threshold (Settings.approval_match_threshold, calibrated on paraphrase groups: see
README, "Approved answers"). One matrix-vector product: well under a millisecond for thousands of
rows.

A form-number guard: a question that names forms matches only rows naming the same forms (or
none), because "the fee for Form I-765" and "the fee for Form I-131" embed almost alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.approvals.records import RETIRED, Approval, ApprovalMatch
from assistant.retrieve.identifiers import extract_identifiers

Embed = Callable[[list[str]], Sequence[Sequence[float]]]


@dataclass(frozen=True)
class _Row:
    approval_id: str
    text: str
    forms: frozenset[str]


def forms_in(text: str) -> frozenset[str]:
    return frozenset(extract_identifiers(text).forms)


def forms_agree(asked: frozenset[str], approved: frozenset[str]) -> bool:
    return not asked or not approved or asked == approved


class ApprovalMatcher:
    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._rows: list[_Row] = []
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._cache: dict[str, np.ndarray] = {}  # text -> unit vector, kept across reloads

    def __len__(self) -> int:
        return len(self._rows)

    def missing(self, approvals: list[Approval]) -> list[str]:
        """Phrasings of these approvals with no vector in memory yet."""
        texts = (q for a in approvals if a.state != RETIRED for q in a.questions())
        return [t for t in dict.fromkeys(texts) if t not in self._cache]

    def add_vectors(self, vectors: Mapping[str, Sequence[float] | np.ndarray]) -> None:
        self._cache |= {t: unit(v) for t, v in vectors.items()}

    def load(self, approvals: list[Approval], embed: Embed | None = None) -> None:
        """Rows for every approval not retired (needs-review ones too: a match then says so).
        Vectors come from add_vectors; `embed` computes any still missing."""
        missing = self.missing(approvals)
        if missing:
            if embed is None:
                raise ValueError(f"{len(missing)} approved question(s) have no vector")
            self.add_vectors(dict(zip(missing, embed(missing), strict=True)))
        rows = [_Row(a.id, q, forms_in(q)) for a in approvals if a.state != RETIRED for q in a.questions()]
        self._rows = rows
        self._matrix = (np.stack([self._cache[r.text] for r in rows]) if rows
                        else np.zeros((0, 0), dtype=np.float32))

    def best(self, vector: Sequence[float], question: str) -> ApprovalMatch | None:
        """The most similar approved phrasing at or above the threshold, or None."""
        if not self._rows:
            return None
        scores = self._matrix @ unit(vector)
        asked = forms_in(question)
        for i in np.argsort(-scores):
            score = float(scores[i])
            if score < self.threshold:
                return None
            row = self._rows[int(i)]
            if forms_agree(asked, row.forms):
                return ApprovalMatch(row.approval_id, row.text, score)
        return None


def unit(vector: Sequence[float] | np.ndarray) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v
