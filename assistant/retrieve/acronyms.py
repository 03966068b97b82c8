"""Official USCIS acronyms -> the words the pages spell out, added to the question for retrieval.

Agents write "EB-1A", "EAD", "RFE"; the Policy Manual chapter is titled "Extraordinary Ability"
and says "Request for Evidence". Only established acronyms are listed (no colloquial synonyms:
those measured worse on the labelled set, because their expansions pulled in unrelated pages).
"""

from __future__ import annotations

import re

ACRONYMS: dict[str, str] = {
    "EB-1A": "extraordinary ability",
    "EB-1B": "outstanding professors and researchers",
    "EB-1C": "multinational executives and managers",
    "EB-2": "advanced degree or exceptional ability",
    "EB-3": "skilled workers professionals",
    "EB-5": "immigrant investor",
    "EAD": "employment authorization document",
    "LPR": "lawful permanent resident",
    "USC": "United States citizen",  # "8 USC 1427" is rewritten to "8 U.S.C. 1427" before this
    "RFE": "request for evidence",
    "NOID": "notice of intent to deny",
    "TPS": "Temporary Protected Status",
    "DACA": "Deferred Action for Childhood Arrivals",
    "MPTV": "motion picture or television",
    "OPT": "optional practical training",
    "STEM": "science technology engineering mathematics",
    "AOS": "adjustment of status",
    "USPS": "U.S. Postal Service",
    "NFB": "non-family-based",
}
_PATTERN = re.compile(r"(?<![\w-])(" + "|".join(re.escape(a) for a in ACRONYMS) + r")(?![\w-])", re.I)


def expand_acronyms(text: str) -> str:
    """`text` with the spelled-out form of each acronym it uses appended once, in parentheses."""
    added: list[str] = []
    for m in _PATTERN.finditer(text):
        words = ACRONYMS[m.group(1).upper()]
        if words.lower() not in text.lower() and words not in added:
            added.append(words)
    return f"{text} ({'; '.join(added)})" if added else text
