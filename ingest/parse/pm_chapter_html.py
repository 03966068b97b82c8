"""A Policy Manual chapter page: the Guidance tab only, one section per lettered/numbered heading.

Markup (uscis.gov, Drupal): body in `div#guidance .field--name-body`; headings carry
`<a class="ck-anchor" id="S-C-1">`; footnote refs are `<a href="#footnote-N">[N]</a>` and the
footnotes follow an `<h2>Footnotes</h2>`, each opening with `[^ N]`. The Resources and Updates
tabs become `related` links, never section text.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from ingest.citations import pm_cite
from ingest.forms import find_forms
from ingest.parse.html_blocks import Block, element_blocks
from ingest.parse.html_common import (
    absolute_url,
    anchor_cite,
    canonical_url,
    cite_for_url,
    current_as_of,
    inline_text,
    page_title,
    pm_location,
)
from ingest.parse.html_sections import build_sections, dedupe_links
from ingest.parse.pm_updates_html import find_alerts
from ingest.records import FetchedPage, Footnote, Link, ParsedPage, Section

_BODY_SELECTORS = ("#guidance .field--name-body", "#guidance", "#book-content")
_FOOTNOTE_START = re.compile(r"^\[\^\s*(\d+)\]\s*")
_CRUMB_VOLUME = re.compile(r"^Volume\s+(\d+)\b", re.I)
_CRUMB_PART = re.compile(r"^Part\s+([A-Z]+)\b", re.I)
_CRUMB_CHAPTER = re.compile(r"^Chapter\s+(\d+)\b", re.I)


def guidance_body(soup: BeautifulSoup) -> Tag | None:
    for selector in _BODY_SELECTORS:
        found = soup.select_one(selector)
        if isinstance(found, Tag) and found.get_text(strip=True):
            return found
    return None


def _location(url: str, soup: BeautifulSoup) -> tuple[int | None, str | None, int | None]:
    """Volume/part/chapter from the URL, else from the breadcrumb ("Volume 2 - ...")."""
    volume, part, chapter = pm_location(url)
    if volume is not None and chapter is not None:
        return volume, part, chapter
    for crumb in soup.select(".breadcrumb li, nav.breadcrumb a"):
        text = inline_text(crumb)
        if m := _CRUMB_VOLUME.match(text):
            volume = volume or int(m.group(1))
        elif m := _CRUMB_PART.match(text):
            part = part or m.group(1).upper()
        elif m := _CRUMB_CHAPTER.match(text):
            chapter = chapter or int(m.group(1))
    return volume, part, chapter


def _footnotes(blocks: list[Block]) -> tuple[dict[str, Footnote], dict[str, tuple[Link, ...]]]:
    """Footnotes by number (a footnote may run over several paragraphs), and their links."""
    texts: dict[str, list[str]] = {}
    links: dict[str, list[Link]] = {}
    current = None
    for block in blocks:
        start = _FOOTNOTE_START.match(block.text)
        if start:
            current = start.group(1)
            texts[current] = [block.text[start.end() :]]
            links[current] = list(block.links)
        elif current is not None:
            texts[current].append(block.text)
            links[current].extend(block.links)
    notes = {n: Footnote(n, "\n\n".join(t for t in parts if t)) for n, parts in texts.items()}
    return notes, {n: dedupe_links(lks) for n, lks in links.items()}


def _related(soup: BeautifulSoup, base: str) -> tuple[Link, ...]:
    """Resources tab (legal authorities, forms, other materials) and Updates tab alerts."""
    out: list[Link] = []
    resources = soup.select_one("#resources")
    if resources is not None:
        for a in resources.select("a[href]"):
            url = absolute_url(str(a.get("href")), base)
            holder = a.find_parent("p") or a
            text = inline_text(holder)
            if url and text:
                out.append(Link(text, url, cite_for_url(url)))
    updates = soup.select_one("#updates")
    if updates is not None:
        for alert in find_alerts(updates, base):
            when = f" ({alert.when.isoformat()})" if alert.when else ""
            url = alert.read_more.url if alert.read_more else base
            out.append(Link(alert.title + when, url, alert.cite))
    return dedupe_links(out)


def parse_pm_chapter(page: FetchedPage, soup: BeautifulSoup, body: Tag) -> ParsedPage:
    url = canonical_url(page, soup)
    title = page_title(soup)
    volume, part, chapter = _location(url, soup)
    cite_prefix = pm_cite(volume, part, chapter) or title
    raw = build_sections(element_blocks(body, base=url), title)
    note_blocks = [b for s in raw if s.path[:1] == ("Footnotes",) for b in s.blocks]
    notes, note_links = _footnotes(note_blocks)
    sections = []
    for rs in raw:
        if rs.path[:1] == ("Footnotes",):
            continue
        refs = [n for n in rs.fnrefs if n in notes]
        sections.append(
            Section(
                path=rs.path,
                text=rs.text,
                anchor=rs.anchor,
                cite=cite_prefix + anchor_cite(rs.anchor),
                footnotes=tuple(notes[n] for n in refs),
                links=dedupe_links([*rs.links, *(lk for n in refs for lk in note_links[n])]),
            )
        )
    all_text = "\n".join([title, *(s.text for s in sections), *(f.text for f in notes.values())])
    return ParsedPage(
        url=url,
        source=page.source,
        title=title,
        kind="pm-chapter",
        cite_prefix=cite_prefix,
        current_as_of=current_as_of(soup),
        sections=tuple(sections),
        volume=volume,
        part=part,
        chapter=chapter,
        forms=find_forms(all_text),
        related=_related(soup, url),
    )
