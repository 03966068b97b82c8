"""What approved answers add to `ask`: the match of a question against N approved questions.

    python -m benchmarks.approval_match [--approvals 1000] [--questions 200]

Uses the index in POLICYDESK_DATA_DIR (default ./data) and a temporary approvals database holding
N approvals (one real approval copied under N questions: the match set's phrasings, then numbered
variants). Prints the cost of ApprovalDesk.lead per question (revision check + in-memory match,
the question embedding reused from the pipeline), p50/p95, and warm `ask` p50 with and without
approvals for comparison.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

from assistant.reports.evaluate import percentile  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MATCH_SET = REPO / "data" / "eval" / "approval_match.jsonl"


def main() -> None:
    from assistant.approvals.desk import ApprovalDesk
    from assistant.approvals.store import ApprovalStore, new_approval_id
    from assistant.service import Assistant
    from ingest.settings import Settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--approvals", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    phrasings = [json.loads(x)["question"] for x in MATCH_SET.read_text().splitlines() if x.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        plain = Assistant(Settings(approvals_db=Path(tmp) / "none.sqlite"))
        settings = Settings(approvals_db=Path(tmp) / "approvals.sqlite")
        agent = Assistant(settings)
        template = agent.approvals.approve(agent.ask("What is the filing fee for Form I-765?"), "bench")
        questions = [phrasings[i] if i < len(phrasings) else f"{phrasings[i % len(phrasings)]} (variant {i})"
                     for i in range(args.approvals - 1)]
        ApprovalStore(settings.approvals_path).save_many(
            [dataclasses.replace(template, id=new_approval_id(), question=q) for q in questions], "bench", "approved")
        t0 = time.perf_counter()
        agent.approvals.match("warm up")  # loads and embeds every approved question once
        load_s = time.perf_counter() - t0
        asked = [phrasings[i % len(phrasings)] for i in range(args.questions)]
        embeddings = agent.embed_questions(asked)

        def no_model(texts: list[str]) -> list[list[float]]:
            raise AssertionError("every vector should come from the database")

        t0 = time.perf_counter()  # another process starting: the vectors are in the database now
        ApprovalDesk(settings, embed=no_model).match(asked[0], embeddings[0])
        reload_s = time.perf_counter() - t0
        live = plain.ask(asked[0])
        lead_ms = []
        for q, e in zip(asked, embeddings, strict=True):
            t = time.perf_counter()
            agent.approvals.lead(live, e, q)
            lead_ms.append((time.perf_counter() - t) * 1000)
        with_ms = [agent.ask(q).latency_ms for q in asked[:50]]
        without_ms = [plain.ask(q).latency_ms for q in asked[:50]]
        print(f"approvals: {args.approvals} ({len(agent.approvals.matcher)} rows); first load and embedding "
              f"{load_s:.1f} s (once, then stored); a later process loads them in {reload_s:.2f} s")
        print(f"lead (match) per question: p50 {statistics.median(lead_ms):.2f} ms, "
              f"p95 {percentile(lead_ms, 0.95):.2f} ms, max {max(lead_ms):.2f} ms over {len(lead_ms)}")
        print(f"warm ask p50: {statistics.median(with_ms):.0f} ms with approvals, "
              f"{statistics.median(without_ms):.0f} ms without (50 questions each; noise of the machine included)")
        agent.close()
        plain.close()


if __name__ == "__main__":
    main()
