"""Personal data never reaches disk: a session through every code path that writes (`ask`, `batch
--log`, log_answer, record_feedback), then every byte under the data directory is searched for the
raw identifiers, and `ask --json` must not echo them back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.privacy.query_log import log_answer, read_feedback, read_queries, record_feedback
from assistant.records import ESCALATE_CASE_SPECIFIC, Answer
from ingest.run_ingest import run_ingest
from tests.conftest import FIXTURES, make_settings

runner = CliRunner()

# Raw values, and the digit-only forms each could leave behind.
SECRETS = [
    "A-123-456-789", "A123456789", "123456789", "123-456-789",
    "IOE0912345678", "0912345678", "EAC2112345678", "2112345678",
    "123-45-6789", "03/14/1988", "1988",
    "maria.lopez@example.com", "maria.lopez", "(202) 555-0147", "202-555-0147", "2025550147",
    "555-0147", "X98765432", "98765432", "Lopez",
]
CASE_QUESTIONS = [
    "What is the status of A-123-456-789?",
    "My A-number is A123456789, when will my card arrive?",
    "Receipt IOE0912345678 - has the I-765 been approved?",
    "Check EAC2112345678 for me",
    "Caller SSN 123-45-6789 wants to know about the I-999 fee",
    "DOB 03/14/1988, is the applicant eligible for the test benefit?",
    "Passport number X98765432: can I file Form I-999?",
    "A-number 123456789 and receipt EAC 21 123 45678, what is the I-999 fee?",
]
OTHER_QUESTIONS = [  # personal, but not a case identifier: answered, with the question redacted
    "My email is maria.lopez@example.com - what is the filing fee for Form I-999?",
    "Call me at (202) 555-0147: where do I mail Form I-999?",
    "My name is Maria Lopez, who may file Form I-999? Phone 202-555-0147",
]
COMMENTS = [
    "The caller's name is Maria Lopez, A-123-456-789, DOB 03/14/1988, SSN 123-45-6789: wrong",
    "email maria.lopez@example.com or 2025550147; receipt IOE0912345678; passport X98765432",
]


@pytest.fixture(scope="module")
def base_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("privacy") / "data"
    run_ingest(make_settings(data), [str(FIXTURES / "mirror")])
    return data


@pytest.fixture
def settings(base_data, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(base_data, data)
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(data))
    return make_settings(data)


def files_holding(root: Path, secret: str) -> list[str]:
    needle = secret.encode()
    return [str(p.relative_to(root)) for p in sorted(root.rglob("*"))
            if p.is_file() and needle in p.read_bytes()]


def test_a_session_leaves_no_personal_data_on_disk(settings, tmp_path):
    for secret in SECRETS:  # the starting index is clean, so any hit below is the session's
        assert files_holding(settings.data_dir, secret) == [], secret

    for question in CASE_QUESTIONS:
        result = runner.invoke(app, ["ask", question, "--json"])
        assert result.exit_code == 0, result.output
        answer = json.loads(result.stdout)
        assert answer["abstained"] and answer["reason"] == "case-specific", question
        assert answer["message"] == ESCALATE_CASE_SPECIFIC and answer["answer"] == ""
        echoed = [s for s in SECRETS if s in result.stdout]
        assert echoed == [], (question, echoed)
        plain = runner.invoke(app, ["ask", question])
        assert plain.exit_code == 0 and "Case-specific request" in plain.stdout
        assert [s for s in SECRETS if s in plain.stdout] == []
    for question in OTHER_QUESTIONS:
        result = runner.invoke(app, ["ask", question, "--json"])
        assert result.exit_code == 0, result.output
        answer = json.loads(result.stdout)
        assert answer.get("reason") != "case-specific" and "I-999" in answer["question"]
        assert [s for s in SECRETS if s in result.stdout] == [], question

    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(
        json.dumps({"id": f"q{n}", "question": q}) + "\n"
        for n, q in enumerate(CASE_QUESTIONS + OTHER_QUESTIONS)))
    answers = tmp_path / "out" / "answers.jsonl"
    result = runner.invoke(app, ["batch", "-i", str(questions), "-o", str(answers), "--log"])
    assert result.exit_code == 0, result.output

    for question in CASE_QUESTIONS + OTHER_QUESTIONS:  # the app's path: raw text straight in
        log_answer(settings, Answer(question, True, 0.0, "", []), source="app")
    for question, comment in zip(CASE_QUESTIONS, COMMENTS * 4, strict=False):
        record_feedback(settings, question, helpful=False, reason="wrong", comment=comment)

    n_questions = len(CASE_QUESTIONS + OTHER_QUESTIONS)
    cli_asks = 2 * len(CASE_QUESTIONS) + len(OTHER_QUESTIONS)
    assert len(read_queries(settings)) == cli_asks + 2 * n_questions  # + batch, + log_answer
    assert len(read_feedback(settings)) == len(CASE_QUESTIONS)
    written = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    assert any(p.name == "policydesk.sqlite" for p in written)
    leaks = {s: files_holding(settings.data_dir, s) for s in SECRETS}
    leaks |= {f"{s} (batch output)": files_holding(answers.parent, s) for s in SECRETS}
    assert {s: f for s, f in leaks.items() if f} == {}
    print(f"\nprivacy: {cli_asks} CLI asks, "
          f"{n_questions} batch lines, {n_questions} log_answer, {len(CASE_QUESTIONS)} feedback; "
          f"{len(SECRETS)} raw values x {len(written)} files under the data dir: 0 found")
