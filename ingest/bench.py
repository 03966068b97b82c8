"""Ingest benchmark: chunks/s of the whole pipeline vs the bare embedding model, same chunks, same run."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from ingest.records import IngestReport
from ingest.run_ingest import fetch_sources, parse_and_chunk, run_ingest
from ingest.settings import Settings


def bench_ingest(settings: Settings, sources: list[str], limit: int | None = None) -> dict[str, Any]:
    """Cold ingest (empty cache) into a throw-away data dir, warm re-ingest, then the bare model."""
    from sentence_transformers import SentenceTransformer

    with tempfile.TemporaryDirectory(prefix="policydesk-bench-") as tmp:
        bench_settings = settings.model_copy(update={"data_dir": Path(tmp)})
        probe = IngestReport()
        chunks, _ = parse_and_chunk(fetch_sources(sources, bench_settings, probe), bench_settings, probe)
        if limit:
            chunks = chunks[:limit]
        texts = [c.content or "" for c in chunks]

        t0 = time.perf_counter()
        cold = run_ingest(bench_settings, sources)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = run_ingest(bench_settings, sources)
        warm_s = time.perf_counter() - t0

        model = SentenceTransformer(settings.embedding_model, device="cpu", local_files_only=True)
        model.encode(texts[:8])  # load kernels before timing
        t0 = time.perf_counter()
        model.encode(texts, batch_size=settings.embedding_batch_size, normalize_embeddings=True)
        bare_s = time.perf_counter() - t0

    return {
        "chunks": cold.chunks,
        "pipeline_cold_s": round(cold_s, 2),
        "pipeline_cold_chunks_per_s": round(cold.chunks / cold_s, 2),
        "pipeline_warm_s": round(warm_s, 2),
        "pipeline_warm_embedded": warm.embedded,
        "bare_model_chunks": len(texts),
        "bare_model_s": round(bare_s, 2),
        "bare_model_chunks_per_s": round(len(texts) / bare_s, 2),
        "stages_cold_s": cold.seconds,
    }
