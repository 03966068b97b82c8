"""Candidate answer sentences and what the sentence model reads about them."""

from __future__ import annotations

import numpy as np
from haystack import Document

from assistant.answer.answer_model import SENTENCE_FEATURES
from assistant.answer.sentence_features import (
    Evidence,
    candidates_of,
    clause_spans,
    fill_features,
    is_boilerplate,
    is_lead_in,
    list_end,
)
from assistant.retrieve.term_stats import TermStats
from ingest.sparse import Bm25Encoder


def test_pointers_elsewhere_are_boilerplate_and_answers_are_not():
    assert is_boilerplate("For more information, go to www.uscis.gov/i-765.")
    assert is_boilerplate("You can find the filing fee for Form I-912 by visiting our Fee Schedule page.")
    assert is_boilerplate("Visit our Fee Waiver Page for the list of forms.")
    assert is_boilerplate("More information about concurrent filing is available at https://www.uscis.gov/x.")
    assert not is_boilerplate("You must submit two identical color passport-style photographs.")
    assert not is_boilerplate("USCIS will consider your application abandoned if you travel without advance parole.")


def test_a_lead_in_is_quoted_with_its_items_and_stops_at_the_paragraph_break():
    text = ("Heading\nTo be considered, you must submit:\n(a) a birth certificate;\n(b) two photographs; and\n"
            "(c) the filing fee.\n\nA new paragraph that is not part of the list.")
    lead_end = text.index(":") + 1
    assert is_lead_in(text[text.index("To be"):lead_end])
    end = list_end(text, lead_end)
    assert text[lead_end:end].endswith("(c) the filing fee.") and "new paragraph" not in text[:end]
    assert list_end("Submit:", len("Submit:")) == len("Submit:")  # nothing follows: nothing added


def test_clauses_of_a_long_sentence_are_verbatim_and_short():
    sentence = ("the applicant has resided continuously within the United States for at least five years after "
                "being lawfully admitted for permanent residence, and has been physically present therein for "
                "periods totaling at least half of that time; (2) has resided continuously within the United "
                "States from the date of the application up to the time of admission to citizenship; and (3) "
                "during all the periods referred to in this subsection has been a person of good moral character.")
    spans = clause_spans(sentence, 40)
    assert len(spans) >= 3
    for start, end in spans:
        piece = sentence[start:end]
        assert piece and sentence.find(piece) == start and len(piece.split()) <= 40
    assert any("physically present" in sentence[s:e] for s, e in spans)


def test_candidates_skip_headings_and_excluded_passages_and_stay_verbatim():
    docs = [
        Document(id="a", content="Photographs\n(B) Photo requirements\nYou must submit two identical color "
                                 "passport-style photographs.", meta={"heading": "Photographs"}),
        Document(id="b", content="Other passage with a long enough sentence to be a candidate.", meta={}),
    ]
    cands = candidates_of(docs, skip={1})
    assert [c.text for c in cands] == ["You must submit two identical color passport-style photographs."]
    assert all(docs[c.doc_rank].content[c.start:c.end] == c.text for c in cands)


def test_features_describe_the_sentence_against_the_question():
    docs = [Document(id="a", content="Fees\nThe filing fee for Form I-765 is $470 when filed online.\n\n"
                                     "For more information, visit our Fee Schedule page on the website.",
                     meta={"heading": "Fees", "section": "Fees"})]
    encoder = Bm25Encoder()
    question = "What is the I-765 filing fee?"
    cands = candidates_of(docs, skip=set())
    ev = Evidence(list(encoder.encode_query(question).indices), np.array([0.7, 0.4]), [0.6], {"amount"},
                  {"I-765"}, TermStats(encoder, [d.content for d in docs]))
    fill_features(cands, docs, ev)
    fee, pointer = cands
    get = SENTENCE_FEATURES.index
    assert fee.features[get("type_ok")] == 1.0 and fee.features[get("form")] == 1.0
    assert pointer.features[get("boilerplate")] == 1.0 and pointer.features[get("type_ok")] == 0.0
    assert fee.features[get("cos")] == 0.7 and pointer.features[get("cos")] == 0.4
    assert fee.features[get("lex")] > pointer.features[get("lex")]
