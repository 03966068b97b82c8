"""Redaction of personal data from logged questions, and the case-specific check."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.privacy.redact import Finding, find_personal_data, is_case_specific, redact

digits = st.text("0123456789", min_size=1, max_size=1)


def _n(k: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=k, max_size=k)


def assert_gone(raw: str, out: str) -> None:
    assert raw not in out
    for run in re.findall(r"\d{4,}", raw):
        assert run not in out, (run, out)


# --- identifier strategies, many spellings each --------------------------------------------


@st.composite
def a_numbers(draw: st.DrawFn) -> str:
    d = draw(st.one_of(_n(9), _n(8)))
    if len(d) == 9:
        body = draw(st.sampled_from([d, f"{d[:3]}-{d[3:6]}-{d[6:]}", f"{d[:3]} {d[3:6]} {d[6:]}"]))
    else:
        body = draw(st.sampled_from([d, f"{d[:2]}-{d[2:5]}-{d[5:]}"]))
    prefix = draw(st.sampled_from(["A", "A-", "A ", "A#", "a", "a-"]))
    return prefix + body


@st.composite
def receipts(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["EAC", "WAC", "LIN", "SRC", "NBC", "MSC", "YSC", "IOE"]))
    d = draw(_n(10))
    shape = draw(st.sampled_from(["compact", "dash", "spaced", "lower"]))
    if shape == "dash":
        return f"{prefix}-{d[:2]}-{d[2:5]}-{d[5:]}"
    if shape == "spaced":
        return f"{prefix} {d[:2]} {d[2:5]} {d[5:]}"
    if shape == "lower":
        return prefix.lower() + d
    return prefix + d


@st.composite
def ssns(draw: st.DrawFn) -> str:
    d = draw(_n(9))
    return draw(st.sampled_from([f"{d[:3]}-{d[3:5]}-{d[5:]}", f"{d[:3]} {d[3:5]} {d[5:]}"]))


@st.composite
def phones(draw: st.DrawFn) -> str:
    area = draw(
        st.integers(200, 999).filter(lambda a: a not in {800, 888, 877, 866, 855, 844, 833})
    )
    ex, line = draw(_n(3)), draw(_n(4))
    return draw(
        st.sampled_from(
            [
                f"({area}) {ex}-{line}",
                f"{area}-{ex}-{line}",
                f"+1 {area} {ex} {line}",
                f"{area}.{ex}.{line}",
                f"1-{area}-{ex}-{line}",
                f"{area}{ex}{line}",
            ]
        )
    )


MONTHS = [
    "January",
    "Jan",
    "Jan.",
    "February",
    "Feb",
    "March",
    "August",
    "Aug.",
    "Sept",
    "December",
]


@st.composite
def dates(draw: st.DrawFn) -> str:
    y, m, d = draw(st.integers(1900, 2025)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
    month = draw(st.sampled_from(MONTHS))
    return draw(
        st.sampled_from(
            [
                f"{m:02d}/{d:02d}/{y}",
                f"{m}/{d}/{y}",
                f"{m}-{d}-{y}",
                f"{y}-{m:02d}-{d:02d}",
                f"{month} {d}, {y}",
                f"{d} {month} {y}",
                f"{month} {d} {y}",
            ]
        )
    )


@st.composite
def passports(draw: st.DrawFn) -> str:
    return draw(
        st.one_of(
            _n(9),
            st.builds(lambda c, d: c + d, st.sampled_from("ABCXZ"), _n(8)),
            st.builds(lambda c, d: c + d, st.sampled_from(["AB", "XK", "p"]), _n(6)),
        )
    )


emails = st.builds(
    lambda u, d, t: f"{u}@{d}.{t}",
    st.from_regex(r"[a-z][a-z0-9._]{0,10}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9\-]{0,8}[a-z]", fullmatch=True),
    st.sampled_from(["com", "org", "gov", "co.uk", "net"]),
)

A_TEMPLATES = [
    "My A-number is {x}, can I travel?",
    "Caller gave {x} and asks about advance parole.",
    "A-Number: {x}\nWhat form do I need?",
    "alien registration number {x} - lost green card",
    "{x}",
]
RECEIPT_TEMPLATES = [
    "Receipt {x} — what is the status?",
    "my receipt number is {x}",
    "Case {x} has been pending since March.",
    "Checking on {x}.",
]
SSN_TEMPLATES = ["My SSN is {x}.", "social security number {x}, do I need it on the I-765?", "{x}"]
DATE_TEMPLATES = [
    "I was born on {x}, am I eligible for DACA?",
    "DOB {x} - can the child derive citizenship?",
    "Date of birth: {x}. Caller wants to file N-400.",
    "Applicant's birthday is {x} and she asks about age-out.",
    "born {x} in Mexico",
]
PHONE_TEMPLATES = ["Call me back at {x} please.", "phone: {x}", "{x} is my cell, what is the fee?"]
PASSPORT_TEMPLATES = [
    "passport {x} expired, can I still travel?",
    "My passport number is {x}.",
    "Passport no. {x} was stolen",
    "passport #{x}",
]


@settings(max_examples=150)
@given(a_numbers(), st.sampled_from(A_TEMPLATES))
def test_a_numbers_in_every_spelling_are_redacted(x: str, template: str) -> None:
    out = redact(template.format(x=x))
    assert_gone(x, out)
    assert "[A-NUMBER]" in out


@settings(max_examples=150)
@given(_n(9), st.sampled_from(["A-number {x}", "A-Number: {x}", "A number is {x}", "USCIS # {x}"]))
def test_bare_digits_after_an_a_number_cue_are_redacted(x: str, template: str) -> None:
    out = redact(template.format(x=x))
    assert_gone(x, out)
    assert "[A-NUMBER]" in out


@settings(max_examples=150)
@given(receipts(), st.sampled_from(RECEIPT_TEMPLATES))
def test_receipt_numbers_in_every_spelling_are_redacted(x: str, template: str) -> None:
    out = redact(template.format(x=x))
    assert_gone(x, out)
    assert "[RECEIPT]" in out


@settings(max_examples=150)
@given(ssns(), st.sampled_from(SSN_TEMPLATES))
def test_ssns_are_redacted(x: str, template: str) -> None:
    out = redact(template.format(x=x))
    assert_gone(x, out)
    assert "[SSN]" in out


@given(_n(9), st.sampled_from(["SSN {x}", "SSN: {x}", "social security {x}", "SS# {x}"]))
def test_bare_nine_digits_after_an_ssn_cue_are_redacted(x: str, template: str) -> None:
    out = redact(template.format(x=x))
    assert_gone(x, out)
    assert "[SSN]" in out


@settings(max_examples=200)
@given(dates(), st.sampled_from(DATE_TEMPLATES))
def test_birth_dates_in_every_format_are_redacted(x: str, template: str) -> None:
    out = redact(template.format(x=x))
    assert_gone(x, out)
    assert "[DOB]" in out


@settings(max_examples=150)
@given(phones(), st.sampled_from(PHONE_TEMPLATES))
def test_phone_numbers_in_us_formats_are_redacted(x: str, template: str) -> None:
    out = redact(template.format(x=x))
    assert_gone(x, out)
    assert "[PHONE]" in out


@settings(max_examples=100)
@given(passports(), st.sampled_from(PASSPORT_TEMPLATES))
def test_passport_numbers_after_the_word_passport_are_redacted(x: str, template: str) -> None:
    out = redact(template.format(x=x))
    assert_gone(x, out)
    assert "[PASSPORT]" in out


@given(emails)
def test_emails_are_redacted(x: str) -> None:
    out = redact(f"Send the answer to {x}, thanks.")
    assert x not in out
    assert out == "Send the answer to [EMAIL], thanks."


@given(
    a_numbers(),
    receipts(),
    dates(),
    st.sampled_from(A_TEMPLATES[:3]),
    st.sampled_from(RECEIPT_TEMPLATES),
)
def test_several_identifiers_in_one_question_are_all_redacted(
    a: str, r: str, d: str, ta: str, tr: str
) -> None:
    text = f"{ta.format(x=a)} {tr.format(x=r)} I was born on {d}."
    out = redact(text)
    for raw in (a, r, d):
        assert_gone(raw, out)


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My name is John Smith and I need help", "My name is [NAME] and I need help"),
        ("my name is maria lopez, can I file?", "my name is [NAME], can I file?"),
        ("Name: José García-López\nQuestion: fee?", "Name: [NAME]\nQuestion: fee?"),
        ("Mr. Juan de la Cruz asked about the N-400", "Mr. [NAME] asked about the N-400"),
        ("Dr. Ahmed says the I-693 is sealed", "Dr. [NAME] says the I-693 is sealed"),
        ("Ms Lee O'Brien called", "Ms [NAME] called"),
        ("the beneficiary's name is Wei Zhang.", "the beneficiary's name is [NAME]."),
        ("her son named Luis needs a green card", "her son named [NAME] needs a green card"),
    ],
)
def test_names_after_a_cue_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "What if my name is misspelled on my green card?",
        "My name is different on my passport and my I-765.",
        "Do I need Form I-765 if my legal name was changed?",
    ],
)
def test_name_cue_without_a_name_is_left_alone(text: str) -> None:
    assert redact(text) == text


# --- policy questions pass through unchanged -------------------------------------------------

POLICY_QUESTIONS = [
    "How long is an EAD valid?",
    "What does an asylee need to file to get a green card?",
    "Is the I-765 fee $470 or $520 when filed online?",
    "Does 8 U.S.C. 1427(a) require 5 years of continuous residence?",
    "What does 2 USCIS-PM M.4 say about O-1 consultations?",
    "Under INA 316, how is physical presence counted?",
    "Can an O-1 petition be filed under 8 CFR 214.2(o) without a consultation?",
    "Which N-400 applicants can use Form N-648?",
    "Were children born before 1934 to U.S. citizen mothers citizens at birth?",
    "Is the 2025 fee schedule (G-1055) in effect for filings postmarked in 2024?",
    "Per Pub. L. 114-113 and OMB No. 1615-0023, what changed on Aug. 21, 2023?",
    "What is INA 101(a)(15)(H)(i)(b) and section 245(i)?",
    "Who qualifies under 2 USCIS-PM M.4(C)(1) and 12 USCIS-PM D.2?",
    "Under 8 U.S.C. 1153(b)(1), 28.6 percent of visas go to priority workers.",
    "What is the USCIS Contact Center number, 1-800-375-5283?",
    "EB-2 and EB-3 visas: is the cap 40,000 per year?",
    "Does Form I-129F need the I-134 or I-864?",
    "The applicant filed on or before January 14, 1998 — is 245(i) available?",
    "Matter of Dhanasar, 26 I&N Dec. 884 (AAO 2016): what are the three prongs?",
    "How do I request a fee waiver with Form I-912?",
    "Is a DS-160 required for a K-1 visa?",
    "Volume 12, Part D, Chapter 2, Section 3: what counts as residence?",
]


@pytest.mark.parametrize("question", POLICY_QUESTIONS)
def test_policy_questions_pass_through_unchanged(question: str) -> None:
    assert find_personal_data(question) == []
    assert redact(question) == question


def test_findings_are_sorted_typed_spans() -> None:
    text = "Email x@y.org, DOB 01/02/1990, receipt IOE0912345678."
    findings = find_personal_data(text)
    assert [f.kind for f in findings] == ["EMAIL", "DOB", "RECEIPT"]
    assert all(isinstance(f, Finding) for f in findings)
    assert [text[f.start : f.end] for f in findings] == ["x@y.org", "01/02/1990", "IOE0912345678"]


def test_dates_without_a_birth_cue_are_kept() -> None:
    text = "My interview is on 05/12/2024 and I filed on March 3, 2023."
    assert redact(text) == text


def test_bare_nine_digit_numbers_are_redacted_without_a_cue() -> None:
    assert redact("number 123456789 please") == "number [ID-NUMBER] please"


@settings(max_examples=200)
@given(st.text(max_size=80))
def test_redact_never_crashes_and_leaves_text_without_findings_alone(text: str) -> None:
    out = redact(text)
    if not find_personal_data(text):
        assert out == text


# --- case-specific questions ----------------------------------------------------------------

CASE_SPECIFIC = [
    "What is the status of my case?",
    "Can you check my case status?",
    "My receipt says the I-130 was received in May, what now?",
    "When will I get my green card?",
    "Where is my card? It was approved two months ago.",
    "Where is my EAD?",
    "My A-number is A123456789, can I travel?",
    "Receipt IOE0912345678 — is it approved?",
    "I haven't received my interview notice yet.",
    "Caller's I-485 has been pending since 2022 and is stuck.",
    "My application has been stuck for a year.",
    "How long will my N-400 take?",
    "What happened to my petition?",
    "When will my interview be scheduled?",
    "My green card was mailed but never arrived.",
    "I was born on 01/02/1990 and want to know if I qualify",
    "passport X12345678 - can she travel?",
]
POLICY_ONLY = [
    "How long is an EAD valid?",
    "What does an asylee need to file to get a green card?",
    "I lost my green card, what do I file?",
    "Can I travel while my application is pending?",
    "What documents should I bring to my interview?",
    "When can an asylee apply for a green card?",
    "How long is my EAD valid after I file a renewal?",
    "In my case, does continuous residence break after 6 months abroad?",
    "Where is my nearest Application Support Center?",
    "What if my name is misspelled on my green card?",
    "When will I be eligible to naturalize?",
    "Does INA 316 apply to spouses of U.S. citizens?",
    "How do I check case status online?",
]


@pytest.mark.parametrize("question", CASE_SPECIFIC)
def test_case_specific_questions_are_flagged(question: str) -> None:
    assert is_case_specific(question)


@pytest.mark.parametrize("question", POLICY_ONLY)
def test_policy_questions_are_not_case_specific(question: str) -> None:
    assert not is_case_specific(question)
