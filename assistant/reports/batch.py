"""`policydesk batch`: one answer line per input line; a bad line gets an error line, never a stop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.privacy.query_log import log_answer
from assistant.records import QuestionError
from assistant.service import Assistant


def read_question_lines(path: Path) -> list[dict[str, Any]]:
    """Each line as {"id", "question", ...} or {"id", "error"} when it cannot be read."""
    rows: list[dict[str, Any]] = []
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                rows.append({"id": f"line-{n}", "error": f"line {n} is not valid JSON: {exc.msg}"})
                continue
            if not isinstance(obj, dict) or "question" not in obj:
                qid = obj.get("id", f"line-{n}") if isinstance(obj, dict) else f"line-{n}"
                rows.append({"id": str(qid), "error": f"line {n} has no 'question' field"})
                continue
            obj["id"] = str(obj.get("id", f"line-{n}"))
            rows.append(obj)
    return rows


def run_batch(assistant: Assistant, input_path: Path, output_path: Path, top_k: int = 10,
              log: bool = False) -> dict[str, int]:
    counts = {"answered": 0, "abstained": 0, "errors": 0}
    output_path.parent.mkdir(parents=True, exist_ok=True)
    with output_path.open("w", encoding="utf-8") as out:
        for row in read_question_lines(input_path):
            if "error" in row:
                out.write(json.dumps({"id": row["id"], "error": row["error"]}) + "\n")
                counts["errors"] += 1
                continue
            try:
                answer = assistant.ask(row["question"], top_k=top_k, qid=row["id"])
            except QuestionError as exc:
                out.write(json.dumps({"id": row["id"], "error": str(exc)}) + "\n")
                counts["errors"] += 1
                continue
            if log:
                log_answer(assistant.settings, answer, source="batch")
            counts["abstained" if answer.abstained else "answered"] += 1
            out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
    return counts
