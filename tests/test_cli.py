"""The `policydesk` command line: exit codes, messages and the answer contract."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli.main import EXIT_BAD_INPUT, EXIT_NO_INDEX, app

runner = CliRunner()


@pytest.fixture
def env(small_index, monkeypatch):
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(small_index.data_dir))
    return small_index


def test_ask_json_follows_the_answer_contract(env):
    result = runner.invoke(app, ["ask", "Do the K-1 petitioner and fiance have to have met in person?", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert set(answer) >= {"question", "abstained", "confidence", "answer", "citations", "latency_ms"}
    assert answer["abstained"] is False and 0.0 <= answer["confidence"] <= 1.0
    first = answer["citations"][0]
    assert set(first) >= {"rank", "chunk_id", "source", "url", "cite", "title", "section", "kind",
                          "current_as_of", "text", "score"}
    assert any("met each other in person" in c["text"] for c in answer["citations"])


def test_ask_human_output_lists_numbered_sources(env):
    result = runner.invoke(app, ["ask", "What must an O-1 beneficiary show to qualify?"])
    assert result.exit_code == 0, result.output
    assert "Sources:" in result.stdout and "[1] 2 USCIS-PM M.4" in result.stdout
    assert "https://www.uscis.gov/policy-manual/volume-2-part-m-chapter-4#S-" in result.stdout


@pytest.mark.parametrize(
    "question, message",
    [
        ("", "empty"),
        ("   \t  ", "empty"),
        ("x" * 10_000, "limit"),
        ("\x00\x01\x02 ### 123 %%%", "no words"),
    ],
)
def test_bad_questions_get_a_clear_message_and_exit_2(env, question, message):
    result = runner.invoke(app, ["ask", question])
    assert result.exit_code == EXIT_BAD_INPUT
    assert message in result.stderr and "Traceback" not in result.output


def test_non_english_question_abstains_instead_of_guessing(env):
    result = runner.invoke(app, ["ask", "¿Cuál es la capital de Francia y cuántos habitantes tiene?", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["abstained"] is True


def test_unknown_kind_is_rejected_with_the_allowed_values(env):
    result = runner.invoke(app, ["ask", "fee", "--kind", "blog"])
    assert result.exit_code == EXIT_BAD_INPUT and "pm-chapter" in result.stderr


def test_no_index_exits_3_with_how_to_build_one(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(tmp_path / "empty"))
    for args in (["ask", "What is the I-765 fee?"], ["status"], ["verify"]):
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_NO_INDEX, args
        assert "policydesk ingest" in result.output


def test_batch_answers_each_line_and_survives_broken_ones(env, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "a", "question": "Where do I mail the I-765 from Texas?"}\n'
        "{not json\n"
        '{"id": "c"}\n'
        '{"id": "d", "question": ""}\n'
        '{"id": "e", "question": "What is my case status? Receipt IOE0912345678"}\n'
    )
    out = tmp_path / "r.jsonl"
    result = runner.invoke(app, ["batch", "--input", str(questions), "--output", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["id"] for x in lines] == ["a", "line-2", "c", "d", "e"]
    assert "citations" in lines[0] and "error" in lines[1] and "error" in lines[2] and "error" in lines[3]
    assert lines[4]["abstained"] is True and "IOE0912345678" not in json.dumps(lines[4])


def test_status_and_verify_on_a_sound_index(env):
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0
    status = json.loads(result.stdout)
    assert status["backend"] == "embedded" and status["chunks"] > 0 and status["kinds"]["pm-chapter"] == 1
    assert status["engine"] == "edge"  # the embedded default
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 0 and "verified" in result.stdout
