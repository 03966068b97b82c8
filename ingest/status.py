"""What is serving: `policydesk status --json`."""

from __future__ import annotations

import shutil
from typing import Any

from ingest.index_store import IndexUnavailable, VersionRegistry, close_store
from ingest.settings import Settings


def index_status(settings: Settings) -> dict[str, Any]:
    """Status of the serving version; `error` (and no version) when none serves or it is broken."""
    registry = VersionRegistry(settings)
    base: dict[str, Any] = {
        "backend": settings.backend,
        "data_dir": str(settings.data_dir.resolve()),
        "embedding_model": settings.embedding_model_id,
        "qdrant_url": settings.qdrant_url,
    }
    try:
        version = registry.current()
        store, copy = registry.open_reader(version)  # proves the Qdrant data opens, too
    except IndexUnavailable as exc:
        return base | {"version": None, "error": str(exc)}
    close_store(store)
    if copy is not None:
        shutil.rmtree(copy, ignore_errors=True)
    m = version.manifest
    return base | {
        "version": version.name,
        "built_at": m.get("built_at"),
        "documents": m.get("documents"),
        "chunks": m.get("chunks"),
        "kinds": m.get("kinds", {}),
        "pages": len(m.get("pages", [])),
        "skipped": len(m.get("skipped", [])),
        "collection": version.collection,
        "engine": registry.engine_of(version),
        "versions_kept": registry.list_versions(),
    }
