"""Adapting the dense model to this corpus without labels (`policydesk adapt`).

Pseudo-query -> passage pairs from the pages' own text (ingest.pseudo_queries) train MiniLM with
in-batch negatives (the MultipleNegativesRankingLoss of sentence-transformers: cosine x 20,
cross-entropy over the batch; every other passage in the batch is a negative). A small plain-torch
loop over the SentenceTransformer modules, so no trainer dependencies (datasets, accelerate) are
needed; seeded, so one corpus and one setting give the same weights.

The adapted weights are written under <data_dir>/models/minilm-adapted-<fingerprint>/; serving them
is a setting (POLICYDESK_EMBEDDING_MODEL=that folder), and the cache and manifests key vectors by the
weights' fingerprint (ingest.model_identity), so an index is never queried with another model.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ingest.model_identity import weights_fingerprint
from ingest.pseudo_queries import SOURCES, Pair, build_pairs, split_pairs
from ingest.settings import Settings

SCALE = 20.0  # cosine similarities x 20 before the softmax, as MultipleNegativesRankingLoss


@dataclass
class AdaptOptions:
    # The defaults are the variant measured best on dev + blind_train (README, "Adapting MiniLM").
    epochs: int = 1
    lr: float = 5e-5
    batch_size: int = 32
    max_pairs: int = 1500  # of training pairs (a random sample beyond): bounds the CPU time (~20 s/step here)
    max_seq_length: int = 96  # tokens of a passage in training (serving embeds up to the model's 256)
    validation_share: float = 0.1
    seed: int = 13
    warmup_share: float = 0.1
    sources: tuple[str, ...] = SOURCES


@dataclass
class AdaptReport:
    pairs: dict[str, int] = field(default_factory=dict)  # by source, before the split
    train_pairs: int = 0
    validation_pairs: int = 0
    steps: int = 0
    seconds_training: float = 0.0
    seconds_per_step: float = 0.0
    loss_first: float = 0.0  # mean loss over the first tenth of the steps
    loss_last: float = 0.0  # and over the last tenth
    validation_before: dict[str, float] = field(default_factory=dict)
    validation_after: dict[str, float] = field(default_factory=dict)
    model_dir: str = ""
    model_id: str = ""
    options: dict[str, Any] = field(default_factory=dict)


def load_model(path: str) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu", local_files_only=True)


def _embed(model: Any, texts: Sequence[str]) -> Any:
    """Unit vectors with gradients: tokenize, the model's modules (transformer, mean pooling,
    normalize) exactly as it embeds at ingest and query time."""
    features = model.tokenize(list(texts))
    return model(features)["sentence_embedding"]


def in_batch_loss(model: Any, queries: Sequence[str], passages: Sequence[str]) -> Any:
    """Cross-entropy of each query over the batch's passages; its own passage is the target. A
    passage appearing twice in one batch is not a negative of itself (masked)."""
    import torch

    q = _embed(model, queries)
    p = _embed(model, passages)
    scores = q @ p.T * SCALE
    same = torch.tensor([[a == b for b in passages] for a in passages])
    same.fill_diagonal_(False)
    scores = scores.masked_fill(same, float("-inf"))
    return torch.nn.functional.cross_entropy(scores, torch.arange(len(queries)))


def _batches(pairs: list[Pair], batch_size: int, rng: random.Random) -> list[list[Pair]]:
    order = list(pairs)
    rng.shuffle(order)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size) if len(order[i : i + batch_size]) > 1]


def train(model: Any, pairs: list[Pair], options: AdaptOptions,
          progress: Callable[[int, int, float], None] | None = None) -> list[float]:
    """Fine-tunes `model` in place on `pairs`; returns the loss of every step."""
    import torch

    torch.manual_seed(options.seed)
    rng = random.Random(options.seed)
    plan = [b for _ in range(options.epochs) for b in _batches(pairs, options.batch_size, rng)]
    if not plan:
        raise ValueError("too few pairs to train on (need at least 2)")
    optimizer = torch.optim.AdamW(model.parameters(), lr=options.lr, weight_decay=0.01)
    warmup = max(1, int(len(plan) * options.warmup_share))

    def schedule(step: int) -> float:  # linear warm-up, then linear decay to zero
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (len(plan) - step) / max(1, len(plan) - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    model.train()
    losses: list[float] = []
    for step, batch in enumerate(plan):
        loss = in_batch_loss(model, [p.query for p in batch], [p.passage for p in batch])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        losses.append(float(loss.detach()))
        if progress:
            progress(step + 1, len(plan), losses[-1])
    model.eval()
    return losses


def retrieval_accuracy(model: Any, pairs: list[Pair], batch_size: int) -> dict[str, float]:
    """Top-1 accuracy of each query among its batch's passages ("in_batch", the training task) and
    among all held-back passages ("all")."""
    import torch

    if not pairs:
        return {"in_batch": 0.0, "all": 0.0}
    model.eval()
    with torch.no_grad():
        q = model.encode([p.query for p in pairs], batch_size=64, convert_to_tensor=True, normalize_embeddings=True)
        d = model.encode([p.passage for p in pairs], batch_size=64, convert_to_tensor=True, normalize_embeddings=True)
    scores = q @ d.T
    hits_all = sum(int(scores[i].argmax()) == i for i in range(len(pairs)))
    hits_batch = 0
    for start in range(0, len(pairs), batch_size):
        block = scores[start : start + batch_size, start : start + batch_size]
        hits_batch += sum(int(block[i].argmax()) == i for i in range(block.shape[0]))
    return {"in_batch": round(hits_batch / len(pairs), 4), "all": round(hits_all / len(pairs), 4)}


def save_adapted(model: Any, models_dir: Path, report: AdaptReport) -> Path:
    """Writes the weights to models_dir/minilm-adapted-<fingerprint>/ (complete before it appears)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    building = models_dir / f".building-{time.time_ns()}"
    try:
        model.save(str(building), create_model_card=False)
        fingerprint = weights_fingerprint(str(building.resolve()))
        final = models_dir / f"minilm-adapted-{fingerprint[:12]}"
        if final.exists():  # the same weights again (same corpus, same options): keep the first
            shutil.rmtree(building)
        else:
            building.rename(final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    weights_fingerprint.cache_clear()
    report.model_dir = str(final.resolve())
    (final / "adapt_report.json").write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
    return final


def index_chunks(settings: Settings) -> list[tuple[str, dict[str, Any]]]:
    """(content, meta) of every chunk of the serving index version."""
    from ingest.index_store import VersionRegistry, close_store

    registry = VersionRegistry(settings)
    store, copy = registry.open_reader(registry.current())
    try:
        return [(d.content or "", dict(d.meta)) for d in store.filter_documents()]
    finally:
        close_store(store)
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)


