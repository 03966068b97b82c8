"""`policydesk eval --ablate`: what each hand-written rule and each fitted part of the answer path adds.

Every variant turns one part off (a setting, so the variant is the shipped code with one switch
flipped) and is measured on the same index and question set as the full pipeline: retrieval MRR@10,
the share of answerable questions whose answer carries the fact, and abstention at the threshold.
A rule that does not help on held-out questions has not earned its place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.reports.batch import read_question_lines
from assistant.reports.eval_answers import answer_metrics
from assistant.reports.evaluate import first_relevant_rank, retrieval_metrics
from assistant.service import Assistant
from ingest.settings import ANSWER_MODEL_FILE, Settings

FITTED_MODEL = ANSWER_MODEL_FILE.with_name("answer_model_fitted.json")

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("full pipeline", {}),
    ("acronyms not spelled out", {"expand_acronyms": False}),
    ("call-context words searched", {"strip_call_context": False}),
    ("no answer-type rule", {"answer_types": False}),
    ("no referrals", {"refer_other_agencies": False}),
    ("no newer-guidance-first", {"newer_guidance_window": 0}),
    ("no coverage re-scoring", {"coverage_weight": 0.0}),
    ("no section passages", {"merge_chunks": 1}),
    # Parts that are off by default, turned on: the question speller, and the sentence and
    # confidence models fitted on the training questions (`eval --fit`) instead of the built-in formulas.
    ("typos corrected (speller, off by default)", {"correct_spelling": True}),
    ("fitted answer models", {"answer_model_file": FITTED_MODEL, "sentence_vectors": True}),
]


def measure(settings: Settings, rows: list[dict[str, Any]]) -> dict[str, float]:
    assistant = Assistant(settings)
    try:
        answerable = [r for r in rows if r.get("answerable", True)]
        ranks = [first_relevant_rank(assistant.retrieve(r["question"], top_k=10), r.get("gold", []))
                 for r in answerable]
        answers = [(r, assistant.ask(r["question"], qid=r["id"])) for r in rows]
    finally:
        assistant.close()
    unanswerable = [a for r, a in answers if not r.get("answerable", True)]
    facts = answer_metrics(answers, settings.abstain_threshold)
    return {
        "mrr@10": retrieval_metrics(ranks)["mrr@10"],
        "carries_fact": facts["carries_fact"],
        "unanswerable_abstained": sum(a.abstained for a in unanswerable) / max(len(unanswerable), 1),
        "answerable_abstained": sum(a.abstained for r, a in answers if r.get("answerable", True))
        / max(len(answerable), 1),
    }


def run_ablation(settings: Settings, questions: Path) -> list[dict[str, Any]]:
    rows = [r for r in read_question_lines(questions) if "error" not in r]
    return [{"variant": name, **measure(settings.model_copy(update=change), rows)} for name, change in VARIANTS]


def format_ablation(name: str, table: list[dict[str, Any]]) -> str:
    full = table[0]
    lines = [f"ablation on {name} (each row turns one part off; change against the full pipeline)",
             f"{'variant':<38} {'MRR@10':>14} {'carries fact':>16} {'unans. abst.':>16} {'ans. abst.':>16}"]
    for row in table:
        cells = []
        for key in ("mrr@10", "carries_fact", "unanswerable_abstained", "answerable_abstained"):
            delta = "" if row is full else f" ({row[key] - full[key]:+.3f})"
            cells.append(f"{row[key]:.3f}{delta}")
        lines.append(f"{row['variant']:<38} " + " ".join(f"{c:>16}" for c in cells))
    return "\n".join(lines)
