"""`policydesk adapt`: adapt the dense model to the serving index's corpus (ingest.adapt)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer


def adapt(
    epochs: Annotated[int, typer.Option("--epochs", min=1, max=10)] = 1,
    lr: Annotated[float, typer.Option("--lr", min=1e-7, max=1e-3)] = 5e-5,
    batch_size: Annotated[int, typer.Option("--batch-size", min=2, max=256)] = 32,
    max_pairs: Annotated[int, typer.Option(
        "--max-pairs", min=2, help="Training pairs at most (bounds CPU time).")] = 1500,
    max_seq_length: Annotated[int, typer.Option("--max-seq-length", min=16, max=256)] = 96,
    seed: Annotated[int, typer.Option("--seed")] = 13,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="Pair sources to use (repeatable): heading, title_heading, title, first_sentence.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fine-tune MiniLM on pseudo-queries from the serving index's own headings, titles and first
    sentences (no labels); save it under <data_dir>/models/. Serve it by setting
    POLICYDESK_EMBEDDING_MODEL to the printed folder and re-ingesting (its vectors are cached apart)."""
    # Imported here, not at the top: cli/main.py imports this module at its end.
    from assistant.cli.main import EXIT_BAD_INPUT, EXIT_NO_INDEX, _fail, _settings
    from ingest.adapt import AdaptOptions, index_chunks
    from ingest.adapt import adapt as run_adapt
    from ingest.index_store import IndexUnavailable
    from ingest.pseudo_queries import SOURCES

    settings = _settings()
    sources = tuple(source or SOURCES)
    if set(sources) - set(SOURCES):
        _fail(f"--source must be among {', '.join(SOURCES)}; got {', '.join(sources)}", EXIT_BAD_INPUT)
    options = AdaptOptions(epochs=epochs, lr=lr, batch_size=batch_size, max_pairs=max_pairs,
                           max_seq_length=max_seq_length, seed=seed, sources=sources)
    try:
        chunks = index_chunks(settings)
    except IndexUnavailable as exc:
        _fail(f"adapt reads the serving index's chunks: {exc}", EXIT_NO_INDEX)

    def progress(step: int, steps: int, loss: float) -> None:
        if not as_json and (step == 1 or step % 10 == 0 or step == steps):
            typer.echo(f"step {step}/{steps}  loss {loss:.4f}", err=True)

    report = run_adapt(settings, chunks, options, progress)
    if as_json:
        typer.echo(json.dumps(asdict(report)))
        return
    typer.echo("pairs by source: " + ", ".join(f"{k} {v}" for k, v in report.pairs.items()))
    typer.echo(f"trained on {report.train_pairs} pairs, {report.steps} steps, {report.seconds_training:.0f} s "
               f"({report.seconds_per_step:.2f} s/step); loss {report.loss_first:.3f} -> {report.loss_last:.3f}")
    before, after = report.validation_before, report.validation_after
    typer.echo(f"held-back pairs ({report.validation_pairs}): top-1 in batch {before['in_batch']:.3f} -> "
               f"{after['in_batch']:.3f}; among all {before['all']:.3f} -> {after['all']:.3f}")
    typer.echo(f"adapted model: {report.model_dir}  ({report.model_id})")
    typer.echo(f"serve it: POLICYDESK_EMBEDDING_MODEL={report.model_dir} policydesk ingest --source ...")
