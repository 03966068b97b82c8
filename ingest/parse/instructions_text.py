"""Form instructions, policy alerts and other plain text (PDF extractions) -> ParsedPage."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePosixPath

from ingest.citations import pm_cite, pm_url
from ingest.forms import find_forms
from ingest.parse.dates import parse_date
from ingest.parse.pdf_text import Block, reflow, text_lines
from ingest.parse.text_blocks import looks_like_heading, make_section, unique_paths
from ingest.records import FetchedPage, Link, ParsedPage, Section

_FORM_NO = re.compile(r"\bForm\s+([A-Z]{1,4})-(\d+[A-Z]{0,2})\b")
_HEADER_END = re.compile(r"^(?:OMB No\.|Expires \d{1,2}/\d{1,2}/\d{2,4}$)")
_EDITION = re.compile(
    r"\bEdition\s+(\d{1,2}/\d{1,2}/\d{2,4})\b"
    r"|Instructions\s+(\d{1,2}/\d{1,2}/\d{2,4})\s+Page\s+\d+\s+of\s+\d+"
)
_TOC = re.compile(r"^Table of Contents?$|\s{2,}(?:Page|\d{1,3})$|\.{4,}\s*\d+$", re.I)
_TOP_LEVEL = re.compile(
    r"^(?:(?:General|Specific|Additional) Instructions\b|How To (?:Complete|Fill))", re.I
)
# Headings that every USCIS form's instructions carry at the top level.
_TOP_NAMES = frozenset(
    "processing information|penalties|address change|uscis forms and information|checklist"
    "|uscis compliance review and monitoring|uscis privacy act statement|dhs privacy notice"
    "|ssa privacy act statement|fbi privacy notice|paperwork reduction act|filing fee".split("|")
)
_PA = re.compile(r"\bPA-\d{4}-\d{1,3}\b")
_PM_CITE = re.compile(r"\[(\d{1,2}) USCIS-PM ([A-Z]{1,2})(?:\.(\d{1,2}))?\]")
_AFFECTED = re.compile(r"Affected Sections?:\s*Volume (\d{1,2})\s*>\s*Part ([A-Z]{1,2})\b")


def _assemble(
    blocks: list[Block], cite_prefix: str, level_of, notes: dict[str, str] | None = None
) -> list[Section]:
    """Sections from blocks: each heading closes the section before it; levels give the path."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    body: list[tuple[str, str]] = []

    def flush() -> None:
        path = tuple(text for _, text in stack)
        for sub, group in _split_large(body):
            full = path + ((sub,) if sub else ())
            cite = f"{cite_prefix}, {full[-1]}" if full else cite_prefix
            section = make_section(full, group, cite=cite, notes=notes)
            if section:
                sections.append(section)
        body.clear()

    for block in blocks:
        if block.kind == "heading":
            flush()
            level = level_of(block.text, stack)
            stack = [h for h in stack if h[0] < level] + [(level, block.text)]
        else:
            body.append((block.kind, block.text))
    flush()
    return unique_paths(sections)


_RUN_IN = re.compile(
    r"^(\d{1,2})\.\s+((?:Part \d+\.\s+)?[A-Z][^.]{2,160}?(?:\([^)]{0,80}\))?)\.(?:\s|$)"
)
_LARGE = 8000


def _split_large(body: list[tuple[str, str]]) -> list[tuple[str | None, list[tuple[str, str]]]]:
    """A very long section made of numbered items with run-in headings ("7. Current Mailing
    Address. You must …") is cut at those items, numbered 1, 2, 3 … in order."""
    if sum(len(text) for _, text in body) <= _LARGE:
        return [(None, list(body))]
    groups: list[tuple[str | None, list[tuple[str, str]]]] = [(None, [])]
    expected = 1
    for kind, text in body:
        number = re.match(r"^(\d{1,2})\.\s", text) if kind == "item" else None
        if number and int(number.group(1)) == expected:
            expected += 1
            m = _RUN_IN.match(text)
            if m and looks_like_heading(m.group(2), max_len=170, max_words=28):
                groups.append((f"{m.group(1)}. {m.group(2)}", [(kind, text)]))
                continue
        groups[-1][1].append((kind, text))
    return groups if len(groups) > 2 else [(None, list(body))]


def _form_levels(blocks: list[Block]):
    """Question headings and "… Instructions" are top level, "Part N." and most others below
    them; a heading that recurs ("Derivative Applicants") nests under the one before it."""
    counts = Counter(b.text for b in blocks if b.kind == "heading")

    def level_of(text: str, stack: list[tuple[int, str]]) -> int:
        if text.endswith("?") or _TOP_LEVEL.match(text) or text.lower() in _TOP_NAMES:
            return 1
        if re.match(r"^(?:Part )?\d{1,2}\.\s", text):
            return 2
        parent = next((t for lvl, t in stack if lvl == 2), None)
        if parent and (
            re.match(r"^\d{1,2}\.\s", parent) or (counts[text] > 1 and counts[parent] == 1)
        ):
            return 3
        return 2

    return level_of


def _header_end(lines: list[str]) -> int:
    end = 0
    for i, line in enumerate(lines[:30]):
        if _HEADER_END.match(line):
            end = i + 1
    return end


