"""`policydesk eval --fit`: fit the sentence and confidence models on training questions.

1. Every training question is answered with the current models at threshold 0, keeping the
   answer builder's candidate sentences and their features. A candidate is a positive example when
   it contains one of the question's fact phrases (or gold `must_contain` phrases); questions with
   no positive candidate teach nothing about choosing among them and are left out.
2. The sentence model (a softmax choice among each question's candidates) is fitted on them.
3. The questions are answered again with it; an answer is *right* when it answers an answerable
   question with its fact (unanswerable questions: never right to answer). The confidence model
   is fitted on the builder's evidence against that label.

Only the training files given are read: held-out sets must never be passed here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.answer_model import (
    CONFIDENCE_FEATURES,
    SENTENCE_FEATURES,
    AnswerModel,
    choice_log_loss,
    fit_conditional_logit,
    fit_logistic,
    log_loss,
)
from assistant.reports.batch import read_question_lines
from assistant.reports.eval_answers import carries_fact, fact_phrases, normalise
from assistant.service import Assistant
from ingest.settings import Settings

L2 = 1.0


def _rows(paths: list[Path]) -> list[dict[str, Any]]:
    return [r for p in paths for r in read_question_lines(p) if "error" not in r]


def _sentence_examples(assistant: Assistant, rows: list[dict[str, Any]]) -> list[tuple[np.ndarray, np.ndarray]]:
    groups = []
    for r in rows:
        phrases = [normalise(p) for p in fact_phrases(r)] if r.get("answerable", True) else []
        if not phrases:
            continue
        _, explained = assistant.explain(r["question"], threshold=0.0)
        cands = explained["candidates"]
        labels = [float(any(p in normalise(c.text) for p in phrases)) for c in cands]
        if any(labels):
            groups.append((np.stack([c.features for c in cands]), np.array(labels)))
    return groups


def _confidence_examples(assistant: Assistant, rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for r in rows:
        answer, explained = assistant.explain(r["question"], threshold=0.0)
        if answer.abstained or not explained["evidence"]:
            continue  # a rule abstained (case identifier, referral, no sentence of the asked type)
        ev = explained["evidence"]
        xs.append([ev.get(n, 0.0) for n in CONFIDENCE_FEATURES])
        ys.append(float(bool(r.get("answerable", True)) and carries_fact(answer.text, r)))
    return np.array(xs), np.array(ys)


def fit_answer_models(settings: Settings, questions: list[Path]) -> dict[str, Any]:
    rows = _rows(questions)
    # The fitted sentence model reads question-to-sentence cosines: from the cache where ingest
    # embedded the sentences (POLICYDESK_SENTENCE_VECTORS=true), else embedded here once.
    settings = settings.model_copy(update={"sentence_vectors": True})
    assistant = Assistant(settings)
    try:
        builder = assistant.pipeline_component("answer")
        groups = _sentence_examples(assistant, rows)
        if not groups:
            raise ValueError("the training questions gave no usable sentence labels (are fact phrases given?)")
        w_sentence = fit_conditional_logit(groups, l2=L2)
        model = AnswerModel(sentence=dict(zip(SENTENCE_FEATURES, map(float, w_sentence), strict=True)),
                            confidence=dict(builder.model.confidence),
                            fitted_on=", ".join(p.name for p in questions))
        builder.model = model
        xc, yc = _confidence_examples(assistant, rows)
        if not len(yc) or yc.min() == yc.max():
            raise ValueError("the training answers are all right or all wrong: no confidence can be fitted")
        w_conf = fit_logistic(xc, yc, l2=L2)
        model.confidence = dict(zip(CONFIDENCE_FEATURES, map(float, w_conf), strict=True))
        report = {
            "questions": len(rows),
            "sentence_questions": len(groups), "sentence_candidates": sum(len(y) for _, y in groups),
            "sentence_choice_log_loss": choice_log_loss(groups, w_sentence),
            "sentence_choice_log_loss_uniform": choice_log_loss(groups, np.zeros(len(SENTENCE_FEATURES))),
            "confidence_examples": int(len(yc)), "confidence_right": int(yc.sum()),
            "confidence_log_loss": log_loss(np.asarray([model.confidence_of(dict(zip(CONFIDENCE_FEATURES, row,
                                                                                    strict=True)))
                                                        for row in xc]), yc),
        }
        model.save(settings.answer_model_file, extra={
            "fitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "embedding_model": settings.embedding_model_id, "l2": L2, "report": report})
        return report
    finally:
        assistant.close()
