"""Local mirrors: a directory walked recursively, or one file, read as FetchedPages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.records import FetchedPage

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".md": "text/markdown",
}
_CANONICAL = re.compile(
    rb"""<link[^>]+rel=["']canonical["'][^>]*href=["']([^"']+)["']|"""
    rb"""<meta[^>]+property=["']og:url["'][^>]*content=["']([^"']+)["']""",
    re.I,
)


@dataclass(frozen=True)
class MirrorSkip:
    source: str
    reason: str


def read_url_map(root: Path) -> dict[str, str | None] | None:
    """urls.tsv at the mirror root: relative path -> canonical URL (None when the column is empty)."""
    tsv = root / "urls.tsv"
    if not tsv.is_file():
        return None
    mapping: dict[str, str | None] = {}
    for line in tsv.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        path, _, url = line.partition("\t")
        mapping[path.strip()] = url.strip() or None
    return mapping


def canonical_from_html(body: bytes) -> str | None:
    m = _CANONICAL.search(body[:200_000])
    if not m:
        return None
    url = (m.group(1) or m.group(2)).decode("utf-8", "replace").strip()
    return url if url.startswith(("http://", "https://")) else None


def mirror_root(source: Path) -> Path:
    """The folder holding the mirror's urls.tsv: `source` itself, or the nearest ancestor that has one
    (so a single file or a sub-folder of a mirror keeps its canonical URLs)."""
    source = source.resolve()
    start = source if source.is_dir() else source.parent
    for folder in (start, *start.parents):
        if (folder / "urls.tsv").is_file():
            return folder
    return start


def read_mirror(source: Path, max_bytes: int) -> Iterator[FetchedPage | MirrorSkip]:
    """Yield every page under `source` (or `source` itself), or a skip with its reason.

    With a urls.tsv at the root, that file lists the pages: anything else (READMEs, manifests) is
    reported as not listed. Without one, supported extensions are read and the rest reported.
    """
    source = source.resolve()
    root = mirror_root(source)
    url_map = read_url_map(root)
    files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
    for path in files:
        rel = path.relative_to(root).as_posix()
        if rel == "urls.tsv" or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        ctype = CONTENT_TYPES.get(path.suffix.lower())
        if url_map is not None and rel not in url_map:
            yield MirrorSkip(rel, "not listed in the mirror's urls.tsv")
            continue
        if ctype is None:
            yield MirrorSkip(rel, f"unsupported file type {path.suffix or '(none)'}")
            continue
        size = path.stat().st_size
        if size > max_bytes:
            yield MirrorSkip(rel, f"page too large: {size:,} bytes > limit {max_bytes:,}")
            continue
        try:
            body = path.read_bytes()
        except OSError as exc:
            yield MirrorSkip(rel, f"unreadable: {exc.strerror or exc}")
            continue
        url = url_map.get(rel) if url_map is not None else None
        if url is None and ctype == "text/html":
            url = canonical_from_html(body)
        fetched_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        yield FetchedPage(url=url, source=rel, fetched_at=fetched_at, content_type=ctype, body=body)
