"""From a cited Answer to an Approval (the chosen sentences, verbatim, with the chunks behind them),
and from an Approval back to the Answer an agent is served."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from assistant.approvals.records import (
    APPROVED,
    Approval,
    ApprovalError,
    ApprovalMatch,
    ApprovedChunk,
    IndexedChunk,
    SentenceChoice,
)
from assistant.approvals.store import new_approval_id, now
from assistant.privacy.redact import redact
from assistant.records import Answer, Citation
from ingest.sentences import split_sentences

_CITATION_FIELDS = {f.name for f in dataclasses.fields(Citation)}


def answer_sentences(answer: Answer) -> list[SentenceChoice]:
    """The answer's sentences in the order it reads them (passage by passage, then by position)."""
    return [SentenceChoice(c.rank, s, e) for c in sorted(answer.citations, key=lambda c: c.rank)
            for s, e in sorted(c.highlights)]


def passage_sentences(citation: Citation) -> list[SentenceChoice]:
    """Every sentence of a cited passage (after its heading line), for staff to pick from."""
    start = citation.body_start
    return [SentenceChoice(citation.rank, start + sp.start, start + sp.end)
            for sp in split_sentences(citation.text[start:]) if sp.text.strip()]


def sentence_text(answer: Answer, choice: SentenceChoice) -> str:
    citation = next(c for c in answer.citations if c.rank == choice.rank)
    return citation.text[choice.start:choice.end]


def pick_answer_sentences(answer: Answer, numbers: list[int]) -> list[SentenceChoice]:
    """Sentences 1..n of the answer as `--sentences 1,3` names them."""
    sentences = answer_sentences(answer)
    bad = [n for n in numbers if not 1 <= n <= len(sentences)]
    if bad:
        raise ApprovalError(f"the answer has {len(sentences)} sentence(s); there is no sentence "
                            + ", ".join(str(n) for n in bad))
    return [sentences[n - 1] for n in dict.fromkeys(numbers)]


def clean_phrasings(question: str, phrasings: list[str]) -> list[str]:
    """Redacted, de-duplicated alternative phrasings (the question itself left out)."""
    seen = {" ".join(question.lower().split())}
    out = []
    for p in phrasings:
        text = redact(" ".join(p.split()))
        key = text.lower()
        if text and key not in seen:
            seen.add(key)
            out.append(text)
    return out


def build_approval(
    answer: Answer,
    chunks: Mapping[str, IndexedChunk],
    *,
    by: str,
    index_version: str,
    choices: list[SentenceChoice] | None = None,
    note: str | None = None,
    phrasings: list[str] | None = None,
    approval_id: str | None = None,
) -> Approval:
    """The approval of `answer` (or of the chosen sentences of its cited passages).

    `chunks` is the serving index (chunk id -> text and hash): each cited passage's chunks are
    recorded as they are now, so a later index version can be checked against them.
    """
    by = " ".join((by or "").split())
    if not by:
        raise ApprovalError("say who approves (a name)")
    if answer.abstained and choices is None:
        raise ApprovalError("the answer abstains (not covered): there is nothing to approve")
    choices = list(dict.fromkeys(choices if choices is not None else answer_sentences(answer)))
    if not choices:
        raise ApprovalError("choose at least one sentence to approve")
    by_rank = {c.rank: c for c in answer.citations}
    for choice in choices:
        cited = by_rank.get(choice.rank)
        if cited is None or not 0 <= choice.start < choice.end <= len(cited.text):
            raise ApprovalError(f"sentence {choice} is not in a cited passage")
    ranks = list(dict.fromkeys(c.rank for c in choices))  # cited passages, in reading order
    renumber = {old: new for new, old in enumerate(ranks, start=1)}
    citations: list[dict[str, Any]] = []
    approved_chunks: list[ApprovedChunk] = []
    for old in ranks:
        source = by_rank[old]
        spans = sorted([c.start, c.end] for c in choices if c.rank == old)
        citation = dataclasses.replace(source, rank=renumber[old], highlights=spans)
        citations.append(citation.to_json())
        for chunk_id in source.chunk_ids or [source.chunk_id]:
            indexed = chunks.get(chunk_id)
            if indexed is None:
                raise ApprovalError(f"chunk {chunk_id} of {source.cite} is not in the serving index; "
                                    "ask again and approve the new answer")
            approved_chunks.append(ApprovedChunk(indexed.chunk_id, indexed.content_sha256, indexed.text,
                                                 indexed.url, indexed.cite, indexed.current_as_of))
    text = " ".join(f"{by_rank[c.rank].text[c.start:c.end]} [{renumber[c.rank]}]" for c in choices)
    question = redact(answer.question)
    return Approval(
        id=approval_id or new_approval_id(),
        question=question,
        answer=text,
        citations=citations,
        chunks=approved_chunks,
        approved_by=by,
        approved_at=now(),
        index_version=index_version,
        state=APPROVED,
        note=redact(note.strip()) if note and note.strip() else None,
        phrasings=clean_phrasings(question, phrasings or []),
    )


def approved_json(approval: Approval, match: ApprovalMatch) -> dict[str, Any]:
    """The `"approved"` object of the answer contract."""
    return {"id": approval.id, "by": approval.approved_by, "at": approval.approved_at,
            "state": approval.state, "matched_question": match.matched_question,
            "similarity": round(match.similarity, 4)}


def served_answer(approval: Approval, match: ApprovalMatch, live: Answer) -> Answer:
    """The approved answer, leading; the live answer rides along for the results below it."""
    citations = [Citation(**{k: v for k, v in c.items() if k in _CITATION_FIELDS}) for c in approval.citations]
    answer = Answer(live.question, False, 1.0, approval.answer, citations, latency_ms=live.latency_ms, id=live.id)
    answer.approved = approved_json(approval, match)
    answer.live = live
    return answer
