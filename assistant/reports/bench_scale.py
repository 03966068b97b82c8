"""Scale benchmark: build (or reuse) an index of N synthetic chunks, then measure a fresh reader.

    policydesk bench scale --chunks 30000 [--engine edge|qdrant-local] [--json]

The N chunks are synthesised from the serving index's real chunks (ingest.synthetic_corpus says
how) and built by the real indexing pipeline (`index_chunks`: cached vectors, BM25, write,
optimize, verify, term counts) into `<data_dir>/bench/scale-<engine>-<N>`, reused by later runs.
The reader runs in a separate process, as the app would: its resident memory is the app's (model
included), not the builder's. It times warm `ask` (the whole answer path) and retrieval alone
(the dense and BM25 retrievers on a prepared query), each without and with a filter (alternately
a kind and a form, as the app's search filters set them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from assistant.reports.evaluate import percentile
from ingest.settings import Settings

DEV_QUESTIONS = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev.jsonl"
FALLBACK_QUESTIONS = [
    "What is the filing fee for Form I-765?",
    "How many continuous years of residence does naturalization require?",
    "Can a K-1 fiance work after entering the United States?",
    "Is public charge considered for TPS applicants?",
    "Where do I mail Form I-765 if I live in Texas?",
]
WARM_UP = 5


def bench_dir(settings: Settings, engine: str, chunks: int) -> Path:
    return settings.data_dir / "bench" / f"scale-{engine}-{chunks}"


def build_synthetic_index(settings: Settings, chunks: int, engine: str, rebuild: bool = False) -> dict[str, Any]:
    """The bench index of `chunks` chunks with `engine`: built now, or reused. Returns its record."""
    from ingest.index_store import IndexUnavailable, VersionRegistry, close_store
    from ingest.indexing import embedding_cache_for
    from ingest.records import IngestReport
    from ingest.run_ingest import index_chunks
    from ingest.synthetic_corpus import synthesise

    target = settings.model_copy(update={"data_dir": bench_dir(settings, engine, chunks),
                                         "embedded_engine": engine, "qdrant_url": None})
    record_path = target.data_dir / "bench.json"
    if not rebuild and record_path.is_file():
        record = json.loads(record_path.read_text(encoding="utf-8"))
        try:
            if VersionRegistry(target).current().name == record.get("version"):
                return record | {"reused": True}
        except IndexUnavailable:
            pass
    registry = VersionRegistry(settings)
    store, copy = registry.open_reader(registry.current())
    try:
        base = sorted(store.filter_documents(), key=lambda d: d.id)
    finally:
        close_store(store)
        if copy is not None:
            import shutil

            shutil.rmtree(copy, ignore_errors=True)
    docs = synthesise(base, chunks, embedding_cache_for(settings), embedding_cache_for(target))
    report = IngestReport()
    t0 = time.perf_counter()
    index_chunks(target, docs, [f"synthetic:{chunks} from {len(base)} real chunks"], report, [])
    build_s = time.perf_counter() - t0
    version = VersionRegistry(target).current()
    assert version.path is not None
    record = {"chunks": chunks, "engine": engine, "version": version.name, "build_s": round(build_s, 1),
              "build_stages_s": report.seconds, "disk_mb": round(_disk_bytes(version.path / "qdrant") / 2**20, 1),
              "data_dir": str(target.data_dir)}
    record_path.write_text(json.dumps(record, indent=1), encoding="utf-8")
    return record | {"reused": False}


def _disk_bytes(folder: Path) -> int:
    """Bytes actually allocated (qdrant-edge's files are sparse: their apparent size overstates)."""
    return sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file())


def bench_scale(settings: Settings, chunks: int, engine: str, questions: int = 60,
                rebuild: bool = False) -> dict[str, Any]:
    record = build_synthetic_index(settings, chunks, engine, rebuild)
    cmd = [sys.executable, "-m", "assistant.reports.bench_scale", record["data_dir"], str(questions)]
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"the reader process failed: {done.stderr[-2000:]}")
    reader = json.loads(done.stdout.strip().splitlines()[-1])
    return {k: v for k, v in record.items() if k != "data_dir"} | reader


