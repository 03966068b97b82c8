"""Small query-side pieces: acronyms, answer types, lexical re-scoring, heading-like lines."""

from __future__ import annotations

import pytest
from haystack import Document

from assistant.answer.answer_type import expected_types, provides_any
from assistant.answer.sentence_features import looks_like_heading as _looks_like_heading
from assistant.retrieve.acronyms import expand_acronyms
from assistant.retrieve.call_context import strip_call_context
from assistant.retrieve.query_components import PassageRescorer
from assistant.retrieve.term_stats import TermStats
from ingest.sparse import Bm25Encoder


def test_acronyms_are_spelled_out_once_and_not_when_already_there():
    assert expand_acronyms("EB-1A self petition") == "EB-1A self petition (extraordinary ability)"
    assert expand_acronyms("EAD for TPS, ead again") == (
        "EAD for TPS, ead again (employment authorization document; Temporary Protected Status)"
    )
    assert expand_acronyms("extraordinary ability EB-1A") == "extraordinary ability EB-1A"
    assert expand_acronyms("READ the FEAD notes") == "READ the FEAD notes"  # no match inside words


@pytest.mark.parametrize(
    "question, kinds",
    [
        ("How many photos go with the I-485?", {"count"}),
        ("Asylee wants a green card - how long after the asylum grant?", {"duration"}),
        ("What is the filing fee for Form I-765?", {"amount"}),
        ("When did USCIS stop requiring the COVID-19 vaccine?", {"date"}),
        ("Can a friend who is not related be the joint sponsor?", set()),
        ("How much teaching or research experience does an outstanding professor need?", {"duration"}),
        ("How much does it cost to replace a green card?", {"amount"}),
        ("initial TPS application fee waiver - which part can be waived?", set()),
        ("Do they have to pay the HR-1 asylum fee?", set()),
        ("What are the current processing times for the N-565?", {"processing"}),
        ("How long does it take to get a replacement certificate?", {"processing"}),
        ("What is 150% of the poverty guideline for a household of 4?", {"amount"}),
        ("max validity period for a c8 EAD now, is it 5 years?", {"duration"}),
    ],
)
def test_expected_answer_types(question, kinds):
    assert expected_types(question) == kinds


def test_a_sentence_must_state_what_was_asked():
    assert provides_any("You must submit two identical color passport-style photographs.", {"count"})
    assert provides_any("The filing fee is $470 when you file online.", {"amount"})
    assert provides_any("You must file within 1 year after the date of your arrival.", {"duration"})
    assert not provides_any("Submit the form with the required initial evidence.", {"amount"})
    assert not provides_any("Officers review the petition for eligibility.", {"date"})
    assert provides_any("You may file up to 90 days before your current EAD expires.", {"date"})
    assert provides_any("Anything answers when nothing specific is expected.", set())


@pytest.mark.parametrize(
    "sentence, kind",
    [
        ("You may request a fee waiver for Form I-539 if you are an E-2 CNMI investor.", "amount"),
        ("More than 50 percent of its employees are in H-1B status.", "amount"),
        ("There are no fee waivers for DACA.", "amount"),
        ("You need not report a traffic fine of less than $500.", "amount"),
        ("The clerk forwards the list within 30 days after the oath ceremony.", "processing"),
        ("Forward the list before the ceremony and after the oath.", "duration"),
    ],
)
def test_topic_words_are_not_the_asked_quantity(sentence, kind):
    """A fee-waiver sentence is not a fee amount; "before" is not a duration."""
    assert not provides_any(sentence, {kind})


@pytest.mark.parametrize(
    "sentence, kind",
    [
        ("Ms. L class members are not required to pay the following HR-1 fees.", "amount"),
        ("There is no filing fee for Form I-821D renewal requests filed by mail.", "amount"),
        ("The petitioner must have at least 3 years of experience in teaching or research.", "duration"),
        ("Applicants may file no later than 30 days after the designation.", "duration"),
        ("We generally process most applications within 90 days.", "processing"),
    ],
)
def test_stated_quantities_answer(sentence, kind):
    assert provides_any(sentence, {kind})


@pytest.mark.parametrize(
    "question, searched",
    [
        ("Caller already mailed her N-400, can she?", "already mailed her N-400, can she?"),
        ("Texas caller, non-family-based I-765", "Texas, non-family-based I-765"),
        ("the customer's spouse is abroad", "spouse is abroad"),
        ("Caller", "Caller"),  # nothing else to search: kept as typed
        ("Does the recall notice apply?", "Does the recall notice apply?"),
    ],
)
def test_call_context_words_are_not_searched(question, searched):
    assert strip_call_context(question) == searched


def test_rescorer_rewards_coverage_and_asked_identifiers():
    docs = [
        Document(id="a", content="General information about filing forms with USCIS.", meta={"forms": []}),
        Document(id="b", content="The filing fee for Form I-765 is $470 online.", meta={"forms": ["I-765"]}),
        Document(id="c", content="Form I-765 edition date and where to file.", meta={"forms": ["I-765"]}),
    ]
    encoder = Bm25Encoder()
    rescorer = PassageRescorer(coverage_weight=1.0, term_stats=TermStats(encoder, [d.content for d in docs]))
    tokens = encoder.encode_query("I-765 filing fee online").indices
    ranked = rescorer.run(documents=docs, forms=["I-765"], query_tokens=list(tokens))["documents"]
    assert [d.id for d in ranked][0] == "b"
    plain = PassageRescorer(coverage_weight=0.0).run(documents=docs)["documents"]
    assert [d.id for d in plain] == ["a", "b", "c"]  # no evidence: fused order kept
    with pytest.raises(ValueError):
        PassageRescorer(coverage_weight=-1)


