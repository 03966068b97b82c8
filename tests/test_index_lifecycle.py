"""Versioned index lifecycle on a real embedded Qdrant with the real MiniLM model."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.chunk import REQUIRED_META
from ingest.index_store import VersionRegistry, close_store
from ingest.run_ingest import IngestError, run_ingest
from ingest.status import index_status
from tests.conftest import CORPUS, FIXTURES, REPO, make_settings

MIRROR = FIXTURES / "mirror"


@pytest.fixture
def mirror(tmp_path) -> Path:
    copy = tmp_path / "mirror"
    shutil.copytree(MIRROR, copy)
    return copy


def _chunks(settings):
    registry = VersionRegistry(settings)
    store, copy = registry.open_reader(registry.current())
    try:
        return {d.id: d for d in store.filter_documents()}
    finally:
        close_store(store)
        shutil.rmtree(copy, ignore_errors=True)


def test_ingest_builds_a_serving_version_with_the_index_contract(tmp_path, mirror):
    settings = make_settings(tmp_path / "data")
    report = run_ingest(settings, [str(mirror)])
    assert report.switched and report.pages_indexed == 2
    assert [s.source for s in report.skipped] == ["notes.bin"]
    assert "unsupported file type" in report.skipped[0].reason
    status = index_status(settings)
    assert status["version"] == report.version
    assert status["kinds"] == {"form-instructions": 1, "pm-chapter": 1}
    assert status["chunks"] == report.chunks == report.embedded
    chunks = _chunks(settings)
    assert len(chunks) == report.chunks
    for doc in chunks.values():
        assert all(key in doc.meta for key in REQUIRED_META)
        assert doc.meta["chunk_id"] == doc.id
    by_cite = {d.meta["cite"]: d for d in chunks.values()}
    purpose = by_cite["12 USCIS-PM Z.9(A)"]
    assert purpose.meta["url"] == "https://www.uscis.gov/policy-manual/volume-12-part-z-chapter-9#S-A"
    assert purpose.meta["current_as_of"] == "2026-03-03"
    assert purpose.content.startswith("Chapter 9 - Test Procedures > A. Purpose\n")
    fee = next(d for d in chunks.values() if "$123" in d.content)
    assert fee.meta["forms"] == ["I-999"] and fee.meta["kind"] == "form-instructions"
    # Snapshots keep the exact bytes of every indexed page.
    manifest = VersionRegistry(settings).current().manifest
    for page in manifest["pages"]:
        snap = settings.snapshots_dir / page["sha256"][:2] / page["sha256"]
        assert snap.read_bytes() == (mirror / page["source"]).read_bytes()


def test_reingest_unchanged_embeds_nothing_and_a_changed_page_only_its_chunks(tmp_path, mirror):
    settings = make_settings(tmp_path / "data", keep_versions=2, sentence_vectors=True)
    first = run_ingest(settings, [str(mirror)])
    ids_before = set(_chunks(settings))
    second = run_ingest(settings, [str(mirror)])
    assert second.embedded == 0 and second.from_cache == first.chunks
    # Answer sentences were embedded once, with the chunks, and not again.
    assert first.sentences_embedded > first.chunks and second.sentences_embedded == 0
    assert second.version != first.version and set(_chunks(settings)) == ids_before

    page = mirror / "forms" / "i-999instr.txt"
    page.write_text(page.read_text().replace("$123", "$456"))
    third = run_ingest(settings, [str(mirror)])
    assert third.embedded == 1  # only the fee section's chunk changed
    assert third.sentences_embedded == 1  # and of its sentences, only the one with the fee
    assert any("$456" in d.content for d in _chunks(settings).values())

    (mirror / "pm-test-chapter.html").unlink()
    fourth = run_ingest(settings, [str(mirror)])
    kinds = {d.meta["kind"] for d in _chunks(settings).values()}
    assert kinds == {"form-instructions"} and fourth.embedded == 0
    # Only the newest `keep_versions` versions remain.
    assert VersionRegistry(settings).list_versions() == sorted([third.version, fourth.version])


def test_failed_ingest_leaves_the_previous_version_serving(tmp_path, mirror):
    settings = make_settings(tmp_path / "data")
    first = run_ingest(settings, [str(mirror)])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.txt").write_text("   \n")
    with pytest.raises(IngestError, match="nothing to index"):
        run_ingest(settings, [str(empty)])
    with pytest.raises(IngestError, match="source not found"):
        run_ingest(settings, [str(tmp_path / "missing")])
    assert index_status(settings)["version"] == first.version
    assert VersionRegistry(settings).list_versions() == [first.version]


def test_status_without_an_index_explains_how_to_build_one(tmp_path):
    status = index_status(make_settings(tmp_path / "nothing"))
    assert status["version"] is None and "policydesk ingest" in status["error"]


def test_killing_an_ingest_half_way_leaves_the_previous_version_answering(tmp_path, mirror):
    from assistant.service import Assistant

    big_page = CORPUS / "uscis-pm-chapter-and-form-instructions-nctr834/data/i-864instr.txt"
    if not big_page.exists():
        pytest.skip("corpus missing")
    settings = make_settings(tmp_path / "data")
    first = run_ingest(settings, [str(mirror)])
    question = "What is the filing fee for Form I-999?"
    assistant = Assistant(settings)
    before = assistant.ask(question)
    assert not before.abstained and "$123" in before.text

    env = dict(os.environ, POLICYDESK_DATA_DIR=str(settings.data_dir))
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ingest", "-q", "--source", str(mirror), "--source", str(big_page)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    versions_dir = settings.index_dir / "versions"
    deadline = time.time() + 120
    while time.time() < deadline:  # wait until the new version is being written
        building = [p for p in versions_dir.iterdir() if (p / ".building").exists()]
        if building:
            break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the ingest never started building a version")
    time.sleep(1.0)  # well inside embedding the uncached page
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    assert index_status(settings)["version"] == first.version
    after = assistant.ask(question)
    assert after.text == before.text
    assert [c.chunk_id for c in after.citations] == [c.chunk_id for c in before.citations]
    assistant.close()

    second = run_ingest(settings, [str(mirror)])  # the next ingest completes and cleans up
    assert index_status(settings)["version"] == second.version
    assert not any((p / ".building").exists() for p in versions_dir.iterdir())
    assert json.loads((versions_dir / second.version / "manifest.json").read_text())["chunks"] == second.chunks
