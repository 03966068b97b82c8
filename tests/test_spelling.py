"""The question speller: typos corrected towards the index's words, real words left alone."""

from __future__ import annotations

from haystack import Document

from assistant.retrieve.spelling import Speller, edit_distance, model_words
from ingest.settings import Settings
from ingest.term_counts import count_terms
from ingest.words import corpus_words

PAGES = [
    "Submit evidence of extraordinary ability. The evidence requirements are listed below.",
    "Public charge: which benefits count. Evidence of benefits received.",
    "Automatic extension of employment authorization documents; the extension requirements.",
    "Detention of aliens. Detention and removal. Public charge inadmissibility and benefits.",
    "A detention hearing. An extension of stay.",
    "A fiancé(e) petition, Form I-129F. The fiance must have met the petitioner in person.",
]


def _speller() -> Speller:
    return Speller(corpus_words(PAGES), model_words(Settings().embedding_model))


def test_caller_typos_become_the_index_words():
    speller = _speller()
    assert speller.correct("o1a evidance requirments") == "o1a evidence requirements"
    assert speller.correct("public charg rule - which benifits count") == "public charge rule - which benefits count"
    # Nearest first: "extention" is one letter from "extension", two from the more frequent "detention".
    assert speller.correct("tps ukraine ead auto extention until when") == "tps ukraine ead auto extension until when"


def test_real_words_names_accents_and_short_words_are_left_as_typed():
    speller = _speller()
    for text in ("my medical exam, the card says so", "Can my fiancé come?", "Olena Kovalenko asked",
                 "i765 c8 ppl", "recieve"):  # "recieve": no index word near it here, so as typed
        assert speller.correct(text) == text
    assert speller.suggest("evidence") is None  # an index word needs nothing


def test_a_word_seen_once_in_the_index_is_not_offered_as_a_correction():
    speller = Speller({"petitoner": 1, "petitioner": 5}, min_df=2)
    assert speller.suggest("petitionr") == "petitioner"
    assert Speller({"petitoner": 1}, min_df=2).suggest("petitonr") is None


def test_edit_distance_counts_a_swap_of_neighbours_once():
    assert edit_distance("recieve", "receive") == 1
    assert edit_distance("extention", "extension") == 1
    assert edit_distance("extention", "detention") == 2
    assert edit_distance("", "abc") == 3


def test_ingest_counts_the_vocabulary_beside_the_term_counts():
    counts = count_terms([Document(content=text) for text in PAGES])
    assert counts["words"]["evidence"] == 2 and counts["words"]["fiance"] == 1
    assert "the" not in counts["words"]  # shorter than four letters


def test_a_misspelt_question_finds_what_the_spelt_one_finds_and_keeps_the_agents_words(small_index):
    from assistant.service import Assistant

    on = Assistant(small_index.model_copy(update={"correct_spelling": True}))
    try:
        assert on.version.name  # opens the serving version
        speller = on._serving.view.speller  # type: ignore[union-attr]
        assert speller is not None and speller.index_words["charge"] >= 2  # from the version's term_counts.json
        right = on.ask("public charge rule which benefits count")
        typed = on.ask("public charg rule which benifits count")
        assert [c.chunk_id for c in typed.citations][:3] == [c.chunk_id for c in right.citations][:3]
        assert typed.question == "public charg rule which benifits count"  # shown as the agent typed it
    finally:
        on.close()


def test_the_speller_is_a_switch_and_counts_come_from_the_version(small_index):
    from assistant.service import Assistant

    off = Assistant(small_index)  # off by default (README: it did not raise held-out figures)
    try:
        assert off.version.name  # opens the serving version
        assert off._serving.view.speller is None  # type: ignore[union-attr]  # off: no speller built
        typed = off.ask("public charg rule which benifits count")
        right = off.ask("public charge rule which benefits count")
        assert [c.chunk_id for c in typed.citations][:3] != [c.chunk_id for c in right.citations][:3]
    finally:
        off.close()
