"""Approvals as JSONL, for review elsewhere and to move between deployments.

Export writes one approval per line (Approval.to_json() plus a "format" tag). Import reads every
line first and checks it; if any line is bad, nothing is imported and each bad line is reported
by number. Texts are redacted again on the way in: an imported file is not trusted to be clean.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.approvals.records import CHANGES, STATES, Approval, ApprovedChunk
from assistant.approvals.store import ApprovalStore
from assistant.privacy.redact import redact

FORMAT = "policydesk-approval/1"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SHA = re.compile(r"[0-9a-f]{64}")
_MARKER = re.compile(r"\s*\[\d{1,2}\]")


class ImportRejected(ValueError):
    """The file was not imported; `problems` lists each bad line as "line N: why"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} bad line(s); nothing imported")
        self.problems = problems


def export_approvals(store: ApprovalStore, path: Path) -> int:
    approvals = store.approvals()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for a in approvals:
            fh.write(json.dumps({"format": FORMAT, **a.to_json()}, ensure_ascii=False) + "\n")
    return len(approvals)


def _text(obj: dict[str, Any], key: str, optional: bool = False) -> str | None:
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"'{key}' must be non-empty text")
    return value


def parse_approval(obj: Any) -> Approval:
    """One exported line back into an Approval; ValueError says what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    if obj.get("format") != FORMAT:
        raise ValueError(f"'format' must be {FORMAT!r}")
    aid = _text(obj, "id") or ""
    if not _ID.fullmatch(aid):
        raise ValueError("'id' must be 1-64 letters, digits, '.', '_' or '-'")
    for key in ("question", "answer", "approved_by", "approved_at", "index_version"):
        _text(obj, key)
    try:
        datetime.fromisoformat(obj["approved_at"])
    except ValueError:
        raise ValueError("'approved_at' is not an ISO date and time") from None
    if obj.get("state") not in STATES:
        raise ValueError(f"'state' must be one of {', '.join(STATES)}")
    for key in ("note", "state_reason", "state_changed_at"):
        _text(obj, key, optional=True)
    phrasings = obj.get("phrasings", [])
    if not isinstance(phrasings, list) or not all(isinstance(p, str) and p.strip() for p in phrasings):
        raise ValueError("'phrasings' must be a list of texts")
    citations = obj.get("citations")
    if not isinstance(citations, list) or not citations:
        raise ValueError("'citations' must be a non-empty list")
    quoted: list[str] = []
    for n, c in enumerate(citations, start=1):
        if not isinstance(c, dict) or c.get("rank") != n:
            raise ValueError(f"citation {n} must be an object with rank {n}")
        for key in ("chunk_id", "cite", "url", "text"):
            if not isinstance(c.get(key), str):
                raise ValueError(f"citation {n}: '{key}' must be text")
        spans = c.get("highlights")
        if not isinstance(spans, list) or not spans or not all(
                isinstance(s, list) and len(s) == 2 and all(isinstance(x, int) for x in s)
                and 0 <= s[0] < s[1] <= len(c["text"]) for s in spans):
            raise ValueError(f"citation {n}: 'highlights' must be [start, end] spans inside its text")
        quoted += [c["text"][s:e] for s, e in spans]
    sentences = [s.strip() for s in _MARKER.split(obj["answer"]) if s.strip()]
    if sorted(sentences) != sorted(q.strip() for q in quoted):
        raise ValueError("'answer' is not the highlighted sentences of its citations, verbatim")
    chunks_raw = obj.get("chunks")
    if not isinstance(chunks_raw, list) or not chunks_raw:
        raise ValueError("'chunks' must be a non-empty list")
    chunks = []
    for n, ch in enumerate(chunks_raw, start=1):
        if not isinstance(ch, dict):
            raise ValueError(f"chunk {n} is not an object")
        for key in ("chunk_id", "text", "url", "cite"):
            if not isinstance(ch.get(key), str):
                raise ValueError(f"chunk {n}: '{key}' must be text")
        if not isinstance(ch.get("content_sha256"), str) or not _SHA.fullmatch(ch["content_sha256"]):
            raise ValueError(f"chunk {n}: 'content_sha256' must be 64 hex digits")
        if ch.get("change") not in (None, *CHANGES):
            raise ValueError(f"chunk {n}: 'change' must be null or one of {', '.join(CHANGES)}")
        chunks.append(ApprovedChunk(
            ch["chunk_id"], ch["content_sha256"], ch["text"], ch["url"], ch["cite"], ch.get("current_as_of"),
            ch.get("change"), ch.get("new_chunk_id"), ch.get("new_text"), ch.get("new_url"), ch.get("new_cite")))
    return Approval(
        id=aid, question=redact(obj["question"]), answer=obj["answer"], citations=citations, chunks=chunks,
        approved_by=obj["approved_by"], approved_at=obj["approved_at"], index_version=obj["index_version"],
        state=obj["state"], note=redact(obj["note"]) if obj.get("note") else None,
        phrasings=[redact(p) for p in phrasings], state_reason=obj.get("state_reason"),
        state_changed_at=obj.get("state_changed_at"))


def read_approvals_file(path: Path) -> list[Approval]:
    """Every line checked; ImportRejected lists the bad ones by line number."""
    approvals: list[Approval] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                approval = parse_approval(json.loads(line))
            except json.JSONDecodeError as exc:
                problems.append(f"line {n}: not valid JSON ({exc.msg})")
                continue
            except ValueError as exc:
                problems.append(f"line {n}: {exc}")
                continue
            if approval.id in seen:
                problems.append(f"line {n}: id {approval.id} repeats line {seen[approval.id]}")
                continue
            seen[approval.id] = n
            approvals.append(approval)
    if problems:
        raise ImportRejected(problems)
    if not approvals:
        raise ImportRejected(["the file holds no approvals"])
    return approvals


def import_approvals(store: ApprovalStore, path: Path, actor: str) -> int:
    """Import all the file's approvals in one transaction (same id: replaced), or none."""
    approvals = read_approvals_file(path)
    store.save_many(approvals, actor=actor, action="imported")
    return len(approvals)
