"""The fitted answer models: logistic fitting, saving and loading, and the built-in fallback."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.answer_model import CONFIDENCE_FEATURES, SENTENCE_FEATURES, AnswerModel, fit_logistic, log_loss


def test_fit_logistic_learns_which_feature_separates_the_labels():
    rng = np.random.default_rng(7)
    signal, noise = rng.normal(size=400), rng.normal(size=400)
    y = (signal + 0.3 * rng.normal(size=400) > 0).astype(float)
    x = np.column_stack([np.ones(400), signal, noise])
    w = fit_logistic(x, y, l2=1.0)
    assert w[1] > 2.0 and abs(w[2]) < 0.5
    p = 1 / (1 + np.exp(-(x @ w)))
    assert log_loss(p, y) < 0.4 < log_loss(np.full(400, 0.5), y)


def test_fit_logistic_is_deterministic_and_regularised():
    x = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1]])
    y = np.array([0, 0, 0, 1, 1, 1], dtype=float)  # separable: without a penalty the weight would diverge
    a, b = fit_logistic(x, y, l2=1.0), fit_logistic(x, y, l2=1.0)
    assert np.array_equal(a, b) and np.isfinite(a).all() and 0 < a[1] < 20


def test_saved_model_loads_back_the_same(tmp_path):
    model = AnswerModel(sentence={n: i / 10 for i, n in enumerate(SENTENCE_FEATURES)},
                        confidence={n: -i / 10 for i, n in enumerate(CONFIDENCE_FEATURES)}, fitted_on="train.jsonl")
    path = tmp_path / "answer_model.json"
    model.save(path, extra={"report": {"questions": 3}})
    loaded = AnswerModel.load(path)
    assert loaded == model
    features = np.ones((2, len(SENTENCE_FEATURES)))
    assert np.allclose(loaded.sentence_probabilities(features), model.sentence_probabilities(features))


def test_missing_model_file_gives_built_in_weights_and_a_broken_one_a_clear_error(tmp_path):
    assert AnswerModel.load(tmp_path / "absent.json").fitted_on == "built-in weights"
    broken = tmp_path / "broken.json"
    broken.write_text('{"sentence": 3}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a PolicyDesk answer model"):
        AnswerModel.load(broken)


def test_built_in_confidence_is_the_passage_formula():
    model = AnswerModel()
    # logistic(7 (cos - 0.42) + 4 (coverage - 0.5)): 0.5 exactly at the formula's centre
    assert abs(model.confidence_of({"bias": 1.0, "passage_cos": 0.42, "passage_lex": 0.5}) - 0.5) < 1e-6
    low = model.confidence_of({"bias": 1.0, "passage_cos": 0.2, "passage_lex": 0.3})
    high = model.confidence_of({"bias": 1.0, "passage_cos": 0.7, "passage_lex": 0.8})
    assert 0.0 < low < 0.5 < high < 1.0
