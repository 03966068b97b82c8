"""Keeping approvals true: each approval checked against an index version.

A chunk an approval cites is, in the new version:
- unchanged: the same chunk id, content hash, URL and citation;
- "moved": the same text (hash) under another chunk id, URL or citation (a renumbered section,
  a page that changed address);
- "text changed": the same chunk id with different text;
- "vanished": neither its id nor its text is in the index.
Any change moves an approved answer to "needs review" (never served as approved until staff
re-approve it). Approvals already awaiting review get their comparison refreshed against the
newest version, so the Review page always shows the text that now serves.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.approvals.records import (
    APPROVED,
    CHANGED,
    MOVED,
    NEEDS_REVIEW,
    VANISHED,
    Approval,
    ApprovedChunk,
    IndexedChunk,
)
from assistant.approvals.store import ApprovalStore

CHECK_ACTOR = "index check"


@dataclass
class CheckReport:
    version: str
    checked: int = 0
    flagged: list[str] = field(default_factory=list)  # approval ids moved to needs review now
    awaiting_review: int = 0  # needs review after the check (flagged now or before)


def indexed_chunks(documents: Iterable[Any]) -> dict[str, IndexedChunk]:
    """chunk id -> IndexedChunk, from the Haystack Documents of an index version."""
    out: dict[str, IndexedChunk] = {}
    for d in documents:
        m = d.meta
        chunk_id = str(m.get("chunk_id") or d.id)
        out[chunk_id] = IndexedChunk(chunk_id, str(m.get("content_sha256") or ""), d.content or "",
                                     str(m.get("url") or ""), str(m.get("cite") or ""), m.get("current_as_of"))
    return out


def compare_chunk(chunk: ApprovedChunk, index: Mapping[str, IndexedChunk],
                  by_hash: Mapping[str, IndexedChunk]) -> ApprovedChunk:
    """The chunk with its change columns set from `index` (all None when it still matches)."""
    now = index.get(chunk.chunk_id)
    same = now is not None and now.content_sha256 == chunk.content_sha256
    if same and now is not None and (now.url, now.cite) == (chunk.url, chunk.cite):
        return _with(chunk, None, None)
    if same:
        return _with(chunk, MOVED, now)
    if now is not None:
        return _with(chunk, CHANGED, now)
    elsewhere = by_hash.get(chunk.content_sha256)
    return _with(chunk, MOVED, elsewhere) if elsewhere else _with(chunk, VANISHED, None)


def _with(chunk: ApprovedChunk, change: str | None, now: IndexedChunk | None) -> ApprovedChunk:
    return ApprovedChunk(
        chunk.chunk_id, chunk.content_sha256, chunk.text, chunk.url, chunk.cite, chunk.current_as_of,
        change, now.chunk_id if now else None, now.text if now and change else None,
        now.url if now and change else None, now.cite if now and change else None)


def change_summary(chunks: list[ApprovedChunk]) -> str | None:
    """In words, for the state reason: "text changed: 2 USCIS-PM M.4(C); vanished: ..."."""
    parts: dict[str, list[str]] = {}
    for c in chunks:
        if c.change:
            parts.setdefault(c.change, [])
            if c.cite not in parts[c.change]:
                parts[c.change].append(c.cite)
    return "; ".join(f"{change}: {', '.join(cites)}" for change, cites in parts.items()) or None


def check_approvals(store: ApprovalStore, index: Mapping[str, IndexedChunk], version: str) -> CheckReport:
    """Check every approved and needs-review approval against `index` (one version's chunks)."""
    report = CheckReport(version)
    if not store.exists():
        return report
    by_hash: dict[str, IndexedChunk] = {}
    for chunk in index.values():
        by_hash.setdefault(chunk.content_sha256, chunk)
    for approval in store.approvals((APPROVED, NEEDS_REVIEW)):
        report.checked += 1
        compared = [compare_chunk(c, index, by_hash) for c in approval.chunks]
        if compared == approval.chunks:
            continue  # nothing new to write
        reason = change_summary(compared)
        flag = approval.state == APPROVED and reason is not None
        if reason is not None:
            reason = f"{reason} (index {version})"
        approval.chunks = compared
        if store.record_check(approval, flag, reason, CHECK_ACTOR) and flag:
            report.flagged.append(approval.id)
    report.awaiting_review = len(store.approvals((NEEDS_REVIEW,)))
    return report


# -- showing a change ------------------------------------------------------------------------
_TOKEN = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) pieces, op in "=", "-", "+": old and new text word by word, whitespace kept."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("=", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", "".join(b[j1:j2])))
    return out


def diff_text(old: str, new: str) -> str:
    """The word diff as text, git-style: [-removed-]{+added+}."""
    marks = {"=": "{}", "-": "[-{}-]", "+": "{{+{}+}}"}
    return "".join(marks[op].format(text) for op, text in word_diff(old, new))


def needs_review_chunks(approval: Approval) -> list[ApprovedChunk]:
    return [c for c in approval.chunks if c.change]


def check_serving_index(settings: Any) -> CheckReport | None:
    """Check every approval against the version that serves now (after `policydesk ingest` and an
    approvals import). None when there are no approvals; IndexUnavailable when there is no index."""
    from ingest.index_store import VersionRegistry, close_store

    store = ApprovalStore(settings.approvals_path)
    if not store.exists():
        return None
    registry = VersionRegistry(settings)
    version = registry.current()
    docs_store, copy = registry.open_reader(version)
    try:
        documents = docs_store.filter_documents()
    finally:
        close_store(docs_store)
        if copy is not None:
            import shutil

            shutil.rmtree(copy, ignore_errors=True)
    return check_approvals(store, indexed_chunks(documents), version.name)
