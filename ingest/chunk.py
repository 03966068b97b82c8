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


def _pack(pieces: list[str], max_words: int, sep: str) -> list[str]:
    """Greedy packing of pieces into runs of at most max_words, joined by `sep`."""
    out: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{sep}{piece}" if current else piece
        if current and _words(candidate) > max_words:
            out.append(current)
            current = piece
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def _split_long(paragraph: str, max_words: int) -> list[str]:
    """Cut a paragraph longer than max_words: at line breaks first (table rows and list items
    stay whole, one per line), then at sentence-like boundaries, then at words. Pieces keep their
    text as written; only a cut inside one over-long sentence re-spaces it."""
    if _words(paragraph) <= max_words:
        return [paragraph]
    out: list[str] = []
    for run in _pack(paragraph.split("\n"), max_words, "\n"):
        if _words(run) <= max_words:
            out.append(run)
            continue
        for piece in _pack(_SOFT_BREAK.split(run), max_words, " "):
            if _words(piece) <= max_words:
                out.append(piece)
                continue
            words = piece.split()  # a single "sentence" over the limit: cut on words
            out.extend(" ".join(words[i : i + max_words]) for i in range(0, len(words), max_words))
    return out


def pack_paragraphs(text: str, target: int, maximum: int, minimum: int, carry: int = 40) -> list[str]:
    """Greedy packing of whole paragraphs into bodies of about `target` words.

    A new body repeats the previous body's last paragraph when it is short (<= `carry` words):
    a lead-in such as "An alien is described in this subparagraph if" or a list's heading line
    then stays with the items that complete it.
    """
    units: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if para:
            units.extend(_split_long(para, maximum))
    bodies: list[str] = []
    current: list[str] = []
    count = 0
    fresh = 0  # units in `current` that are not carried over
    for unit in units:
        n = _words(unit)
        if fresh and (count + n > maximum or count >= target):
            bodies.append("\n\n".join(current))
            last = current[-1]
            current, count, fresh = ([last], _words(last), 0) if _words(last) <= carry else ([], 0, 0)
        current.append(unit)
        count += n
        fresh += 1
    if fresh:
        tail = current[len(current) - fresh :]
        tail_words = sum(_words(u) for u in tail)
        # A short tail joins the previous body when that keeps it under the maximum.
        if bodies and tail_words < minimum and _words(bodies[-1]) + tail_words <= maximum:
            bodies[-1] = bodies[-1] + "\n\n" + "\n\n".join(tail)
        else:
            bodies.append("\n\n".join(current))
    return bodies


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def short_title(page: ParsedPage) -> str:
    """The page name carried into each chunk: short enough to leave MiniLM room for the passage."""
    if page.kind == "form-instructions" and page.cite_prefix:
        return page.cite_prefix  # "Form I-485 Instructions", not the form's full legal name
    return page.title


def _heading(page: ParsedPage, path: tuple[str, ...]) -> str:
    title = short_title(page)
    full = _alnum(page.title + " " + title)
    # Drop path parts that only repeat the title ("§ 1153. Allocation of immigrant visas").
    kept = [p for p in path if _alnum(re.sub(r"^§\s*\d+\w*\.\s*", "", p)) not in full]
    return " > ".join((title, *kept))


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
        # A body that opens with the page title (policy alerts do) is not given it twice.
        first_line = body.split("\n", 1)[0].strip()
        repeats_title = _alnum(first_line) == _alnum(page.title)
        content = body if repeats_title else f"{heading}\n{body}"
        doc_heading = "" if repeats_title else heading
        chunk_id = chunk_id_for(page, path, ordinal)
        meta = _base_meta(page) | {
            "chunk_id": chunk_id,
            "url": url,
            "cite": cite,
            "section": " > ".join(path),
            "heading": doc_heading,
            "anchor": anchor,
            "footnotes": bool(path) and path[-1] == "Footnotes",
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
    seen_paths: dict[tuple[str, ...], int] = {}
    for section in page.sections:
        # Two sections with the same heading path on one page keep distinct, stable ids.
        repeat = seen_paths.get(section.path, 0)
        seen_paths[section.path] = repeat + 1
        if repeat:
            section = Section(path=(*section.path[:-1], f"{section.path[-1] if section.path else ''} ({repeat + 1})"),
                              text=section.text, anchor=section.anchor, cite=section.cite,
                              footnotes=section.footnotes, links=section.links)
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
