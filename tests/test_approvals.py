"""The approvals store, checks and transfer, without an index: schema migrations, two writers at
once, what a changed/moved/vanished chunk does, export/import all-or-nothing, the diff shown."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from assistant.approvals.records import (
    APPROVED,
    CHANGED,
    MOVED,
    NEEDS_REVIEW,
    RETIRED,
    VANISHED,
    Approval,
    ApprovedChunk,
    IndexedChunk,
)
from assistant.approvals.review import check_approvals, compare_chunk, diff_text, word_diff
from assistant.approvals.store import MIGRATIONS, SCHEMA_VERSION, ApprovalStore, ApprovalStoreError, new_approval_id
from assistant.approvals.transfer import ImportRejected, export_approvals, import_approvals
from pages_ui.approval_view import diff_html

PASSAGE = "Submit evidence that you and your fiancé(e) met in person during the 2-year period."


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_approval(question: str = "Do K-1 fiancés have to have met in person?", text: str = PASSAGE,
                  chunk_id: str = "c1", approval_id: str | None = None) -> Approval:
    citation = {"rank": 1, "chunk_id": chunk_id, "source": "s", "url": "https://www.uscis.gov/i-129f",
                "cite": "Form I-129F Instructions", "title": "I-129F", "section": "", "kind": "form-instructions",
                "current_as_of": "2025-02-21", "text": text, "score": 0.7, "highlights": [[0, len(text)]],
                "body_start": 0, "chunk_ids": [], "later_update": None}
    return Approval(
        id=approval_id or new_approval_id(), question=question, answer=f"{text} [1]", citations=[citation],
        chunks=[ApprovedChunk(chunk_id, sha(text), text, citation["url"], citation["cite"], "2025-02-21")],
        approved_by="Dana Policy", approved_at="2026-12-03T10:00:00+00:00", index_version="v1",
        phrasings=["Must K-1 fiancés have met in person?"], note="checked against the PDF")


def indexed(chunk_id: str, text: str, url: str = "https://www.uscis.gov/i-129f",
            cite: str = "Form I-129F Instructions") -> IndexedChunk:
    return IndexedChunk(chunk_id, sha(text), text, url, cite, "2025-02-21")


# -- schema ---------------------------------------------------------------------------------
def test_a_version_1_database_is_migrated_and_keeps_its_approvals(tmp_path):
    path = tmp_path / "approvals.sqlite"
    with closing(sqlite3.connect(path)) as conn:  # what the first release wrote
        conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
        conn.execute("INSERT INTO approvals (id, question, answer, approved_by, approved_at, index_version, state) "
                     "VALUES ('ap-old', 'q?', 'a [1]', 'Dana', '2026-01-01T00:00:00+00:00', 'v0', 'approved')")
        conn.commit()
    store = ApprovalStore(path)
    assert store.schema_version() == SCHEMA_VERSION == 3
    [old] = store.approvals()
    assert old.id == "ap-old" and old.state == APPROVED
    store.set_state("ap-old", RETIRED, actor="Lee")  # the audit trail of version 2 works on old rows
    assert [e["action"] for e in store.events("ap-old")] == ["retired"]
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_database_newer_than_the_code_is_refused(tmp_path):
    path = tmp_path / "approvals.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(ApprovalStoreError, match="newer than this PolicyDesk"):
        ApprovalStore(path).approvals()


# -- two writers ----------------------------------------------------------------------------
def _approve_many(path: str, who: str, n: int) -> None:
    store = ApprovalStore(Path(path))
    for i in range(n):
        store.save(make_approval(question=f"{who} question {i}?"), actor=who)


def test_two_sessions_approving_at_once_lose_nothing(tmp_path):
    path = tmp_path / "approvals.sqlite"
    n = 40
    # Two app sessions are two threads of one process, each with its own connections...
    threads = [threading.Thread(target=_approve_many, args=(str(path), who, n)) for who in ("ana", "ben")]
    # ...and the CLI is another process, writing at the same time (spawned: a forked child would
    # inherit SQLite's in-process lock bookkeeping from the threads' open connections).
    procs = [multiprocessing.get_context("spawn").Process(target=_approve_many, args=(str(path), who, n))
             for who in ("cli-1", "cli-2")]
    for w in (*threads, *procs):
        w.start()
    for t in threads:
        t.join()
    for p in procs:
        p.join()
        assert p.exitcode == 0
    store = ApprovalStore(path)
    questions = {a.question for a in store.approvals()}
    assert len(questions) == 4 * n
    assert all(f"{who} question {i}?" in questions for who in ("ana", "ben", "cli-1", "cli-2") for i in range(n))
    assert store.revision() == 4 * n  # every write counted once


# -- checks against an index version ----------------------------------------------------------
def test_each_kind_of_change_is_named():
    chunk = make_approval().chunks[0]
    same = {"c1": indexed("c1", PASSAGE)}
    assert compare_chunk(chunk, same, {}).change is None
    edited = PASSAGE.replace("2-year", "3-year")
    changed = compare_chunk(chunk, {"c1": indexed("c1", edited)}, {})
    assert (changed.change, changed.new_text) == (CHANGED, edited)
    elsewhere = indexed("c9", PASSAGE, url="https://www.uscis.gov/new-place")
    moved = compare_chunk(chunk, {"c9": elsewhere}, {elsewhere.content_sha256: elsewhere})
    assert (moved.change, moved.new_chunk_id, moved.new_url) == (MOVED, "c9", "https://www.uscis.gov/new-place")
    renamed = compare_chunk(chunk, {"c1": indexed("c1", PASSAGE, cite="Form I-129F Instructions (2026)")}, {})
    assert renamed.change == MOVED
    assert compare_chunk(chunk, {}, {}).change == VANISHED


def test_a_check_flags_changed_approvals_only_and_never_unflags(tmp_path):
    store = ApprovalStore(tmp_path / "approvals.sqlite")
    kept, edited = make_approval(chunk_id="c1"), make_approval(question="Other?", chunk_id="c2")
    store.save(kept, actor="Dana")
    store.save(edited, actor="Dana")
    index = {"c1": indexed("c1", PASSAGE), "c2": indexed("c2", PASSAGE.replace("2-year", "3-year"))}
    report = check_approvals(store, index, "v2")
    assert report.flagged == [edited.id] and report.awaiting_review == 1
    flagged = store.get(edited.id)
    assert flagged.state == NEEDS_REVIEW and "text changed: Form I-129F Instructions" in (flagged.state_reason or "")
    assert flagged.chunks[0].new_text == index["c2"].text
    assert store.get(kept.id).state == APPROVED
    # The page changes back: still needs a person's review, never silently approved again.
    check_approvals(store, {"c1": indexed("c1", PASSAGE), "c2": indexed("c2", PASSAGE)}, "v3")
    assert store.get(edited.id).state == NEEDS_REVIEW
    assert [e["action"] for e in store.events(edited.id)] == ["approved", "needs review"]


def test_a_check_never_overwrites_a_newer_reapproval(tmp_path):
    store = ApprovalStore(tmp_path / "approvals.sqlite")
    approval = store.save(make_approval(), actor="Dana")
    stale = store.get(approval.id)
    store.save(make_approval(approval_id=approval.id), actor="Lee", action="re-approved")  # meanwhile
    stale.chunks = [compare_chunk(stale.chunks[0], {}, {})]
    assert store.record_check(stale, True, "vanished", "index check") is False
    assert store.get(approval.id).state == APPROVED


# -- export / import --------------------------------------------------------------------------
def test_export_then_import_elsewhere_restores_every_approval(tmp_path):
    here = ApprovalStore(tmp_path / "here.sqlite")
    a, b = make_approval(), make_approval(question="Other?", chunk_id="c2")
    here.save(a, actor="Dana")
    here.save(b, actor="Dana")
    here.set_state(b.id, RETIRED, actor="Dana", reason="superseded")
    assert export_approvals(here, tmp_path / "approvals.jsonl") == 2
    there = ApprovalStore(tmp_path / "there.sqlite")
    assert import_approvals(there, tmp_path / "approvals.jsonl", actor="Lee") == 2
    got = {x.id: x for x in there.approvals()}
    assert got[a.id].answer == a.answer and got[a.id].phrasings == a.phrasings
    assert got[a.id].chunks[0].content_sha256 == a.chunks[0].content_sha256
    assert got[b.id].state == RETIRED


def test_an_import_with_bad_lines_reports_each_and_imports_nothing(tmp_path):
    store = ApprovalStore(tmp_path / "approvals.sqlite")
    store.save(make_approval(), actor="Dana")
    export_approvals(store, tmp_path / "good.jsonl")
    good = json.loads((tmp_path / "good.jsonl").read_text())
    bad_state = good | {"id": "ap-2", "state": "maybe"}
    not_verbatim = good | {"id": "ap-3", "answer": "Fiancés never need to meet. [1]"}
    bad_sha = good | {"id": "ap-4", "chunks": [good["chunks"][0] | {"content_sha256": "xyz"}]}
    new_ok = good | {"id": "ap-5", "question": "Is an in-person meeting required?"}
    lines = [json.dumps(good | {"id": "ap-1"}), json.dumps(bad_state), "{not json", json.dumps(not_verbatim),
             json.dumps(new_ok), json.dumps(bad_sha), json.dumps(new_ok)]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    before = store.revision()
    with pytest.raises(ImportRejected) as caught:
        import_approvals(store, path, actor="Lee")
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 4", "line 6", "line 7"]
    assert "'state' must be one of" in problems[0] and "not valid JSON" in problems[1]
    assert "verbatim" in problems[2] and "64 hex digits" in problems[3] and "repeats line 5" in problems[4]
    assert store.revision() == before and len(store.approvals()) == 1  # nothing imported


def test_imported_text_is_redacted_again(tmp_path):
    store = ApprovalStore(tmp_path / "a.sqlite")
    store.save(make_approval(), actor="Dana")
    export_approvals(store, tmp_path / "x.jsonl")
    line = json.loads((tmp_path / "x.jsonl").read_text())
    line |= {"question": "Caller A123456789 asks: do fiancés have to meet?", "note": "SSN 123-45-6789",
             "phrasings": ["email maria.lopez@example.com - must they have met?"]}
    (tmp_path / "x.jsonl").write_text(json.dumps(line) + "\n")
    other = ApprovalStore(tmp_path / "b.sqlite")
    import_approvals(other, tmp_path / "x.jsonl", actor="Lee")
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("b.sqlite*"))
    for secret in (b"A123456789", b"123-45-6789", b"maria.lopez"):
        assert secret not in raw


# -- the change, shown --------------------------------------------------------------------------
def test_the_diff_marks_only_the_changed_words_and_escapes_the_text():
    old, new = "Met within <b>2</b> years.", "Met within <b>3</b> years."
    assert diff_text(old, new) == "Met within [-<b>2</b>-]{+<b>3</b>+} years."
    assert "".join(t for op, t in word_diff(old, new) if op != "+") == old
    left, right = diff_html(old, new)
    assert "<del style='background:#fbe3e3'>&lt;b&gt;2&lt;/b&gt;</del>" in left and "<b>" not in left
    assert "&lt;b&gt;3&lt;/b&gt;</ins>" in right and "years." in right


def test_insights_lists_the_most_asked_questions_no_approval_covers():
    from assistant.reports.insights import most_asked_without_approval

    asked = ["What is the I-765 fee?"] * 3 + ["Where do I mail the I-765?"] * 2 + ["Do K-1 fiancés have to meet?"] * 4
    queries = [{"question": q, "abstained": False, "reason": None} for q in asked]
    queries.append({"question": "status of my case", "abstained": True, "reason": "case-specific"})
    approved = {"Do K-1 fiancés have to meet?"}
    rows = most_asked_without_approval(queries, lambda q: q in approved)
    assert [(r["example"], r["count"]) for r in rows] == [("What is the I-765 fee?", 3),
                                                          ("Where do I mail the I-765?", 2)]
