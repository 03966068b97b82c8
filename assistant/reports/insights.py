"""What agents asked (from the query log): answered vs abstained, unanswered themes, feedback.

Unanswered questions are grouped greedily: each question joins the first group whose first
question is similar enough, else starts a group. Similarity is the cosine of MiniLM embeddings
(the model already loaded in the Assistant) with EMBED_GROUP_THRESHOLD = 0.6 — paraphrases of
one policy question score about 0.6–0.9 with all-MiniLM-L6-v2, different topics under 0.4 —
or, without an embedder, token Jaccard with JACCARD_GROUP_THRESHOLD = 0.5 (half the
distinct words shared). The log holds redacted questions only, so nothing personal is embedded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from assistant.privacy.query_log import FEEDBACK_REASONS

EMBED_GROUP_THRESHOLD = 0.6
JACCARD_GROUP_THRESHOLD = 0.5
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)?")
_STOP = frozenset(
    "a an and are can do does for how i if is it my of on or the to what when where which "
    "who why with you your".split()
)

Embed = Callable[[list[str]], list[list[float]]]


def query_summary(queries: list[dict[str, Any]]) -> dict[str, Any]:
    asked = len(queries)
    answered = sum(1 for q in queries if not q["abstained"])
    case_specific = sum(1 for q in queries if q["abstained"] and q.get("reason") == "case-specific")
    referred = sum(1 for q in queries if q["abstained"] and q.get("reason") == "other-agency")
    return {
        "asked": asked,
        "answered": answered,
        "abstained": asked - answered,
        "case_specific": case_specific,
        "referred": referred,
        "not_covered": asked - answered - case_specific - referred,
        "share_answered": answered / asked if asked else 0.0,
        "by_source": dict(Counter(q.get("source") or "unknown" for q in queries)),
    }


def tokens(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _group(items: list[str], similar: Callable[[int, int], bool]) -> list[list[int]]:
    groups: list[list[int]] = []
    for i in range(len(items)):
        for g in groups:
            if similar(g[0], i):
                g.append(i)
                break
        else:
            groups.append([i])
    return groups


def group_questions(questions: list[str], embed: Embed | None = None) -> list[dict[str, Any]]:
    """Groups of similar questions, largest first: {"example", "count", "questions"}.

    Identical questions (after case and spacing) count once per ask but are compared once.
    """
    counts = Counter(" ".join(q.split()) for q in questions if q and q.strip())
    distinct = list(counts)
    if not distinct:
        return []
    if embed is not None:
        vectors = np.asarray(embed(distinct), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
        groups = _group(
            distinct, lambda a, b: float(vectors[a] @ vectors[b]) >= EMBED_GROUP_THRESHOLD
        )
    else:
        toks = [tokens(q) for q in distinct]
        groups = _group(distinct, lambda a, b: jaccard(toks[a], toks[b]) >= JACCARD_GROUP_THRESHOLD)
    out = [
        {
            "example": distinct[g[0]],
            "count": sum(counts[distinct[i]] for i in g),
            "questions": [distinct[i] for i in g],
        }
        for g in groups
    ]
    return sorted(out, key=lambda g: -g["count"])


def unanswered_groups(
    queries: list[dict[str, Any]], embed: Embed | None = None
) -> list[dict[str, Any]]:
    """Questions the pages did not answer (left out: case-specific refusals, which must escalate, and
    referrals to another agency, which the USCIS pages are not meant to answer)."""
    return group_questions(
        [q["question"] for q in queries
         if q["abstained"] and q.get("reason") not in ("case-specific", "other-agency")],
        embed,
    )


def most_asked_without_approval(
    queries: list[dict[str, Any]], has_approved_answer: Callable[[str], bool], embed: Embed | None = None,
    n: int = 10,
) -> list[dict[str, Any]]:
    """The most-asked question groups (answered or not) that no approved answer covers: where an
    approval would do the most for consistency. Case-specific requests and referrals are left out
    (they are never answered from the pages)."""
    groups = group_questions(
        [q["question"] for q in queries if q.get("reason") not in ("case-specific", "other-agency")], embed)
    # A group counts as covered when one of its first few phrasings gets an approved answer.
    return [g for g in groups if not any(has_approved_answer(q) for q in g["questions"][:5])][:n]


def assistant_embedder(assistant: Any) -> Embed | None:
    """The MiniLM embedder already warm inside the Assistant's pipeline, as a batch function."""
    try:
        embedder = assistant._pipeline.get_component("embedder")  # noqa: SLF001 - reuse the loaded model
    except Exception:  # noqa: BLE001 - no pipeline yet (no index): fall back to Jaccard
        return None
    return lambda texts: [embedder.run(text=t)["embedding"] for t in texts]


def feedback_summary(feedback: list[dict[str, Any]]) -> dict[str, Any]:
    reasons = Counter(f.get("reason") for f in feedback if not f["helpful"])
    by_reason = {r: reasons.get(r, 0) for r in FEEDBACK_REASONS}
    if reasons.get(None):
        by_reason["no reason given"] = reasons[None]
    return {
        "helpful": sum(1 for f in feedback if f["helpful"]),
        "not_helpful": sum(1 for f in feedback if not f["helpful"]),
        "by_reason": by_reason,
    }


def slowest_queries(queries: list[dict[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    timed = [q for q in queries if q.get("latency_ms") is not None]
    timed.sort(key=lambda q: -q["latency_ms"])
    return [
        {k: q.get(k) for k in ("ts", "question", "latency_ms", "abstained", "source")}
        for q in timed[:n]
    ]
