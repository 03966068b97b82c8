"""Plain-text and Markdown pages -> ParsedPage records, one small parser per kind."""

from __future__ import annotations

from ingest.parse import instructions_text, pm_chapter_text, statute_md
from ingest.parse.text_blocks import reject_junk
from ingest.records import FetchedPage, ParsedPage

__all__ = ["parse_text"]


def parse_text(page: FetchedPage, text: str, kind: str) -> list[ParsedPage]:
    """Parse decoded text of one page, given the kind detect_kind() chose.

    Returns [] when the page has nothing to index (a header-only statute chunk); raises
    SkipPage for text that is empty or is not prose at all.
    """
    reject_junk(text)
    if kind == "statute":
        return statute_md.parse_statute(page, text)
    if kind == "pm-chapter":
        return [pm_chapter_text.parse_pm_chapter(page, text, kind)]
    if kind == "form-instructions":
        return [instructions_text.parse_form_instructions(page, text)]
    if kind == "policy-alert":
        return [instructions_text.parse_policy_alert(page, text)]
    return [instructions_text.parse_plain_text(page, text, kind)]