def _questions(total: int) -> list[str]:
    pool = FALLBACK_QUESTIONS
    if DEV_QUESTIONS.is_file():
        pool = [json.loads(line)["question"] for line in DEV_QUESTIONS.read_text(encoding="utf-8").splitlines()
                if line.strip()] or pool
    return [pool[i % len(pool)] for i in range(total)]


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _ms(values: list[float], q: float) -> float:
    return round(percentile(values, q), 1)


def measure_reader(data_dir: Path, total: int) -> dict[str, Any]:
    """In this (fresh) process: open the index, warm up, time ask and retrieval; memory after."""
    from assistant.service import Assistant, SearchFilters

    settings = Settings(data_dir=data_dir)
    t0 = time.perf_counter()
    assistant = Assistant(settings)
    assistant.ask(FALLBACK_QUESTIONS[0])  # opens the version, loads the model
    open_s = time.perf_counter() - t0
    filters = [SearchFilters(kinds=["pm-chapter"]), SearchFilters(forms=["I-765"])]
    asked = _questions(total)
    for q in asked[:WARM_UP]:
        assistant.ask(q)
    plain, filtered = [], []
    for i, q in enumerate(asked):
        t = time.perf_counter()
        assistant.ask(q)
        plain.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        assistant.ask(q, filters=filters[i % 2])
        filtered.append((time.perf_counter() - t) * 1000)
    retrieval, retrieval_filtered = _time_retrieval(assistant, asked, filters)
    rss, peak = _rss_mb()
    assistant.close()
    return {
        "reader_open_s": round(open_s, 1),
        "ask_p50_ms": _ms(plain, 0.5), "ask_p95_ms": _ms(plain, 0.95),
        "filtered_ask_p50_ms": _ms(filtered, 0.5), "filtered_ask_p95_ms": _ms(filtered, 0.95),
        "retrieve_p50_ms": _ms(retrieval, 0.5), "retrieve_p95_ms": _ms(retrieval, 0.95),
        "filtered_retrieve_p95_ms": _ms(retrieval_filtered, 0.95),
        "reader_rss_mb": round(rss), "reader_peak_rss_mb": round(peak), "questions": len(asked),
    }


def _time_retrieval(assistant: Any, asked: list[str], filters: list[Any]) -> tuple[list[float], list[float]]:
    """Dense + BM25 retrievers alone, on queries embedded and encoded beforehand."""
    with assistant._use() as serving:
        pipe = serving.pipeline
        embedder, encoder = pipe.get_component("embedder"), pipe.get_component("sparse")
        dense, bm25 = pipe.get_component("dense"), pipe.get_component("bm25")
        prepared = [(embedder.run(text=q)["embedding"], encoder.run(text=q)["sparse_embedding"]) for q in asked]
        plain: list[float] = []
        filtered: list[float] = []
        for i, (vector, sparse) in enumerate(prepared):
            for out, f in ((plain, None), (filtered, filters[i % 2].to_haystack())):
                t = time.perf_counter()
                with serving.exclusive:
                    dense.run(query_embedding=vector, filters=f)
                    bm25.run(query_sparse_embedding=sparse, filters=f)
                out.append((time.perf_counter() - t) * 1000)
    return plain, filtered


COLUMNS = [("chunks", "chunks"), ("engine", "engine"), ("build_s", "build s"), ("disk_mb", "disk MB"),
           ("reader_rss_mb", "reader RSS MB"), ("reader_open_s", "open s"), ("ask_p50_ms", "ask p50"),
           ("ask_p95_ms", "ask p95"), ("filtered_ask_p50_ms", "filtered p50"),
           ("filtered_ask_p95_ms", "filtered p95"), ("retrieve_p50_ms", "retrieve p50"),
           ("retrieve_p95_ms", "retrieve p95"), ("filtered_retrieve_p95_ms", "filt. retrieve p95")]


def table_rows(result: dict[str, Any]) -> list[str]:
    header = "| " + " | ".join(label for _, label in COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    row = "| " + " | ".join(str(result.get(key, "")) for key, _ in COLUMNS) + " |"
    return [header, rule, row]


if __name__ == "__main__":  # the reader process of bench_scale
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    print(json.dumps(measure_reader(Path(sys.argv[1]), int(sys.argv[2]))))
