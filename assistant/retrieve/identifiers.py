"""Exact identifiers in a question, normalised so the encoders see them the way pages write them.

Agents type "i765 fee", "vol 2 part m ch 4", "INA § 316(a)" or "8 USC 1427"; pages say
"Form I-765", "2 USCIS-PM M.4", "INA 316" and "8 U.S.C. 1427". BM25 only matches identical
tokens and the dense encoder barely distinguishes numbers, so the question is rewritten with
canonical spellings, and an INA section gets its U.S. Code twin (and the reverse) because the
statute corpus is numbered by Code section while the Policy Manual cites the INA.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.retrieve.classifications import classification_chapters
from ingest.citations import pm_cite
from ingest.forms import find_forms, iter_form_matches, normalise_form
from ingest.ina_crosswalk import ina_to_usc, usc_to_ina


@dataclass(frozen=True)
class QueryIdentifiers:
    forms: tuple[str, ...]  # "I-765", "N-400", first-seen order
    # chapter level "2 USCIS-PM M.4" (part level "2 USCIS-PM M"), written or implied by a named
    # classification ("EB-1A" -> "6 USCIS-PM F.2")
    pm_cites: tuple[str, ...]
    usc_sections: tuple[str, ...]  # section level "8 U.S.C. 1427", INA references included
    normalised_text: str  # the question with identifiers spelled canonically
    ina_sections: tuple[str, ...] = ()  # section level "INA 316", Code references included


# Forms with a letter suffix that people type in lowercase ("i-130a", "i-601a"). find_forms
# drops a lowercase suffix because "I-765s" is a plural; these are real form numbers. Suffix S
# (I-129S) is left out on purpose: "I-129s" is far more often a plural.
_SUFFIXED_FORMS = frozenset(
    {"I-129F", "I-130A", "I-131A", "I-134A", "I-290B", "I-539A", "I-601A", "I-821D", "I-864A"}
    | {"I-864EZ", "I-129CW", "I-765V", "N-600K", "EOIR-42A", "EOIR-42B"}
)

_SUB = r"((?:\([A-Za-z0-9]{1,4}\))*)"  # (a)(15)(H)
_PM = re.compile(
    rf"(?<![\w.])(\d{{1,2}})\s*USCIS[\s\-]?PM\s+([A-Z])(?![A-Za-z])(?:\.(\d{{1,2}}))?{_SUB}",
    re.I,
)
_PM_WORDS = re.compile(
    r"(?<![\w.])(?:(?:USCIS\s+)?Policy\s+Manual,?\s*)?(?:volume|vol\.?)\s*(\d{1,2}),?\s*"
    r"(?:part|pt\.?)\s*([A-Z])(?![A-Za-z])"
    r"(?:,?\s*(?:chapter|chap\.?|ch\.?)\s*(\d{1,2})(?!\d))?",
    re.I,
)
_USC = re.compile(
    r"(?<![\w.])(\d{1,2})\s*U\.?\s?S\.?\s?C\.?(?:A\.?)?\s*(?:§§?\s*|sec(?:tion)?\.?\s*)?"
    rf"(\d{{1,5}}[a-z]?(?:-\d{{1,2}})?)(?![\w\-]){_SUB}",
    re.I,
)
_INA_NUM = rf"(\d{{3}})([A-Z](?![A-Za-z])|[a-z](?![A-Za-z(]))?{_SUB}"
_INA = re.compile(
    rf"\bINA\s*(?:§§?\s*|section\s+|sec\.\s*|sec\s+)?{_INA_NUM}"
    rf"|\b(?:section|sec\.?|§)\s*{_INA_NUM}\s+of\s+the\s+(?:INA|Immigration\s+and\s+Nationality\s+Act)\b"
    rf"|\bImmigration\s+and\s+Nationality\s+Act\s*(?:§§?\s*|section\s+|sec\.\s*){_INA_NUM}",
    re.I,
)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    kind: str  # "form" | "pm" | "usc" | "ina"
    canonical: str  # as written back into the text
    key: str  # section-level identifier for the tuples


def _pm_hits(text: str) -> Iterator[_Hit]:
    for m in _PM.finditer(text):
        vol, part, ch, sub = int(m.group(1)), m.group(2).upper(), m.group(3), m.group(4)
        if not 1 <= vol <= 12:
            continue
        key = pm_cite(vol, part, int(ch) if ch else None)
        # Policy Manual subsections are "(C)(1)": the first level is a capital letter.
        sub = re.sub(r"^\(([a-z])\)", lambda s: f"({s.group(1).upper()})", sub)
        yield _Hit(m.start(), m.end(), "pm", key + (sub if ch else ""), key)
    for m in _PM_WORDS.finditer(text):
        vol, part, ch = int(m.group(1)), m.group(2).upper(), m.group(3)
        if not 1 <= vol <= 12:
            continue
        key = pm_cite(vol, part, int(ch) if ch else None)
        yield _Hit(m.start(), m.end(), "pm", key, key)


def _usc_hits(text: str) -> Iterator[_Hit]:
    for m in _USC.finditer(text):
        title, section, sub = int(m.group(1)), m.group(2).lower(), m.group(3)
        key = f"{title} U.S.C. {section}"
        yield _Hit(m.start(), m.end(), "usc", key + sub, key)


def _ina_hits(text: str) -> Iterator[_Hit]:
    for m in _INA.finditer(text):
        groups = [g for g in (m.group(1, 2, 3), m.group(4, 5, 6), m.group(7, 8, 9)) if g[0]][0]
        number, letter, sub = groups[0], groups[1] or "", groups[2]
        if letter.islower() and not ina_to_usc(number + letter) and ina_to_usc(number):
            sub, letter = f"({letter}){sub}", ""  # "INA 316a": there is no 316A, so 316(a)
        letter = letter.upper()
        key = f"INA {number}{letter}"
        yield _Hit(m.start(), m.end(), "ina", key + sub, key)


def _form_hits(text: str) -> Iterator[_Hit]:
    for m in iter_form_matches(text):
        prefix, number, suffix = m.group(1), m.group(2), m.group(3)
        end = m.end()
        if suffix and not suffix.isupper():
            if normalise_form(prefix, number, suffix) not in _SUFFIXED_FORMS:
                suffix, end = "", m.start(3)  # "I-765s": keep the plural "s" as typed
        form = normalise_form(prefix, number, suffix)
        yield _Hit(m.start(), end, "form", form, form)


def _resolve(hits: list[_Hit]) -> list[_Hit]:
    """Earlier kinds win overlaps: citations before form numbers ("2 USCIS-PM M.4")."""
    kept: list[_Hit] = []
    for h in hits:
        if all(h.end <= k.start or h.start >= k.end for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h.start)


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def extract_identifiers(question: str) -> QueryIdentifiers:
    """Form numbers, Policy Manual cites and statute sections in a question, plus the question
    rewritten with canonical spellings ("i765 fee" -> "I-765 fee", "INA 316" -> "INA 316
    (8 U.S.C. 1427)")."""
    hits = _resolve(
        [*_pm_hits(question), *_usc_hits(question), *_ina_hits(question), *_form_hits(question)]
    )
    written_usc = {h.key for h in hits if h.kind == "usc"}
    written_ina = {h.key for h in hits if h.kind == "ina"}

    usc: list[str] = []
    ina: list[str] = []
    parts: list[str] = []
    pos = 0
    for h in hits:
        parts.append(question[pos : h.start])
        parts.append(h.canonical)
        pos = h.end
        # Add the other numbering's cite unless the question already gives it.
        if h.kind == "ina":
            ina.append(h.key)
            twin_key = ina_to_usc(h.key)
            if twin_key:
                usc.append(twin_key)
                if twin_key not in written_usc:
                    parts.append(f" ({ina_to_usc(h.canonical)})")
        elif h.kind == "usc":
            usc.append(h.key)
            twin_key = usc_to_ina(h.key) if h.key.startswith("8 ") else None
            if twin_key:
                ina.append(twin_key)
                if twin_key not in written_ina:
                    parts.append(f" ({usc_to_ina(h.canonical)})")
    parts.append(question[pos:])

    forms = list(find_forms(question))
    for h in hits:
        if h.kind == "form" and h.key not in forms:
            # A lowercase suffix we recognise ("i-130a"): replace the bare "I-130" find_forms saw.
            bare = re.sub(r"[A-Z]+$", "", h.key)
            forms = [h.key if f == bare else f for f in forms]
            if h.key not in forms:
                forms.append(h.key)
    return QueryIdentifiers(
        forms=_dedupe(forms),
        pm_cites=_dedupe([*(h.key for h in hits if h.kind == "pm"), *classification_chapters(question)]),
        usc_sections=_dedupe(usc),
        normalised_text="".join(parts),
        ina_sections=_dedupe(ina),
    )
