"""Which parser a page needs: (kind, format) from its URL, file name and first bytes."""

from __future__ import annotations

import re

from ingest.records import FetchedPage

_PM_CHAPTER = re.compile(r"/policy-manual/volume-\d+-part-[a-z]+-chapter-\d+", re.I)


def _format(page: FetchedPage, text: str) -> str:
    ctype = (page.content_type or "").lower()
    head = text[:2048].lstrip().lower()
    if "html" in ctype or head.startswith(("<!doctype html", "<html")) or "<body" in text[:20000].lower():
        return "html"
    if "markdown" in ctype or page.source.lower().endswith(".md"):
        return "markdown"
    return "text"


def detect_kind(page: FetchedPage, text: str) -> tuple[str, str]:
    """Return (kind, format) where format is "html", "markdown" or "text"."""
    fmt = _format(page, text)
    url = (page.url or page.source).lower()
    src = page.source.lower()
    if "uscode.house.gov" in url or (fmt == "markdown" and text.lstrip().startswith("# Title 8")):
        return "statute", fmt
    if "/policy-manual/updates" in url:
        return "pm-update", fmt
    if _PM_CHAPTER.search(url):
        return "pm-chapter", fmt
    if "policy-manual-updates/" in url or "policy-alert" in url:
        return "policy-alert", fmt
    if re.search(r"instr\.(pdf|txt)$", url) or re.search(r"instr\.txt$", src):
        return "form-instructions", fmt
    if "/newsroom" in url:
        return "news", fmt
    return "uscis-page", fmt
