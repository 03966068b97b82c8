"""USCIS Policy Manual chapter as plain text (one paragraph a line) -> ParsedPage.

The text follows the chapter page: "A. Section" and "1. Subsection" headings (uscis.gov anchors
S-A, S-A-1), unnumbered sub-headings, inline footnote markers "[N]", then "Footnotes" with
"[^ N] text" lines, "Resources", "Appendices" and "Updates" lists, and page furniture.
"""

from __future__ import annotations

import re

from ingest.citations import pm_cite, pm_url
from ingest.forms import find_forms
from ingest.parse.dates import parse_date
from ingest.parse.text_blocks import (
    clean_lines,
    is_furniture,
    looks_like_heading,
    make_section,
    unique_paths,
)
from ingest.records import FetchedPage, Link, ParsedPage, Section

_URL_VPC = re.compile(r"volume-(\d+)-part-([a-z]+)-chapter-(\d+)", re.I)
_TEXT_VPC = re.compile(
    r"Volume\s+(\d+)\b.{0,200}?\bPart\s+([A-Z]{1,2})\b.{0,200}?\bChapter\s+(\d+)"
)
_CHAPTER_TITLE = re.compile(r"^Chapter\s+\d+\s*[-–—:]\s*\S")
_SOURCE = re.compile(r"^Source:\s*(https?://\S+)", re.I)
_LETTER = re.compile(r"^([A-Z])\.\s+(\S.*)$")
_NUMBER = re.compile(r"^(\d{1,2})\.\s+(\S.*)$")
_FOOTNOTE = re.compile(r"^\[\^\s*(\d{1,3})\]\s*(.*)$")
_CURRENT = re.compile(r"^Current as of\s+(.*)$", re.I)
_AFFECTED = re.compile(r"^(\d{1,2}) USCIS-PM(?: ([A-Z]{1,2})(?:\.(\d{1,2}))?)?\s+-\s+\S")
_RESOURCE_FORM = re.compile(r"^([A-Z]{1,4}-\d+[A-Z]{0,2}), \S")
_TAIL = {
    "footnotes": "footnotes",
    "resources": "resources",
    "updates": "updates",
    "appendices": "skip",
}
_LIST_END = re.compile(r"(?:[:;]|[;,]\s*(?:and|or))$")


def _heading_like(line: str) -> bool:
    return looks_like_heading(line, max_len=150) and not re.search(r"\[\d+\]", line)


def parse_pm_chapter(page: FetchedPage, text: str, kind: str = "pm-chapter") -> ParsedPage:
    lines = [ln.strip() for ln in clean_lines(text)]
    lines = [ln for ln in lines if ln and not is_furniture(ln)]

    url = page.url
    title = None
    body_start = 0
    # Header: "USCIS Policy Manual", "Volume 8 - …, Part B - …, Chapter 4 - …", "Source: URL",
    # then the chapter heading. It ends at the chapter heading or the first "A." heading.
    for i, line in enumerate(lines[:8]):
        if _LETTER.match(line):
            break
        source = _SOURCE.match(line)
        if source:
            url = url or source.group(1)
        if _CHAPTER_TITLE.match(line):
            title, body_start = line, i + 1
            break
        if line.lower() == "uscis policy manual" or _TEXT_VPC.search(line) or source:
            body_start = i + 1
    header = " ".join(lines[:body_start])
    vpc = _URL_VPC.search(url or page.source) or _TEXT_VPC.search(header)
    volume = int(vpc.group(1)) if vpc else None
    part = vpc.group(2).upper() if vpc else None
    chapter = int(vpc.group(3)) if vpc else None
    cite_prefix = pm_cite(volume, part, chapter) if vpc else "USCIS-PM"
    if title is None:
        title = f"Volume {volume}, Part {part}, Chapter {chapter}" if vpc else page.source

    body, notes, related, current = _split_tail(lines[body_start:], cite_prefix)
    sections = unique_paths(_sections(body, cite_prefix, notes))
    all_text = " ".join([title] + [s.text for s in sections])
    return ParsedPage(
        url=url or page.source,
        source=page.source,
        title=title,
        kind=kind,
        cite_prefix=cite_prefix,
        current_as_of=current,
        sections=tuple(sections),
        volume=volume,
        part=part,
        chapter=chapter,
        forms=find_forms(all_text),
        related=tuple(related),
    )


