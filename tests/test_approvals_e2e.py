"""Approved answers end to end on real corpus pages: approve an answer, paraphrases get it, an
unrelated question does not; a re-ingest with the cited passage edited sends it to review (agents
see the live answer with a note); re-approval restores it. Plus the CLI contract and privacy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.approvals.records import APPROVED, NEEDS_REVIEW, RETIRED
from assistant.approvals.store import ApprovalStore
from assistant.cli.main import app
from assistant.service import Assistant
from ingest.run_ingest import run_ingest
from tests.conftest import CORPUS, SMALL_CORPUS, make_settings

runner = CliRunner()
EDITED = "uscis-pm-chapter-and-form-instructions-nctr834/data/i-129finstr.txt"
OLD, NEW = "met in person during the 2-year period", "met in person during the 3-year period"
QUESTION = "Do K-1 fiancés have to have met in person?"
PHRASING = "Is meeting in person required for the fiancé visa petition?"
PARAPHRASES = [
    "Must K-1 fiancés have met in person?",
    "Is it required that K-1 fiancés have met in person?",
    "Do fiancés on a K-1 have to have met in person?",
    "Have K-1 fiancés got to have met each other in person?",
]
UNRELATED = ["What is the filing fee for Form I-765?", "Do K-1 fiancés have to marry within 90 days?"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, corpus_dir) -> tuple[Path, list[str]]:
    """A mirror holding a copy of the I-129F instructions (same path and URL as in the corpus, so
    the same chunk ids) that the test can edit, and the other small-corpus pages as they are."""
    mirror = tmp_path_factory.mktemp("mirror")
    (mirror / EDITED).parent.mkdir(parents=True)
    shutil.copyfile(corpus_dir / EDITED, mirror / EDITED)
    [url_line] = [line for line in (corpus_dir / "urls.tsv").read_text().splitlines() if line.startswith(EDITED)]
    (mirror / "urls.tsv").write_text(url_line + "\n")
    assert OLD in (mirror / EDITED).read_text()
    return mirror, [str(mirror / EDITED)] + [str(CORPUS / rel) for rel in SMALL_CORPUS if rel != EDITED]


@pytest.fixture(scope="module")
def data(tmp_path_factory, corpus) -> Path:
    data_dir = tmp_path_factory.mktemp("approvals-data")
    assert run_ingest(make_settings(data_dir), corpus[1]).switched
    return data_dir


def _cli(args: list[str], data_dir: Path, monkeypatch) -> object:
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(data_dir))
    return runner.invoke(app, args)


def test_approve_serve_page_change_review_reapprove(data, corpus, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    shutil.copytree(data, data_dir)
    settings = make_settings(data_dir)
    agent = Assistant(settings)
    try:
        live = agent.ask(QUESTION)
        assert not live.abstained and live.approved is None and OLD in live.text
        approval = agent.approvals.approve(live, "Dana Policy", note="checked", phrasings=[PHRASING])
        assert approval.chunks and all(c.content_sha256 for c in approval.chunks)

        for question in [QUESTION, *PARAPHRASES]:
            got = agent.ask(question)
            assert got.approved is not None, question
            assert got.approved["id"] == approval.id and got.approved["state"] == APPROVED
            assert got.text == approval.answer and got.citations[0].cite.startswith("Form I-129F Instructions")
            assert got.live is not None and got.live.citations  # the live results follow
            assert got.to_json()["approved"]["by"] == "Dana Policy"
        for question in UNRELATED:
            assert agent.ask(question).approved is None, question

        # The page changes: re-ingest through the CLI, which checks approvals after switching.
        mirror, sources = corpus
        page = mirror / EDITED
        original = page.read_text()
        try:
            page.write_text(original.replace(OLD, NEW))
            result = _cli(["ingest", *sum((["--source", s] for s in sources), [])], data_dir, monkeypatch)
        finally:
            page.write_text(original)
        assert result.exit_code == 0, result.output
        assert "1 newly need review" in result.output
        flagged = ApprovalStore(settings.approvals_path).get(approval.id)
        assert flagged.state == NEEDS_REVIEW and "text changed: Form I-129F Instructions" in flagged.state_reason
        assert any(c.new_text and NEW in c.new_text and OLD in c.text for c in flagged.chunks)

        # Agents no longer see it as approved: the live answer, from the new text, with a note.
        for question in PARAPHRASES[:2]:
            got = agent.ask(question)
            assert got.approved is None and got.approval_note and "awaiting review" in got.approval_note
        assert NEW in agent.ask(QUESTION).text

        review = _cli(["approvals", "review"], data_dir, monkeypatch)
        assert review.exit_code == 1 and approval.id in review.output
        assert "[-2-year-]{+3-year+}" in review.output

        # Re-approval (on the new text) restores it, keeping the note and phrasing.
        again = agent.approvals.approve((agent.ask(QUESTION).live or agent.ask(QUESTION)), "Lee Review",
                                        approval_id=approval.id)
        assert again.id == approval.id and again.phrasings == [PHRASING] and again.note == "checked"
        for question in PARAPHRASES:
            got = agent.ask(question)
            assert got.approved is not None and got.approved["by"] == "Lee Review" and NEW in got.text
        events = [e["action"] for e in ApprovalStore(settings.approvals_path).events(approval.id)]
        assert events == ["approved", "needs review", "re-approved"]
    finally:
        agent.close()


def test_cli_approve_ask_batch_list_retire_export_import(data, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    shutil.copytree(data, data_dir)

    abstains = _cli(["approve", "What is the capital of France?", "--by", "Dana"], data_dir, monkeypatch)
    assert abstains.exit_code == 2 and "abstains" in abstains.output
    bad = _cli(["approve", QUESTION, "--by", "Dana", "--sentences", "9"], data_dir, monkeypatch)
    assert bad.exit_code == 2 and "there is no sentence 9" in bad.output

    made = _cli(["approve", QUESTION, "--by", "Dana", "--note", "n", "--sentences", "2", "--also", PHRASING,
                 "--json"], data_dir, monkeypatch)
    assert made.exit_code == 0, made.output
    approval = json.loads(made.stdout)
    assert approval["answer"].count("[1]") == 1 and OLD in approval["answer"]  # one chosen sentence

    asked = _cli(["ask", PARAPHRASES[0], "--json"], data_dir, monkeypatch)
    answer = json.loads(asked.stdout)
    assert set(answer["approved"]) == {"id", "by", "at", "state", "matched_question", "similarity"}
    assert answer["approved"]["id"] == approval["id"] and answer["answer"] == approval["answer"]
    assert answer["citations"][0]["text"] == approval["citations"][0]["text"]
    plain = json.loads(_cli(["ask", UNRELATED[0], "--json"], data_dir, monkeypatch).stdout)
    assert plain["approved"] is None

    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "a", "question": PARAPHRASES[1]}) + "\n"
                         + json.dumps({"id": "b", "question": UNRELATED[0]}) + "\n")
    assert _cli(["batch", "-i", str(questions), "-o", str(tmp_path / "r.jsonl")], data_dir, monkeypatch).exit_code == 0
    lines = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert lines[0]["approved"]["id"] == approval["id"] and lines[1]["approved"] is None

    listed = _cli(["approvals", "list"], data_dir, monkeypatch)
    assert approval["id"] in listed.output and "approved" in listed.output
    assert _cli(["approvals", "review"], data_dir, monkeypatch).output.strip() == "nothing needs review"

    exported = _cli(["approvals", "export", str(tmp_path / "out.jsonl")], data_dir, monkeypatch)
    assert exported.exit_code == 0 and "exported 1 approval" in exported.output

    retired = _cli(["approvals", "retire", approval["id"], "--by", "Lee"], data_dir, monkeypatch)
    assert retired.exit_code == 0 and "retired" in retired.output
    assert json.loads(_cli(["ask", PARAPHRASES[0], "--json"], data_dir, monkeypatch).stdout)["approved"] is None
    assert _cli(["approvals", "retire", "ap-nope"], data_dir, monkeypatch).exit_code == 2

    # Import into a deployment with the same pages: checked against its index at once, still approved.
    other = tmp_path / "other"
    shutil.copytree(data, other)
    imported = _cli(["approvals", "import", str(tmp_path / "out.jsonl"), "--by", "Lee"], other, monkeypatch)
    assert imported.exit_code == 0, imported.output
    assert "imported 1 approval" in imported.output and "0 newly need review" in imported.output
    assert [a.state for a in ApprovalStore(make_settings(other).approvals_path).approvals()] == [APPROVED]
    broken = tmp_path / "broken.jsonl"
    broken.write_text((tmp_path / "out.jsonl").read_text() + "{oops\n")
    rejected = _cli(["approvals", "import", str(broken)], other, monkeypatch)
    assert rejected.exit_code == 2 and "line 2: not valid JSON" in rejected.output
    assert ApprovalStore(make_settings(data_dir).approvals_path).get(approval["id"]).state == RETIRED


SECRETS = ["A123456789", "maria.lopez@example.com", "maria.lopez", "(202) 555-0147", "2025550147",
           "123-45-6789", "Lopez"]


def test_the_approvals_database_holds_no_raw_identifier(data, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    shutil.copytree(data, data_dir)
    question = "My name is Maria Lopez, email maria.lopez@example.com: do K-1 fiancés have to have met in person?"
    result = _cli(["approve", question, "--by", "Dana", "--note", "caller SSN 123-45-6789, phone (202) 555-0147",
                   "--also", "A-number A123456789 - must fiancés have met in person?"], data_dir, monkeypatch)
    assert result.exit_code == 0, result.output
    files = sorted(p for p in data_dir.glob("approvals.sqlite*"))
    assert files
    raw = b"".join(p.read_bytes() for p in files)  # the WAL too: rows may sit there before a checkpoint
    for secret in SECRETS:
        assert secret.encode() not in raw, secret
    [stored] = ApprovalStore(make_settings(data_dir).approvals_path).approvals()
    assert "[" in stored.question and "K-1" in stored.question  # redacted, still the question
