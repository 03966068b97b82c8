"""Ordinary uscis.gov pages (form pages, TPS pages, fee schedule, newsroom): main content only."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from ingest.forms import find_forms, normalise_form
from ingest.parse.html_blocks import element_blocks
from ingest.parse.html_common import canonical_url, clean_text, last_reviewed, page_title
from ingest.parse.html_sections import build_sections
from ingest.records import FetchedPage, ParsedPage, Section, SkipPage

# USCIS form prefixes only: uscis.gov/eb-5 or /h-1b are programme pages, not forms.
_PREFIX = r"(I|N|G|AR|EOIR)"
_FORM_IN_URL = re.compile(rf"^/(?:forms/)?{_PREFIX}-?(\d{{1,4}}[a-z]{{0,2}})/?$", re.I)
_FORM_IN_TITLE = re.compile(rf"^(?:Form\s+)?{_PREFIX}-(\d{{1,4}}[A-Z]{{0,2}})\b")
# Forms that are reference documents rather than filings: the cite names what they are.
_FORM_NAMES = {"G-1055": "Fee Schedule"}


def content_root(soup: BeautifulSoup) -> Tag:
    """Where the page's own content lives, most specific first. Everything outside it (header,
    mega menu, breadcrumb, "Last Reviewed" box, feedback form, footer) is site chrome."""
    main = soup.find("main") or soup.find(role="main")
    candidates = (
        soup.find(id="block-uscis-design-content"),
        main.find("article") if isinstance(main, Tag) else None,
        main,
        soup.find("article"),
        soup.body,
    )
    for found in candidates:
        if isinstance(found, Tag) and found.get_text(strip=True):
            return found
    raise SkipPage("no page body")


def form_cite(url: str, title: str) -> str | None:
    """ "Form I-765" for a form's own page (uscis.gov/i-765 or a title "I-765, ...")."""
    found = _FORM_IN_URL.match(urlsplit(url).path) or _FORM_IN_TITLE.match(title)
    if not found:
        return None
    form = normalise_form(found.group(1), found.group(2))
    name = _FORM_NAMES.get(form)
    return f"Form {form} ({name})" if name else f"Form {form}"


def parse_uscis_page(page: FetchedPage, soup: BeautifulSoup, kind: str) -> ParsedPage:
    root = content_root(soup)
    url = canonical_url(page, soup)
    title = page_title(soup, root) or clean_text(url)
    raw = build_sections(element_blocks(root, base=url), title)
    cite_prefix = form_cite(url, title) or title
    sections = tuple(
        Section(path=s.path, text=s.text, anchor=s.anchor, cite=cite_prefix, links=s.links)
        for s in raw
    )
    if not sections:
        raise SkipPage("no text in the page's main content")
    all_text = "\n".join([title, *(s.text for s in sections)])
    return ParsedPage(
        url=url,
        source=page.source,
        title=title,
        kind=kind,
        cite_prefix=cite_prefix,
        current_as_of=last_reviewed(soup),
        sections=sections,
        forms=find_forms(all_text),
    )
