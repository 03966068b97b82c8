"""What kind of answer a question asks for, and whether a sentence can be one.

"How much is the fee", "how long", "how many", "when" questions are answered by a sentence that
states an amount, a duration, a count or a date. When none of the retrieved sentences does, the
pages do not hold the answer (the usual case for "how long does it take to process an N-565" —
plenty of passages about the form, none with the time): PolicyDesk abstains rather than quote a
sentence that merely shares the question's words.

The evidence is deliberately specific: "fee waiver" is not an amount and "before" is not a
duration, so a sentence that only shares a topic with the question does not pass as its answer.
Yes/no questions about paying ("do they have to pay the fee?") expect no amount: "is not required
to pay" answers them.
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
_QUANTITY = rf"(?:\d[\d,.]*|{_NUMBER_WORDS}|a|an)"
_UNIT = r"(?:business |calendar )?(?:day|week|month|year|hour)s?"
_PROCESS = r"(?:process(?:es|ed|ing)?|adjudicat\w*|decide|decision)"

EXPECTS = {
    "amount": re.compile(
        r"\bhow much (?:is|are|does|do|did|will|would|should|money|to pay)\b|\bhow much\W*$"
        r"|\b(?:cost|costs|price|prices)\b|\bwhat(?:'s|’s| is| are) \d[\d.]* ?(?:%|percent) of\b"
        r"|\bwhat(?:'s|’s|s| is| are)(?: the| a)?(?: [\w-]+){0,3} fees?\b(?! waiver)"
        r"|\b(?:filing|biometrics?|application|petition) fees?\b(?! waiver)(?=.*\b(?:what|which|how)\b)",
        re.I,
    ),
    "duration": re.compile(
        r"\b(?:how long|how many (?:days|weeks|months|years)|how soon|deadline|time ?frame|within how"
        r"|how much (?:\w+ ){0,3}(?:time|experience|longer|earlier)|(?:processing|wait|waiting) times?"
        r"|(?:typical|average|usual|current) wait|validity periods?|period of validity|valid for how long"
        r"|how long (?:\w+ ){0,6}valid)\b",
        re.I,
    ),
    # Processing times live on USCIS's processing-times service, not in policy pages: a sentence
    # answers only if it speaks of processing, not merely of some period ("within 30 days").
    "processing": re.compile(
        r"\bprocessing times?\b|\bhow long\b.{0,60}\b(?:take|takes|taking|to process|to adjudicate|to hear back"
        r"|to (?:get|be) (?:it )?(?:approved|processed|decided))\b",
        re.I,
    ),
    "count": re.compile(r"\bhow many\b", re.I),
    "date": re.compile(r"\b(?:when (?:did|does|do|will|is|was|can)|what date|which date|dates?)\b", re.I),
}

PROVIDES = {
    "amount": re.compile(
        r"\$\s?\d|\b\d[\d,]*(?:\.\d+)?\s?dollars|\bno (?:filing )?fees?\b(?! waiver)|\bfree of charge\b"
        r"|\bwithout (?:a |any )?fee\b|\bfees? (?:is|are|will be) waived\b|\bnot (?:required|need) to pay\b"
        r"|\bexempt from (?:the |paying )?(?:\w+ )?fees?\b",
        re.I,
    ),
    "duration": re.compile(
        rf"\b{_QUANTITY}[\s-]+{_UNIT}\b|\b(?:at least|up to|no later than|within) {_QUANTITY}\b"
        r"|\b(?:immediately|indefinitely|until (?:the|your|a|an) \w+)\b"
        # "how long is it valid" is answered by when it ends: "extended through April 19, 2026"
        rf"|\b(?:through|until|till|expires? on|ends? on)\s+(?:{_MONTHS})\.?\s+\d",
        re.I,
    ),
    "processing": re.compile(
        rf"\b{_PROCESS}\b.{{0,80}}\b{_QUANTITY}[\s-]+{_UNIT}\b|\b{_QUANTITY}[\s-]+{_UNIT}\b.{{0,80}}\b{_PROCESS}\b",
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
    kinds = {kind for kind, pattern in EXPECTS.items() if pattern.search(question)}
    if "processing" in kinds:
        kinds.discard("duration")  # "how long does it take": any period will not do
    return kinds


# An amount answers a fee question only when the sentence is about paying: "$500" in "a fine of
# less than $500" is not the I-485 filing fee.
_FEE_CONTEXT = re.compile(r"\b(?:fees?|costs?|pay|paid|paying|payment|charged?|price)\b", re.I)


def provides(sentence: str, kind: str) -> bool:
    if kind == "amount" and not _FEE_CONTEXT.search(sentence):
        return False
    return bool(PROVIDES[kind].search(sentence))


def provides_any(sentence: str, kinds: set[str]) -> bool:
    """True when `sentence` can answer at least one expected kind (or nothing specific is expected)."""
    return not kinds or any(provides(sentence, k) for k in kinds)