def test_cite_bonus_matches_whole_section_numbers_only():
    docs = [
        Document(id="x", content="text", meta={"cite": "8 U.S.C. 1254a(c)"}),
        Document(id="y", content="text", meta={"cite": "8 U.S.C. 1254(b)"}),
    ]
    ranked = PassageRescorer(coverage_weight=0.0).run(documents=docs, cites=["8 U.S.C. 1254"])["documents"]
    assert [d.id for d in ranked] == ["y", "x"]


def test_heading_like_lines_are_not_answer_sentences():
    assert _looks_like_heading("(B) Outstanding professors and researchers")
    assert not _looks_like_heading("You must submit two identical color passport-style photographs.")
    assert _looks_like_heading("POLICY ALERT - COVID-19 Vaccination Requirement for Immigration Medical Examination")
    assert _looks_like_heading("Affected Sections:\n8 USCIS-PM B.3 - Chapter 3 - Applicability of Medical Examination\n"
                               "8 USCIS-PM B.9 - Chapter 9 - Vaccination Requirement")
    assert not _looks_like_heading("In addition to the evidence described above, you must submit evidence of:")
    assert _looks_like_heading("POLICY ALERT - Validity of Report of Immigration Medical Examination and Vaccination "
                               "Record (Form I-693)")
    assert not _looks_like_heading("You must file Form I-765 (see Part 2)")
    assert not _looks_like_heading("The applicant must show continuous residence since the designation date (see 8 "
                                   "CFR 244.2)")
    assert not _looks_like_heading("the applicant may file Form I-765 with USCIS at any time before the EAD expires")


def _builder(docs):
    from assistant.answer.answer_builder import CitedAnswerBuilder

    encoder = Bm25Encoder()
    builder = CitedAnswerBuilder(threshold=0.0, top_k=3, term_stats=TermStats(encoder, [d.content for d in docs]))
    return builder, encoder


def test_a_fee_answer_must_be_the_named_forms_fee():
    other = Document(id="g", content="Fee Schedule\nFee-exempt forms list $0 as the filing fee for the form.",
                     meta={"heading": "Fee Schedule", "forms": ["G-1055"]})
    own = Document(id="n", content="Form N-400\nThe filing fee for Form N-400 is $760 when you file by mail.",
                   meta={"heading": "Form N-400", "forms": ["N-400"]})
    builder, encoder = _builder([other, own])
    question = "What's the N-400 filing fee?"
    tokens = list(encoder.encode_query(question).indices)
    answered = builder.run(question=question, documents=[other, own], query_tokens=tokens, forms=["N-400"])["answer"]
    assert not answered.abstained and "$760" in answered.text and "$0" not in answered.text
    only_other = builder.run(question=question, documents=[other], query_tokens=tokens, forms=["N-400"])["answer"]
    assert only_other.abstained and only_other.reason == "not-covered"


def test_a_replaced_update_is_listed_but_not_quoted():
    older = Document(id="old", content="Update 2021\nThe guidance requires COVID-19 vaccination records for the exam.",
                     meta={"cite": "USCIS-PM Update 2021-09-14", "later_update": "USCIS-PM Update 2025-05-13"})
    newer = Document(id="new", meta={"cite": "USCIS-PM Update 2025-05-13"},
                     content="Update 2025\nThis update removes the COVID-19 vaccination requirement for the exam.")
    builder, encoder = _builder([older, newer])
    question = "Is the COVID-19 vaccination still required for the exam?"
    tokens = list(encoder.encode_query(question).indices)
    answer = builder.run(question=question, documents=[newer, older], query_tokens=tokens)["answer"]
    assert "removes" in answer.text and "requires" not in answer.text
    assert [c.later_update for c in answer.citations] == [None, "USCIS-PM Update 2025-05-13"]


def test_an_update_ranked_first_is_dated_by_its_citation():
    update = Document(id="u", content="Update\nThis update removes the COVID-19 vaccination requirement for the exam.",
                      meta={"cite": "USCIS-PM Update 2025-05-13", "kind": "pm-update", "current_as_of": "2025-05-13"})
    page = Document(id="p", meta={"cite": "Form I-693", "kind": "uscis-page", "current_as_of": "2025-01-01"},
                    content="Medical exam\nCivil surgeons complete the COVID-19 vaccination section of the exam.")
    builder, encoder = _builder([update, page])
    question = "When did USCIS stop requiring the COVID-19 vaccination for the exam?"
    tokens = list(encoder.encode_query(question).indices)
    first = builder.run(question=question, documents=[update, page], query_tokens=tokens)["answer"]
    assert not first.abstained and "removes" in first.text and first.citations[0].cite.endswith("2025-05-13")
    # A page that states no date, ranked first, does not answer "when".
    second = builder.run(question=question, documents=[page, update], query_tokens=tokens)["answer"]
    assert second.abstained


def test_only_the_best_row_of_a_table_answers():
    rows = [
        "If you live in: Arizona, California — Mail your form to: USCIS Phoenix Lockbox, P.O. Box 21281, Phoenix, AZ",
        "If you live in: New York, New Jersey — Mail your form to: USCIS Elgin Lockbox, P.O. Box 4115, Elgin, IL",
        "If you live in: Texas, Utah — Mail your form to: USCIS Dallas Lockbox, P.O. Box 660867, Dallas, TX",
    ]
    chart = Document(id="c", content="Lockbox chart\n" + "\n\n".join(rows), meta={"heading": "Lockbox chart"})
    builder, encoder = _builder([chart])
    question = "Caller lives in New York - which lockbox do they mail the form to?"
    tokens = list(encoder.encode_query(question).indices)
    answer = builder.run(question=question, documents=[chart], query_tokens=tokens)["answer"]
    assert "Elgin" in answer.text and "Phoenix" not in answer.text and "Dallas" not in answer.text
