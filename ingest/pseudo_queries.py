"""Pseudo-queries from the corpus's own text, paired with the passage they describe, for adapting the
dense model to this corpus without labelled questions (ingest.adapt).

Sources, each a query a caller might type and the passage that answers it:
- "heading": a section's own heading ("Who May File Form I-485?", "Advance Parole") -> the section's
  first chunk, without its heading line (else the pair is a string copy, which teaches nothing);
- "title_heading": the page title's short form + the heading ("Form I-864 Instructions What is a
  Joint Sponsor?") -> the same passage; headings alone are often generic ("Discretion");
- "title": a page title -> the page's first chunk (pages without section headings);
- "first_sentence": a section's opening sentence -> the rest of its chunk (inverse cloze).
Pure functions over (content, meta) chunks: no model, no disk.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ingest.sentences import answer_sentences, chunk_body

SOURCES = ("heading", "title_heading", "title", "first_sentence")
MIN_QUERY_WORDS = 2
MAX_QUERY_WORDS = 40
MIN_PASSAGE_WORDS = 20

# "§ 1231.", "(b)", "1.", "Part A." : numbering carries no meaning a caller would type.
_NUMBERING = re.compile(r"^\s*(?:§+\s*[\w.-]+\.?|\([A-Za-z0-9]{1,4}\)|[A-Z0-9]{1,3}[.)]|Part [A-Z0-9]+\.?)\s+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Pair:
    query: str
    passage: str
    source: str  # one of SOURCES
    chunk_id: str


def clean_heading(text: str) -> str:
    """A heading as a query: numbering stripped, whitespace collapsed."""
    text = _SPACE.sub(" ", text).strip()
    for _ in range(3):  # "(b) (1) Text"
        stripped = _NUMBERING.sub("", text)
        if stripped == text:
            break
        text = stripped
    return text.strip(" .:-—")


def short_title(title: str) -> str:
    """"Instructions for Form I-485, Application to ..." -> "Form I-485"; "8 U.S.C. 1231 — Detention
    and removal ..." -> "Detention and removal ..."; other titles as they are."""
    found = re.match(r"Instructions for (Form [A-Z]-?\d+\w*)", title)
    if found:
        return found.group(1)
    if " — " in title:
        return title.split(" — ", 1)[1]
    return title


def _words(text: str) -> int:
    return len(text.split())


def _reads_as_sentence(text: str) -> bool:
    """A whole sentence, not a sub-heading ("(3) Exception ...") or a list item ("(i) who is ...")."""
    text = text.strip()
    return _words(text) >= 6 and text[:1].isupper() and text[-1:] in ".?!"


def _usable(query: str, passage: str) -> bool:
    return MIN_QUERY_WORDS <= _words(query) <= MAX_QUERY_WORDS and _words(passage) >= MIN_PASSAGE_WORDS


def pairs_from_chunk(content: str, meta: Mapping[str, Any], first_of_section: bool) -> list[Pair]:
    """The pairs one chunk yields. Heading and title pairs come from a section's first chunk only,
    so one query names one passage."""
    chunk_id = str(meta.get("chunk_id") or "")
    body = chunk_body(content, meta.get("heading")).strip()
    title = _SPACE.sub(" ", str(meta.get("title") or "")).strip()
    section = str(meta.get("section") or "")
    heading = clean_heading(section.split(" > ")[-1]) if section else ""
    if title and body.startswith(title):  # pages without headings carry their title as a first line
        body = body[len(title) :].strip()
    found: list[Pair] = []

    def add(query: str, passage: str, source: str) -> None:
        if _usable(query, passage):
            found.append(Pair(query, passage, source, chunk_id))

    if first_of_section:
        if heading:
            add(heading, body, "heading")
            short = short_title(title)
            if short and short.lower() not in heading.lower():
                add(f"{short} {heading}", body, "title_heading")
        elif title:
            add(title, body, "title")
    sentences = answer_sentences(body)
    if len(sentences) >= 3 and _reads_as_sentence(sentences[0].text):  # and a rest to find it in
        first = sentences[0]
        rest = (body[: first.start] + body[first.end :]).strip()
        add(first.text.strip(), rest, "first_sentence")
    return found


def build_pairs(chunks: Iterable[tuple[str, Mapping[str, Any]]], sources: Iterable[str] = SOURCES) -> list[Pair]:
    """Pairs from chunks (content, meta), deduplicated: a query that names two different passages
    (the same heading on many pages: "Discretion", "Fee") is dropped, since no single passage is its
    answer; each remaining query appears once. Order follows the chunks (deterministic)."""
    wanted = set(sources)
    unknown = wanted - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown pair sources {sorted(unknown)}; allowed: {', '.join(SOURCES)}")
    ordered = sorted(chunks, key=lambda c: (str(c[1].get("doc_id") or ""), str(c[1].get("section") or ""),
                                           int(c[1].get("ordinal") or 0)))
    seen_sections: set[tuple[str, str]] = set()
    by_query: dict[str, list[Pair]] = {}
    for content, meta in ordered:
        key = (str(meta.get("doc_id") or ""), str(meta.get("section") or ""))
        first = key not in seen_sections
        seen_sections.add(key)
        for pair in pairs_from_chunk(content, meta, first):
            if pair.source in wanted:
                by_query.setdefault(pair.query.lower(), []).append(pair)
    return [group[0] for group in by_query.values() if len({p.passage for p in group}) == 1]


def split_pairs(pairs: list[Pair], validation_share: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    """A random `validation_share` of pairs held back (seeded), the rest to train on."""
    if not 0.0 <= validation_share < 1.0:
        raise ValueError("validation_share must be in [0, 1)")
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    n_val = round(len(pairs) * validation_share)
    held = set(order[:n_val])
    return [p for i, p in enumerate(pairs) if i not in held], [pairs[i] for i in order[:n_val]]
