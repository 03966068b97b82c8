"""`policydesk eval` on a real small index: metrics, the stage comparison and calibration."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.reports.evaluate import group_agreement, is_relevant, retrieval_metrics, run_evaluation

I129F = "uscis-pm-chapter-and-form-instructions-nctr834/data/i-129finstr.txt"
QUESTIONS = [
    {"id": "q1", "question": "Do you have to have met your fiance in person to file the K-1 petition?",
     "answerable": True, "group": "g1",
     "gold": [{"file": I129F, "url": None, "must_contain": ["met each other in person within the two years"]}]},
    {"id": "q2", "question": "K-1 petition: in-person meeting requirement timeframe", "answerable": True,
     "group": "g1",
     "gold": [{"file": I129F, "url": None, "must_contain": ["met each other in person within the two years"]}]},
    {"id": "q3", "question": "What is a good place to grab lunch near the office?", "answerable": False,
     "group": None, "gold": []},
]


def test_metric_helpers():
    assert retrieval_metrics([1, 3, None, 12]) == {"recall@1": 0.25, "recall@5": 0.5, "mrr@10": (1 + 1 / 3) / 4}
    assert group_agreement({"a": ["x", "x"], "b": ["x", "y"], "c": ["z"]}) == 0.5
    gold = [{"file": "f.txt", "url": None, "must_contain": ["Met  Each Other"]}]
    assert is_relevant({"source": "f.txt"}, "they met each other in person", gold)
    assert not is_relevant({"source": "g.txt"}, "they met each other in person", gold)


def test_evaluation_reports_every_stage_and_calibrates_to_the_settings_file(small_index, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n")
    settings = small_index.model_copy(update={"calibration_file": tmp_path / "calibration.json"})
    report = run_evaluation(settings, questions, calibrate=True)
    assert report["answerable"] == 2 and report["unanswerable"] == 1
    assert set(report["retrieval"]) == {"hybrid", "hybrid-rrf-only", "bm25-only", "dense-only"}
    assert report["retrieval"]["hybrid"]["recall@5"] == 1.0
    saved = json.loads((tmp_path / "calibration.json").read_text())
    assert saved["abstain_threshold"] == report["threshold"] and saved["curve"]
    assert report["latency_ms"]["p50"] > 0
    # The passages an agent reads are measured too (merged sections are longer than one chunk).
    assert 20 < report["passage_words"]["mean"] <= report["passage_words"]["p95"] < 3 * 220 + 40


def test_eval_cli_prints_the_table(small_index, tmp_path, monkeypatch):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS[:1]) + "\n")
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(small_index.data_dir))
    result = CliRunner().invoke(app, ["eval", "--questions", str(questions)])
    assert result.exit_code == 0, result.output
    assert "Recall@5" in result.stdout and "bm25-only" in result.stdout and "p95" in result.stdout
    assert "words on average" in result.stdout
