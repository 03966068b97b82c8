"""Adapting MiniLM to the corpus (ingest.pseudo_queries, ingest.adapt, ingest.model_identity): pairs
from a real page, a short real training run that lowers the loss, vectors of two models kept
apart in the cache, and a reader that queries an index only with the model that built it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.adapt import AdaptOptions, AdaptReport, in_batch_loss, load_model, save_adapted, train
from ingest.chunk import chunk_page
from ingest.index_store import IndexUnavailable
from ingest.indexing import embedding_cache_for
from ingest.mirror import read_mirror
from ingest.parse import parse_page
from ingest.pseudo_queries import Pair, build_pairs, clean_heading, pairs_from_chunk, split_pairs
from ingest.records import FetchedPage
from tests.conftest import SMALL_CORPUS, corpus_file, make_settings

I485 = "uscis-pm-chapter-and-form-instructions-nctr834/data/i-485instr.txt"
LOCKBOX = SMALL_CORPUS[1]


def page_chunks(rel: str) -> list[tuple[str, dict]]:
    chunks: list[tuple[str, dict]] = []
    for fetched in read_mirror(corpus_file(rel), 8_000_000):
        assert isinstance(fetched, FetchedPage)
        for page in parse_page(fetched):
            chunks += [(d.content or "", dict(d.meta)) for d in chunk_page(page)]
    return chunks


@pytest.fixture(scope="module")
def i485_pairs() -> list[Pair]:
    return build_pairs(page_chunks(I485))


def test_question_headings_become_queries_for_their_section(i485_pairs):
    by_query = {p.query: p for p in i485_pairs}
    who = by_query["Who May File Form I-485?"]
    assert who.source == "heading"
    assert not who.passage.startswith("Form I-485 Instructions")  # the heading line is not in the passage
    assert "Form I-485" in by_query["Form I-485 Where To File?"].query  # title + heading
    assert {p.source for p in i485_pairs} >= {"heading", "title_heading", "first_sentence"}


def test_pairs_are_unique_and_never_copy_the_query(i485_pairs):
    queries = [p.query.lower() for p in i485_pairs]
    assert len(queries) == len(set(queries))
    for pair in i485_pairs:
        assert len(pair.passage.split()) >= 20
        if pair.source == "first_sentence":
            assert pair.query not in pair.passage  # inverse cloze: the sentence is taken out


def test_a_heading_shared_by_two_passages_is_no_query():
    body = "Applicants must show evidence of good moral character for the statutory period. " * 4
    heading = "Discretionary Relief"
    chunks = [(f"Page {n} > {heading}\n{body} Page {n}.",
               {"doc_id": f"d{n}", "chunk_id": f"c{n}", "section": heading, "heading": f"Page {n} > {heading}",
                "title": "Page", "ordinal": 0})
              for n in (1, 2)]
    assert heading not in {p.query for p in build_pairs(chunks)}
    alone = pairs_from_chunk(*chunks[0], first_of_section=True)
    assert [p.query for p in alone if p.source == "heading"] == [heading]


def test_numbering_is_not_part_of_a_query():
    assert clean_heading("§ 1231. Detention and removal") == "Detention and removal"
    assert clean_heading("(b) (1) Countries of removal") == "Countries of removal"


def test_the_validation_split_is_seeded_and_disjoint(i485_pairs):
    train_a, val_a = split_pairs(i485_pairs, 0.1, seed=3)
    train_b, val_b = split_pairs(i485_pairs, 0.1, seed=3)
    assert val_a == val_b and train_a == train_b
    assert len(val_a) == round(len(i485_pairs) * 0.1) and not set(val_a) & set(train_a)


@pytest.fixture(scope="module")
def adapted(i485_pairs, tmp_path_factory) -> tuple[Path, float, float]:
    """A few real training steps on a small set (the same steps `policydesk adapt` runs), saved as
    the command saves; the loss on that set before and after."""
    import torch

    pairs = i485_pairs[:16]
    options = AdaptOptions(epochs=3, lr=1e-4, batch_size=8, max_seq_length=64, seed=1)
    model = load_model(make_settings(Path("unused")).embedding_model)
    model.max_seq_length = 64

    def loss() -> float:
        model.eval()
        with torch.no_grad():
            return float(in_batch_loss(model, [p.query for p in pairs], [p.passage for p in pairs]))

    before = loss()
    steps = train(model, pairs, options)
    assert len(steps) == 6
    after = loss()
    folder = save_adapted(model, tmp_path_factory.mktemp("data") / "models", AdaptReport())
    return folder, before, after


def test_training_lowers_the_in_batch_loss(adapted):
    folder, before, after = adapted
    assert after < before * 0.8
    assert folder.name.startswith("minilm-adapted-") and (folder / "model.safetensors").is_file()


def test_the_cache_keeps_each_models_vectors_apart(adapted, tmp_path):
    base = make_settings(tmp_path)
    tuned = make_settings(tmp_path, embedding_model=str(adapted[0]))
    assert base.embedding_model_id == base.embedding_model_name  # caches built before stay valid
    assert tuned.embedding_model_id != base.embedding_model_id
    assert tuned.embedding_model_id.startswith(adapted[0].name + " sha256:")
    copy = tmp_path / "same-weights"
    shutil.copytree(adapted[0], copy)
    assert make_settings(tmp_path, embedding_model=str(copy)).embedding_model_id.split()[1] == \
        tuned.embedding_model_id.split()[1]  # identity follows the weights, not the folder
    embedding_cache_for(base).put_many({"abc": [0.5] * 384})
    assert embedding_cache_for(tuned).get_many(["abc"]) == {}
    assert embedding_cache_for(base).get_many(["abc"])["abc"][0] == 0.5


def test_a_reader_queries_an_index_only_with_the_model_that_built_it(adapted, tmp_path, corpus_dir):
    from assistant.service import Assistant
    from ingest.adapt import load_model as load
    from ingest.run_ingest import run_ingest

    tuned = make_settings(tmp_path, embedding_model=str(adapted[0]))
    report = run_ingest(tuned, [str(corpus_dir / LOCKBOX)])
    assert report.switched and report.embedded == report.chunks  # nothing came from base vectors
    base_reader = Assistant(make_settings(tmp_path))
    with pytest.raises(IndexUnavailable, match="POLICYDESK_EMBEDDING_MODEL=" + str(adapted[0])):
        base_reader.version  # noqa: B018
    reader = Assistant(tuned)
    try:
        assert reader.version.manifest["embedding_model"] == tuned.embedding_model_id
        question = "Where do I mail Form I-485 if I live in Texas?"
        expected = load(str(adapted[0])).encode([question], normalize_embeddings=True)[0]
        got = reader.embed_questions([question])[0]
        assert sum(a * b for a, b in zip(got, expected, strict=True)) > 0.999
        assert not reader.ask(question).abstained or reader.retrieve(question)
    finally:
        reader.close()
        base_reader.close()


def test_adapt_command_without_an_index_exits_3_and_rejects_unknown_sources(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from assistant.cli.main import EXIT_BAD_INPUT, EXIT_NO_INDEX, app

    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["adapt"])
    assert result.exit_code == EXIT_NO_INDEX and "adapt reads the serving index" in result.output
    result = CliRunner().invoke(app, ["adapt", "--source", "footnotes"])
    assert result.exit_code == EXIT_BAD_INPUT and "--source must be among" in result.output
