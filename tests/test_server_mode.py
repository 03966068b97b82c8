"""Server mode (POLICYDESK_QDRANT_URL): what can be checked without a Qdrant server here.

No Qdrant server binary is installable on this machine; the README says how to start one. These
tests pin the naming contract (versioned collections behind one alias) and the errors.
"""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from ingest.index_store import VersionRegistry
from ingest.run_ingest import IngestError, run_ingest
from ingest.status import index_status
from tests.conftest import FIXTURES, make_settings


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_versions_are_collections_behind_one_alias(tmp_path):
    settings = make_settings(tmp_path, qdrant_url="http://qdrant.internal:6333")
    registry = VersionRegistry(settings)
    assert settings.backend == "server"
    assert registry.collection_for("v20261128T000000Z") == "policydesk__v20261128T000000Z"
    assert registry.manifest_path("v1") == tmp_path / "index" / "manifests" / "v1.json"
    embedded = VersionRegistry(make_settings(tmp_path))
    assert embedded.collection_for("v1") == "policydesk"


def test_unreachable_server_is_a_clear_ingest_error_before_any_embedding(tmp_path):
    settings = make_settings(tmp_path, qdrant_url=f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(IngestError, match="cannot reach the Qdrant server"):
        run_ingest(settings, [str(FIXTURES / "mirror")])
    assert not (tmp_path / "cache" / "embeddings.sqlite").exists()  # failed before embedding
    status = index_status(settings)
    assert status["backend"] == "server" and status["version"] is None


def test_cli_ingest_against_unreachable_server_exits_1_with_message(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POLICYDESK_QDRANT_URL", f"http://127.0.0.1:{_closed_port()}")
    result = CliRunner().invoke(app, ["ingest", "-q", "--source", str(FIXTURES / "mirror")])
    assert result.exit_code == 1
    assert "cannot reach the Qdrant server" in result.output and "Traceback" not in result.output


def test_cluster_layout_settings_reach_each_new_collection(tmp_path, monkeypatch):
    """shard_number / replication_factor / write_consistency_factor are settings (POLICYDESK_QDRANT_*)
    passed to every version's collection; nothing connects until the store is used."""
    from ingest.index_store import open_document_store
    from ingest.settings import Settings

    monkeypatch.setenv("POLICYDESK_QDRANT_URL", "http://qdrant.internal:6333")
    monkeypatch.setenv("POLICYDESK_QDRANT_SHARD_NUMBER", "6")
    monkeypatch.setenv("POLICYDESK_QDRANT_REPLICATION_FACTOR", "2")
    monkeypatch.setenv("POLICYDESK_QDRANT_WRITE_CONSISTENCY_FACTOR", "2")
    settings = Settings(data_dir=tmp_path)
    store = open_document_store(settings, collection="policydesk__v1", recreate=True)
    assert (store.shard_number, store.replication_factor, store.write_consistency_factor) == (6, 2, 2)
    assert store.index == "policydesk__v1"
    for name in ("SHARD_NUMBER", "REPLICATION_FACTOR", "WRITE_CONSISTENCY_FACTOR"):
        monkeypatch.delenv(f"POLICYDESK_QDRANT_{name}")
    default = open_document_store(Settings(data_dir=tmp_path))
    assert (default.shard_number, default.replication_factor, default.write_consistency_factor) == (None,) * 3
    with pytest.raises(ValueError):
        make_settings(tmp_path, qdrant_replication_factor=0)


# -- against a real server: runs wherever POLICYDESK_QDRANT_URL names one ----------------------
SERVER_URL = __import__("os").environ.get("POLICYDESK_QDRANT_URL")


def _server_host() -> str:
    from urllib.parse import urlparse

    return urlparse(SERVER_URL or "http://localhost").hostname or "localhost"


@pytest.mark.skipif(not SERVER_URL, reason="no Qdrant server: set POLICYDESK_QDRANT_URL to run")
@pytest.mark.allow_hosts([_server_host(), "127.0.0.1", "localhost", "::1"])
def test_real_server_versions_switch_answers_and_collects(tmp_path, corpus_dir):
    """The same pipeline on a Qdrant server or cluster: two ingests, alias switched, answers
    cited from the server, the older collection kept per keep_versions, a reader picks up the switch."""
    from qdrant_client import QdrantClient

    from assistant.service import Assistant
    from tests.conftest import SMALL_CORPUS

    collection = f"policydesk_test_{tmp_path.name[-8:].replace('-', '_')}"
    settings = make_settings(tmp_path, qdrant_url=SERVER_URL, collection=collection, keep_versions=1)
    sources = [str(corpus_dir / rel) for rel in SMALL_CORPUS[:2]]
    client = QdrantClient(url=SERVER_URL, api_key=settings.qdrant_api_key)
    try:
        first = run_ingest(settings, sources)
        assistant = Assistant(settings)
        answer = assistant.ask("What is the filing fee for Form I-765?")
        assert not answer.abstained and answer.citations[0].url.startswith("https://www.uscis.gov")
        second = run_ingest(settings, sources)
        assert assistant.version.name == second.version != first.version
        aliases = {a.alias_name: a.collection_name for a in client.get_aliases().aliases}
        assert aliases[collection] == f"{collection}__{second.version}"
        assert not client.collection_exists(f"{collection}__{first.version}")  # keep_versions=1
        assert assistant.ask("What is the filing fee for Form I-765?").text == answer.text
        assistant.close()
    finally:
        for c in client.get_collections().collections:
            if c.name.startswith(collection):
                client.delete_collection(c.name)
