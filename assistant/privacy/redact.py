"""Personal data out of everything we keep: one redaction function for the query log and feedback.

Agents paste what callers tell them, so questions arrive carrying A-numbers, receipt numbers,
dates of birth and names. `redact` swaps each for a typed placeholder ("[A-NUMBER]") so logs
stay useful to policy staff ("someone asked about travel with a pending receipt") without
holding the caller's data. Policy vocabulary must come through untouched: form numbers
(I-765), citations (8 U.S.C. 1427(a), 2 USCIS-PM M.4, INA 316, 8 CFR 214.2(o)), fees ($470),
bare years (2025) and section numbers.

Decisions, so they are made once:
- Bare 8-9 digit runs with no cue are still redacted ("[ID-NUMBER]"): nothing in policy
  text looks like that, and an unlabelled A-number or SSN is the likeliest leak.
- Dates: a full date (day, month, year) is redacted when a birth cue ("born", "DOB", "date of
  birth", "birthday", "birth date") is in the same sentence; a month-year or a year is redacted
  only right after "DOB"/"date of birth" or "born on/in <month>". Other dates stay: filing
  dates and policy dates ("filed on or before January 14, 1998") are what questions are about,
  and "children born before 1934" is a policy question, not a birth date.
- Toll-free numbers (800, 888, 877, 866, 855, 844, 833) are not personal and stay.
- Names are redacted only where a cue introduces them ("my name is", "name:", "Mr./Ms./Dr.");
  the cue itself stays so the log still reads as a sentence.
"""

from __future__ import annotations

import re
from typing import NamedTuple

A_NUMBER = "A-NUMBER"
RECEIPT = "RECEIPT"
SSN = "SSN"
DOB = "DOB"
EMAIL = "EMAIL"
PHONE = "PHONE"
PASSPORT = "PASSPORT"
NAME = "NAME"
ID_NUMBER = "ID-NUMBER"

# Kinds that tie a question to one person's case (see is_case_specific).
CASE_KINDS = frozenset({A_NUMBER, RECEIPT, SSN, DOB, PASSPORT, ID_NUMBER})


class Finding(NamedTuple):
    kind: str
    start: int
    end: int


_B = r"(?<![A-Za-z0-9])"  # left edge: not inside a word or number
_E = r"(?![A-Za-z0-9])"  # right edge
_END_NUM = r"(?![0-9]|[.,][0-9])"  # a number ends here: no more digits, no decimal part

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

# Receipt numbers: 3 letters + 10 digits. Service-center prefixes may be written with dashes
# or spaces inside ("EAC-21-123-45678"); any other 3 capitals only in the compact form.
_RECEIPT_PREFIXES = "EAC|WAC|LIN|SRC|NBC|MSC|YSC|IOE|VSC|CSC|NSC|TSC"
_RECEIPT = re.compile(
    rf"{_B}(?:(?i:{_RECEIPT_PREFIXES})[\s\-#:]*\d(?:[\s\-]?\d){{9}}|[A-Z]{{3}}\d{{10}}){_END_NUM}"
)

_A_DIGITS = r"(?:\d{8,9}|\d{2,3}[\s\-.]\d{3}[\s\-.]\d{3})"
# "A123456789", "A-123-456-789", "A 123 456 789", "A#12345678", "a123456789"
_A_PREFIXED = re.compile(rf"{_B}(?:A[\s\-#.:]{{0,2}}|a[\-#]?){_A_DIGITS}{_END_NUM}")
# "A-number 123456789", "alien registration number: 123-456-789" (the cue stays)
_A_CUE = re.compile(
    r"(?i:\b(?:a[\s\-]?(?:number|num|no\.?|#)|alien\s+(?:registration\s+)?(?:number|no\.?|#)"
    r"|uscis\s+(?:number|no\.?|#)))"
    r"\s*(?i:is|was|:|=|-)?\s*"
    rf"(?P<v>(?:A[\s\-#]?)?\d(?:[\s\-.]?\d){{6,8}}){_END_NUM}"
)

