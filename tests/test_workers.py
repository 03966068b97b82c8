"""Questions answered by worker processes (POLICYDESK_ASK_PROCESSES): the same answers as in
process, errors that say the same, approvals made in the app's process served by the workers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.records import QuestionError
from assistant.service import Assistant

QUESTIONS = [
    "What is the filing fee for Form I-765?",
    "Must K-1 fiancés have met in person before filing?",
    "Which public benefits count for public charge?",
    "What is the filing fee for Form I-999?",
]


def _key(answer):
    return answer.abstained, answer.text, [c.chunk_id for c in answer.citations], round(answer.confidence, 6)


def test_workers_give_the_same_answers_in_parallel_and_serve_approvals_made_here(assistant, small_index, tmp_path):
    here = [_key(assistant.ask(q)) for q in QUESTIONS]
    settings = small_index.model_copy(update={"ask_processes": 2, "approvals_db": tmp_path / "approvals.sqlite"})
    pooled = Assistant(settings)
    try:
        workers = pooled.workers()
        assert len(set(workers.pids())) == 2  # both started, warm, before the first question
        with ThreadPoolExecutor(4) as clients:
            answers = list(clients.map(pooled.ask, QUESTIONS * 2))
        assert [_key(a) for a in answers] == here * 2
        assert all(a.latency_ms and a.latency_ms > 0 for a in answers)

        with pytest.raises(QuestionError, match="empty"):
            pooled.ask("   ")

        # Staff approve in this process (whose reader the workers left closed); a worker serves it.
        approval = pooled.approvals.approve(answers[0], by="Policy Staff")
        served = pooled.ask(QUESTIONS[0])
        assert served.approved is not None and served.approved["id"] == approval.id
    finally:
        pooled.close()