def parse_form_instructions(page: FetchedPage, text: str) -> ParsedPage:
    lines = text_lines(text)
    start = _header_end(lines)
    header = [ln for ln in lines[:start] if ln]
    head_text = " ".join(header)

    raw_title = ""
    for i, line in enumerate(header):
        if line.startswith("Instructions for"):
            parts = [line]
            for more in header[i + 1 :]:
                if more.startswith(("Department of", "U.S. Citizenship", "USCIS", "Form ", "OMB")):
                    break
                parts.append(more)
            raw_title = " ".join(parts).strip(" ,")
            break
    m_form = _FORM_NO.search(head_text)
    form = f"{m_form.group(1)}-{m_form.group(2)}" if m_form else None
    if form is None:
        found = find_forms(PurePosixPath(page.source).name.replace("instr", " "))
        form = found[0] if found else None
    if raw_title and form and "Form" not in raw_title:
        title = re.sub(r"^Instructions for ", f"Instructions for Form {form}, ", raw_title)
    else:
        title = raw_title or (f"Instructions for Form {form}" if form else page.source)
    supplement = re.search(r"Supplement ([A-Z]) to Form ([A-Z]{1,4}-\d+\w*)", title)
    if supplement:
        cite_prefix = f"Form {supplement.group(2)} Supplement {supplement.group(1)} Instructions"
    else:
        cite_prefix = f"Form {form} Instructions" if form else title

    edition = _EDITION.search(text[:400_000])
    current = parse_date(next(g for g in edition.groups() if g)) if edition else None
    if current is None:  # a draft's date printed alone in the header, e.g. "02/21/2025"
        lone = next((ln for ln in header if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", ln)), None)
        current = parse_date(lone) if lone else None

    blocks, _ = reflow(lines[start:], furniture=lambda ln: bool(_TOC.search(ln)))
    sections = _assemble(blocks, cite_prefix, _form_levels(blocks))
    forms = find_forms(" ".join([title] + [s.text for s in sections]))
    if form:
        forms = (form,) + tuple(f for f in forms if f != form)
    return ParsedPage(
        url=page.url or page.source,
        source=page.source,
        title=title,
        kind="form-instructions",
        cite_prefix=cite_prefix,
        current_as_of=current,
        sections=tuple(sections),
        forms=forms,
    )


def _pm_links(text: str) -> tuple[Link, ...]:
    links: dict[str, Link] = {}
    for m in _PM_CITE.finditer(text):
        volume, part, chapter = m.groups()
        cite = m.group(0).strip("[]")
        url = pm_url(int(volume), part, int(chapter) if chapter else None)
        links.setdefault(url, Link(cite, url, cite))
    for m in _AFFECTED.finditer(text):
        url = pm_url(int(m.group(1)), m.group(2))
        links.setdefault(url, Link(m.group(0), url, pm_cite(int(m.group(1)), m.group(2))))
    return tuple(links.values())


def parse_policy_alert(page: FetchedPage, text: str) -> ParsedPage:
    lines = text_lines(text)
    start = next((i + 1 for i, ln in enumerate(lines[:20]) if ln.startswith("SUBJECT:")), 0)
    subject = lines[start - 1].removeprefix("SUBJECT:").strip() if start else ""
    pa_match = _PA.search(text[:5000])
    pa = pa_match.group(0) if pa_match else None
    header = " ".join(lines[:start])
    running = f"{pa}: " if pa else None

    def furniture(line: str) -> bool:
        # The page header repeats "PA-2022-27: Subject"; the footer asks for feedback.
        return bool(
            (running and line.startswith(running))
            or line.startswith("To provide feedback on this update")
        )

    blocks, notes = reflow(lines[start:], furniture=furniture, footnotes=True)
    if not subject:
        first = next((b.text for b in blocks if b.kind == "heading"), "")
        subject = first or PurePosixPath(page.source).stem
    title = f"Policy Alert {pa}: {subject}" if pa else subject
    cite_prefix = pa or title
    sections = _assemble(blocks, cite_prefix, lambda text, stack: 1, notes)
    body = "\n".join(s.text for s in sections)
    return ParsedPage(
        url=page.url or page.source,
        source=page.source,
        title=title,
        kind="policy-alert",
        cite_prefix=cite_prefix,
        current_as_of=parse_date(header) if header else parse_date(text[:3000]),
        sections=tuple(sections),
        forms=find_forms(title + "\n" + body),
        related=_pm_links(body),
    )


def parse_plain_text(page: FetchedPage, text: str, kind: str) -> ParsedPage:
    """Any other text: paragraphs and flat headings; the first line is the title when it
    reads like one."""
    lines = text_lines(text)
    first = next((i for i, ln in enumerate(lines) if ln), 0)
    title = PurePosixPath(page.source).stem or page.source
    start = 0
    candidate = lines[first] if lines else ""
    if looks_like_heading(candidate, max_len=150) and not re.match(r"^(?:\w|\d+)\.\s", candidate):
        title, start = candidate, first + 1
    blocks, _ = reflow(lines[start:])
    sections = _assemble(blocks, title, lambda text, stack: 1)
    return ParsedPage(
        url=page.url or page.source,
        source=page.source,
        title=title,
        kind=kind,
        cite_prefix=title,
        current_as_of=None,
        sections=tuple(sections),
        forms=find_forms(" ".join(s.text for s in sections)),
    )
