"""Visa and petition classifications -> the Policy Manual chapter that governs them.

Agents name a classification ("EB-1A", "O-1B"); the Policy Manual discusses it in one chapter
that rarely repeats the code ("Chapter 2 - Extraordinary Ability" never says EB-1A, and reads
much like the O-1 chapter). The chapter is treated as if the question had cited it, so the
rescorer's cite bonus prefers it over look-alike chapters. Only established chapter numbers are
listed; a classification without a dedicated chapter is left out rather than guessed.
"""

from __future__ import annotations

import re

from ingest.citations import pm_cite

CLASSIFICATION_CHAPTERS: dict[str, str] = {
    "EB-1A": pm_cite(6, "F", 2),  # Extraordinary Ability
    "EB-1B": pm_cite(6, "F", 3),  # Outstanding Professors and Researchers
    "EB-1C": pm_cite(6, "F", 4),  # Multinational Executives and Managers
    "EB-2": pm_cite(6, "F", 5),  # Advanced Degree or Exceptional Ability
    "EB-5": pm_cite(6, "G"),  # Investors
    "O-1": pm_cite(2, "M", 4),  # O-1 Beneficiaries
    "O-1A": pm_cite(2, "M", 4),
    "O-1B": pm_cite(2, "M", 4),
}
_PATTERN = re.compile(
    r"(?<![\w-])(EB-?[125][ABC]?|O-?1[AB]?)(?![\w-])", re.I
)


def classification_chapters(text: str) -> list[str]:
    """Policy Manual chapter cites for the classifications named in `text`, first-seen order."""
    out: list[str] = []
    for m in _PATTERN.finditer(text):
        code = m.group(1).upper()
        if "-" not in code:
            code = f"{code[:2]}-{code[2:]}" if code.startswith("EB") else f"O-{code[1:]}"
        cite = CLASSIFICATION_CHAPTERS.get(code)
        if cite and cite not in out:
            out.append(cite)
    return out
