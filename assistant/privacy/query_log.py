"""Query log and feedback in SQLite under the data directory. Every text is redacted first."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.privacy.redact import redact
from assistant.records import Answer
from ingest.settings import Settings

FEEDBACK_REASONS = ("wrong", "outdated", "incomplete", "wrong source")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queries (
  id INTEGER PRIMARY KEY, ts TEXT NOT NULL, question TEXT NOT NULL, abstained INTEGER NOT NULL,
  reason TEXT, confidence REAL, top_cite TEXT, top_url TEXT, latency_ms REAL, source TEXT
);
CREATE TABLE IF NOT EXISTS feedback (
  id INTEGER PRIMARY KEY, ts TEXT NOT NULL, question TEXT NOT NULL, helpful INTEGER NOT NULL,
  reason TEXT, comment TEXT, top_cite TEXT
);
"""


def log_path(settings: Settings) -> Path:
    return settings.logs_dir / "policydesk.sqlite"


def _connect(settings: Settings) -> sqlite3.Connection:
    path = log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30)
    conn.executescript(_SCHEMA)
    return conn


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def log_answer(settings: Settings, answer: Answer, source: str = "cli") -> None:
    top = answer.citations[0] if answer.citations else None
    with closing(_connect(settings)) as conn, conn:
        conn.execute(
            "INSERT INTO queries (ts, question, abstained, reason, confidence, top_cite, top_url, latency_ms, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_now(), redact(answer.question), int(answer.abstained), answer.reason, answer.confidence,
             top.cite if top and not answer.abstained else None,
             top.url if top and not answer.abstained else None, answer.latency_ms, source),
        )


def record_feedback(
    settings: Settings, question: str, helpful: bool, reason: str | None = None,
    comment: str | None = None, top_cite: str | None = None,
) -> None:
    if reason is not None and reason not in FEEDBACK_REASONS:
        raise ValueError(f"reason must be one of {', '.join(FEEDBACK_REASONS)}")
    with closing(_connect(settings)) as conn, conn:
        conn.execute(
            "INSERT INTO feedback (ts, question, helpful, reason, comment, top_cite) VALUES (?, ?, ?, ?, ?, ?)",
            (_now(), redact(question), int(helpful), reason, redact(comment)[:2000] if comment else None, top_cite),
        )


def _newest_rows(settings: Settings, table: str, limit: int) -> list[dict[str, Any]]:
    if not log_path(settings).exists():
        return []
    with closing(_connect(settings)) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(f"SELECT * FROM {table} ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [dict(r) for r in rows]


def read_queries(settings: Settings, limit: int = 10_000) -> list[dict[str, Any]]:
    return _newest_rows(settings, "queries", limit)


def read_feedback(settings: Settings, limit: int = 10_000) -> list[dict[str, Any]]:
    return _newest_rows(settings, "feedback", limit)
