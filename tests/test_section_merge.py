"""Neighbouring chunks of one section shown as one passage (assistant.section_merge)."""

from __future__ import annotations

import pytest
from haystack import Document

from assistant.answer.answer_builder import point_at_answer, to_citation
from assistant.retrieve.section_merge import SectionMerger, join_chunks, position_of

HEADING = "Form I-129F Instructions > 8. Evidence for K-1 Petitions"


def chunk(ordinal: int, body: str, section: str = "8. Evidence", doc_id: str = "d1") -> Document:
    return Document(
        id=f"{doc_id}-{section}-{ordinal}",
        content=f"{HEADING}\n{body}",
        meta={"doc_id": doc_id, "section": section, "ordinal": ordinal, "heading": HEADING,
              "chunk_id": f"{doc_id}-{section}-{ordinal}", "cite": f"cite {section}"},
        score=1.0,
    )


SECTION = [
    chunk(0, "A. Intention to marry within 90 days.\n\nSubmit evidence of:"),
    chunk(1, "Submit evidence of:\n\nB. That you met in person within the two years before filing."),
    chunk(2, "C. Extreme hardship claims need evidence."),
    chunk(3, "D. Customary practice exemptions."),
    chunk(4, "E. International marriage broker disclosures."),
]


def merger(max_chunks: int = 3) -> SectionMerger:
    return SectionMerger(max_chunks=max_chunks, chunks={position_of(d): d for d in SECTION})


def test_carried_lead_in_appears_once_and_spans_name_each_chunk():
    text, spans = join_chunks(SECTION[:2])
    assert text.count("Submit evidence of:") == 1
    assert text.startswith(HEADING + "\n")
    assert [s[0] for s in spans] == ["d1-8. Evidence-0", "d1-8. Evidence-1"]
    assert "B. That you met in person" in text[spans[1][1] : spans[1][2]]
    assert "A. Intention to marry" in text[spans[0][1] : spans[0][2]]


def test_same_section_chunks_merge_at_the_best_rank_and_other_sections_move_up():
    other = chunk(0, "Who may file Form I-129F.", section="Who May File")
    ranked = [SECTION[0], SECTION[1], other]
    out = merger().run(documents=ranked)["documents"]
    assert [d.meta["section"] for d in out] == ["8. Evidence", "Who May File"]
    assert "B. That you met in person" in out[0].content and "A. Intention" in out[0].content
    assert out[0].id == SECTION[0].id  # the best chunk's id and vector stay with the passage


def test_gap_between_two_retrieved_chunks_is_filled_in_reading_order():
    out = merger().run(documents=[SECTION[3], SECTION[1]])["documents"]
    assert len(out) == 1
    assert [s[0] for s in out[0].meta["spans"]] == [d.id for d in SECTION[1:4]]
    body = out[0].content
    assert body.index("B. That you met") < body.index("C. Extreme") < body.index("D. Customary")


def test_window_is_capped_and_unretrieved_neighbours_are_not_added():
    out = merger(max_chunks=2).run(documents=[SECTION[2], SECTION[0], SECTION[4]])["documents"]
    assert len(out) == 1 and out[0].id == SECTION[2].id
    assert out[0].content == SECTION[2].content  # neighbours 1 and 3 were not retrieved: nothing to join
    capped = merger(max_chunks=2).run(documents=SECTION[:3])["documents"]
    assert [s[0] for s in capped[0].meta["spans"]] == [SECTION[0].id, SECTION[1].id]
    assert merger(max_chunks=1).run(documents=SECTION[:2])["documents"] == SECTION[:2]


def test_citation_of_a_merged_passage_points_at_the_chunk_with_the_answer():
    merged = merger().run(documents=[SECTION[0], SECTION[1]])["documents"][0]
    citation = to_citation(merged, 1)
    assert citation.chunk_ids == [SECTION[0].id, SECTION[1].id]
    start = merged.content.index("B. That you met")
    citation.highlights.append([start, start + 20])
    point_at_answer(citation, merged)
    assert citation.chunk_id == SECTION[1].id


def test_bad_config_is_rejected():
    with pytest.raises(ValueError, match="max_chunks"):
        SectionMerger(max_chunks=0)
