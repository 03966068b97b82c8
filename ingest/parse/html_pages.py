"""HTML pages -> ParsedPage records: dispatch on the kind detect.py found. Pure, no I/O."""

from __future__ import annotations

from ingest.parse.html_common import canonical_url, make_soup
from ingest.parse.pm_chapter_html import guidance_body, parse_pm_chapter
from ingest.parse.pm_updates_html import parse_pm_updates
from ingest.parse.uscis_page_html import parse_uscis_page
from ingest.records import FetchedPage, ParsedPage, SkipPage

__all__ = ["parse_html"]


def parse_html(page: FetchedPage, text: str, kind: str) -> list[ParsedPage]:
    """Parse one decoded HTML page.

    kind is detect.py's: "pm-chapter", "pm-update", "uscis-page", "news", or (rarely as HTML)
    "form-instructions", "policy-alert", "statute". A chapter or updates page without its usual
    markup is read as an ordinary page rather than dropped. Bad input raises SkipPage only.
    """
    try:
        docs = _parse(page, text, kind)
    except RecursionError as exc:  # belt and braces: the walkers themselves are iterative
        raise SkipPage("HTML nested too deeply to parse") from exc
    docs = [d for d in docs if any(s.text.strip() for s in d.sections)]
    if not docs:
        raise SkipPage("no indexable text in the page's main content")
    return docs


def _parse(page: FetchedPage, text: str, kind: str) -> list[ParsedPage]:
    soup = make_soup(text)
    if kind == "pm-chapter":
        body = guidance_body(soup)
        if body is not None:
            return [parse_pm_chapter(page, soup, body)]
    elif kind == "pm-update":
        docs = parse_pm_updates(page, soup, canonical_url(page, soup))
        if docs:
            return docs
    return [parse_uscis_page(page, soup, kind)]
