"""The abstention threshold: a curve over a labelled set, the chosen point, and where it is saved.

Saved to data/calibration.json (committed, so a clean checkout answers with the calibrated
threshold); Settings reads it as the default for `abstain_threshold`, and
POLICYDESK_ABSTAIN_THRESHOLD still overrides it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.records import Answer
from ingest.settings import Settings

MAX_FALSE_ABSTENTION = 0.10


def threshold_curve(labelled: list[tuple[bool, Answer]], steps: int = 101) -> list[dict[str, float]]:
    """For each threshold: abstention precision/recall on unanswerable, false abstention on answerable.

    `labelled` answers must come from threshold 0: what abstains there (case-specific requests,
    forms no page mentions, no sentence of the asked type) abstains at every threshold.
    """
    curve = []
    n_unans = sum(1 for ok, _ in labelled if not ok) or 1
    n_ans = sum(1 for ok, _ in labelled if ok) or 1
    for i in range(steps):
        t = i / (steps - 1)
        abstains = [(ok, a.abstained or a.confidence < t) for ok, a in labelled]
        true_abst = sum(1 for ok, ab in abstains if ab and not ok)
        false_abst = sum(1 for ok, ab in abstains if ab and ok)
        total_abst = true_abst + false_abst
        curve.append({
            "threshold": round(t, 4),
            "precision": true_abst / total_abst if total_abst else 1.0,
            "recall": true_abst / n_unans,
            "false_abstention": false_abst / n_ans,
        })
    return curve


def choose_threshold(curve: list[dict[str, float]]) -> float:
    """Highest abstention recall with at most MAX_FALSE_ABSTENTION false abstention.

    Among equally good points, the midpoint of the flat stretch is taken so the threshold is not
    balanced on one question's score.
    """
    allowed = [p for p in curve if p["false_abstention"] <= MAX_FALSE_ABSTENTION]
    if not allowed:
        return 0.0
    best = max(p["recall"] - p["false_abstention"] for p in allowed)
    flat = [p["threshold"] for p in allowed if p["recall"] - p["false_abstention"] == best]
    return round((min(flat) + max(flat)) / 2, 4)


def save_calibration(settings: Settings, threshold: float, curve: list[dict[str, float]], questions: Path) -> None:
    path = settings.calibration_file
    payload: dict[str, Any] = {
        "abstain_threshold": threshold,
        "chosen_by": f"max(recall - false_abstention) subject to false_abstention <= {MAX_FALSE_ABSTENTION}",
        "questions": str(questions),
        "embedding_model": settings.embedding_model_id,
        "calibrated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "curve": curve[::5],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
