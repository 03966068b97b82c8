"""Form numbers: find them in text and normalise every spelling to "I-765"."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Agency prefixes used on USCIS-related forms; "Form I 765", "i765", "I-765", "N-400", "G-1145",
# "AR-11", "DS-160", "EOIR-42A" all normalise to PREFIX-NUMBER[SUFFIX].
FORM_PATTERN = re.compile(
    r"(?<![A-Za-z0-9])(I|N|G|AR|DS|EOIR|ETA|SS|DOT|M)[\s\-‐‑–]?(\d{2,4})([A-Z]{0,2})(?![0-9])",
    re.I,
)
NEEDS_FORM_WORD = {"M", "DOT", "SS"}  # too ambiguous without the word "Form" in front


def normalise_form(prefix: str, number: str, suffix: str = "") -> str:
    return f"{prefix.upper()}-{number}{suffix.upper()}"


def iter_form_matches(text: str) -> Iterator[re.Match[str]]:
    """Matches of form numbers in `text` (groups: prefix, number, suffix), with their spans."""
    for m in FORM_PATTERN.finditer(text):
        if m.group(1).upper() in NEEDS_FORM_WORD:
            if "form" not in text[max(0, m.start() - 6) : m.start()].lower():
                continue
        yield m


def find_forms(text: str) -> tuple[str, ...]:
    """Distinct form numbers mentioned in text, in first-seen order."""
    seen: dict[str, None] = {}
    for m in iter_form_matches(text):
        prefix, number, suffix = m.group(1), m.group(2), m.group(3)
        # A lowercase trailing word ("I-765s", "I-94 and") is not a suffix.
        if suffix and not suffix.isupper():
            suffix = ""
        seen.setdefault(normalise_form(prefix, number, suffix), None)
    return tuple(seen)
