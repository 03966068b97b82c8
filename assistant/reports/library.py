"""What the serving index holds, for the Library page: sources, pages, stale pages, PM updates.

Everything comes from the serving version's build manifest, plus the pm-update chunks in the
store (their `affects` meta lists the Policy Manual chapters an update changes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

PM_CITE = re.compile(r"^(\d+ USCIS-PM [A-Z]+)(\.\d+)?")


@dataclass
class PmUpdate:
    title: str
    url: str
    current_as_of: str | None
    affects: list[str]  # cites as the update lists them
    indexed: list[bool]  # per affected cite: is that chapter in the index?


def pages_table(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per indexed page: title, kind, URL, current-as-of date, source, chunks."""
    rows = [
        {
            "title": p.get("title") or "",
            "kind": p.get("kind") or "",
            "url": p.get("url") or "",
            "current_as_of": p.get("current_as_of"),
            "source": p.get("source") or "",
            "chunks": p.get("chunks", 0),
            "fetched_at": p.get("fetched_at"),
        }
        for p in manifest.get("pages", [])
    ]
    return sorted(rows, key=lambda r: (r["kind"], r["title"]))


def sources_list(manifest: dict[str, Any]) -> list[str]:
    """The sources the version was built from (mirror paths or start URLs)."""
    return [str(s) for s in manifest.get("sources", [])]


def pages_by_kind(manifest: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in manifest.get("pages", []):
        counts[p.get("kind") or "unknown"] = counts.get(p.get("kind") or "unknown", 0) + 1
    return dict(sorted(counts.items()))


def age_in_days(current_as_of: str | None, today: date | None = None) -> int | None:
    if not current_as_of:
        return None
    try:
        day = date.fromisoformat(str(current_as_of)[:10])
    except ValueError:
        return None
    return ((today or date.today()) - day).days


def is_stale(current_as_of: str | None, stale_after_days: int, today: date | None = None) -> bool:
    age = age_in_days(current_as_of, today)
    return age is not None and age > stale_after_days


def stale_pages(
    manifest: dict[str, Any], stale_after_days: int, today: date | None = None
) -> list[dict[str, Any]]:
    """Pages whose "current as of" date is older than the limit, oldest first."""
    rows = []
    for r in pages_table(manifest):
        age = age_in_days(r["current_as_of"], today)
        if age is not None and age > stale_after_days:
            rows.append(r | {"age_days": age})
    return sorted(rows, key=lambda r: -r["age_days"])


def chapter_of(cite: str) -> str | None:
    """`2 USCIS-PM M.4(C)(1)` -> `2 USCIS-PM M.4`; a part (`1 USCIS-PM A`) stays; non-PM -> None."""
    m = PM_CITE.match(cite.strip())
    return (m.group(1) + (m.group(2) or "")) if m else None


def is_indexed(cite: str, chapters: set[str]) -> bool:
    """A chapter is indexed when one of its chunks is; a part when any of its chapters is."""
    target = chapter_of(cite)
    if target is None:
        return False
    return target in chapters or any(c.startswith(target + ".") for c in chapters)


def pm_updates(update_docs: list[Any], indexed_cites: list[str]) -> list[PmUpdate]:
    """One entry per pm-update document (chunks merged by doc_id), newest first."""
    chapters = {c for c in map(chapter_of, indexed_cites) if c}
    by_doc: dict[str, PmUpdate] = {}
    for doc in update_docs:
        m = doc.meta
        key = m.get("doc_id") or m.get("page_url") or m.get("url", "")
        entry = by_doc.setdefault(
            key,
            PmUpdate(
                m.get("title", ""),
                m.get("page_url") or m.get("url", ""),
                m.get("current_as_of"),
                [],
                [],
            ),
        )
        # `affects` also carries the alert's own citation (its PDF): keep the PM chapters only.
        for cite in m.get("affects") or []:
            if chapter_of(cite) and cite not in entry.affects:
                entry.affects.append(cite)
                entry.indexed.append(is_indexed(cite, chapters))
    return sorted(by_doc.values(), key=lambda u: (u.current_as_of or "", u.title), reverse=True)


def read_pm_updates(document_store: Any) -> list[PmUpdate]:
    """pm-update documents from the store, each affected chapter marked indexed or not."""
    updates = document_store.filter_documents(
        filters={"field": "meta.kind", "operator": "==", "value": "pm-update"}
    )
    if not updates:
        return []
    chapters = document_store.filter_documents(
        filters={"field": "meta.kind", "operator": "==", "value": "pm-chapter"}
    )
    return pm_updates(updates, [d.meta.get("cite", "") for d in chapters])
