"""The fitted parts of the answer: which sentences answer a question, and how sure to be.

Two logistic models over named features, fitted on the training half of the blind question set
only (`policydesk eval --fit`), saved to data/answer_model.json (committed, so a clean checkout
answers the same way):

- the *sentence* model chooses among the candidate sentences of one question's top passages: a
  conditional logit (softmax over the candidates), so each candidate's probability is its share of
  the chance of being the sentence that states the fact (labels: the sentence contains one of the
  question's verbatim fact phrases). Choosing is relative: what matters is how a sentence compares
  with its neighbours, not how similar any sentence is to the question in absolute terms;
- the *confidence* model maps question-level evidence (the best sentence's probability, the top
  passage's similarity and term coverage, whether an asked-for amount or date was found) to the
  probability that the answer given is right; the abstention threshold is calibrated on it.

Without a saved model the built-in weights below are used (the hand-set formulas that preceded the
fitted models). `policydesk eval --fit` writes a fitted model to the settings' answer_model_file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SENTENCE_FEATURES = (
    "bias",
    "cos",  # MiniLM cosine of the question and the sentence
    "lex",  # share of the question's IDF mass in the sentence
    "context_lex",  # the same, in the sentence's heading and section path
    "passage_cos",  # cosine of the question and the whole passage
    "passage_rank",  # 0, 1, 2 ... in the answer's passages
    "type_ok",  # the question asks for an amount/duration/date/count and the sentence states one
    "boilerplate",  # "For more information ...", "visit www.uscis.gov/..."
    "long",  # words beyond 40, per 40
    "lead_in",  # ends with ":" and introduces a list
    "form",  # names a form the question asks about
    "other_form",  # names only forms the question does not ask about
    "footnote",  # the passage is a footnote block
)
CONFIDENCE_FEATURES = (
    "bias",
    "best_p",  # the leading sentence's probability under the sentence model
    "best_cos",  # its cosine with the question
    "passage_cos",  # the top passage's cosine with the question
    "passage_lex",  # the share of the question's IDF mass in the top passage
    "rare_missing",  # IDF (/10) of the rarest question term in none of the quoted passages
    "name_missing",  # a proper name of the question ("Venezuela") is in none of them
    "type_asked_found",  # an asked-for amount/duration/date is stated by the leading sentence
)

# The built-in weights are the formulas PolicyDesk answered with before the models could be
# fitted, written in the models' terms: a sentence scores 0.65 x its term coverage + 0.35 x its
# passage's cosine - 0.05 per passage rank - 0.15 in a footnote block (scaled by 8, so a follower
# within 80% of the best score keeps FOLLOW_SHARE of its probability); the confidence is
# logistic(7 (passage cosine - 0.42) + 4 (passage coverage - 0.5)). Fitted models replace them only
# where they measured better on held-out questions (README, "Answers"); so far they did not.
_DEFAULT_SENTENCE = {"lex": 5.2, "passage_cos": 2.8, "passage_rank": -0.4, "footnote": -1.2}
_DEFAULT_CONFIDENCE = {"bias": -4.94, "passage_cos": 7.0, "passage_lex": 4.0}


def sigmoid(z: np.ndarray | float) -> Any:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass
class AnswerModel:
    sentence: dict[str, float] = field(default_factory=lambda: dict(_DEFAULT_SENTENCE))
    confidence: dict[str, float] = field(default_factory=lambda: dict(_DEFAULT_CONFIDENCE))
    fitted_on: str = "built-in weights"

    def _weights(self, names: tuple[str, ...], table: dict[str, float]) -> np.ndarray:
        return np.array([table.get(n, 0.0) for n in names], dtype=np.float64)

    def sentence_probabilities(self, features: np.ndarray) -> np.ndarray:
        """features: (n, len(SENTENCE_FEATURES)) of ONE question's candidates -> (n,) softmax shares."""
        if len(features) == 0:
            return np.zeros(0)
        return softmax(features @ self._weights(SENTENCE_FEATURES, self.sentence))

    def confidence_of(self, features: dict[str, float]) -> float:
        x = np.array([features.get(n, 1.0 if n == "bias" else 0.0) for n in CONFIDENCE_FEATURES])
        return float(sigmoid(x @ self._weights(CONFIDENCE_FEATURES, self.confidence)))

    @classmethod
    def load(cls, path: Path) -> AnswerModel:
        """The saved model, or the built-in weights when there is none (a clear error when unreadable)."""
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(sentence={k: float(v) for k, v in data["sentence"].items()},
                       confidence={k: float(v) for k, v in data["confidence"].items()},
                       fitted_on=str(data.get("fitted_on", path.name)))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path} is not a PolicyDesk answer model: {exc}") from exc

    def save(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        payload = {"sentence": self.sentence, "confidence": self.confidence, "fitted_on": self.fitted_on,
                   **(extra or {})}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return np.asarray(e / e.sum())


def fit_conditional_logit(groups: list[tuple[np.ndarray, np.ndarray]], l2: float = 1.0,
                          iterations: int = 50) -> np.ndarray:
    """Softmax choice model over each group's candidates, by Newton's method.

    `groups`: (features (n_q, d), labels (n_q,)) per question, each with at least one positive; the
    target is spread evenly over a group's positives. Weights are shared across questions; a
    constant column cancels out of a softmax, so the bias stays 0. Deterministic.
    """
    d = groups[0][0].shape[1]
    w = np.zeros(d)
    for _ in range(iterations):
        grad = l2 * w
        hess = l2 * np.eye(d)
        for x, y in groups:
            p = softmax(x @ w)
            t = y / y.sum()
            grad = grad + x.T @ (p - t)
            hess = hess + x.T @ ((np.diag(p) - np.outer(p, p)) @ x)
        step = np.linalg.solve(hess + 1e-9 * np.eye(d), grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return w


def choice_log_loss(groups: list[tuple[np.ndarray, np.ndarray]], w: np.ndarray) -> float:
    """Mean negative log of the probability the model gives the question's fact-stating sentences."""
    return float(np.mean([-np.log(max(float(softmax(x @ w)[y > 0].sum()), 1e-12)) for x, y in groups]))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method (the bias, column 0, is not penalised).

    Small, dependency-free and deterministic: the same data always gives the same weights.
    """
    n, d = x.shape
    w = np.zeros(d)
    penalty = np.full(d, l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = sigmoid(x @ w)
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(d)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return w


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))) if len(y) else math.nan
