"""Flat text blocks -> sections, one per heading, each with its heading path."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.parse.html_blocks import PSEUDO_LEVEL, Block
from ingest.records import Link


@dataclass
class RawSection:
    path: tuple[str, ...]
    anchor: str | None
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        return blocks_text(self.blocks)

    @property
    def links(self) -> tuple[Link, ...]:
        return dedupe_links(lk for b in self.blocks for lk in b.links)

    @property
    def fnrefs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for b in self.blocks for n in b.fnrefs))


def blocks_text(blocks: list[Block]) -> str:
    """Paragraphs and table rows apart by a blank line; list items one per line.

    A row ends without punctuation ("... Tempe, AZ 85284-1806"), so only a paragraph break keeps
    the next row from being read as the same sentence; list items read fine one per line.
    """
    out = ""
    prev = ""
    for block in blocks:
        if not block.text:
            continue
        if out:
            same_run = block.kind == prev and block.kind == "item"
            out += "\n" if same_run else "\n\n"
        out += block.text
        prev = block.kind
    return out


def dedupe_links(links) -> tuple[Link, ...]:
    return tuple(dict.fromkeys(links))


def build_sections(blocks: list[Block], title: str = "") -> list[RawSection]:
    """Split blocks at headings. The first h1 (or one equal to the page title) is the page title,
    not a section heading. A heading's anchor is inherited by untagged subheadings below it."""
    stack: list[tuple[int, str, str | None]] = []  # (level, text, anchor)
    sections = [RawSection((), None)]
    title_seen = False

    def start() -> None:
        anchor = next((a for _, _, a in reversed(stack) if a), None)
        sections.append(RawSection(tuple(t for _, t, _ in stack), anchor))

    for block in blocks:
        if block.kind == "heading":
            if block.level == 1 and not title_seen and (not title or block.text == title):
                title_seen = True
                continue
            level = block.level
            if level == PSEUDO_LEVEL:  # accordion/listing header: just below the last heading
                real = [lv for lv, _, _ in stack if lv < PSEUDO_LEVEL]
                level = PSEUDO_LEVEL + (max(real) if real else 0)
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, block.text, block.anchor))
            start()
            if block.links:  # carried by an empty block: headings are not section text
                sections[-1].blocks.append(Block("para", "", links=block.links))
        elif block.kind == "end-group":
            if stack and stack[-1][0] > PSEUDO_LEVEL:
                while stack and stack[-1][0] > PSEUDO_LEVEL:
                    stack.pop()
                start()
        else:
            sections[-1].blocks.append(block)
    return [s for s in sections if s.text.strip()]
