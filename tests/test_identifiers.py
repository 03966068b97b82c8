"""Question identifiers (forms, Policy Manual cites, statute sections) and the INA crosswalk."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.retrieve.classifications import classification_chapters
from assistant.retrieve.identifiers import QueryIdentifiers, extract_identifiers
from ingest.forms import find_forms
from ingest.ina_crosswalk import INA_TO_USC, USC_TO_INA, ina_to_usc, usc_to_ina

# --- INA <-> 8 U.S.C. crosswalk --------------------------------------------------------------

KNOWN_PAIRS = [
    ("101", "1101"),
    ("103", "1103"),
    ("201", "1151"),
    ("203", "1153"),
    ("208", "1158"),
    ("212", "1182"),
    ("213A", "1183a"),
    ("214", "1184"),
    ("216", "1186a"),
    ("216A", "1186b"),
    ("217", "1187"),
    ("221", "1201"),
    ("235", "1225"),
    ("237", "1227"),
    ("240", "1229a"),
    ("240A", "1229b"),
    ("240B", "1229c"),
    ("241", "1231"),
    ("244", "1254a"),
    ("245", "1255"),
    ("245A", "1255a"),
    ("248", "1258"),
    ("249", "1259"),
    ("274A", "1324a"),
    ("274B", "1324b"),
    ("274C", "1324c"),
    ("301", "1401"),
    ("310", "1421"),
    ("316", "1427"),
    ("319", "1430"),
    ("320", "1431"),
    ("322", "1433"),
    ("329", "1440"),
    ("334", "1445"),
    ("337", "1448"),
    ("340", "1451"),
    ("341", "1452"),
]


@pytest.mark.parametrize(("ina", "usc"), KNOWN_PAIRS)
def test_crosswalk_maps_known_sections_both_ways(ina: str, usc: str) -> None:
    assert ina_to_usc(ina) == f"8 U.S.C. {usc}"
    assert usc_to_ina(usc) == f"INA {ina}"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("INA 316", "8 U.S.C. 1427"),
        ("INA § 316(a)", "8 U.S.C. 1427(a)"),
        ("ina section 245(i)", "8 U.S.C. 1255(i)"),
        ("240a", "8 U.S.C. 1229b"),
        ("212(a)(9)(B)(v)", "8 U.S.C. 1182(a)(9)(B)(v)"),
    ],
)
def test_ina_to_usc_accepts_written_forms_and_keeps_subsections(ref: str, expected: str) -> None:
    assert ina_to_usc(ref) == expected


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("8 U.S.C. 1427(a)", "INA 316(a)"),
        ("8 USC § 1254a", "INA 244"),
        ("8 U.S.C. 1229C", "INA 240B"),
        ("1182(a)(9)(B)", "INA 212(a)(9)(B)"),
    ],
)
def test_usc_to_ina_accepts_written_forms_and_keeps_subsections(ref: str, expected: str) -> None:
    assert usc_to_ina(ref) == expected


@pytest.mark.parametrize("ref", ["999", "INA 323", "INA 316Z", "", "section", "INA 31", "abc"])
def test_unknown_ina_sections_give_none(ref: str) -> None:
    assert ina_to_usc(ref) is None


@pytest.mark.parametrize("ref", ["9999", "1432b", "8 U.S.C. 1500", "42 U.S.C. 1981", "", "x"])
def test_unknown_usc_sections_give_none(ref: str) -> None:
    assert usc_to_ina(ref) is None


def test_crosswalk_is_one_to_one() -> None:
    assert len(USC_TO_INA) == len(INA_TO_USC)
    for ina, usc in INA_TO_USC.items():
        assert USC_TO_INA[usc] == ina


# --- forms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "forms", "normalised"),
    [
        ("i765 fee", ("I-765",), "I-765 fee"),
        ("Form I 765 renewal", ("I-765",), "Form I-765 renewal"),
        ("is I765 free for asylees", ("I-765",), "is I-765 free for asylees"),
        ("n-400 and i-485 together", ("N-400", "I-485"), "N-400 and I-485 together"),
        ("form i-485 supplement a", ("I-485",), "form I-485 supplement a"),
        ("does the i-130a need a signature", ("I-130A",), "does the I-130A need a signature"),
        ("i-601a waiver", ("I-601A",), "I-601A waiver"),
        ("how many I-765s can I file", ("I-765",), "how many I-765s can I file"),
        ("EOIR-42B and I-129F", ("EOIR-42B", "I-129F"), "EOIR-42B and I-129F"),
    ],
)
def test_form_numbers_are_found_and_rewritten(
    question: str, forms: tuple[str, ...], normalised: str
) -> None:
    ids = extract_identifiers(question)
    assert ids.forms == forms
    assert ids.normalised_text == normalised


# --- Policy Manual citations ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "cite", "normalised"),
    [
        ("2 USCIS-PM M.4", "2 USCIS-PM M.4", "2 USCIS-PM M.4"),
        (
            "what does 2 uscis-pm m.4(c)(1) say",
            "2 USCIS-PM M.4",
            "what does 2 USCIS-PM M.4(C)(1) say",
        ),
        ("Volume 2 Part M Chapter 4", "2 USCIS-PM M.4", "2 USCIS-PM M.4"),
        ("vol 2 part m ch 4 consultation", "2 USCIS-PM M.4", "2 USCIS-PM M.4 consultation"),
        ("Policy Manual Vol. 12, Pt. D, Ch. 2", "12 USCIS-PM D.2", "12 USCIS-PM D.2"),
        ("see volume 8, part B", "8 USCIS-PM B", "see 8 USCIS-PM B"),
        ("12 USCIS PM D.2", "12 USCIS-PM D.2", "12 USCIS-PM D.2"),
    ],
)
def test_policy_manual_cites_are_canonical(question: str, cite: str, normalised: str) -> None:
    ids = extract_identifiers(question)
    assert ids.pm_cites == (cite,)
    assert ids.normalised_text == normalised
    assert ids.forms == ()


def test_volume_outside_the_policy_manual_is_ignored() -> None:
    assert extract_identifiers("volume 40 part B chapter 2").pm_cites == ()


# --- statute sections -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "normalised"),
    [
        ("8 U.S.C. 1427(a) residence", "8 U.S.C. 1427(a) (INA 316(a)) residence"),
        ("8 USC 1427", "8 U.S.C. 1427 (INA 316)"),
        ("8 U.S.C. § 1427", "8 U.S.C. 1427 (INA 316)"),
        ("INA 316", "INA 316 (8 U.S.C. 1427)"),
        ("INA § 316(a)", "INA 316(a) (8 U.S.C. 1427(a))"),
        ("section 316 of the INA", "INA 316 (8 U.S.C. 1427)"),
        ("what is INA section 316", "what is INA 316 (8 U.S.C. 1427)"),
        ("Immigration and Nationality Act section 316", "INA 316 (8 U.S.C. 1427)"),
        ("ina 316a", "INA 316(a) (8 U.S.C. 1427(a))"),
    ],
)
def test_ina_316_in_every_spelling_maps_to_8_usc_1427(question: str, normalised: str) -> None:
    ids = extract_identifiers(question)
    assert ids.usc_sections == ("8 U.S.C. 1427",)
    assert ids.ina_sections == ("INA 316",)
    assert ids.normalised_text == normalised


@pytest.mark.parametrize(
    ("question", "usc", "normalised"),
    [
        ("INA 240A cancellation", "8 U.S.C. 1229b", "INA 240A (8 U.S.C. 1229b) cancellation"),
        ("INA 245(i)", "8 U.S.C. 1255", "INA 245(i) (8 U.S.C. 1255(i))"),
        (
            "INA 212(a)(9)(B) bar",
            "8 U.S.C. 1182",
            "INA 212(a)(9)(B) (8 U.S.C. 1182(a)(9)(B)) bar",
        ),
        ("TPS under 8 U.S.C. 1254a", "8 U.S.C. 1254a", "TPS under 8 U.S.C. 1254a (INA 244)"),
    ],
)
def test_statute_sections_with_letters_and_subsections(
    question: str, usc: str, normalised: str
) -> None:
    ids = extract_identifiers(question)
    assert ids.usc_sections == (usc,)
    assert ids.normalised_text == normalised


def test_twin_already_in_the_question_is_not_added_again() -> None:
    q = "INA 316 (8 U.S.C. 1427) physical presence"
    ids = extract_identifiers(q)
    assert ids.normalised_text == q
    assert ids.usc_sections == ("8 U.S.C. 1427",)


def test_unknown_ina_section_is_kept_without_a_code_twin() -> None:
    ids = extract_identifiers("INA 999 question")
    assert ids.usc_sections == ()
    assert ids.ina_sections == ("INA 999",)
    assert ids.normalised_text == "INA 999 question"


def test_other_titles_of_the_code_are_kept_without_an_ina_twin() -> None:
    ids = extract_identifiers("42 U.S.C. 1981 claim")
    assert ids.usc_sections == ("42 U.S.C. 1981",)
    assert ids.ina_sections == ()
    assert ids.normalised_text == "42 U.S.C. 1981 claim"


def test_mixed_question() -> None:
    ids = extract_identifiers("Does i765 under vol 2 part m ch 4 follow INA 101(a)(15)(O)?")
    assert ids == QueryIdentifiers(
        forms=("I-765",),
        pm_cites=("2 USCIS-PM M.4",),
        usc_sections=("8 U.S.C. 1101",),
        normalised_text=(
            "Does I-765 under 2 USCIS-PM M.4 follow INA 101(a)(15)(O) (8 U.S.C. 1101(a)(15)(O))?"
        ),
        ina_sections=("INA 101",),
    )


@pytest.mark.parametrize(
    "question",
    [
        "How long is an EAD valid?",
        "What does an asylee need to file to get a green card?",
        "Is the fee $470 in 2025?",
        "Does 8 CFR 214.2(o) require a consultation?",
        "What is the 28.6 percent limit?",
    ],
)
def test_questions_without_identifiers_are_unchanged(question: str) -> None:
    ids = extract_identifiers(question)
    assert ids.normalised_text == question
    assert (ids.forms, ids.pm_cites, ids.usc_sections) == ((), (), ())


WORDS = st.sampled_from(
    [
        "fee",
        "i765",
        "Form I 765",
        "n-400",
        "INA 316",
        "INA § 240A(b)(1)",
        "8 USC 1427",
        "8 U.S.C. § 1254a",
        "vol 2 part m ch 4",
        "2 uscis-pm m.4(c)(1)",
        "section 212 of the INA",
        "I-130a",
        "asylee",
        "(",
        ")",
        "?",
        "$470",
        "2025",
    ]
)


@settings(max_examples=300)
@given(st.lists(WORDS, max_size=8).map(" ".join))
def test_normalising_twice_changes_nothing(question: str) -> None:
    once = extract_identifiers(question)
    twice = extract_identifiers(once.normalised_text)
    assert twice.normalised_text == once.normalised_text
    assert twice.forms == once.forms
    assert twice.pm_cites == once.pm_cites
    assert set(twice.usc_sections) == set(once.usc_sections)


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_forms_agree_with_ingest_find_forms(text: str) -> None:
    ids = extract_identifiers(text)
    bare = tuple(f.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for f in ids.forms)
    expected = tuple(f.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for f in find_forms(text))
    assert bare == expected


@pytest.mark.parametrize(
    "question, chapters",
    [
        ("Can an EB-1A applicant self-petition?", ["6 USCIS-PM F.2"]),
        ("eb1b professor vs eb-1c manager", ["6 USCIS-PM F.3", "6 USCIS-PM F.4"]),
        ("O-1B for a reality TV contestant, or o1a?", ["2 USCIS-PM M.4"]),
        ("EB-5 investment amount", ["6 USCIS-PM G"]),
        ("EB-1 outstanding professor", []),  # "EB-1" alone names three chapters: none is preferred
        ("Form I-765 and the EB-1A-like test", []),
        ("HEB-1A grocery", []),
    ],
)
def test_classifications_name_their_policy_manual_chapter(question, chapters):
    assert classification_chapters(question) == chapters


def test_a_named_classification_implies_its_chapter_cite():
    ids = extract_identifiers("Can an EB-1A applicant self-petition, or see vol 2 part m ch 4?")
    assert ids.pm_cites == ("2 USCIS-PM M.4", "6 USCIS-PM F.2")
    assert ids.normalised_text.startswith("Can an EB-1A applicant")  # the text is not rewritten
