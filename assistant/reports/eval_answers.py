"""Judging the answer text an agent reads out, not only the passages retrieved.

A labelled question carries `fact_phrases` (short verbatim phrases of its official page, any one
of which states the key fact: "$85", "two identical color passport-style photographs"); a set
without them (../shared/eval/dev.jsonl) falls back to its gold `must_contain` phrases. An answer
"carries the fact" when one of those phrases stands in its sentences. The check is a string
check, deliberately strict: a paraphrase that states the fact in other words counts as missing.

An answer is *right* when it answers an answerable question with the fact, or abstains on an
unanswerable one; the reliability curve shows, per confidence bucket, how often answers given at
that confidence were right, so a threshold on it means something.
"""

from __future__ import annotations

import re
from typing import Any

_MARKER = re.compile(r"\s*\[\d+\]")


def normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = text.replace("–", "-").replace("—", "-")
    return re.sub(r"\s+", " ", text).strip().lower()


def fact_phrases(row: dict[str, Any]) -> list[str]:
    phrases = [p for p in row.get("fact_phrases") or [] if p.strip()]
    if phrases:
        return phrases
    return [p for g in row.get("gold") or [] for p in g.get("must_contain") or [] if p.strip()]


def carries_fact(answer_text: str, row: dict[str, Any]) -> bool:
    """Whether the answer's sentences state one of the question's fact phrases."""
    body = normalise(_MARKER.sub("", answer_text))
    return bool(body) and any(normalise(p) in body for p in fact_phrases(row))


def is_right(row: dict[str, Any], answer: Any, threshold: float) -> bool:
    abstains = answer.abstained or answer.confidence < threshold
    if not row.get("answerable", True):
        return abstains
    return not abstains and carries_fact(answer.text, row)


def answer_metrics(answers: list[tuple[dict[str, Any], Any]], threshold: float) -> dict[str, Any]:
    """Shares over answerable questions: answered with the fact, answered without it, abstained."""
    answerable = [(r, a) for r, a in answers if r.get("answerable", True) and fact_phrases(r)]
    n = max(len(answerable), 1)
    given = [(r, a) for r, a in answerable if not (a.abstained or a.confidence < threshold)]
    with_fact = [r["id"] for r, a in given if carries_fact(a.text, r)]
    without = [r["id"] for r, a in given if not carries_fact(a.text, r)]
    return {
        "answerable_judged": len(answerable),
        "carries_fact": len(with_fact) / n,
        "answered_without_fact": len(without) / n,
        "abstained": (len(answerable) - len(given)) / n,
        "without_fact_ids": without,
    }


def reliability_curve(answers: list[tuple[dict[str, Any], Any]],
                      edges: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0001)) -> list[dict[str, Any]]:
    """Per confidence bucket: how many questions were answered there and the share answered right.

    Only questions the rules did not already abstain on count: an answerable question is right when
    its answer carries the fact, an unanswerable one is always wrong to answer.
    """
    rows = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        inside = [(r, a) for r, a in answers if not a.abstained and lo <= a.confidence < hi
                  and (fact_phrases(r) or not r.get("answerable", True))]
        right = sum(1 for r, a in inside if r.get("answerable", True) and carries_fact(a.text, r))
        rows.append({"bucket": f"{lo:.1f}-{min(hi, 1.0):.1f}", "answered": len(inside),
                     "right": right, "share_right": right / len(inside) if inside else None})
    return rows