_SSN_SHAPE = re.compile(rf"{_B}\d{{3}}(?P<s>[\-\s])\d{{2}}(?P=s)\d{{4}}{_END_NUM}")
_SSN_CUE = re.compile(
    r"(?i:\b(?:ssn|ss\s*#|ss\s+(?:number|no\.?)|social\s+security(?:\s+(?:number|no\.?|#))?))"
    r"\s*(?i:is|was|:|=|-|#)?\s*"
    rf"(?P<v>\d(?:[\s\-.]?\d){{8}}){_END_NUM}"
)

# Passport numbers: 6-9 letters/digits, at least one digit, right after the word "passport".
_PASSPORT = re.compile(
    r"(?i:\bpassport(?:\s+(?:number|num|no\.?|#)|\s*#)?)\s*(?i:is|was|:|=|-)?\s*"
    r"(?P<v>(?=[A-Za-z]*\d)[A-Za-z0-9]{6,9})(?![A-Za-z0-9\-])"
)

_PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[\s.\-]?)?"
    r"(?:\((?P<a1>\d{3})\)\s?|(?P<a2>\d{3})(?P<s>[\s.\-]))"
    r"\d{3}(?(s)(?P=s)|[\s.\-])\d{4}(?!\d)"
    r"|(?<![\w+])(?:\+1\s?)?(?P<a3>\d{3})\d{7}(?!\d)"
)
_TOLL_FREE = {"800", "888", "877", "866", "855", "844", "833"}

_ID_NUMBER = re.compile(rf"(?<![\w$.,\-])\d{{8,9}}{_END_NUM}")

# Dates -------------------------------------------------------------------------------------
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_FULL_DATE = re.compile(
    r"(?i)(?<![\w/.\-])(?:"
    r"\d{1,2}(?P<s1>[/\-.])\d{1,2}(?P=s1)(?:\d{4}|\d{2})"  # 01/02/1990, 1-2-1990, 1.2.90
    r"|\d{4}(?P<s2>[/\-.])\d{1,2}(?P=s2)\d{1,2}"  # 1990-01-02
    rf"|{_MONTH}\s+{_DAY},?\s+\d{{4}}"  # January 2, 1990
    rf"|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"  # 2 Jan 1990
    r")(?![\w/])"
)
# Month-year or year straight after a strong birth cue: "DOB 03/1990", "born in March 1990".
_PARTIAL_BIRTH = re.compile(
    r"(?i)\b(?:dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|year\s+of\s+birth|birth\s+year"
    rf"|born\s+(?:on|in)?\s*(?={_MONTH}))"
    r"\s*(?:is|was|:|-)?\s*"
    rf"(?P<v>(?:{_MONTH}\s+|\d{{1,2}}[/\-])?(?:19\d\d|20[0-2]\d)){_END_NUM}"
)
_BIRTH_CUE = re.compile(
    r"(?i)\b(?:born|dob|d\.o\.b|date\s+of\s+birth|birth\s*date|birthdate|birthday|b-day)"
)
_SENTENCE_EDGE = re.compile(r"[.?!](?=\s)|\n")

