"""Typed records passed between ingestion steps: crawl -> parse -> chunk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

KINDS = (
    "pm-chapter",
    "pm-update",
    "uscis-page",
    "form-instructions",
    "policy-alert",
    "statute",
    "news",
)


@dataclass(frozen=True)
class FetchedPage:
    """Raw bytes of one page as fetched (HTTP) or read (mirror)."""

    url: str | None  # canonical public URL when known (urls.tsv, final HTTP URL)
    source: str  # URL fetched, or path relative to the mirror root
    fetched_at: datetime
    content_type: str  # e.g. "text/html; charset=utf-8", "text/plain", "text/markdown"
    body: bytes


@dataclass(frozen=True)
class Footnote:
    number: str
    text: str


@dataclass(frozen=True)
class Link:
    """A cross-reference or affected-section link found in a page."""

    text: str
    url: str
    cite: str | None = None


@dataclass(frozen=True)
class Section:
    """One section of guidance, never split across by the chunker's neighbours."""

    path: tuple[str, ...]  # heading path, outermost first (page title not included)
    text: str  # body text; paragraphs separated by blank lines, headings removed
    anchor: str | None = None  # e.g. "S-C-1" -> url#S-C-1
    cite: str | None = None  # e.g. "2 USCIS-PM M.4(C)(1)", "8 U.S.C. 1427(a)"
    footnotes: tuple[Footnote, ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class ParsedPage:
    url: str  # canonical public URL (without #anchor)
    source: str
    title: str
    kind: str  # one of KINDS
    cite_prefix: str  # "2 USCIS-PM M.4", "Form I-765", "8 U.S.C. 1153", "PA-2022-27"
    current_as_of: date | None
    sections: tuple[Section, ...]
    volume: int | None = None
    part: str | None = None
    chapter: int | None = None
    forms: tuple[str, ...] = ()  # forms mentioned, normalised "I-765"
    related: tuple[Link, ...] = ()  # affected sections (alerts), resources
    doc_key: str | None = None  # distinguishes several documents parsed from one URL


class SkipPage(Exception):
    """A page that cannot be indexed; the message is the reason shown in the report."""


@dataclass
class SkippedPage:
    source: str
    reason: str


@dataclass
class IngestReport:
    version: str | None = None
    pages_seen: int = 0
    pages_indexed: int = 0
    documents: int = 0
    skipped: list[SkippedPage] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    from_cache: int = 0
    sentences_embedded: int = 0  # answer sentences newly embedded (the rest came from the cache)
    seconds: dict[str, float] = field(default_factory=dict)
    switched: bool = False
