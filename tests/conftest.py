"""Shared test fixtures. No network: pytest-socket allows loopback only (see pyproject)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("POLICYDESK_CORPUS", REPO.parent / "shared" / "corpus"))
FIXTURES = REPO / "tests" / "fixtures"


def corpus_file(rel: str) -> Path:
    path = CORPUS / rel
    if not path.exists():
        pytest.skip(f"corpus file missing: {path}")
    return path


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    return CORPUS


# A small real index shared by the answer, CLI and app tests: a handful of official pages of
# every kind, embedded once per test session (about 20 s on 2 cores).
SMALL_CORPUS = [
    "uscis-gov-raw-html-forms-tps-uscis-helper/docs/uscis/forms/tps/html/i-765.html",
    "uscis-gov-raw-html-forms-tps-uscis-helper/docs/uscis/sources/2026-05-10/lockbox-chart.html",
    "uscis-pm-raw-html-lighthouse/community-vault/snapshots/9c0e2d65e705d61580c5b2cc505031fa82fa54cdb4ce9a2abae0f208c480746b.html",
    "uscis-pm-chapter-and-form-instructions-nctr834/data/i-129finstr.txt",
    "uscis-pm-chapter-and-form-instructions-nctr834/data/20221219-PublicChargeFinalRule.txt",
    "usc-title8-ina-markdown-codexstanford/chuncks/title-08/chunck-56.md",
]


def make_settings(data_dir: Path, **overrides):
    from ingest.settings import Settings

    return Settings(data_dir=data_dir, **overrides)


@pytest.fixture(scope="session")
def small_index(tmp_path_factory, corpus_dir):
    """Settings pointing at a data dir with a built index over SMALL_CORPUS."""
    from ingest.run_ingest import run_ingest

    data_dir = tmp_path_factory.mktemp("data")
    settings = make_settings(data_dir)
    report = run_ingest(settings, [str(corpus_dir / rel) for rel in SMALL_CORPUS])
    assert report.switched and report.chunks > 0
    return settings


@pytest.fixture(scope="session")
def small_local_index(small_index, tmp_path_factory, corpus_dir):
    """The same pages as small_index, built with Qdrant local mode (the engine before qdrant-edge),
    its embeddings taken from small_index's cache."""
    import shutil

    from ingest.run_ingest import run_ingest

    data_dir = tmp_path_factory.mktemp("data-local")
    shutil.copytree(small_index.cache_dir, data_dir / "cache")
    settings = make_settings(data_dir, embedded_engine="qdrant-local")
    report = run_ingest(settings, [str(corpus_dir / rel) for rel in SMALL_CORPUS])
    assert report.switched and report.embedded == 0
    return settings


@pytest.fixture(scope="session")
def assistant(small_index):
    from assistant.service import Assistant

    a = Assistant(small_index)
    yield a
    a.close()
