"""What kind of answer a question asks for, and whether a sentence can be one.

"How much is the fee", "how long", "how many", "when" questions are answered by a sentence that
states an amount, a duration, a count or a date. When none of the retrieved sentences does, the
pages do not hold the answer (the usual case for "how long does it take to process an N-565" —
plenty of passages about the form, none with the time): PolicyDesk abstains rather than quote a
sentence that merely shares the question's words.
"""

from __future__ import annotations

import re

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|ninety|hundred|thousand|half|single|both|once|twice"
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)

EXPECTS = {
    "amount": re.compile(r"\b(fee|fees|cost|costs|price|how much (?:is|does|do|will)|pay|payment)\b", re.I),
    "duration": re.compile(
        r"\b(how long|how many (?:days|weeks|months|years)|how soon|deadline|time ?frame|within how)\b", re.I
    ),
    "count": re.compile(r"\bhow many\b", re.I),
    "date": re.compile(r"\b(when (?:did|does|do|will|is|was|can)|what date|which date|dates?)\b", re.I),
}

PROVIDES = {
    "amount": re.compile(
        rf"\$\s?\d|\b\d[\d,]*(?:\.\d+)?\s?(?:dollars|percent|%)|\bno (?:filing )?fee\b|\bfree\b|\bwaive|\bexempt"
        rf"|\b(?:{_NUMBER_WORDS})\b",
        re.I,
    ),
    "duration": re.compile(
        rf"\b(?:\d+|{_NUMBER_WORDS})[\s-]*(?:business |calendar )?(?:day|week|month|year)s?\b"
        r"|\bwithin\b|\bbefore\b|\bafter\b|\buntil\b|\bexpires?\b",
        re.I,
    ),
    "count": re.compile(rf"\b\d+\b|\b(?:{_NUMBER_WORDS})\b|\b(?:a|an) (?:single|additional)\b", re.I),
    "date": re.compile(
        rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|\b(?:19|20)\d\d\b"
        r"|\beffective\b|\bon or after\b",
        re.I,
    ),
}


# "When can the student file?" is answered by "up to 90 days before ..." as well as by a date.
PROVIDES["date"] = re.compile(f"{PROVIDES['date'].pattern}|{PROVIDES['duration'].pattern}", re.I)


def expected_types(question: str) -> set[str]:
    return {kind for kind, pattern in EXPECTS.items() if pattern.search(question)}


def provides_any(sentence: str, kinds: set[str]) -> bool:
    """True when `sentence` can answer at least one expected kind (or nothing specific is expected)."""
    return not kinds or any(PROVIDES[k].search(sentence) for k in kinds)
