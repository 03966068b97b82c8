"""One ingest: sources -> pages -> documents -> chunks -> a new verified index version -> switch."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from haystack import Document

from ingest.chunk import chunk_page
from ingest.index_store import VersionRegistry, close_store, finish_writing
from ingest.indexing import build_indexing_pipeline
from ingest.mirror import MirrorSkip, read_mirror
from ingest.parse import parse_page
from ingest.records import FetchedPage, IngestReport, ParsedPage, SkipPage, SkippedPage
from ingest.settings import EMBEDDING_DIM, Settings
from ingest.snapshots import SnapshotStore
from ingest.term_counts import count_terms
from ingest.verify import verify_store

BATCH = 64


class IngestError(Exception):
    """The ingest could not finish; the previously serving version is untouched."""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://")) or "://" in source


def fetch_sources(
    sources: Iterable[str], settings: Settings, report: IngestReport
) -> Iterator[FetchedPage]:
    """Pages from local mirrors (paths) and crawls (URLs); skips are recorded in the report."""
    snapshots = SnapshotStore(settings.snapshots_dir)
    for source in sources:
        if is_url(source):
            from ingest.crawl import Crawler  # httpx only when crawling
            from ingest.sources import load_sources

            try:
                config = load_sources(settings.sources_file)
            except ValueError as exc:
                raise IngestError(f"bad crawl configuration: {exc}") from exc
            with Crawler(settings, config, state_path=settings.cache_dir / "crawl_state.json",
                         previous_body=snapshots.get_by_url) as crawler:
                for item in crawler.crawl([source]):
                    if isinstance(item, FetchedPage):
                        yield item
                    else:
                        report.skipped.append(SkippedPage(item.url, item.reason))
            continue
        path = Path(source)
        if not path.exists():
            raise IngestError(f"source not found: {source}")
        for entry in read_mirror(path, settings.max_page_bytes):
            if isinstance(entry, MirrorSkip):
                report.skipped.append(SkippedPage(entry.source, entry.reason))
            else:
                yield entry


_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\x00")


def looks_binary(body: bytes) -> bool:
    """True for bytes that are no text page in any encoding (an image or archive saved as .html).

    Judged on the first 8 KB: many invalid UTF-8 sequences AND many control bytes. NUL bytes are
    not counted (broken captures interleave them with real text; decoding drops them), and
    legacy-encoded text (cp1252 accents) has invalid UTF-8 but no control bytes.
    """
    head = body[:8192].replace(b"\x00", b"")
    if not head:
        return False
    invalid = head.decode("utf-8", "replace").count("\ufffd")
    controls = sum(head.count(bytes([b])) for b in _CONTROL_BYTES)
    return invalid > len(head) * 0.1 and controls > len(head) * 0.02


def parse_and_chunk(
    pages: Iterable[FetchedPage], settings: Settings, report: IngestReport
) -> tuple[list[Document], list[dict[str, Any]]]:
    """Parse every page (a bad page is skipped with its reason, never fatal) and chunk it."""
    snapshots = SnapshotStore(settings.snapshots_dir)
    chunks: dict[str, Document] = {}
    page_rows: list[dict[str, Any]] = []
    t_parse = t_chunk = 0.0
    for page in pages:
        report.pages_seen += 1
        t0 = time.perf_counter()
        if looks_binary(page.body):
            report.skipped.append(SkippedPage(page.source, "binary content, not a text page"))
            continue
        try:
            parsed: list[ParsedPage] = parse_page(page, max_bytes=settings.max_page_bytes)
        except SkipPage as exc:
            report.skipped.append(SkippedPage(page.source, str(exc)))
            continue
        except (RecursionError, MemoryError) as exc:
            report.skipped.append(
                SkippedPage(page.source, f"too deeply nested or too large: {type(exc).__name__}")
            )
            continue
        except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the whole ingest
            report.skipped.append(
                SkippedPage(page.source, f"parser error: {type(exc).__name__}: {exc}"[:300])
            )
            continue
        t1 = time.perf_counter()
        page_chunks = 0
        for doc in parsed:
            for chunk in chunk_page(
                doc, settings.chunk_target_words, settings.chunk_max_words, settings.chunk_min_words
            ):
                if chunk.id not in chunks:
                    chunks[chunk.id] = chunk
                    page_chunks += 1
        t_chunk += time.perf_counter() - t1
        t_parse += t1 - t0
        if page_chunks == 0:
            report.skipped.append(SkippedPage(page.source, "no indexable text"))
            continue
        report.pages_indexed += 1
        report.documents += len(parsed)
        sha = snapshots.put(page.body, url=page.url)
        page_rows.append(
            {
                "source": page.source,
                "url": page.url or parsed[0].url,
                "sha256": sha,
                "fetched_at": page.fetched_at.isoformat(),
                "kind": parsed[0].kind,
                "title": parsed[0].title if len(parsed) == 1 else f"{len(parsed)} documents",
                "documents": len(parsed),
                "chunks": page_chunks,
                "current_as_of": max(
                    (d.current_as_of.isoformat() for d in parsed if d.current_as_of), default=None
                ),
            }
        )
    report.seconds["parse"] = round(t_parse, 3)
    report.seconds["chunk"] = round(t_chunk, 3)
    return list(chunks.values()), page_rows


def _documents_by_kind(chunks: list[Document]) -> dict[str, int]:
    docs: dict[str, str] = {c.meta["doc_id"]: c.meta["kind"] for c in chunks}
    return dict(Counter(docs.values()))


def pause_for_fault_injection(settings: Settings, phase: str) -> None:
    """Test-only (settings.fault_pause): mark that the ingest reached `phase`, wait to be killed."""
    if settings.fault_pause != phase:
        return
    marker = settings.index_dir / f".paused-{phase}"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()))
    time.sleep(60)
    marker.unlink(missing_ok=True)


def _arm_fault_pauses(settings: Settings, pipe: Any, store: Any) -> None:
    """Test-only: pause after the first fresh embeddings are cached ("embed"), or half-way
    through the first write to Qdrant ("write"). Nothing changes when fault_pause is unset."""
    if settings.fault_pause == "embed":
        cache = pipe.get_component("embedder").cache
        put_many = cache.put_many

        def put_then_pause(items: dict[str, list[float]]) -> None:
            put_many(items)
            pause_for_fault_injection(settings, "embed")

        cache.put_many = put_then_pause
    elif settings.fault_pause == "write":
        write = store.write_documents

        def write_half_then_pause(documents: list[Document], **kwargs: Any) -> int:
            half = max(1, len(documents) // 2)
            written = write(documents=documents[:half], **kwargs)
            pause_for_fault_injection(settings, "write")
            return written + write(documents=documents[half:], **kwargs)

        store.write_documents = write_half_then_pause


def storage_failure(exc: BaseException) -> OSError | sqlite3.Error | None:
    """The disk-level cause (full disk, read-only or missing folder) behind `exc`, if any;
    Haystack wraps a component's exception, so the whole cause chain is searched."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError | sqlite3.Error):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def server_unreachable(exc: BaseException) -> bool:
    """Whether `exc` (or its cause chain) is a failed connection to the Qdrant server."""
    seen: BaseException | None = exc
    while seen is not None:
        name = type(seen).__name__
        if isinstance(seen, ConnectionError) or name in ("ConnectError", "ResponseHandlingException", "ConnectTimeout"):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def check_free_space(settings: Settings) -> None:
    """Refuse to start a build the disk cannot hold. qdrant-edge writes through memory-mapped
    files, and a write into a full disk there kills the process (SIGBUS) instead of raising: the
    serving version survives that as it survives any crash, but the ingest should fail cleanly."""
    if settings.qdrant_url:
        return
    folder = settings.index_dir if settings.index_dir.exists() else settings.data_dir
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free_mb = shutil.disk_usage(folder).free / 2**20
    if free_mb < settings.min_free_mb:
        raise IngestError(
            f"No space left on device for a new index version under {settings.index_dir}: "
            f"{free_mb:.0f} MB free, at least {settings.min_free_mb} MB needed "
            "(POLICYDESK_MIN_FREE_MB); free disk space, then run the ingest again"
        )


