"""Each index version's pipeline is built with that version's CorpusView, and nothing is set on a
component afterwards: two versions open at once answer each from its own corpus."""

from __future__ import annotations

from typing import Any

import pytest

import assistant.service as service
from assistant.service import Assistant
from ingest.run_ingest import run_ingest
from tests.conftest import FIXTURES, make_settings

NEW_QUESTION = "What is the filing fee for Form I-998?"
NEW_PAGE = """Instructions for Form I-998, Application for Second Test Benefit

What Is the Purpose of Form I-998?
Use Form I-998 to request a second test benefit. This fixture page is added by the corpus view
test to give the second index version a form the first one lacks; it is not an official form.

What Is the Filing Fee?
The filing fee for Form I-998 is $777. Pay the Form I-998 fee by check or money order only.
"""
# What a component reads about the corpus, by pipeline component name.
VIEW_PARTS = {"rescore": ["term_stats"], "merge": ["chunks"], "bm25": ["index"],
              "answer": ["term_stats", "known_forms", "vectors", "sentence_vectors"]}


def _attributes(pipeline: Any) -> dict[str, dict[str, int]]:
    """Every component's attributes, by identity of their values."""
    return {name: {k: id(v) for k, v in vars(comp).items()} for name, comp in pipeline.walk()}


def _run(serving: Any, assistant: Assistant, question: str) -> Any:
    """One question through an open version's own pipeline, as Assistant.ask runs it."""
    inputs = assistant._inputs(question, None, serving.view)
    inputs["limit"] = {"top_k": 5}
    inputs["answer"] = {"question": question, "forms": inputs["rescore"]["forms"]}
    with serving.exclusive:
        return serving.pipeline.run(inputs)["answer"]["answer"]


@pytest.mark.parametrize("engine", ["edge", "qdrant-local"])
def test_two_versions_open_at_once_answer_each_from_its_own_view(tmp_path, monkeypatch, engine):
    settings = make_settings(tmp_path / "data", embedded_engine=engine, sentence_vectors=True)
    first = run_ingest(settings, [str(FIXTURES / "mirror")])
    built: list[tuple[Any, dict[str, dict[str, int]]]] = []
    real_build = service.build_query_pipeline

    def build_and_record(*args: Any, **kwargs: Any) -> Any:
        pipeline = real_build(*args, **kwargs)
        built.append((pipeline, _attributes(pipeline)))  # the state right after construction
        return pipeline

    monkeypatch.setattr(service, "build_query_pipeline", build_and_record)
    assistant = Assistant(settings)
    try:
        with assistant._use() as old:  # a question in flight on the first version
            page = tmp_path / "extra" / "i-998instr.txt"
            page.parent.mkdir()
            page.write_text(NEW_PAGE)
            second = run_ingest(settings, [str(FIXTURES / "mirror"), str(page)])
            assert "$777" in assistant.ask(NEW_QUESTION).text  # opens the second version
            with assistant._use() as new:
                assert (old.view.version, new.view.version) == (first.version, second.version)
                assert old.pipeline is not new.pipeline and old.view is not new.view
                assert "I-998" in (new.view.known_forms or set()) and "I-998" not in (old.view.known_forms or set())
                assert old.view.term_stats is not None and new.view.term_stats is not None
                assert old.view.term_stats.n_docs < new.view.term_stats.n_docs
                # The first version's pipeline still reads the first version's corpus: the new form
                # is unknown there, so it abstains; the same question answers on the new pipeline.
                stale = _run(old, assistant, NEW_QUESTION)
                assert stale.abstained and "Form I-998 is not in the indexed pages" in (stale.message or "")
                assert "$777" in _run(new, assistant, NEW_QUESTION).text
                for serving in (old, new):
                    for name, parts in VIEW_PARTS.items():
                        if name not in serving.pipeline.graph.nodes or (name == "bm25" and engine == "edge"):
                            continue  # qdrant-edge searches its own sparse index: no BM25 index in memory
                        comp = serving.pipeline.get_component(name)
                        for part in parts:
                            wanted = (serving.view.sparse_index if part == "index" else
                                      comp.sentence_vectors if part == "sentence_vectors" else
                                      getattr(serving.view, part))
                            assert getattr(comp, part) is wanted, (name, part)
        # Nothing was assigned to any component after construction (warm-up and answers included).
        assert [p for p, _ in built] == [old.pipeline, new.pipeline]
        for pipeline, at_construction in built:
            assert _attributes(pipeline) == at_construction
    finally:
        assistant.close()
