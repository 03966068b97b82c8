"""Load test: concurrent clients asking through one shared Assistant, as the app does.

    [POLICYDESK_ASK_PROCESSES=2] python -m benchmarks.load_test [--clients 1,4,8,16] [--questions 400]

The app keeps one Assistant behind st.cache_resource and every session calls `.ask` on it; here
N client threads do the same. Uses the index in POLICYDESK_DATA_DIR (default ./data) when one
serves, else builds the small fixture index in a temporary folder. Prints errors (must be 0),
p50/p95/p99 latency as each client saw it (queueing included) and throughput, and the physical
bound the cores set: with C clients and q CPU-ms per question (this process's CPU time over the
questions, measured), questions cannot finish faster than cores / q per ms, so a client waits
at least about C x q / cores ms per question once C exceeds the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

from assistant.reports.evaluate import percentile  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEV_QUESTIONS = REPO.parent / "shared" / "eval" / "dev.jsonl"
FIXTURE_MIRROR = REPO / "tests" / "fixtures" / "mirror"
INVENTED = [
    "What is the filing fee for Form I-765?",
    "Where do I mail Form I-765 if I live in Texas?",
    "Can a K-1 fiance work after entering the United States?",
    "What is the filing fee for Form I-999?",
    "Within how many days should officers review test petitions?",
    "What is the status of my case? Receipt IOE0912345678",  # escalated, never searched
    "How many continuous years of residence does naturalization require?",
    "Is public charge considered for TPS applicants?",
]


def load_questions(total: int, path: Path = DEV_QUESTIONS) -> list[str]:
    pool: list[str] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                pool.append(json.loads(line)["question"])
    pool += INVENTED
    return [pool[i % len(pool)] for i in range(total)]


def run_load(assistant: Any, questions: list[str], clients: int) -> dict[str, Any]:
    """Ask every question through `assistant` from `clients` threads; latencies in ms."""
    latencies: list[float] = []
    errors: list[str] = []
    abstained = 0

    def ask(question: str) -> None:
        nonlocal abstained
        t0 = time.perf_counter()
        try:
            answer = assistant.ask(question)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none may happen
            errors.append(f"{type(exc).__name__}: {exc} <- {question[:60]!r}")
            return
        latencies.append((time.perf_counter() - t0) * 1000)
        abstained += answer.abstained

    started, cpu_started = time.perf_counter(), _cpu_seconds(assistant)
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(ask, questions))
    wall = time.perf_counter() - started
    cpu_ms = (_cpu_seconds(assistant) - cpu_started) * 1000 / max(len(questions), 1)
    cores = len(os.sched_getaffinity(0))
    return {
        "clients": clients,
        "questions": len(questions),
        "errors": errors,
        "abstained": abstained,
        "wall_s": wall,
        "throughput_qps": len(questions) / wall,
        "p50_ms": percentile(latencies, 0.50) if latencies else None,
        "p95_ms": percentile(latencies, 0.95) if latencies else None,
        "p99_ms": percentile(latencies, 0.99) if latencies else None,
        "mean_ms": statistics.fmean(latencies) if latencies else None,
        "cpu_ms_per_question": cpu_ms,
        "cores": cores,
        # The cores' limit: throughput <= cores / CPU-s per question; latency >= clients x CPU-ms / cores.
        "bound_qps": cores * 1000 / cpu_ms if cpu_ms else None,
        "bound_latency_ms": max(clients, cores) * cpu_ms / cores,
    }


def _cpu_seconds(assistant: Any) -> float:
    """CPU seconds of this process plus its answer workers (POLICYDESK_ASK_PROCESSES), if any."""
    from assistant.workers import cpu_seconds

    workers = getattr(assistant, "_workers", None)
    return time.process_time() + sum(cpu_seconds(pid) for pid in (workers.pids() if workers else []))


def settings_with_an_index():
    """Settings for the serving index in POLICYDESK_DATA_DIR/./data, or a fresh fixture index."""
    from ingest.index_store import IndexUnavailable, VersionRegistry
    from ingest.run_ingest import run_ingest
    from ingest.settings import Settings

    settings = Settings()
    try:
        VersionRegistry(settings).current()
        return settings, "existing"
    except IndexUnavailable:
        pass
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="policydesk-load-")))
    run_ingest(settings, [str(FIXTURE_MIRROR)])
    return settings, "fixture"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="8", help="client counts, comma-separated (1,4,8,16)")
    parser.add_argument("--questions", type=int, default=400)
    args = parser.parse_args(argv)

    from assistant.service import Assistant

    settings, which = settings_with_an_index()
    assistant = Assistant(settings)
    version = assistant.version  # open once, as st.cache_resource does
    print(f"index: {which} {version.name} ({version.manifest.get('chunks')} chunks) "
          f"in {settings.data_dir}")
    for question in INVENTED:  # warm-up, not measured
        assistant.ask(question)
    failed = False
    for clients in (int(c) for c in str(args.clients).split(",")):
        result = run_load(assistant, load_questions(args.questions), clients)
        print(f"{result['questions']} questions, {result['clients']} clients, "
              f"{len(result['errors'])} errors, {result['abstained']} abstained")
        print(f"latency ms: p50 {result['p50_ms']:.0f}  p95 {result['p95_ms']:.0f}  "
              f"p99 {result['p99_ms']:.0f}  (mean {result['mean_ms']:.0f})")
        print(f"throughput: {result['throughput_qps']:.2f} questions/s over {result['wall_s']:.1f} s; "
              f"{result['cpu_ms_per_question']:.0f} CPU-ms per question on {result['cores']} cores: "
              f"bound {result['bound_qps']:.2f} questions/s, {result['bound_latency_ms']:.0f} ms per question")
        print("json: " + json.dumps({k: v for k, v in result.items() if k != "errors"} | {
            "errors": len(result["errors"])}))
        for error in result["errors"][:20]:
            print(f"  error: {error}")
        failed = failed or bool(result["errors"])
    assistant.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
