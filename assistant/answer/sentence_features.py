"""Candidate answer sentences of the top passages, and the features the sentence model reads.

Pure functions over passages and vectors: the answer builder supplies the question's embedding and
tokens, the per-version term statistics and the sentence vectors; nothing here loads a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from haystack import Document

from assistant.answer.answer_model import SENTENCE_FEATURES
from assistant.answer.answer_type import provides_any
from assistant.retrieve.section_merge import body_of
from assistant.retrieve.term_stats import TermStats
from ingest.forms import find_forms
from ingest.sentences import answer_sentences

# Pointers elsewhere, not answers: "For more information, go to www.uscis.gov/...", "Visit our Fee
# Schedule page", "See Part 3 below". They are never quoted as an answer.
_BOILERPLATE = re.compile(
    r"^\s*(?:for (?:more|additional|further) information|to learn more|for details"
    r"|(?:please )?(?:visit|see|go to|refer to|read|check|review)\b)"
    r"|\b(?:by visiting|visit (?:our|the|www\.|uscis\.gov)|go to (?:www\.|uscis\.gov|our)"
    r"|(?:see|visit) (?:the |our )?[\w' -]{0,40}(?:web ?page|website|page)\b"
    r"|\b(?:more|additional|further) information\b.*(?:https?://|www\.|uscis\.gov))",
    re.I,
)
_LIST_ITEM = re.compile(r"^\s*(?:\(\s*(?:\d{1,3}|[A-Za-z]|[ivxlcdm]{1,6})\s*\)|(?:\d{1,3}|[A-Za-z])[.)]|[-•*–▪◦·])\s+")
LONG_WORDS = 40
MAX_LIST_ITEMS = 8
MAX_LIST_CHARS = 900


@dataclass
class Candidate:
    doc_rank: int
    start: int  # in the passage's indexed text
    end: int
    text: str
    features: np.ndarray = field(default_factory=lambda: np.zeros(len(SENTENCE_FEATURES)))
    probability: float = 0.0

    def feature(self, name: str) -> float:
        return float(self.features[SENTENCE_FEATURES.index(name)])


def _capitalised_share(words: list[str]) -> float:
    core = [w.lstrip("([\"'“‘-–—") for w in words]
    core = [w for w in core if w]
    return sum(1 for w in core if w[0].isupper() or w[0].isdigit()) / len(core) if core else 1.0


def _heading_line(line: str) -> bool:
    words = line.split()
    if not words:
        return True
    end = line.rstrip()[-1]
    if end == ":":
        return len(words) <= 4  # a label ("Affected Sections:"), not a lead-in sentence
    if end in ".?!;,":
        return False
    if end == ")":  # "... Vaccination Record (Form I-693)" is a title; "... (see Part 2)" is not
        return len(words) > 8 and _capitalised_share(words) >= 0.75
    return len(words) <= 8 or (len(words) <= 20 and _capitalised_share(words) >= 0.6)


def looks_like_heading(text: str) -> bool:
    """Heading lines, not sentences: short lines without closing punctuation ("(B) Outstanding
    professors and researchers"), title-cased lines ("POLICY ALERT - COVID-19 Vaccination
    Requirement for ..."), and lists of them under a label ("Affected Sections:")."""
    return all(_heading_line(line) for line in text.splitlines())


# Capitalised words that name no particular thing: sentence openers, the agency, common form words.
_NOT_NAMES = frozenset("""i i'm im my we our you your he she they it is are can do does did what when where which who
    how why if hi hello yes no so and or but the a an this that caller customer uscis dhs tps ead form forms
    green card us u.s usa america american united states policy manual""".split())


def named_terms(question: str) -> list[str]:
    """Proper names the question uses ("Venezuela", "Miami", "Nepal"): capitalised words that do not
    open a sentence and are not generic. A name that no quoted passage contains means the passages
    are about something else (Ukraine's TPS for a question about El Salvador's)."""
    names = []
    for m in re.finditer(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,})\b", question.strip()):
        if m.group(1).lower() not in _NOT_NAMES:
            names.append(m.group(1))
    return names


def is_boilerplate(text: str) -> bool:
    return bool(_BOILERPLATE.search(text))


def is_lead_in(text: str) -> bool:
    return text.rstrip().endswith(":") and len(text.split()) > 4


