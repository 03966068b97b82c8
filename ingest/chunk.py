"""ParsedPage -> Haystack Documents: section-aware chunks carrying the index contract's meta."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from haystack import Document

from ingest.forms import find_forms
from ingest.records import Footnote, ParsedPage, Section

REQUIRED_META = (
    "doc_id",
    "chunk_id",
    "source",
    "url",
    "cite",
    "title",
    "section",
    "kind",
    "forms",
    "current_as_of",
    "content_sha256",
)

# Where a long paragraph may be cut: after sentence punctuation followed by a capital or "(".
_SOFT_BREAK = re.compile(r"(?<=[.;:?!])\s+(?=[A-Z(\"“])")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def doc_id_for(page: ParsedPage) -> str:
    return sha256_text(f"{page.url}|{page.doc_key or ''}")[:24]


def chunk_id_for(page: ParsedPage, section_path: tuple[str, ...], ordinal: int) -> str:
    # Stable: canonical URL + document key + section path + ordinal. Never random.
    key = f"{page.url}|{page.doc_key or ''}|{' > '.join(section_path)}|{ordinal}"
    return sha256_text(key)[:32]


def _words(text: str) -> int:
    return len(text.split())


def _split_long(paragraph: str, max_words: int) -> list[str]:
    """Cut a paragraph longer than max_words at sentence-like boundaries (then at words)."""
    if _words(paragraph) <= max_words:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for sentence in _SOFT_BREAK.split(paragraph):
        candidate = f"{current} {sentence}".strip() if current else sentence
        if current and _words(candidate) > max_words:
            pieces.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        pieces.append(current)
    out: list[str] = []
    for piece in pieces:  # a single "sentence" over the limit: cut on words
        words = piece.split()
        while len(words) > max_words:
            out.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if words:
            out.append(" ".join(words))
    return out


def pack_paragraphs(text: str, target: int, maximum: int, minimum: int) -> list[str]:
    """Greedy packing of whole paragraphs into bodies of about `target` words."""
    units: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if para:
            units.extend(_split_long(para, maximum))
    bodies: list[str] = []
    current: list[str] = []
    count = 0
    for unit in units:
        n = _words(unit)
        if current and (count + n > maximum or count >= target):
            bodies.append("\n\n".join(current))
            current, count = [], 0
        current.append(unit)
        count += n
    if current:
        # A short tail joins the previous body when that keeps it under the maximum.
        if bodies and count < minimum and _words(bodies[-1]) + count <= maximum:
            bodies[-1] = bodies[-1] + "\n\n" + "\n\n".join(current)
        else:
            bodies.append("\n\n".join(current))
    return bodies


def _heading(page: ParsedPage, path: tuple[str, ...]) -> str:
    if path and path[0] == page.title:  # a body that repeats the page title as its first heading
        path = path[1:]
    return " > ".join((page.title, *path))


def _footnote_text(footnotes: Iterable[Footnote]) -> str:
    return "\n\n".join(f"[{f.number}] {f.text}" for f in footnotes)


def _base_meta(page: ParsedPage) -> dict:
    return {
        "doc_id": doc_id_for(page),
        "source": page.source,
        "title": page.title,
        "kind": page.kind,
        "volume": page.volume,
        "part": page.part,
        "chapter": page.chapter,
        "page_url": page.url,
        "current_as_of": page.current_as_of.isoformat() if page.current_as_of else None,
        "affects": [link.cite for link in page.related if link.cite],
    }


def _section_docs(
    page: ParsedPage,
    section: Section,
    text: str,
    path: tuple[str, ...],
    cite: str,
    anchor: str | None,
    target: int,
    maximum: int,
    minimum: int,
) -> list[Document]:
    docs = []
    heading = _heading(page, path)
    url = f"{page.url}#{anchor}" if anchor else page.url
    for ordinal, body in enumerate(pack_paragraphs(text, target, maximum, minimum)):
        content = f"{heading}\n{body}"
        chunk_id = chunk_id_for(page, path, ordinal)
        meta = _base_meta(page) | {
            "chunk_id": chunk_id,
            "url": url,
            "cite": cite,
            "section": " > ".join(path),
            "heading": heading,
            "anchor": anchor,
            "ordinal": ordinal,
            "forms": list(dict.fromkeys(find_forms(page.cite_prefix) + find_forms(body))),
            "content_sha256": sha256_text(content),
        }
        docs.append(Document(id=chunk_id, content=content, meta=meta))
    return docs


def chunk_page(
    page: ParsedPage, target: int = 150, maximum: int = 220, minimum: int = 40
) -> list[Document]:
    """All chunks of one parsed page. Chunks never cross a section; headings lead each chunk."""
    docs: list[Document] = []
    for section in page.sections:
        cite = section.cite or page.cite_prefix
        if section.text.strip():
            docs += _section_docs(
                page,
                section,
                section.text,
                section.path,
                cite,
                section.anchor,
                target,
                maximum,
                minimum,
            )
        if section.footnotes:
            numbers = ", ".join(f.number for f in section.footnotes)
            docs += _section_docs(
                page,
                section,
                _footnote_text(section.footnotes),
                (*section.path, "Footnotes"),
                f"{cite} n. {numbers}",
                section.anchor,
                target,
                maximum,
                minimum,
            )
    return docs
