"""Judging the answer text: fact phrases, shares, and the reliability curve."""

from __future__ import annotations

from assistant.records import Answer
from assistant.reports.eval_answers import answer_metrics, carries_fact, fact_phrases, is_right, reliability_curve

ROW = {"id": "q1", "answerable": True, "fact_phrases": ["two identical color passport-style photographs"],
       "gold": [{"must_contain": ["something else"]}]}
UNANSWERABLE = {"id": "q2", "answerable": False, "gold": []}


def _answer(text: str, confidence: float = 0.8, abstained: bool = False) -> Answer:
    return Answer("q", abstained, confidence, text, [])


def test_fact_phrases_come_from_the_row_or_fall_back_to_gold_phrases():
    assert fact_phrases(ROW) == ["two identical color passport-style photographs"]
    assert fact_phrases({"gold": [{"must_contain": ["at least three"]}]}) == ["at least three"]


def test_a_fact_counts_across_line_breaks_quotes_and_markers_but_not_when_paraphrased():
    assert carries_fact("You must submit two identical color\npassport-style photographs. [1]", ROW)
    assert not carries_fact("Send two photos. [1]", ROW)
    assert not carries_fact("", ROW)


def test_rightness_and_shares():
    given = _answer("You must submit two identical color passport-style photographs. [1]")
    wrong = _answer("The photos must be 2 by 2 inches. [1]")
    assert is_right(ROW, given, 0.5) and not is_right(ROW, wrong, 0.5)
    assert not is_right(ROW, _answer(given.text, confidence=0.3), 0.5)  # below the threshold: abstains
    assert is_right(UNANSWERABLE, _answer("anything", confidence=0.3), 0.5)
    m = answer_metrics([(ROW, given), ({**ROW, "id": "q3"}, wrong), ({**ROW, "id": "q4"}, _answer("", 0.1, True))],
                       threshold=0.5)
    assert m["answerable_judged"] == 3 and m["without_fact_ids"] == ["q3"]
    assert abs(m["carries_fact"] - 1 / 3) < 1e-9 and abs(m["abstained"] - 1 / 3) < 1e-9


def test_reliability_buckets_count_answers_given_at_each_confidence():
    answers = [(ROW, _answer("two identical color passport-style photographs", 0.9)),
               ({**ROW, "id": "b"}, _answer("nothing useful", 0.85)),
               (UNANSWERABLE, _answer("a guess", 0.1)),
               (UNANSWERABLE, _answer("", 0.05, abstained=True))]
    curve = {b["bucket"]: b for b in reliability_curve(answers)}
    assert curve["0.8-1.0"]["answered"] == 2 and curve["0.8-1.0"]["right"] == 1
    assert curve["0.0-0.2"]["answered"] == 1 and curve["0.0-0.2"]["share_right"] == 0.0
    assert curve["0.4-0.6"]["share_right"] is None
