"""Offline sentence splitter tuned for immigration policy text (no NLTK data to download).

Answers quote key sentences verbatim, so every span is an exact slice of the input:
`text[span.start:span.end] == span.text`. Spans cover all non-space text in order.

Where a sentence ends:
- after ". ? !" (plus closing quotes/brackets and a footnote marker such as "[12]", which stays
  with the sentence it follows) when whitespace follows and the next word does not continue
  the sentence;
- at a blank line (paragraph), at a line break next to a list item ("(a) ...", "1. ...",
  "A. ...", "- ..."), after a line ending in ":" or ";" (unmarked list items), and after a
  short Title Case heading line.
Where it does not: abbreviations that never end a sentence ("e.g.", "Sec.", "No. 5", "Pub. L.",
"v.", "Aug. 21"), dotted abbreviations and initials ("U.S.", "U.S.C.", "J. Smith") unless the
next word is one that typically starts a sentence ("The", "If", "USCIS"), numbers ("28.6",
"$1.50", "214.2(o)"), ellipses, and a list marker at the start of a line. Single line breaks
elsewhere are wrapping (PDF-extracted instructions are hard-wrapped), not boundaries.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Span(NamedTuple):
    start: int
    end: int
    text: str


# Abbreviations after which a sentence never ends (lowercase, without the final period).
_NEVER_END = frozenset(
    """e.g i.e cf mr mrs ms mx dr prof sr jr rev hon gen sen rep st v vs viz sec secs pub vol vols
    pt pts ch chs chap art arts para paras fig figs p pp cl subch supp fed reg stat cong sess
    jan feb mar apr jun jul aug sep sept oct nov dec approx dept admin corp assn ass'n ref
    app op ex id ibid rd ave blvd hwy ste fl""".split()  # street addresses: "2108 E. Elliot Rd. Tempe"
)
# Never end when a number follows ("No. 5", "Nos. 3"); elsewhere "No." is the word no.
_BEFORE_NUMBER = frozenset({"no", "nos", "n"})
# May end a sentence, but only when the next word typically starts one ("in the U.S. The").
_MAY_END = frozenset({"etc", "al", "inc", "co", "ltd", "llc", "bros", "a.m", "p.m"})
_STARTERS = frozenset(
    """The A An This That These Those It Its If In On At For To From By As When Where While
    After Before Because Since Although Though However Therefore Thus Also Additionally
    Moreover Furthermore Finally First Second Third Then There Here He She They We You I
    Such Each Any All Some Under Unless Once Generally With Without Only Not Note See What
    How Who Which Why Can Do Does Is Are Will May Must Should USCIS Officers An Applicants
    Petitioners Beneficiaries Accordingly Instead Otherwise Following For""".split()
)

_PUNCT = re.compile(r"\.{2,}|…|[.?!]+")
# Closing quotes/brackets and footnote markers that belong to the sentence just ended.
_TRAILER = re.compile(r"(?:[\"'”’)\]]|\s?\[\d{1,3}\])*")
_WS = re.compile(r"\s+")
_LIST_MARKER = re.compile(
    r"[ \t]*(?:\(\s*(?:\d{1,3}|[A-Za-z]|[ivxlcdm]{1,6})\s*\)"
    r"|(?:\d{1,3}|[A-Za-z]|[ivxlcdm]{1,6})[.)]"
    r"|[-•*–▪◦·])[ \t]+\S"
)
_MARKER_TOKEN = re.compile(r"\(?(?:\d{1,3}|[A-Za-z]|[ivxlcdmIVXLCDM]{1,6})\)?")
_DOTTED = re.compile(r"(?:[A-Za-z]{1,2}\.)+[A-Za-z]{1,2}")  # U.S, U.S.C, D.C, C.F.R


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _period_ends_sentence(text: str, dot: int, after: int) -> bool:
    """Whether the single "." at text[dot] ends a sentence; text[after] is the next word."""
    tok_start = dot
    while tok_start > 0 and not text[tok_start - 1].isspace():
        tok_start -= 1
    token = text[tok_start:dot].lstrip("([\"'“‘")
    low = token.lower()
    nxt_end = after
    while nxt_end < len(text) and not text[nxt_end].isspace():
        nxt_end += 1
    nxt = text[after:nxt_end].lstrip("([\"'“‘")
    word = re.match(r"[\w']*", nxt)
    nxt_word = word.group(0) if word else ""
    first = text[after] if after < len(text) else ""

    if not token:
        return True
    # "1. The applicant", "(a). ", "A. Purpose" at the start of a line: a list marker.
    if text[_line_start(text, dot) : tok_start].strip() == "" and _MARKER_TOKEN.fullmatch(token):
        return False
    if first.islower():
        return False
    if low in _NEVER_END:
        return False
    if low in _BEFORE_NUMBER:
        return not first.isdigit()
    if low in _MAY_END or _DOTTED.fullmatch(token) or (len(token) == 1 and token.isupper()):
        return nxt_word in _STARTERS
    return True


# A line ending in ":" or ";" (a list lead-in or an unmarked list item, as HTML lists come out
# of the parser): "...are met:", "...signature;[26]", "...or is granted a waiver;[28] and".
_LIST_LEAD_IN = re.compile(r"[:;](?:\[\d{1,3}\])?(?:\s+(?:and|or))?\s*$")
_TITLE_SMALL_WORDS = frozenset(
    "a an and as at by for from in of on or the to under with without".split()
)


def _is_heading(line: str) -> bool:
    """A short Title Case line without end punctuation ("Signature of the Health Department").

    Hard-wrapped text breaks lines mid-sentence too, but a wrapped line is neither short nor in
    Title Case, so only lines like these end a sentence at a single line break.
    """
    words = line.split()
    if not 2 <= len(words) <= 12 or len(line.strip()) > 100:
        return False
    if words[-1].lower() in _TITLE_SMALL_WORDS or words[-1][-1] in ",;:-–(":
        return False
    return all(
        w[0].isupper() or w[0].isdigit() or w.lower() in _TITLE_SMALL_WORDS
        for w in words
        if w[0].isalnum()
    )


def _boundaries(text: str) -> list[int]:
    cuts: list[int] = []
    for m in _PUNCT.finditer(text):
        punct = m.group(0)
        trailer = _TRAILER.match(text, m.end())
        end = trailer.end() if trailer else m.end()
        ws = _WS.match(text, end)
        if end < len(text) and not ws:
            continue  # "214.2(o)", "$1.50", "e.g.,": no space, no boundary
        if ws is None or ws.end() == len(text):
            cuts.append(end)
            continue
        if ws.group(0).count("\n") >= 2:
            continue  # the paragraph break itself is a boundary, found below
        after = ws.end()
        if punct == "…" or len(punct) >= 2 and set(punct) == {"."}:
            continue  # ellipsis: an omission inside a quotation, not an ending
        if punct[-1] == ".":
            if len(punct) == 1 and not _period_ends_sentence(text, m.start(), after):
                continue
        elif text[after].islower():
            continue  # "?" / "!" inside a sentence: "Was it approved? or denied?" stays whole
        cuts.append(end)

    for m in re.finditer(r"\n", text):
        nl = m.start()
        line_start = _line_start(text, nl)
        next_line_end = text.find("\n", nl + 1)
        next_line = text[nl + 1 : len(text) if next_line_end < 0 else next_line_end]
        this_line = text[line_start:nl]
        if not next_line.strip() or not this_line.strip():
            cuts.append(nl)  # blank line next to it: paragraph break
        elif _LIST_MARKER.match(next_line):
            cuts.append(nl)
        elif _LIST_MARKER.match(this_line) and not next_line.lstrip()[:1].islower():
            cuts.append(nl)  # a list item ends at its line break unless it wraps
        elif next_line.lstrip()[:1].isupper() and (
            _is_heading(this_line) or _LIST_LEAD_IN.search(this_line)
        ):
            cuts.append(nl)
    return sorted(set(cuts))


def split_sentences(text: str) -> list[Span]:
    """Sentences of text as verbatim spans, stripped of surrounding whitespace."""
    spans: list[Span] = []
    start = 0
    for cut in [*_boundaries(text), len(text)]:
        seg = text[start:cut]
        lead = len(seg) - len(seg.lstrip())
        s, e = start + lead, start + len(seg.rstrip())
        if e > s:
            spans.append(Span(s, e, text[s:e]))
        start = max(start, cut)
    return spans


# Shorter spans are labels and fragments ("Fee.", "See Part 2."), never an answer on their own.
MIN_ANSWER_CHARS = 25


def answer_sentences(body: str) -> list[Span]:
    """The sentences of a passage body that may be quoted as an answer (and so get a vector)."""
    return [s for s in split_sentences(body) if len(s.text) >= MIN_ANSWER_CHARS]


def chunk_body(content: str, heading: str | None) -> str:
    """A chunk's text without the heading line that chunking carries into it."""
    if heading and content.startswith(heading + "\n"):
        return content[len(heading) + 1 :]
    return content
