"""Line-level rules shared by the plain-text parsers: cleaning, page furniture, heading shape,
dates, and building Section records from (path, paragraphs)."""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.records import Footnote, Section, SkipPage

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\u200b\u200e\u200f\ufeff]")
_SPACES = re.compile(r"[ \t\xa0\u2000-\u200a\u202f\u205f\u3000]+")

# Lines that are navigation or print layout, never guidance. Lone numbers are page numbers.
_FURNITURE = re.compile(
    r"""^(?:previous|next|back\ to\ top|print|share|\d{1,3}
        |page:?\s*\d+(?:\s*of\s*\d+)?
        |form\s+[a-z]{1,4}-\d+\w*(?:\s+supplement\s+\w+)?\s+instructions\s+
         \d{1,2}/\d{1,2}/\d{2,4}\s+page\s+\d+\s+of\s+\d+)$""",
    re.I | re.X,
)
_SMALL_WORDS = frozenset(
    "a an and are as at be but by do does for from if in into is it its not of on or per than "
    "that the their to under upon via vs was were who whom with you your".split()
)
_GLUED = re.compile(r"[a-z][A-Z][a-z]")  # "ApplicantAge": table cells run together
_TERMINAL = re.compile(r"[.;:,!]['\"”’)\]]*$")
_WRAPPED_END = re.compile(
    r"\b(?:and|or|the|of|to|a|an|in|for|with|if|as|by|that|when|than|which|who|at|on|from|"
    r"into|under|because|but|such|is|are)$",
    re.I,
)
_ENUMERATOR = re.compile(r"^(?:Part \d+\.|\d{1,2}\.|[A-Z]\.)\s+")
_SENTENCE_BREAK = re.compile(r"(?:[a-z]{2,}|\))[.;:] [A-Za-z]")
FOOTNOTE_MARKER = re.compile(r"\[(\d{1,3})\]")


def raw_lines(text: str) -> list[str]:
    """Lines with newlines unified and control characters removed; spacing untouched."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n\n")
    return _CONTROL.sub("", text).split("\n")


def collapse_spaces(line: str) -> str:
    return _SPACES.sub(" ", line).strip()


def clean_lines(text: str) -> list[str]:
    """Lines with control characters removed, space runs collapsed, ends trimmed."""
    return [collapse_spaces(line) for line in raw_lines(text)]


def reject_junk(text: str) -> None:
    """Raise SkipPage for text that is not prose (binary decoded as cp1252, empty, symbols)."""
    sample = text[:200_000]
    visible = [c for c in sample if not c.isspace()]
    if not visible:
        raise SkipPage("empty page")
    letters = sum(c.isalpha() and c.isascii() for c in visible)
    replaced = sample.count("\ufffd")
    if letters / len(visible) < 0.5 or replaced / len(visible) > 0.02:
        raise SkipPage("text looks like binary data, not prose")
    if len(re.findall(r"[A-Za-z]{3,}", sample)) < 3:
        raise SkipPage("too little text to index")


def is_furniture(line: str) -> bool:
    return bool(_FURNITURE.match(line.strip()))


def looks_like_heading(line: str, max_len: int = 110, max_words: int = 20) -> bool:
    """Short, Title Case, no sentence punctuation at the end: the shape of a heading line.

    Conservative on purpose: a list item or a sentence fragment taken for a heading would
    cut a passage in two, while a missed heading only leaves it in the section above.
    """
    s = line.strip()
    if not s or len(s) > max_len or not (s[0].isupper() or s[0].isdigit()):
        return False
    if _TERMINAL.search(s) or _GLUED.search(s) or s.startswith(("•", "NOTE")):
        return False
    if _WRAPPED_END.search(s) or s.count("(") != s.count(")"):
        return False  # a line cut short by wrapping, not a heading
    if _SENTENCE_BREAK.search(_ENUMERATOR.sub("", s)):
        return False  # two sentences: body text
    words = [w for w in re.findall(r"[\w’'()\-/&]+", s) if re.search(r"[A-Za-z]", w)]
    if not words or len(words) > max_words:
        return False
    significant = [w.strip("()") for w in words if w.lower().strip("()") not in _SMALL_WORDS]
    if not significant:
        return False
    capitalised = sum(1 for w in significant if w[:1].isupper() or w[:1].isdigit())
    return capitalised / len(significant) >= 0.75


def ends_sentence(line: str) -> bool:
    return bool(re.search(r"[.?!:;]['\"”’)\]]*$|\[\d+\]$", line.strip()))


def join_paragraphs(blocks: list[tuple[str, str]]) -> str:
    """Join ("para" or "item", text) blocks: paragraphs apart by a blank line, items one a line."""
    out: list[str] = []
    prev_kind = ""
    for kind, text in blocks:
        text = text.strip()
        if not text:
            continue
        if out:
            tight = kind == "item" and (prev_kind == "item" or out[-1].rstrip().endswith(":"))
            out.append("\n" if tight else "\n\n")
        out.append(text)
        prev_kind = kind
    return "".join(out)


def attach_footnotes(text: str, notes: dict[str, str]) -> tuple[Footnote, ...]:
    """Footnotes whose markers [N] occur in text, in order of first mention."""
    seen: dict[str, None] = {}
    for m in FOOTNOTE_MARKER.finditer(text):
        if m.group(1) in notes:
            seen.setdefault(m.group(1), None)
    return tuple(Footnote(number=n, text=notes[n]) for n in seen)


def make_section(
    path: tuple[str, ...],
    blocks: list[tuple[str, str]],
    *,
    cite: str | None,
    anchor: str | None = None,
    notes: dict[str, str] | None = None,
) -> Section | None:
    text = join_paragraphs(blocks)
    if not text.strip():
        return None
    footnotes = attach_footnotes(text, notes) if notes else ()
    return Section(path=path, text=text, anchor=anchor, cite=cite, footnotes=footnotes)


def unique_paths(sections: list[Section]) -> list[Section]:
    """Sections with distinct paths (chunk ids derive from the path): a repeat right after its
    twin is merged into it; a later repeat gets " (2)", " (3)" on its last heading."""
    runs: list[list[Section]] = []
    for section in sections:
        if runs and runs[-1][0].path == section.path:
            runs[-1].append(section)
        else:
            runs.append([section])
    out: list[Section] = []
    seen: dict[tuple[str, ...], int] = {}
    for run in runs:
        section = run[0]
        if len(run) > 1:
            notes = tuple(dict.fromkeys(f for s in run for f in s.footnotes))
            text = "\n\n".join(s.text for s in run)
            section = replace(section, text=text, footnotes=notes)
        count = seen.get(section.path, 0) + 1
        seen[section.path] = count
        if count > 1:
            last = section.path[-1] if section.path else ""
            section = replace(section, path=section.path[:-1] + (f"{last} ({count})".strip(),))
        out.append(section)
    return out
