"""Offline sentence splitting for policy text: verbatim spans, legal abbreviations kept whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.sentences import Span, split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_spans_are_verbatim_slices_with_offsets() -> None:
    text = "  First one.  Second one?\tThird!  "
    spans = split_sentences(text)
    assert [s.text for s in spans] == ["First one.", "Second one?", "Third!"]
    for s in spans:
        assert isinstance(s, Span)
        assert text[s.start : s.end] == s.text


def test_empty_and_blank_text_give_no_spans() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\t ") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "An applicant must reside in the U.S. for 5 years before filing.",
        "See 8 U.S.C. 1427(a) for the residence requirement.",
        "O-1 petitions are governed by 8 CFR 214.2(o) and need a consultation.",
        "Evidence, e.g. pay stubs, may be submitted.",
        "The officer reviews the file, i.e. the A-file, before the interview.",
        "Submit photos, fees, etc. with the application.",
        "Sec. 5 of the Act was amended.",
        "The form has OMB No. 1615-0023 printed on it.",
        "Mr. Smith and Dr. Jones filed together.",
        "The rule took effect on Jan. 1, 2024 for all filings.",
        "The update was published Aug. 21, 2023 in the Policy Manual.",
        "Pub. L. 114-113 extended the program.",
        "In Matter of Dhanasar v. Smith the standard was set.",
        "An alien described in INA 101(a)(15)(H)(i)(b) may be admitted.",
        "Visas are limited to 28.6 percent of the worldwide level.",
        "The biometric fee was $1.50 higher in one year.",
        "The letter was signed by J. Smith on behalf of the director.",
        "The statute says the applicant ... must reside continuously.",
        "The statute says the applicant … must reside continuously.",
        "Volume 2, Part M, Chapter 4 of the U.S.C. Title 8 guidance is current.",
        "Items A. - D. above apply to principal beneficiaries.",
        "See Item 1.E. above for the spouse or child.",
        "The petition is filed with U.S. Citizenship and Immigration Services.",
        "Washington, D.C. residents file at the D.C. field office.",
        "Smith et al. argued otherwise in the brief.",
    ],
)
def test_abbreviations_numbers_and_citations_do_not_end_a_sentence(sentence: str) -> None:
    assert texts(sentence) == [sentence]
    two = f"{sentence} The next sentence starts here."
    assert texts(two) == [sentence, "The next sentence starts here."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The applicant must be in the U.S. The officer then decides.",
            ["The applicant must be in the U.S.", "The officer then decides."],
        ),
        (
            "It applies to forms, fees, etc. However, some exceptions exist.",
            ["It applies to forms, fees, etc.", "However, some exceptions exist."],
        ),
        (
            "The rule is in 8 CFR 214.2(o). USCIS applies it.",
            ["The rule is in 8 CFR 214.2(o).", "USCIS applies it."],
        ),
        (
            "Is the I-765 required? Yes! File it now.",
            ["Is the I-765 required?", "Yes!", "File it now."],
        ),
        (
            "See Volume 2, Part M. The chapter covers O-1 visas.",
            ["See Volume 2, Part M.", "The chapter covers O-1 visas."],
        ),
        (
            "Is it approved? No. The case is pending.",
            ["Is it approved?", "No.", "The case is pending."],
        ),
        (
            'He said "file now." Then he left.',
            ['He said "file now."', "Then he left."],
        ),
        (
            "(See 8 CFR 103.2(b).) The officer may issue an RFE.",
            ["(See 8 CFR 103.2(b).)", "The officer may issue an RFE."],
        ),
    ],
)
def test_real_sentence_ends_are_split(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_footnote_marker_after_a_period_stays_with_its_sentence() -> None:
    text = "The applicant must show good moral character.[12] The period is 5 years.[13]"
    assert texts(text) == [
        "The applicant must show good moral character.[12]",
        "The period is 5 years.[13]",
    ]
    spaced = "Residence is required. [4] Presence is separate."
    assert texts(spaced) == ["Residence is required. [4]", "Presence is separate."]


def test_paragraphs_split_at_blank_lines_even_without_punctuation() -> None:
    text = "Eligibility Requirements\n\nAn applicant must file Form N-400.\n\n\nFees"
    assert texts(text) == ["Eligibility Requirements", "An applicant must file Form N-400.", "Fees"]


def test_title_case_heading_lines_end_at_their_line_break() -> None:
    text = (
        "Signature of the Health Department\n"
        "In agreement with CDC, USCIS granted a blanket designation.\n"
        "Current Family Member of Principal Applicant\n"
        "If you qualify under INA section 245(i), you must file."
    )
    assert texts(text) == [
        "Signature of the Health Department",
        "In agreement with CDC, USCIS granted a blanket designation.",
        "Current Family Member of Principal Applicant",
        "If you qualify under INA section 245(i), you must file.",
    ]


def test_hard_wrapped_lines_are_not_split() -> None:
    text = (
        "You must also file Form I-485 and be eligible for a visa \n"
        "under a family-based or employment-based category. Supplement \n"
        "A and Form I-485 are used together."
    )
    assert texts(text) == [
        "You must also file Form I-485 and be eligible for a visa \n"
        "under a family-based or employment-based category.",
        "Supplement \nA and Form I-485 are used together.",
    ]


def test_list_items_end_at_their_line_breaks() -> None:
    text = (
        "You may file Supplement A when:\n"
        "1. You are filing your Form I-485 at the same time; or\n"
        "2. You previously filed your Form I-485 and it remains pending\n"
        "(a) the applicant is present\n"
        "(b) the applicant is admissible\n"
        "A. Purpose of the form\n"
        "- bring your passport\n"
        "• bring two photos"
    )
    assert texts(text) == [
        "You may file Supplement A when:",
        "1. You are filing your Form I-485 at the same time; or",
        "2. You previously filed your Form I-485 and it remains pending",
        "(a) the applicant is present",
        "(b) the applicant is admissible",
        "A. Purpose of the form",
        "- bring your passport",
        "• bring two photos",
    ]


def test_unmarked_list_items_end_at_a_colon_or_semicolon_line_break() -> None:
    text = (
        "All of the following criteria are met:\n"
        "A civil surgeon performed the examination;\n"
        "The applicant signed the form;[26]\n"
        "The form shows no Class A condition;[28] and\n"
        "USCIS confirms the form is valid.[29]"
    )
    assert texts(text) == [
        "All of the following criteria are met:",
        "A civil surgeon performed the examination;",
        "The applicant signed the form;[26]",
        "The form shows no Class A condition;[28] and",
        "USCIS confirms the form is valid.[29]",
    ]


def test_list_item_marker_is_not_a_sentence_end() -> None:
    text = "1. The applicant files.\nA. The officer reviews.\ni. Then decides."
    assert texts(text) == ["1. The applicant files.", "A. The officer reviews.", "i. Then decides."]


def test_wrapped_list_item_continues_on_a_lowercase_line() -> None:
    text = "A. You are the principal beneficiary of a petition for permanent labor \ncertification."
    assert texts(text) == [text]


def test_real_instructions_split_into_verbatim_spans(corpus_dir: Path) -> None:
    path = corpus_dir / "uscis-pm-chapter-and-form-instructions-nctr834/data/i-485supainstr.txt"
    if not path.exists():
        pytest.skip(f"corpus file missing: {path}")
    text = path.read_text(encoding="utf-8")
    spans = split_sentences(text)
    assert len(spans) > 50
    for s in spans:
        assert text[s.start : s.end] == s.text
    joined = [s.text for s in spans]
    assert "What Is the Purpose of Supplement A?" in joined
    assert "You should use Supplement A if you seek to adjust status under INA section 245(i)." in (
        joined
    )


SENTENCE_PARTS = st.sampled_from(
    [
        "The applicant must file Form I-765.",
        "See 8 U.S.C. 1427(a).",
        "Is it U.S. policy?",
        "e.g. the A-file",
        "Aug. 21, 2023",
        "[12]",
        "(a)",
        "1.",
        "...",
        "28.6 percent",
        "No. 5",
        "Yes!",
        "etc.",
    ]
)
SEPARATORS = st.sampled_from([" ", "  ", "\n", "\n\n", "\t", " \n ", ""])


@settings(max_examples=300)
@given(st.lists(st.tuples(SENTENCE_PARTS, SEPARATORS), max_size=12))
def test_spans_are_verbatim_and_cover_all_non_space_text(parts: list[tuple[str, str]]) -> None:
    text = "".join(p + sep for p, sep in parts)
    check_cover(text)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("ab .?!\n\t()[]1'\"…U.S")), max_size=60))
def test_spans_cover_arbitrary_text(text: str) -> None:
    check_cover(text)


def check_cover(text: str) -> None:
    spans = split_sentences(text)
    pos = 0
    for s in spans:
        assert s.start >= pos
        assert text[s.start : s.end] == s.text
        assert s.text and s.text == s.text.strip()
        assert text[pos : s.start].strip() == ""
        pos = s.end
    assert text[pos:].strip() == ""
    assert re.sub(r"\s", "", "".join(s.text for s in spans)) == re.sub(r"\s", "", text)


def test_table_rows_are_separate_sentences():
    from ingest.parse.html_blocks import Block
    from ingest.parse.html_sections import blocks_text

    text = blocks_text([
        Block("row", "Texas — Mail your form to: USCIS Dallas Lockbox, P.O. Box 660867, Dallas, TX 75266-0867"),
        Block("row", "New York — Mail your form to: USCIS Elgin Lockbox, P.O. Box 4115, Carol Stream, IL 60197-4115"),
        Block("item", "first item"),
        Block("item", "second item"),
    ])
    sentences = [s.text for s in split_sentences(text)]
    assert sentences[0].endswith("TX 75266-0867") and sentences[1].startswith("New York")
    assert "first item\nsecond item" in text  # list items stay one per line


def test_street_abbreviations_do_not_end_a_sentence():
    text = "Mail it to USCIS, 2108 E. Elliot Rd. Tempe, AZ 85284-1806. Then wait for the receipt."
    assert [s.text for s in split_sentences(text)] == [
        "Mail it to USCIS, 2108 E. Elliot Rd. Tempe, AZ 85284-1806.", "Then wait for the receipt."]