def run_ingest(
    settings: Settings,
    sources: list[str],
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Build a new index version from `sources` and switch to it once complete and verified.

    Any failure raises IngestError and leaves the serving version (and every older one) as it was.
    """
    try:
        return _build_and_switch(settings, sources, progress)
    except IngestError:
        raise
    except Exception as exc:
        if settings.qdrant_url and server_unreachable(exc):
            raise IngestError(
                f"cannot reach the Qdrant server at {settings.qdrant_url} ({exc}); start it or fix "
                "POLICYDESK_QDRANT_URL, then run the ingest again"
            ) from exc
        cause = storage_failure(exc)
        if cause is None:
            raise
        detail = str(cause)
        if isinstance(cause, OSError) and cause.strerror:
            detail = cause.strerror + (f": {cause.filename}" if cause.filename else "")
        raise IngestError(
            f"cannot write under the data directory {settings.data_dir} ({detail}); "
            "free disk space or fix its permissions, then run the ingest again"
        ) from exc


def _build_and_switch(
    settings: Settings,
    sources: list[str],
    progress: Callable[[int, int], None] | None,
) -> IngestReport:
    report = IngestReport()
    started = time.perf_counter()
    t0 = time.perf_counter()
    pages: list[FetchedPage] = []
    for page in fetch_sources(sources, settings, report):
        pages.append(page)
        if len(pages) == 1:
            pause_for_fault_injection(settings, "fetch")
    report.seconds["fetch"] = round(time.perf_counter() - t0, 3)
    chunks, page_rows = parse_and_chunk(pages, settings, report)
    report.chunks = len(chunks)
    if not chunks:
        reasons = "; ".join(f"{s.source}: {s.reason}" for s in report.skipped[:5])
        raise IngestError(f"nothing to index: every page was skipped ({reasons})")
    index_chunks(settings, chunks, sources, report, page_rows, progress)
    report.seconds["total"] = round(time.perf_counter() - started, 3)
    return report


def index_chunks(
    settings: Settings,
    chunks: list[Document],
    sources: list[str],
    report: IngestReport,
    page_rows: list[dict[str, Any]],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Embed (cached), encode, write, index and verify `chunks` as a new version, then switch to it.

    On any failure the new version is discarded and the serving one is untouched.
    """
    report.chunks = len(chunks)
    registry = VersionRegistry(settings)
    check_free_space(settings)
    try:
        version, store = registry.start_build()
    except OSError as exc:
        raise IngestError(
            f"cannot create a new index version under {settings.index_dir}: {exc}"
        ) from exc
    report.version = version
    try:
        pipe = build_indexing_pipeline(settings, store)
        _arm_fault_pauses(settings, pipe, store)
        t_embed = time.perf_counter()
        for start in range(0, len(chunks), BATCH):
            batch = chunks[start : start + BATCH]
            out = pipe.run({"embedder": {"documents": batch}}, include_outputs_from={"embedder", "sentences"})
            report.embedded += out["embedder"]["embedded"]
            report.from_cache += out["embedder"]["from_cache"]
            report.sentences_embedded += out.get("sentences", {}).get("embedded", 0)
            if progress:
                progress(min(start + BATCH, len(chunks)), len(chunks))
        report.seconds["embed+write"] = round(time.perf_counter() - t_embed, 3)
        t_optimize = time.perf_counter()
        finish_writing(store)
        report.seconds["optimize"] = round(time.perf_counter() - t_optimize, 3)

        t_verify = time.perf_counter()
        manifest = {
            "version": version,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "backend": settings.backend,
            "engine": registry.engine,
            "collection": registry.collection_for(version),
            "embedding_model": settings.embedding_model_id,
            "embedding_model_path": settings.embedding_model,  # where a reader finds it (model_identity)
            "dim": EMBEDDING_DIM,
            "sources": sources,
            "documents": report.documents,
            "chunks": len(chunks),
            "kinds": _documents_by_kind(chunks),
            "pages": page_rows,
            "skipped": [{"source": s.source, "reason": s.reason} for s in report.skipped],
            "chunk_hashes": {c.id: c.meta["content_sha256"] for c in chunks},
            "corpus_sha256": hashlib.sha256(
                "".join(sorted(c.meta["content_sha256"] for c in chunks)).encode()
            ).hexdigest(),
        }
        problems = verify_store(store, manifest)
        if problems:
            raise IngestError("the new index failed verification: " + "; ".join(problems[:5]))
        close_store(store)
        registry.save_term_counts(version, count_terms(chunks))
        registry.finish_build(version, manifest)
        report.seconds["verify"] = round(time.perf_counter() - t_verify, 3)
        pause_for_fault_injection(settings, "switch")
        registry.switch(version)
    except BaseException as exc:
        close_store(store)
        registry.discard(version)  # never the serving one
        if isinstance(exc, IngestError | KeyboardInterrupt):
            raise
        if isinstance(exc, OSError):
            raise IngestError(f"ingest failed writing the new version: {exc}") from exc
        raise
    report.switched = True
    # Old versions go only now, after the switch succeeded; a failed ingest deletes nothing.
    registry.collect_garbage(settings.keep_versions)
