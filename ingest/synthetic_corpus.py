"""A larger corpus synthesised from the real chunks, for the scale benchmark (`policydesk bench scale`).

How: the N chunks are the real corpus's chunks (copy 0, as indexed) followed by copies 1, 2, ...
of them until N. A copy keeps its source's heading line, kind and form tags, and varies:
- text: the body's paragraphs rotated by the copy number and its sentences' word order
  untouched, so BM25 sees the same vocabulary at realistic document frequencies but every chunk
  is a distinct text (its own content hash, its own sparse vector);
- identity: its own doc_id, chunk_id, url (`?copy=k`) and cite (`(copy k)`), so pages and sections
  stay distinct and the section merger's lookups stay per page;
- vector: the source's cached MiniLM vector plus Gaussian noise (sigma 0.015 per dimension,
  cosine about 0.96 to the source), normalised, seeded by the copy number (reproducible).
The vectors are written to the bench data dir's embedding cache under the copies' content
hashes, so the real indexing pipeline builds the index (nothing is embedded by the model).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from haystack import Document

from ingest.chunk import sha256_text
from ingest.embedding_cache import EmbeddingCache

NOISE_SIGMA = 0.015


def _vary_text(content: str, heading: str | None, copy: int) -> str:
    head, body = "", content
    if heading and content.startswith(heading + "\n"):
        head, body = heading + "\n", content[len(heading) + 1 :]
    paragraphs = body.split("\n\n")
    shift = copy % len(paragraphs)
    rotated = paragraphs[shift:] + paragraphs[:shift]
    body = "\n\n".join(rotated)
    return f"{head}{body}\n\n(Copy {copy} of this passage.)"


def _copy_of(doc: Document, copy: int) -> Document:
    meta: dict[str, Any] = dict(doc.meta)
    content = _vary_text(doc.content or "", meta.get("heading"), copy)
    chunk_id = hashlib.sha256(f"{doc.id}#copy{copy}".encode()).hexdigest()[:32]
    meta.update(
        chunk_id=chunk_id,
        doc_id=f"{meta.get('doc_id')}~{copy}",
        url=f"{meta.get('url', '')}?copy={copy}",
        cite=f"{meta.get('cite', '')} (copy {copy})",
        content_sha256=sha256_text(content),
    )
    return Document(id=chunk_id, content=content, meta=meta)


def synthesise(base: list[Document], n: int, source: EmbeddingCache, cache: EmbeddingCache) -> list[Document]:
    """`n` chunks from `base` (real chunks, their vectors in `source`); all their vectors put in `cache`."""
    if not base:
        raise ValueError("no chunks to synthesise from: build the real index first")
    vectors = source.get_many(d.meta["content_sha256"] for d in base)
    missing = [d.id for d in base if d.meta["content_sha256"] not in vectors]
    if missing:
        raise ValueError(f"{len(missing)} real chunks have no cached vector (e.g. {missing[0]}); re-run the ingest")
    out = list(base[:n])
    copy = 1
    while len(out) < n:
        rng = np.random.default_rng(copy)
        fresh: dict[str, list[float]] = {}
        for doc in base[: n - len(out)]:
            twin = _copy_of(doc, copy)
            v = np.asarray(vectors[doc.meta["content_sha256"]], dtype=np.float32)
            v = v + rng.normal(0.0, NOISE_SIGMA, v.shape).astype(np.float32)
            fresh[twin.meta["content_sha256"]] = (v / np.linalg.norm(v)).tolist()
            out.append(twin)
        cache.put_many(fresh)
        copy += 1
    cache.put_many({d.meta["content_sha256"]: vectors[d.meta["content_sha256"]] for d in base[:n]})
    return out
