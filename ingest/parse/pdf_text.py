"""Text extracted from PDFs (form instructions, policy alerts): rejoin the lines the PDF wrapped
into paragraphs and list items, find heading lines, and pull out page-bottom footnotes.

Only whitespace is changed: wrapped lines are joined with a space, words the extraction split
("Y" + " ou", "NA" + " TO-6") are joined again, and a line break after a hyphen is removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ingest.parse.text_blocks import (
    collapse_spaces,
    ends_sentence,
    is_furniture,
    looks_like_heading,
    raw_lines,
)


@dataclass
class Block:
    kind: str  # "heading" | "para" | "item"
    text: str


_ITEM = re.compile(
    r"^(?:[•▪◦●■□❑✓\-–*]\s+|\d{1,2}[.)]\s+|[A-Za-z][.)]\s+|\((?:\d{1,2}|[a-z]{1,2}|[ivxIVX]{1,5})\)\s+)"
)
_PART = re.compile(r"^Part \d+\.\s+\S")
_NUMBERED = re.compile(r"^\d{1,2}\.\s+\S")
# Letters a PDF extraction split off a word: "Y ou", "T elephone", "V AWA".
_KERNING = (
    (re.compile(r"\bY (?=[a-z])"), "Y"),
    (
        re.compile(r"\bT (?=(?:o|he|his|hat|hese|hey|hen|here|ype|elephone|ravel|itle|otal|ax)\b)"),
        "T",
    ),
    (re.compile(r"\bV AWA\b"), "VAWA"),
)
_OPEN_END = re.compile(r"(?:[:;,]|\b(?:and|or))$")


_T_WORDS = r"(?:o|he|his|hat|hese|hey|hen|here|ype|elephone|ravel|itle|otal|ax)\b"


def _split_word(tail: str, nxt: str) -> bool:
    """Whether a line ending in tail and the next line starting nxt are one word the PDF
    extraction cut: "Y" + "ou", "T" + "ravel", "NA" + "TO-6", "VA" + "WA/T/U"."""
    if re.search(r"(?:^|\s)[A-Z]{2}$", tail):
        return nxt[:1].isupper()
    if re.search(r"(?:^|\s)Y$", tail):
        return nxt[:1].islower()
    if re.search(r"(?:^|\s)T$", tail):
        return bool(re.match(_T_WORDS, nxt))
    return False


def _glue(raw: list[str]) -> list[str]:
    """Join the fragments PDF extraction put on lines of their own (they start with a space)."""
    out: list[list[str]] = []  # pieces of each output line, joined once at the end
    tails: list[str] = []  # the last characters of each output line
    trailing: list[bool] = []
    for line in raw:
        stripped = collapse_spaces(line)
        if line and not stripped:
            continue  # a whitespace-only line is layout inside a paragraph, not a break
        lead = len(line) - len(line.lstrip())
        tail = tails[-1] if tails else ""
        glue = None
        if stripped and lead and tail:
            tight = (
                lead == 1
                and not trailing[-1]
                and (
                    stripped[0] in ".,;:)]’”"
                    or tail.endswith(("’", "'"))
                    or _split_word(tail, stripped)
                )
            )
            glue = stripped if tight else " " + stripped
        elif stripped[:1].islower() and tail and _split_word(tail, stripped):
            glue = stripped  # "Y" + "ou must include …"
        if glue is not None:
            out[-1].append(glue)
            tails[-1] = (tail + glue)[-4:]
            trailing[-1] = line != line.rstrip()
            continue
        out.append([stripped])
        tails.append(stripped[-4:])
        trailing.append(line != line.rstrip())
    lines = []
    for pieces in out:
        line = "".join(pieces)
        for pattern, repl in _KERNING:
            line = pattern.sub(repl, line)
        lines.append(line)
    return lines


def _width(lines: list[str]) -> int:
    lengths = sorted(len(ln) for ln in lines if ln)
    return lengths[int(len(lengths) * 0.9)] if lengths else 80


class _Reflow:
    def __init__(self, lines: list[str], furniture: Callable[[str], bool], footnotes: bool):
        self.lines = lines
        self.furniture = furniture
        self.footnotes = footnotes
        self.width = _width(lines)
        self.blocks: list[Block] = []
        self.notes: dict[str, str] = {}
        self.next_marker = 1
        self.next_note = 1

    def _add_heading(self, text: str) -> None:
        self.blocks.append(Block("heading", text))

    def _heading_at(self, i: int) -> tuple[str, int] | None:
        line = self.lines[i]
        nxt = self.lines[i + 1] if i + 1 < len(self.lines) else ""
        if _PART.match(line) and len(line) <= 170 and not re.search(r"[.;:,]$", line):
            # "Part 7. … Person Preparing this Petition, if Other Than the" + "Petitioner"
            if len(line) > 0.7 * self.width and 0 < len(nxt) <= 40 and looks_like_heading(nxt):
                return f"{line} {nxt}", 2
            return line, 1
        if _ITEM.match(line) and not _NUMBERED.match(line):
            return None
        after = self.lines[i + 2] if i + 2 < len(self.lines) else ""
        if len(line) > 0.6 * self.width and 0 < len(nxt) <= 60 and after and not _ITEM.match(nxt):
            # A heading the PDF wrapped: "Crime Victim (U Nonimmigrant, …) or Qualifying Family"
            # + "Member (Form I-929)".
            both = f"{line} {nxt}"
            if looks_like_heading(both, max_len=220, max_words=32):
                return both, 2
        if not looks_like_heading(line, max_len=110) or nxt[:1].islower():
            return None  # a heading is never followed by the rest of a sentence
        if not nxt and i + 1 >= len(self.lines):
            return None  # nothing follows: a stray last line, not a heading
        return line, 1

    def _footnote(self, i: int) -> int:
        """Consume a page-bottom footnote "N See …" running to its first sentence end."""
        m = re.match(r"^(\d{1,2}) (\S.*)$", self.lines[i])
        if not m:  # a bare number: nothing to keep
            return i + 1
        parts = [m.group(2)]
        j = i + 1
        while not re.search(r"\.['\"”’]?$", parts[-1]) and j < len(self.lines) and self.lines[j]:
            if self.furniture(self.lines[j]):
                break
            parts.append(self.lines[j])
            j += 1
        self.notes[m.group(1)] = " ".join(parts)
        self.next_note += 1
        return j

    def run(self) -> tuple[list[Block], dict[str, str]]:
        cur: list[str] = []
        cur_kind = "para"
        prev = ""  # last body line, for the paragraph-end tests
        after_break = True  # at the start, after a blank line or a heading

        def flush() -> None:
            nonlocal cur
            if cur:
                self.blocks.append(Block(cur_kind, " ".join(cur)))
            cur = []

        i = 0
        while i < len(self.lines):
            line = self.lines[i]
            if not line:
                flush()
                after_break = True
                i += 1
                continue
            if self.footnotes:
                num = re.match(r"^(\d{1,2})(?: (.*))?$", line)
                if (
                    num
                    and int(num.group(1)) == self.next_note
                    and self.next_note < self.next_marker
                ):
                    i = self._footnote(i)
                    continue
                if num and int(num.group(1)) == self.next_marker and cur and ends_sentence(prev):
                    rest = num.group(2) or ""
                    if not rest.startswith(("See ", "Id.")):
                        cur[-1] += f"[{self.next_marker}]"
                        self.next_marker += 1
                        if not rest:
                            i += 1
                            continue
                        line = self.lines[i] = rest
            if is_furniture(line) or self.furniture(line):
                i += 1
                continue
            ended = after_break or (ends_sentence(prev) and not prev.endswith(":"))
            heading = self._heading_at(i) if ended else None
            if heading:
                flush()
                self._add_heading(heading[0])
                i += heading[1]
                prev, after_break = "", True
                continue
            item = line.startswith("•") or (
                bool(_ITEM.match(line))
                and (after_break or ends_sentence(prev) or bool(_OPEN_END.search(prev)))
            )
            short_end = re.search(r"[.?!:]['\"”’)\]]*$", prev) and len(prev) < 0.8 * self.width
            if item or line.startswith("NOTE:") or after_break or short_end or not cur:
                flush()
                cur_kind = "item" if item else "para"
                cur = [line]
            elif re.search(r"\w-$", cur[-1]):
                cur[-1] += line  # "visa-availability-" + "and-priority-dates"
            else:
                cur.append(line)
            prev, after_break = line, False
            i += 1
        flush()
        return self.blocks, self.notes


def text_lines(text: str) -> list[str]:
    """Lines with the extraction's split words and fragments joined again."""
    return _glue(raw_lines(text))


def reflow(
    lines: list[str],
    *,
    furniture: Callable[[str], bool] = lambda line: False,
    footnotes: bool = False,
) -> tuple[list[Block], dict[str, str]]:
    """Blocks (headings, paragraphs, list items) and footnotes {"1": text} of text_lines()."""
    return _Reflow(list(lines), furniture, footnotes).run()