def _split_tail(lines: list[str], cite_prefix: str):
    """Separate the body from Footnotes / Resources / Updates; collect notes, links, date."""
    body: list[str] = []
    note_lines: dict[str, list[str]] = {}
    related: dict[str, Link] = {}
    current = None
    mode = "body"
    last_note = None
    for line in lines:
        as_of = _CURRENT.match(line)
        if as_of:
            current = parse_date(as_of.group(1)) or current
            continue
        if line.lower() in _TAIL and (mode != "body" or body):
            mode = _TAIL[line.lower()]
            continue
        if mode == "body":
            body.append(line)
        elif mode == "footnotes":
            note = _FOOTNOTE.match(line)
            if note:
                last_note = note.group(1)
                note_lines[last_note] = [note.group(2).strip()]
            elif last_note:  # a footnote running over two lines
                note_lines[last_note].append(line)
        elif mode in ("resources", "updates"):
            link = _related_link(line, cite_prefix)
            if link:
                related.setdefault(link.url, link)
    notes = {number: " ".join(parts) for number, parts in note_lines.items()}
    return body, notes, list(related.values()), current


def _related_link(line: str, cite_prefix: str) -> Link | None:
    affected = _AFFECTED.match(line)
    if affected:
        volume, part, chapter = affected.groups()
        cite = pm_cite(int(volume), part, int(chapter) if chapter else None)
        if cite == cite_prefix or not part:  # whole volumes (technical updates) say nothing
            return None
        return Link(line, pm_url(int(volume), part, int(chapter) if chapter else None), cite)
    form = _RESOURCE_FORM.match(line)
    if form:
        return Link(line, f"https://www.uscis.gov/{form.group(1).lower()}", f"Form {form.group(1)}")
    return None


def _sections(body: list[str], cite_prefix: str, notes: dict[str, str]) -> list[Section]:
    sections: list[Section] = []
    letter: tuple[str, str] | None = None  # ("C", "C. Documentation Completed by …")
    number: tuple[int, str] | None = None
    sub: str | None = None
    blocks: list[tuple[str, str]] = []

    def flush() -> None:
        path = tuple(h for h in (letter and letter[1], number and number[1], sub) if h)
        anchor = cite = None
        if letter:
            anchor = f"S-{letter[0]}" + (f"-{number[0]}" if number else "")
            cite = f"{cite_prefix}({letter[0]})" + (f"({number[0]})" if number else "")
        section = make_section(path, blocks, cite=cite or cite_prefix, anchor=anchor, notes=notes)
        if section:
            sections.append(section)
        blocks.clear()

    prev = ""
    for i, line in enumerate(body):
        nxt = body[i + 1] if i + 1 < len(body) else ""
        m_letter, m_number = _LETTER.match(line), _NUMBER.match(line)
        want_letter = chr(ord(letter[0]) + 1) if letter else "A"
        want_number = number[0] + 1 if number else 1
        if m_letter and m_letter.group(1) == want_letter and _heading_like(line):
            flush()
            letter, number, sub = (want_letter, line), None, None
        elif m_number and letter and int(m_number.group(1)) == want_number and _heading_like(line):
            flush()
            number, sub = (want_number, line), None
        elif (
            letter
            and _heading_like(line)
            and len(line) <= 120
            and nxt
            and not _heading_like(nxt)
            and not _NUMBER.match(line)
        ):
            flush()
            sub = line
        else:
            in_list = _LIST_END.search(re.sub(r"\[\d+\]", "", prev).rstrip())
            kind = "item" if blocks and in_list else "para"
            blocks.append((kind, line))
        prev = line
    flush()
    return sections
