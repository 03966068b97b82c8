"""Cited extractive answers over a real small index."""

from __future__ import annotations

import re

import pytest

from assistant.records import QuestionError
from assistant.service import SearchFilters

ANSWERABLE = [
    "Do you have to have met your fiance in person before filing the K-1 petition?",
    "What does an O-1 beneficiary need to show for extraordinary ability?",
    "How much teaching or research experience does an outstanding professor need?",
    "DACA recipient lost the work permit card, what should be filed?",
]


@pytest.mark.parametrize("question", ANSWERABLE)
def test_every_answer_sentence_is_verbatim_in_the_passage_it_cites(assistant, question):
    answer = assistant.ask(question)
    assert not answer.abstained, (question, answer.confidence)
    parts = re.findall(r"(.+?) \[(\d+)\](?: |$)", answer.text, flags=re.S)  # a lead-in is quoted with its list lines
    assert 1 <= len(parts) <= 3
    for sentence, marker in parts:
        citation = answer.citations[int(marker) - 1]
        assert sentence in citation.text
        assert any(citation.text[s:e] == sentence for s, e in citation.highlights)
    assert all(c.url.startswith("https://") and c.cite for c in answer.citations)


def test_statute_answer_cites_the_usc_subsection(assistant):
    answer = assistant.ask("How much teaching or research experience does an outstanding professor need?")
    assert not answer.abstained
    assert any(c.cite.startswith("8 U.S.C. 1153(b)") for c in answer.citations[:3])
    assert "3 years" in answer.text


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "Recommend a good pizza place in Chicago", "How do I bake sourdough bread?"],
)
def test_out_of_scope_questions_abstain(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained and answer.text == "" and answer.reason == "not-covered"
    assert "escalate" in answer.message.lower()


def test_case_specific_requests_escalate_without_echoing_identifiers(assistant):
    answer = assistant.ask("What is the status of receipt IOE0912345678 for A-123-456-789?")
    assert answer.abstained and answer.reason == "case-specific" and answer.citations == []
    assert "IOE0912345678" not in answer.question and "123-456-789" not in answer.question


def test_same_question_gets_the_same_answer(assistant):
    first = assistant.ask(ANSWERABLE[0])
    second = assistant.ask(ANSWERABLE[0])
    assert first.text == second.text
    assert [c.chunk_id for c in first.citations] == [c.chunk_id for c in second.citations]


def test_kind_filter_restricts_citations(assistant):
    answer = assistant.ask("extraordinary ability", filters=SearchFilters(kinds=["statute"]))
    assert answer.citations and {c.kind for c in answer.citations} == {"statute"}


def test_form_identifier_spellings_find_the_form_page(assistant):
    for spelling in ("i765", "Form I 765", "I-765"):
        top = assistant.ask(f"{spelling} replacement card for DACA").citations[0]
        assert "I-765" in top.cite or "i-765" in top.url, spelling


@pytest.mark.parametrize("bad", ["", "   ", "a" * 10_000, "\x00\x00\x00", 42])
def test_unusable_questions_raise_question_error(assistant, bad):
    with pytest.raises(QuestionError):
        assistant.ask(bad)


def test_citations_say_where_the_passage_body_starts(assistant):
    answer = assistant.ask(ANSWERABLE[0])
    for c in answer.citations:
        heading, _, body = c.text.partition("\n")
        assert c.text[c.body_start :] == (body if c.body_start else c.text)
        assert all(s >= c.body_start for s, _ in c.highlights)


def test_classification_prefers_its_chapter_and_call_words_are_not_searched(assistant):
    assert assistant.version.name  # opens the serving version, whose view the inputs read
    inputs = assistant._inputs("Caller asks: does an O-1B need a consultation?", None, assistant._serving.view)
    assert "2 USCIS-PM M.4" in inputs["rescore"]["cites"]
    assert "caller" not in inputs["sparse"]["text"].lower()
    answer = assistant.ask("Caller asks: are reality TV contestants in the MPTV industry for an O-1B?")
    assert not answer.abstained
    assert answer.citations[0].cite.startswith("2 USCIS-PM M.4")


def test_merged_passage_cites_the_chunk_carrying_the_answer(assistant):
    answer = assistant.ask("Do you have to have met your fiance in person before filing the K-1 petition?")
    merged = [c for c in answer.citations if c.chunk_ids and c.highlights]
    assert merged, "the K-1 evidence section spans chunks retrieved together"
    indexed = {d.meta["chunk_id"]: d.content for d in assistant.document_store.filter_documents()}
    for citation in merged:
        assert citation.chunk_id in citation.chunk_ids
        assert len(citation.chunk_ids) == len(set(citation.chunk_ids)) <= 3
        start, end = min(citation.highlights)
        assert citation.text[start:end] in indexed[citation.chunk_id]  # the cited chunk carries it


def test_trace_shows_the_candidates_the_served_ranking_came_from(assistant):
    """`trace` (for benchmarks that weigh a candidate model against the served ranking) returns the
    pipeline's own steps: re-scoring its fused candidates again gives the served order, and the
    search text is the one the pipeline searched with (acronym spelled out)."""
    trace = assistant.trace("Who can sign the EAD application for a child?", steps=("sparse", "joiner", "rescore"))
    assert "employment authorization document" in trace["inputs"]["embedder"]["text"].lower()
    fused = [d.id for d in trace["joiner"]["documents"]]
    served = [d.id for d in trace["rescore"]["documents"]]
    assert fused and sorted(fused) == sorted(served)
    parsed = trace["inputs"]["rescore"]
    again = trace["rescorer"].run(trace["joiner"]["documents"], forms=parsed["forms"], cites=parsed["cites"],
                                  query_tokens=trace["sparse"]["tokens"])
    assert [d.id for d in again["documents"]] == served
    assert "answer" not in trace  # only the steps asked for