# Names -------------------------------------------------------------------------------------
_NAME_WORD = r"[^\W\d_]+(?:['’\-][^\W\d_]+)*(?![\w\-])"
_CAP_WORD = r"(?:[A-Z][^\W\d_]*|[ÀÁÂÄÉÈÍÑÓÖÚÜ][^\W\d_]*)(?:['’\-][^\W\d_]+)*(?![\w\-])"
_NAME_CUE = re.compile(
    r"(?i:\b(?:my|his|her|their|the\s+(?:caller|customer|applicant|beneficiary|petitioner)'?s?)"
    r"\s+(?:(?:full|legal|first|last|family|given|middle|maiden)\s+)?name\s+(?:is|was)"
    r"|\b(?:(?:full|legal|first|last|family|given|applicant|beneficiary|petitioner|client"
    r"|caller)\s+)?name\s*:"
    r"|\bnamed)"
    r"\s+(?=\S)"
)
_TITLE_CUE = re.compile(r"\b(?:Mr|Mrs|Ms|Mx|Dr|Miss)\.?\s+(?=[A-Z])")
# Words that follow "my name is" but are not names ("my name is misspelled on my card").
_NOT_NAMES = frozenset(
    """a an the and or but so if is was not no on in at of to for with by as from it its my his
    her their our your this that these those still also already legally officially
    misspelled mispelled spelled wrong incorrect incorrectly different differently missing
    changed changing listed printed shown written spelt same correct right long too very
    hyphenated used given different spelled on different been being getting going
    form i me we you he she they am are be""".split()
)
_NAME_PARTICLES = frozenset({"de", "del", "da", "dos", "van", "von", "bin", "al", "la", "le"})
_NAME_WORD_RE = re.compile(_NAME_WORD)
_CAP_WORD_RE = re.compile(_CAP_WORD)
_GAP = re.compile(r"[ \t]+")


