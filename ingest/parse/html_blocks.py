"""HTML element tree -> flat list of text blocks (headings, paragraphs, list items, table rows).

The walk is iterative (an explicit stack), so 10,000 nested <div>s cost memory, not recursion.
Inline text is kept verbatim apart from whitespace: answers quote it word for word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import NavigableString, Tag

from ingest.parse.html_common import (
    SITE,
    absolute_url,
    cite_for_url,
    clean_text,
    inline_text,
    is_skipped,
)
from ingest.records import Link

_BR = "\ue000"  # private-use marker for <br> until whitespace is collapsed
_HEADING = re.compile(r"^h([1-6])$")
_FOOTNOTE_REF = re.compile(r"#footnote-(\d+)$")
BLOCK_TAGS = frozenset(
    "p div section article main li ul ol dl dt dd blockquote pre address figure figcaption "
    "fieldset details summary center caption hr table tr td th thead tbody tfoot body html".split()
)
ITEM_TAGS = frozenset({"li", "dt", "dd"})
# Widgets whose header element acts as a heading one level below the page's own headings,
# and whose end closes that pseudo-section (accordions, listing rows of news pages).
_PSEUDO_HEADER_CLASSES = frozenset({"accordion__header", "views-field-title"})
_PSEUDO_GROUP_CLASSES = frozenset({"accordion", "views-row"})
PSEUDO_LEVEL = 7
MAX_TABLE_DEPTH = 4  # tables nested deeper are read as plain blocks


@dataclass
class Block:
    kind: str  # "heading" | "para" | "item" | "row" | "end-group"
    text: str = ""
    level: int = 0  # headings only
    anchor: str | None = None  # headings only
    links: list[Link] = field(default_factory=list)
    fnrefs: list[str] = field(default_factory=list)


@dataclass
class WalkContext:
    base: str = SITE
    table_depth: int = 0
    max_rows: int = 2000


def _classes(tag: Tag) -> tuple[str, ...]:
    return tuple(tag.attrs.get("class") or ()) if tag.attrs else ()


def heading_level(tag: Tag) -> int | None:
    found = _HEADING.match(tag.name or "")
    if found:
        return int(found.group(1))
    if any(c in _PSEUDO_HEADER_CLASSES for c in _classes(tag)):
        return PSEUDO_LEVEL
    return None


def heading_anchor(tag: Tag) -> str | None:
    """The heading's own id, or the first id inside it (PM: <a class="ck-anchor" id="S-A">)."""
    if tag.get("id"):
        return str(tag["id"])
    inner = tag.find(id=True)
    if isinstance(inner, Tag) and inner.get("id"):
        return str(inner["id"])
    return None


def _join_lines(raw: str) -> str:
    lines = (clean_text(part) for part in raw.split(_BR))
    return "\n".join(line for line in lines if line)


class _Walker:
    def __init__(self, ctx: WalkContext) -> None:
        self.ctx = ctx
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.links: list[Link] = []
        self.fnrefs: list[str] = []
        self.open_blocks: list[str] = []

    def flush(self) -> None:
        text = _join_lines("".join(self.buf))
        if text:
            kind = "item" if self.open_blocks and self.open_blocks[-1] in ITEM_TAGS else "para"
            self.blocks.append(Block(kind, text, links=self.links, fnrefs=self.fnrefs))
            self.links, self.fnrefs = [], []
        self.buf = []

    def link(self, tag: Tag, into: list[Link] | None = None) -> None:
        href = str(tag.get("href") or "")
        ref = _FOOTNOTE_REF.search(href)
        if ref:
            self.fnrefs.append(ref.group(1))
            return
        url = absolute_url(href, self.ctx.base)
        if url:
            text = inline_text(tag)
            if text:
                (self.links if into is None else into).append(Link(text, url, cite_for_url(url)))

    def walk(self, root: Tag) -> list[Block]:
        from ingest.parse.html_tables import table_blocks  # html_tables walks cells with us

        stack: list[tuple[object, bool]] = [(child, True) for child in reversed(root.contents)]
        while stack:
            node, entering = stack.pop()
            if not isinstance(node, Tag):
                if type(node) is NavigableString:
                    self.buf.append(str(node))
                continue
            if not entering:
                if node.name in BLOCK_TAGS:
                    self.flush()
                    self.open_blocks.pop()
                if any(c in _PSEUDO_GROUP_CLASSES for c in _classes(node)):
                    self.blocks.append(Block("end-group"))
                continue
            if is_skipped(node):
                continue
            name = node.name
            if name == "br":
                self.buf.append(_BR)
                continue
            level = heading_level(node)
            if level is not None:
                self.flush()
                text = inline_text(node)
                if text:  # a linked heading (news listing title) keeps its link
                    links: list[Link] = []
                    for a in [node] if name == "a" else node.find_all("a", href=True):
                        self.link(a, links)
                    self.blocks.append(Block("heading", text, level, heading_anchor(node), links))
                continue
            if name == "table" and self.ctx.table_depth < MAX_TABLE_DEPTH:
                self.flush()
                self.blocks.extend(table_blocks(node, self.ctx))
                continue
            if name == "a":
                self.link(node)
            if name in BLOCK_TAGS:
                self.flush()
                self.open_blocks.append(name)
            stack.append((node, False))
            stack.extend((child, True) for child in reversed(node.contents))
        self.flush()
        return self.blocks


def element_blocks(root: Tag, base: str = SITE, ctx: WalkContext | None = None) -> list[Block]:
    """All text blocks under root, in document order."""
    return _Walker(ctx or WalkContext(base=base)).walk(root)
