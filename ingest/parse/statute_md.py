"""Title 8 U.S.C. Markdown chunks -> ParsedPage, one Section per subsection.

A chunk reads "# Title 8— …", "### CHAPTER …", "#### § 1153. Allocation of immigrant visas",
"##### (b) Preference allocation …", then the text, deeper levels as "######…" lines.
Several chunks may carry one subsection, so doc_key is the chunk's source path.
"""

from __future__ import annotations

import re

from ingest.forms import find_forms
from ingest.parse.text_blocks import clean_lines, unique_paths
from ingest.records import FetchedPage, ParsedPage, Section

_HEADING = re.compile(r"^(#{1,12})\s*(.*)$")
_TITLE = re.compile(r"^Title\s+(\d+)\b")
_SECTION = re.compile(
    r"^§§?\s*(\d+[A-Za-z0-9\-–]*(?:(?:\s*,\s*|\s+to\s+|\s+and\s+)\d+[A-Za-z0-9\-–]*)*)\.?\s*(.*)$"
)
_SUBSECTION = re.compile(r"^\(([a-z]{1,2}|\d+)\)")
# Structural lines between sections: "SUBCHAPTER II— …", "Part II— Admission Qualifications …".
_STRUCTURE = re.compile(
    r"^(?:SUB)?(?:CHAPTER|PART|Part|Subpart|SUBPART|DIVISION)\s+[IVXLCDM\d]+[A-Z]?\s*[—–-]"
)
_PARAGRAPH = re.compile(r"^\((\d{1,3})\)\s+(.*)$")
_LARGE = 8000  # a subsection longer than this is split at its numbered paragraphs

URL_TEMPLATE = (
    "https://uscode.house.gov/view.xhtml?req=granuleid:USC-prelim-title{title}-section{section}"
    "&num=0&edition=prelim"
)


def _tidy(line: str) -> str:
    # The source puts a space before punctuation after links ("this title , and"); only that
    # whitespace is removed.
    line = re.sub(r"\s+([,;.:)\]])", r"\1", line)
    return re.sub(r"([(\[])\s+", r"\1", line)


def statute_url(title: int, section: str) -> str:
    return URL_TEMPLATE.format(title=title, section=section)


def parse_statute(page: FetchedPage, text: str) -> list[ParsedPage]:
    title_no = 8
    section_no = section_name = section_heading = None
    sub_level: int | None = None
    subsection: str | None = None
    paragraphs: list[str] = []
    parts: list[tuple[str | None, list[str]]] = []  # (subsection heading, paragraphs)

    def close() -> None:
        if paragraphs:
            parts.append((subsection, list(paragraphs)))
        paragraphs.clear()

    for line in clean_lines(text):
        if not line or _STRUCTURE.match(line):
            continue
        heading = _HEADING.match(line)
        if heading:
            level, label = len(heading.group(1)), _tidy(heading.group(2).strip())
            if level == 1:
                found = _TITLE.match(label)
                title_no = int(found.group(1)) if found else title_no
            elif level == 4 and label.startswith("§"):
                if section_heading is not None:
                    break  # a chunk is one section; anything after a second one is not ours
                found = _SECTION.match(label)
                section_heading = label
                if found:
                    section_no, section_name = found.group(1), found.group(2)
            elif level >= 5 and section_heading and (sub_level is None or level <= sub_level):
                if _SUBSECTION.match(label):
                    close()
                    sub_level, subsection = level, label
                else:
                    paragraphs.append(label)
            elif level >= 5 and section_heading:
                paragraphs.append(label)  # a deeper level inside the subsection: stays text
            continue
        if section_heading:
            paragraphs.append(_tidy(line))
    close()
    if not section_heading or not parts:
        return []  # header-only chunk (chapter or subchapter headings, repealed sections)

    number = (section_no or section_heading.lstrip("§ ").split(".")[0]).replace("–", "-")
    cite_prefix = f"{title_no} U.S.C. {number}"
    name = (section_name or "").strip() or section_heading
    single = re.fullmatch(r"\d+[A-Za-z0-9\-]*", number or "")
    url = page.url or (statute_url(title_no, number) if single else page.source)
    sections: list[Section] = []
    for sub, paras in parts:
        sections.extend(_subsection_sections(section_heading, sub, paras, cite_prefix))
    sections = unique_paths(sections)
    body = " ".join(s.text for s in sections)
    return [
        ParsedPage(
            url=url,
            source=page.source,
            title=f"{cite_prefix} — {name}",
            kind="statute",
            cite_prefix=cite_prefix,
            current_as_of=None,
            sections=tuple(sections),
            forms=find_forms(body),
            doc_key=page.source,
        )
    ]


def _subsection_sections(
    section_heading: str, sub: str | None, paras: list[str], cite_prefix: str
) -> list[Section]:
    label = _SUBSECTION.match(sub) if sub else None
    cite = cite_prefix + (f"({label.group(1)})" if label else "")
    path = (section_heading,) + ((sub,) if sub else ())
    text = "\n\n".join(paras)
    if len(text) <= _LARGE:
        return [Section(path=path, text=text, cite=cite)]
    # Long subsections (8 U.S.C. 1153(b) runs to 80,000 characters) are split at their
    # numbered paragraphs "(1) …", "(2) …" when those follow in order.
    groups: list[tuple[str | None, list[str]]] = [(None, [])]
    expected = None
    for para in paras:
        found = _PARAGRAPH.match(para)
        if found and (expected is None or int(found.group(1)) == expected):
            expected = int(found.group(1)) + 1
            groups.append((found.group(1), [para]))
        else:
            groups[-1][1].append(para)
    if len(groups) < 3:  # fewer than two numbered paragraphs: not a sound split
        return [Section(path=path, text=text, cite=cite)]
    out = []
    for number, group in groups:
        if not group:
            continue
        head = group[0]
        heading = (
            head
            if number and len(head) <= 120 and not head.endswith(".")
            else (f"({number})" if number else None)
        )
        out.append(
            Section(
                path=path + ((heading,) if heading else ()),
                text="\n\n".join(group),
                cite=cite + (f"({number})" if number else ""),
            )
        )
    return out