def adapt(settings: Settings, chunks: list[tuple[str, dict[str, Any]]], options: AdaptOptions,
          progress: Callable[[int, int, float], None] | None = None) -> AdaptReport:
    """Pairs from `chunks`, a held-back validation share, training, and the adapted weights saved
    under <data_dir>/models/. The serving model (settings.embedding_model) is the starting point."""
    from ingest.model_identity import model_identity

    report = AdaptReport(options=asdict(options))
    pairs = build_pairs(chunks, options.sources)
    for pair in pairs:
        report.pairs[pair.source] = report.pairs.get(pair.source, 0) + 1
    training, validation = split_pairs(pairs, options.validation_share, options.seed)
    if len(training) > options.max_pairs:
        training = random.Random(options.seed).sample(training, options.max_pairs)
    report.train_pairs, report.validation_pairs = len(training), len(validation)
    model = load_model(settings.embedding_model)
    serving_length = model.max_seq_length
    model.max_seq_length = options.max_seq_length
    report.validation_before = retrieval_accuracy(model, validation, options.batch_size)
    started = time.perf_counter()
    losses = train(model, training, options, progress)
    report.seconds_training = round(time.perf_counter() - started, 1)
    report.steps = len(losses)
    report.seconds_per_step = round(report.seconds_training / len(losses), 3)
    tenth = max(1, len(losses) // 10)
    report.loss_first = round(sum(losses[:tenth]) / tenth, 4)
    report.loss_last = round(sum(losses[-tenth:]) / tenth, 4)
    report.validation_after = retrieval_accuracy(model, validation, options.batch_size)
    model.max_seq_length = serving_length  # saved to embed as the base model does
    final = save_adapted(model, settings.data_dir / "models", report)
    report.model_id = model_identity(str(final), settings.embedding_model_name)
    (final / "adapt_report.json").write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
    return report
