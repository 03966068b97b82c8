"""Long paragraphs are cut where their own structure allows, and keep their text as written."""

from __future__ import annotations

from ingest.chunk import _split_long, pack_paragraphs


def test_a_long_list_is_cut_between_lines_and_keeps_its_line_breaks():
    items = "\n".join(f"{i}. Mail Form I-765 from State{i} to P.O. Box {i}00, City, ST 6{i}000" for i in range(40))
    pieces = _split_long(items, 60)
    assert len(pieces) > 1 and all(len(p.split()) <= 60 for p in pieces)
    assert "\n".join(pieces) == items  # nothing re-spaced, nothing lost
    assert all("\n" in p for p in pieces)


def test_one_over_long_line_falls_back_to_sentences_then_words():
    prose = " ".join(["This sentence has exactly seven words."] * 30)
    assert all(len(p.split()) <= 60 for p in _split_long(prose, 60))
    assert " ".join(_split_long(prose, 60)) == prose
    words = ("word " * 130).strip()
    assert [len(p.split()) for p in _split_long(words, 60)] == [60, 60, 10]


def test_packing_keeps_short_paragraphs_whole():
    text = "First paragraph here.\n\nSecond one.\nwith a wrapped line."
    assert pack_paragraphs(text, target=150, maximum=220, minimum=40) == [text]