def _iter_names(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for cue, lower_ok in ((_NAME_CUE, True), (_TITLE_CUE, False)):
        for m in cue.finditer(text):
            pos, words, start, end = m.end(), 0, m.end(), m.end()
            typed_lower = True
            while words < 4:
                w = _NAME_WORD_RE.match(text, pos)
                if not w:
                    break
                word = w.group(0)
                low = word.lower()
                if low in _NOT_NAMES:
                    break
                capital = _CAP_WORD_RE.fullmatch(word) is not None
                particle = words > 0 and low in _NAME_PARTICLES
                # Typed lowercase names ("my name is john smith") only after an explicit cue,
                # and never a lowercase word after a capitalised one ("Luis needs").
                if capital:
                    typed_lower = False
                elif not particle and not (lower_ok and typed_lower and words < 2):
                    break
                end = w.end()
                words += 1
                gap = _GAP.match(text, end)
                if not gap:
                    break
                pos = gap.end()
            if words:
                spans.append((start, end))
    return spans


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    start = 0
    for m in _SENTENCE_EDGE.finditer(text, 0, pos):
        start = m.end()
    nxt = _SENTENCE_EDGE.search(text, pos)
    return start, (nxt.start() if nxt else len(text))


def find_personal_data(text: str) -> list[Finding]:
    """Spans of personal data in text, sorted, never overlapping.

    Candidates are gathered most-specific first (an email before the digits inside it, a
    receipt number before a phone-shaped run inside it); a later candidate overlapping an
    earlier one is dropped.
    """
    candidates: list[Finding] = []

    def add(kind: str, start: int, end: int) -> None:
        candidates.append(Finding(kind, start, end))

    for m in _EMAIL.finditer(text):
        add(EMAIL, m.start(), m.end())
    for m in _RECEIPT.finditer(text):
        add(RECEIPT, m.start(), m.end())
    for m in _PASSPORT.finditer(text):
        add(PASSPORT, m.start("v"), m.end("v"))
    for m in _SSN_CUE.finditer(text):
        add(SSN, m.start("v"), m.end("v"))
    for m in _A_PREFIXED.finditer(text):
        add(A_NUMBER, m.start(), m.end())
    for m in _A_CUE.finditer(text):
        add(A_NUMBER, m.start("v"), m.end("v"))
    for m in _SSN_SHAPE.finditer(text):
        add(SSN, m.start(), m.end())
    for m in _FULL_DATE.finditer(text):
        lo, hi = _sentence_bounds(text, m.start())
        if _BIRTH_CUE.search(text, lo, hi):
            add(DOB, m.start(), m.end())
    for m in _PARTIAL_BIRTH.finditer(text):
        add(DOB, m.start("v"), m.end("v"))
    for m in _PHONE.finditer(text):
        area = m.group("a1") or m.group("a2") or m.group("a3")
        if area not in _TOLL_FREE:
            add(PHONE, m.start(), m.end())
    for m in _ID_NUMBER.finditer(text):
        add(ID_NUMBER, m.start(), m.end())
    for start, end in _iter_names(text):
        add(NAME, start, end)

    kept: list[Finding] = []
    for f in candidates:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def redact(text: str) -> str:
    """text with each piece of personal data replaced by its placeholder, e.g. "[A-NUMBER]"."""
    out: list[str] = []
    pos = 0
    for f in find_personal_data(text):
        out.append(text[pos : f.start])
        out.append(f"[{f.kind}]")
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


# Personal-case questions: the answer is in the caller's file, not in the policy pages.
_CASE_PHRASES = re.compile(
    r"(?ix)"
    r"\bstatus\s+(?:of|on|for)\s+(?:my|our|his|her|their|the\s+(?:caller|customer)'?s)\b"
    r"|\b(?:my|our)\s+(?:case|application|petition|receipt|file)(?:\s+number)?\s+status\b"
    r"|\bcheck\s+(?:on\s+)?(?:my|our)\s+(?:case|status|application|petition|receipt)\b"
    r"|\b(?:my|our)\s+receipt\b"
    r"|(?<!\bin\s)\b(?:my|our)\s+case\b"
    r"|\b(?:where\s+(?:is|are)|what\s+happened\s+to|what'?s\s+going\s+on\s+with)\s+"
    r"(?:my|our|his|her|their)\s+(?!nearest|local|closest)"
    r"|\bwhen\s+(?:will|would|am|are|is)\s+(?:i|we|he|she|they|my\s+\w+(?:\s+\w+)?)\b.{0,25}?"
    r"\b(?:get|getting|receive|receiving|hear|be\s+(?:approved|scheduled|decided|called))\b"
    r"|\b(?:haven'?t|hasn'?t|have\s+not|has\s+not|never|didn'?t|did\s+not|still\s+not)"
    r"\s+(?:yet\s+)?(?:received?|gotten|got|heard|arrived|come)\b"
    r"|\b(?:my|our|his|her|their|(?:the\s+)?(?:caller|customer|client)'?s)\s+(?:[\w\-]+\s+){0,3}"
    r"(?:is|was|has\s+been|have\s+been)\s+"
    r"(?:still\s+pending|pending\s+(?:since|for)|stuck|delayed|taking\s+(?:so\s+)?long|not\s+(?:yet\s+)?"
    r"(?:approved|processed|received|arrived|decided))\b"
    r"|\bhow\s+long\s+(?:will|is|has)\s+(?:my|our)\b.{0,30}?\b(?:take|taking|been\s+pending)\b"
    r"|\bprocessing\s+time\s+(?:for|of|on)\s+(?:my|our)\b"
    r"|\b(?:my|our)\s+(?:\w+\s+){0,2}card\b.{0,30}?\b(?:arrive|arrived|mailed|delivered"
    r"|returned\s+to\s+sender|in\s+the\s+mail|produced)\b"
)


def carries_case_identifier(text: str) -> bool:
    """An A-number, receipt number, SSN, birth date or passport number is in the text."""
    return any(f.kind in CASE_KINDS for f in find_personal_data(text))


def asks_after_own_case(text: str) -> bool:
    """Phrasing about a personal case: "status of my case", "where is my card", "when will I get my green card"."""
    return _CASE_PHRASES.search(text) is not None


def is_case_specific(text: str) -> bool:
    """True when the question is about one person's case: it carries a case identifier
    (A-number, receipt number, SSN, birth date, passport number) or asks after a personal case."""
    return carries_case_identifier(text) or asks_after_own_case(text)
