"""Pure parsers, one per page kind: FetchedPage -> ParsedPage(s). No I/O here."""

from __future__ import annotations

from ingest.parse.detect import detect_kind
from ingest.records import FetchedPage, ParsedPage, SkipPage

__all__ = ["detect_kind", "parse_page"]


def parse_page(page: FetchedPage, max_bytes: int | None = None) -> list[ParsedPage]:
    """Parse one fetched page into one or more documents.

    Raises SkipPage (with a reason for the ingest report) for pages that cannot be indexed;
    any other exception from a parser is a bug, but the ingest turns it into a skip too.
    """
    from ingest.parse.decode import decode_body

    text = decode_body(page.body, page.content_type, max_bytes=max_bytes)
    kind, fmt = detect_kind(page, text)
    if fmt == "html":
        from ingest.parse.html_pages import parse_html

        docs = parse_html(page, text, kind)
    else:
        from ingest.parse.text_pages import parse_text

        docs = parse_text(page, text, kind)
    docs = [d for d in docs if any(s.text.strip() for s in d.sections)]
    if not docs:
        raise SkipPage("no indexable text (header-only or empty after parsing)")
    return docs