def body_offset(doc: Document) -> int:
    """Where the passage body starts: after the heading line carried into each chunk."""
    heading, _ = body_of(doc)
    return len(heading) + 1 if heading else 0


def list_end(content: str, lead_end: int) -> int:
    """Where the list that a lead-in sentence ("... you must submit:") introduces ends: its items are
    what the sentence promises, so they are quoted with it, up to what an agent can read out.

    Items are the lines after the lead-in up to the first blank line (the parser keeps a list's
    items on consecutive lines), at most MAX_LIST_ITEMS of them and MAX_LIST_CHARS in all.
    """
    end = lead_end
    for n, line in enumerate(re.finditer(r"\n([^\n]+)", content[lead_end:])):
        if line.start() != end - lead_end or n == MAX_LIST_ITEMS:
            break  # a blank line: the list is over
        if line.end() > MAX_LIST_CHARS:
            break
        end = lead_end + line.end()
    return end


_CLAUSE_CUT = re.compile(r"(?<=[;:])\s+|\s+(?=\(\w{1,4}\)\s)|,\s+(?=(?:and|or|but|unless|except|if|provided)\b)")


def clause_spans(text: str, max_words: int) -> list[tuple[int, int]]:
    """Runs of whole clauses of `text` of at most `max_words` words, as (start, end) offsets.

    Clauses end at ";" and ":", before a subparagraph marker "(B) ", and before ", and/or/unless ...".
    A clause longer than `max_words` on its own is a run by itself.
    """
    cuts = [0, *(m.end() for m in _CLAUSE_CUT.finditer(text)), len(text)]
    clauses = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if text[a:b].strip()]
    runs = []
    for i, (start, _) in enumerate(clauses):
        end = clauses[i][1]
        for _, b in clauses[i + 1:]:
            if len(text[start:b].split()) > max_words:
                break
            end = b
        piece = text[start:end].rstrip(" ,;")
        runs.append((start, start + len(piece)))
    return runs


def candidates_of(docs: list[Document], skip: set[int]) -> list[Candidate]:
    """Quotable sentences of `docs` (ranks in `skip` excluded), as verbatim spans."""
    out: list[Candidate] = []
    for rank, doc in enumerate(docs):
        if rank in skip:
            continue
        content = doc.content or ""
        offset = body_offset(doc)
        for span in answer_sentences(content[offset:]):
            if looks_like_heading(span.text):
                continue
            out.append(Candidate(rank, offset + span.start, offset + span.end, span.text))
    return out


@dataclass
class Evidence:
    """What the features are computed from, for one question."""
    query_tokens: list[int]
    sentence_cos: np.ndarray  # per candidate
    passage_cos: list[float]  # per passage
    expected: set[str]  # answer types asked for ("amount", "date", ...)
    forms: set[str]  # forms the question names
    term_stats: TermStats | None


def fill_features(cands: list[Candidate], docs: list[Document], ev: Evidence) -> None:
    context_cache: dict[int, float] = {}
    for i, c in enumerate(cands):
        doc = docs[c.doc_rank]
        lex = ev.term_stats.weighted_overlap(ev.query_tokens, c.text) if ev.term_stats else 0.0
        if c.doc_rank not in context_cache:
            context = f"{doc.meta.get('heading') or ''} {doc.meta.get('section') or ''} {doc.meta.get('title') or ''}"
            context_cache[c.doc_rank] = (ev.term_stats.weighted_overlap(ev.query_tokens, context)
                                         if ev.term_stats else 0.0)
        named = set(find_forms(c.text))
        words = len(c.text.split())
        values = {
            "bias": 1.0,
            "cos": float(ev.sentence_cos[i]),
            "lex": lex,
            "context_lex": context_cache[c.doc_rank],
            "passage_cos": ev.passage_cos[c.doc_rank],
            "passage_rank": float(c.doc_rank),
            "type_ok": float(bool(ev.expected) and provides_any(c.text, ev.expected)),
            "boilerplate": float(is_boilerplate(c.text)),
            "long": max(0.0, (words - LONG_WORDS) / LONG_WORDS),
            "lead_in": float(is_lead_in(c.text)),
            "form": float(bool(named & ev.forms)),
            "other_form": float(bool(named) and not named & ev.forms and bool(ev.forms)),
            "footnote": float(bool(doc.meta.get("footnotes"))),
        }
        c.features = np.array([values[n] for n in SENTENCE_FEATURES], dtype=np.float64)
