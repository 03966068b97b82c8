"""Server mode (POLICYDESK_QDRANT_URL): what can be checked without a Qdrant server here.

No Qdrant server binary is installable on this machine; the README says how to start one. These
tests pin the naming contract (versioned collections behind one alias) and the errors.
"""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from assistant.cli import app
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
