"""Check an index version against its build manifest: counts, hashes, dimension, required meta."""

from __future__ import annotations

from typing import Any

from ingest.chunk import REQUIRED_META, sha256_text
from ingest.settings import EMBEDDING_DIM


def _dense_dim(store: Any) -> int | None:
    if hasattr(store, "dense_dim"):  # EdgeDocumentStore
        return store.dense_dim()
    from haystack_integrations.document_stores.qdrant.converters import DENSE_VECTORS_NAME

    from ingest.index_store import qdrant_client_of

    info = qdrant_client_of(store).get_collection(store.index)
    vectors = info.config.params.vectors
    if isinstance(vectors, dict):
        params = vectors.get(DENSE_VECTORS_NAME)
        return params.size if params else None
    return getattr(vectors, "size", None)


def verify_store(store: Any, manifest: dict[str, Any]) -> list[str]:
    """Every mismatch between `store` and `manifest`, as readable lines (empty when sound)."""
    problems: list[str] = []
    expected: dict[str, str] = manifest.get("chunk_hashes", {})
    dim = _dense_dim(store)
    if dim != manifest.get("dim", EMBEDDING_DIM):
        problems.append(f"vector dimension {dim} != {manifest.get('dim', EMBEDDING_DIM)}")
    docs = store.filter_documents()
    if len(docs) != manifest.get("chunks"):
        problems.append(f"chunk count {len(docs)} != manifest {manifest.get('chunks')}")
    seen: set[str] = set()
    for doc in docs:
        meta = doc.meta
        missing = [k for k in REQUIRED_META if k not in meta]
        if missing:
            problems.append(f"chunk {doc.id}: missing meta {', '.join(missing)}")
        if meta.get("content_sha256") != sha256_text(doc.content or ""):
            problems.append(f"chunk {doc.id}: content does not match its content_sha256")
        if expected and expected.get(doc.id) != meta.get("content_sha256"):
            problems.append(f"chunk {doc.id}: hash differs from the manifest")
        seen.add(doc.id)
    for absent in sorted(set(expected) - seen)[:20]:
        problems.append(f"chunk {absent}: in the manifest but not in the index")
    return problems
