"""Questions answered in worker processes: one process per core, so parallel questions are not
held to one core's worth of Python.

One process answers questions in parallel only while they are inside torch or the search engine
(both release the GIL); the rest of a question is Python under the GIL, about two thirds of it, so
one process tops out near 1.2x a single client on 2 cores (README, "Parallel questions"). With
`POLICYDESK_ASK_PROCESSES=N`, `Assistant.ask` hands each question to one of N processes, each with
its own model and its own open index version (~0.8 GB resident each). Each worker checks the serving
version before every question as any reader does, so a new version is picked up without a restart,
and approved answers come from the one SQLite database every process reads.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.index_store import IndexUnavailable
from ingest.settings import Settings

if TYPE_CHECKING:
    from assistant.records import Answer
    from assistant.service import Assistant, SearchFilters

_WORKER: Assistant | None = None  # this worker process's own Assistant


def _start(fields: dict[str, Any]) -> None:
    global _WORKER
    from assistant.service import Assistant

    _WORKER = Assistant(Settings(**{**fields, "ask_processes": 0}))
    with contextlib.suppress(IndexUnavailable):  # warm: load the model and open the version now
        _WORKER.version  # noqa: B018


def _ready() -> None:
    """A no-op task: returns once its worker has started (and warmed up)."""


def _ask(question: object, top_k: int | None, filters: SearchFilters | None, qid: str | None,
         threshold: float | None) -> Answer:
    if _WORKER is None:
        raise RuntimeError("worker process not started")
    return _WORKER.ask(question, top_k, filters, qid, threshold)


class AskWorkers:
    def __init__(self, settings: Settings, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"processes must be >= 1, got {processes}")
        self.processes = processes
        # "spawn": a fork of a process with loaded torch threads and open files is not safe.
        self._pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_start, initargs=(settings.model_dump(),))
        # Start them all now, warm (the pool starts a process only when none is idle, so N tasks
        # submitted at once start N): the first questions do not wait on a model load.
        for done in [self._pool.submit(_ready) for _ in range(processes)]:
            done.result()

    def pids(self) -> list[int]:
        """The worker processes' ids (for CPU accounting in the load benchmark)."""
        return sorted(self._pool._processes)  # type: ignore[attr-defined]  # no public accessor

    def ask(self, question: object, top_k: int | None, filters: SearchFilters | None, qid: str | None,
            threshold: float | None) -> Answer:
        return self._pool.submit(_ask, question, top_k, filters, qid, threshold).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc), 0.0 where unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0
