"""EdgeDocumentStore: a Haystack document store on qdrant-edge, Qdrant's own engine in-process.

Why: Qdrant *local mode* (qdrant-client's `path=`) searches with a Python loop over every point
(about 1 s for a filtered query over 100k points on this machine). qdrant-edge runs Qdrant's Rust
segment code inside the process: an HNSW graph for dense vectors, an inverted index for the BM25
sparse vectors (IDF modifier, the same scoring as a Qdrant server), payload indexes for filters,
and searches that release the GIL, so concurrent questions use both cores.

Points are stored as qdrant-haystack stores them (point id = uuid5 of the document id; payload
`{"id", "content", "meta"}`; vectors "text-dense" and "text-sparse"), so filters name fields as
`meta.kind` on every backend.

A shard is written once, by one ingest, then optimized (HNSW built) and only read afterwards.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from haystack import Document
from haystack.dataclasses import SparseEmbedding
from haystack.document_stores.errors import DuplicateDocumentError
from haystack.document_stores.types import DuplicatePolicy

from ingest.edge_filters import to_edge_filter
from ingest.settings import EMBEDDING_DIM

DENSE = "text-dense"
SPARSE = "text-sparse"
# Same namespace as qdrant-haystack's convert_id, so a chunk has one point id on every backend.
UUID_NAMESPACE = uuid.UUID("3896d314-1e95-4a3a-b45a-945f9f0b541d")
WRITE_BATCH = 512
SCROLL_PAGE = 2048
# Filters the app uses (kind, forms, volume) get Qdrant's payload-aware HNSW links; lookup-only
# fields (a section's neighbours by page and section, a page's chunks) only a plain payload index.
FILTER_FIELDS = {"meta.kind": "keyword", "meta.forms": "keyword", "meta.volume": "integer"}
LOOKUP_FIELDS = {"meta.doc_id": "keyword", "meta.section": "keyword", "meta.url": "keyword", "meta.cite": "keyword"}


def point_id(document_id: str) -> str:
    return uuid.uuid5(UUID_NAMESPACE, document_id).hex


def _config(hnsw_m: int, hnsw_ef_construct: int) -> Any:
    from qdrant_edge import (
        Distance,
        EdgeConfig,
        EdgeSparseVectorParams,
        EdgeVectorParams,
        HnswIndexConfig,
        Modifier,
    )

    return EdgeConfig(
        vectors={DENSE: EdgeVectorParams(size=EMBEDDING_DIM, distance=Distance.Cosine)},
        sparse_vectors={SPARSE: EdgeSparseVectorParams(modifier=Modifier.Idf)},
        # Small shards (the 3k-chunk corpus) stay below the threshold and are searched exactly;
        # HNSW takes over where a scan would cost more (Qdrant's default, 10 MB of vectors).
        hnsw_config=HnswIndexConfig(m=hnsw_m, ef_construct=hnsw_ef_construct, full_scan_threshold=10_000),
        # The version folder is written once and made durable by flush() before it is verified
        # and switched to; a crashed build is discarded whole, so a write-ahead log adds nothing.
        wal_enabled=False,
    )


def _index_params(schema: str, filterable: bool) -> Any:
    from qdrant_edge import IntegerIndexParams, KeywordIndexParams

    if schema == "integer":
        return IntegerIndexParams(lookup=True, range=True, enable_hnsw=filterable)
    return KeywordIndexParams(enable_hnsw=filterable)


class EdgeDocumentStore:
    """Haystack DocumentStore protocol plus dense/sparse retrieval, on one qdrant-edge shard folder."""

    def __init__(
        self,
        path: Path,
        *,
        create: bool = False,
        return_embedding: bool = False,
        hnsw_ef: int = 128,
        hnsw_m: int = 16,
        hnsw_ef_construct: int = 100,
    ) -> None:
        if hnsw_ef < 1 or hnsw_m < 2 or hnsw_ef_construct < 4:
            raise ValueError("EdgeDocumentStore needs hnsw_ef >= 1, hnsw_m >= 2, hnsw_ef_construct >= 4")
        self.path = Path(path)
        self.index = self.path.name  # what verify and status print as the collection
        self.return_embedding = return_embedding
        self.hnsw_ef = hnsw_ef
        self._create = create
        self._hnsw = (hnsw_m, hnsw_ef_construct)
        self._shard: Any = None

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def shard(self) -> Any:
        """The qdrant_edge.EdgeShard, opened (or created) on first use."""
        if self._shard is None:
            from qdrant_edge import EdgeShard, UpdateOperation

            if self._create:
                shard = EdgeShard.create(str(self.path), _config(*self._hnsw))
                for fields, filterable in ((FILTER_FIELDS, True), (LOOKUP_FIELDS, False)):
                    for name, schema in fields.items():
                        shard.update(UpdateOperation.create_field_index(name, _index_params(schema, filterable)))
                self._create = False
            else:
                if not (self.path / "edge_config.json").is_file():
                    raise FileNotFoundError(f"no qdrant-edge shard in {self.path}")
                shard = EdgeShard.load(str(self.path))
            self._shard = shard
        return self._shard

    def optimize(self) -> None:
        """Build the HNSW graph and merge segments, then make everything durable on disk."""
        self.shard.optimize()
        self.shard.flush()

    def close(self) -> None:
        if self._shard is not None:
            self._shard.close()
            self._shard = None

    def dense_dim(self) -> int | None:
        """The dense vector size the shard was created with (from its own config file)."""
        self.shard  # noqa: B018 - opening proves the config is readable and compatible
        config = json.loads((self.path / "edge_config.json").read_text(encoding="utf-8"))
        size = (config.get("vectors") or {}).get(DENSE, {}).get("size")
        return int(size) if size is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {"type": f"{__name__}.EdgeDocumentStore", "init_parameters": {
            "path": str(self.path), "return_embedding": self.return_embedding, "hnsw_ef": self.hnsw_ef}}

    # -- DocumentStore protocol -------------------------------------------------------------
    def count_documents(self) -> int:
        from qdrant_edge import CountRequest

        return int(self.shard.count(CountRequest(exact=True)))

    def filter_documents(self, filters: dict[str, Any] | None = None) -> list[Document]:
        from qdrant_edge import ScrollRequest

        out: list[Document] = []
        offset = None
        edge_filter = to_edge_filter(filters)
        while True:
            records, offset = self.shard.scroll(ScrollRequest(
                offset=offset, limit=SCROLL_PAGE, filter=edge_filter, with_payload=True,
                with_vector=[DENSE] if self.return_embedding else False))
            out.extend(_to_document(r) for r in records)
            if offset is None:
                return out

    def get_documents_by_id(self, ids: Iterable[str]) -> list[Document]:
        wanted = list(ids)
        if not wanted:
            return []
        # By id a document comes whole, vector included (the answer builder's VectorsById).
        records = self.shard.retrieve([point_id(i) for i in wanted], True, [DENSE])
        return [_to_document(r) for r in records]

    def write_documents(self, documents: list[Document], policy: DuplicatePolicy = DuplicatePolicy.NONE) -> int:
        from qdrant_edge import UpdateMode, UpdateOperation

        for doc in documents:
            if not isinstance(doc, Document):
                raise ValueError(f"write_documents expects Documents, got {type(doc).__name__}")
        if policy == DuplicatePolicy.FAIL:
            existing = self.shard.retrieve([point_id(d.id) for d in documents], ["id"], False)
            if existing:
                ids = [(r.payload or {}).get("id") for r in existing][:5]
                raise DuplicateDocumentError(f"documents already in the store: {ids}")
        mode = UpdateMode.InsertOnly if policy == DuplicatePolicy.SKIP else None
        for start in range(0, len(documents), WRITE_BATCH):
            points = [_to_point(d) for d in documents[start : start + WRITE_BATCH]]
            self.shard.update(UpdateOperation.upsert_points(points, update_mode=mode))
        return len(documents)

    def delete_documents(self, document_ids: list[str]) -> None:
        from qdrant_edge import UpdateOperation

        if document_ids:
            self.shard.update(UpdateOperation.delete_points([point_id(i) for i in document_ids]))

    # -- retrieval --------------------------------------------------------------------------
    def embedding_retrieval(self, query_embedding: list[float], filters: dict[str, Any] | None = None,
                            top_k: int = 10) -> list[Document]:
        from qdrant_edge import Query

        return self._query(Query.Nearest(list(query_embedding), using=DENSE), filters, top_k)

    def sparse_retrieval(self, query_sparse_embedding: SparseEmbedding, filters: dict[str, Any] | None = None,
                         top_k: int = 10) -> list[Document]:
        from qdrant_edge import Query, SparseVector

        if not query_sparse_embedding.indices:
            return []
        vector = SparseVector(list(query_sparse_embedding.indices), list(query_sparse_embedding.values))
        return self._query(Query.Nearest(vector, using=SPARSE), filters, top_k)

    def _query(self, query: Any, filters: dict[str, Any] | None, top_k: int) -> list[Document]:
        from qdrant_edge import QueryRequest, SearchParams

        points = self.shard.query(QueryRequest(
            limit=top_k, query=query, filter=to_edge_filter(filters), with_payload=True, with_vector=False,
            params=SearchParams(hnsw_ef=max(self.hnsw_ef, top_k))))
        return [_to_document(p, score=p.score) for p in points]

    def facet_values(self, key: str, limit: int = 100_000) -> list[Any]:
        """Every distinct value of an indexed payload field (e.g. all form numbers), from its index."""
        from qdrant_edge import FacetRequest

        return [hit.value for hit in self.shard.facet(FacetRequest(key=key, limit=limit, exact=True))]


def _to_point(doc: Document) -> Any:
    from qdrant_edge import Point, SparseVector

    vectors: dict[str, Any] = {}
    if doc.embedding is not None:
        vectors[DENSE] = [float(x) for x in doc.embedding]
    if doc.sparse_embedding is not None and doc.sparse_embedding.indices:
        vectors[SPARSE] = SparseVector(list(doc.sparse_embedding.indices), list(doc.sparse_embedding.values))
    return Point(point_id(doc.id), vectors, {"id": doc.id, "content": doc.content, "meta": doc.meta})


def _to_document(point: Any, score: float | None = None) -> Document:
    payload = point.payload or {}
    vector = point.vector
    embedding = vector.get(DENSE) if isinstance(vector, dict) else None
    return Document(id=payload.get("id", str(point.id)), content=payload.get("content"),
                    meta=payload.get("meta") or {}, embedding=embedding, score=score)
