"""`policydesk`: the one command line for ingesting and answering. A thin layer over the library;
errors are translated here into an exit code and a one-line message, never a traceback."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")  # no phoning home from a contact center

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_show_locals=False)
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print figures.")
app.add_typer(bench_app, name="bench")

EXIT_BAD_INPUT = 2
EXIT_NO_INDEX = 3
EXIT_FAILED = 1


def _settings():
    from ingest.settings import Settings

    try:
        return Settings()
    except Exception as exc:  # pydantic ValidationError: a bad POLICYDESK_* variable
        _fail(f"bad settings: {exc}", EXIT_BAD_INPUT)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _assistant(settings):
    from assistant.service import Assistant
    from ingest.index_store import IndexUnavailable

    assistant = Assistant(settings)
    try:
        assistant.version  # noqa: B018 - opens the serving version now, to report problems early
    except IndexUnavailable as exc:
        _fail(str(exc), EXIT_NO_INDEX)
    return assistant


@app.command()
def ingest(
    source: Annotated[list[str], typer.Option("--source", "-s", help="Mirror path or URL; repeatable.")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Build a new index version from SOURCEs and switch to it when complete."""
    from tqdm import tqdm

    from ingest.run_ingest import IngestError, run_ingest

    settings = _settings()
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if quiet or as_json:
            return
        if bar is None:
            bar = tqdm(total=total, unit="chunk", desc="embed+index", file=sys.stderr)
        bar.update(done - bar.n)

    try:
        report = run_ingest(settings, source, progress=progress)
    except IngestError as exc:
        _fail(f"{exc} (the previous index version keeps serving)", EXIT_FAILED)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        typer.echo(json.dumps(report.__dict__, default=lambda o: o.__dict__, indent=1))
        _report_check(settings, quiet=True)  # approvals whose passages changed now need review
        return
    typer.echo(f"index version {report.version} is now serving")
    typer.echo(f"pages seen {report.pages_seen}, indexed {report.pages_indexed}, skipped {len(report.skipped)}; "
               f"documents {report.documents}; chunks {report.chunks} "
               f"(embedded {report.embedded}, from cache {report.from_cache}); "
               f"answer sentences newly embedded {report.sentences_embedded}")
    typer.echo("seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items()))
    for skip in report.skipped:
        typer.echo(f"  skipped {skip.source}: {skip.reason}")
    _report_check(settings)  # approvals whose passages changed now need review


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Which index version serves, and what it holds."""
    from ingest.status import index_status

    info = index_status(_settings())
    if as_json:
        typer.echo(json.dumps(info, indent=1))
    else:
        for key, value in info.items():
            typer.echo(f"{key}: {value}")
    if info.get("version") is None:
        raise typer.Exit(EXIT_NO_INDEX)


@app.command()
def verify() -> None:
    """Check the serving version against its build manifest; non-zero exit on any mismatch."""
    from ingest.index_store import IndexUnavailable, VersionRegistry
    from ingest.verify import verify_store

    settings = _settings()
    registry = VersionRegistry(settings)
    try:
        version = registry.current()
        store, copy = registry.open_reader(version)
    except IndexUnavailable as exc:
        _fail(str(exc), EXIT_NO_INDEX)
    try:
        problems = verify_store(store, version.manifest)
    finally:
        from ingest.index_store import close_store

        close_store(store)
        if copy is not None:
            import shutil

            shutil.rmtree(copy, ignore_errors=True)
    if problems:
        for p in problems:
            typer.echo(f"mismatch: {p}", err=True)
        raise typer.Exit(EXIT_FAILED)
    typer.echo(f"index version {version.name} verified: {version.manifest.get('chunks')} chunks match the manifest")


def _print_answer(answer) -> None:
    if answer.abstained:
        typer.echo(answer.message)
    else:
        typer.echo(answer.text)
    if answer.citations:
        typer.echo("\nNearest passages (not an answer):" if answer.abstained else "\nSources:")
    for c in answer.citations:
        typer.echo(f"[{c.rank}] {c.cite} — {c.title}" + (f" — {c.section}" if c.section else ""))
        typer.echo(f"    {c.url}" + (f" (current as of {c.current_as_of})" if c.current_as_of else ""))
    typer.echo(f"\nconfidence {answer.confidence:.2f} · {answer.latency_ms:.0f} ms")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The caller's question.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50)] = 5,
    kind: Annotated[list[str] | None, typer.Option("--kind")] = None,
    form: Annotated[list[str] | None, typer.Option("--form")] = None,
    volume: Annotated[int | None, typer.Option("--volume")] = None,
) -> None:
    """Answer one question from the indexed official pages, with citations."""
    from assistant.records import QuestionError
    from assistant.service import SearchFilters
    from ingest.forms import find_forms
    from ingest.records import KINDS

    for k in kind or []:
        if k not in KINDS:
            _fail(f"unknown kind {k!r}; choose from {', '.join(KINDS)}", EXIT_BAD_INPUT)
    forms = [f for raw in form or [] for f in (find_forms(raw) or find_forms("Form " + raw))]
    settings = _settings()
    assistant = _assistant(settings)
    try:
        answer = assistant.ask(question, top_k=top_k,
                               filters=SearchFilters(kinds=kind or [], volume=volume, forms=forms))
    except QuestionError as exc:
        _fail(str(exc), EXIT_BAD_INPUT)
    from assistant.privacy.query_log import log_answer

    log_answer(settings, answer)
    if as_json:
        typer.echo(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        _print_answer(answer)


@app.command()
def batch(
    input: Annotated[Path, typer.Option("--input", "-i", exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("--output", "-o")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50)] = 10,
    log: Annotated[bool, typer.Option("--log", help="Also write (redacted) questions to the query log.")] = False,
) -> None:
    """Answer every question of a JSONL file (lines with `id` and `question`), models loaded once."""
    from assistant.reports.batch import run_batch

    settings = _settings()
    assistant = _assistant(settings)
    counts = run_batch(assistant, input, output, top_k=top_k, log=log)
    typer.echo(f"{counts['answered']} answered, {counts['abstained']} abstained, {counts['errors']} errors "
               f"-> {output}")


@app.command(name="eval")
def evaluate(
    questions: Annotated[list[Path], typer.Option("--questions", "-q", exists=True, dir_okay=False,
                                                  help="A labelled question set; repeatable (reported side by side).")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    calibrate: Annotated[bool, typer.Option(
        "--calibrate", help="Choose and save the abstention threshold on the FIRST question set.")] = False,
    fit: Annotated[bool, typer.Option(
        "--fit", help="Fit the sentence and confidence models on ALL the given (training) sets, then stop.")] = False,
    ablate: Annotated[bool, typer.Option(
        "--ablate", help="Measure the pipeline with each rule or fitted part turned off, per set.")] = False,
) -> None:
    """Retrieval, answer-text and abstention metrics on labelled question sets (hybrid vs BM25 vs dense)."""
    from assistant.reports.evaluate import format_comparison, format_report, run_evaluation

    settings = _settings()
    _assistant(settings).close()  # fail early and clearly when there is no index
    if fit:
        from assistant.reports.fit_answers import fit_answer_models

        try:
            fitted = fit_answer_models(settings, questions)
        except ValueError as exc:
            _fail(str(exc), EXIT_BAD_INPUT)
        typer.echo(json.dumps(fitted, indent=1) if as_json else
                   f"answer models fitted on {len(questions)} set(s) -> {settings.answer_model_file}\n"
                   + "\n".join(f"  {k}: {v:.4f}" if isinstance(v, float) else f"  {k}: {v}" for k, v in fitted.items()))
        return
    if ablate:
        from assistant.reports.ablation import format_ablation, run_ablation

        for path in questions:
            table = run_ablation(settings, path)
            typer.echo(json.dumps(table, indent=1) if as_json else format_ablation(path.name, table) + "\n")
        return
    reports = []
    for i, path in enumerate(questions):
        reports.append(run_evaluation(settings, path, top_k=top_k, calibrate=calibrate and i == 0))
        if calibrate and i == 0:  # the other sets are measured at the threshold just chosen
            settings = settings.model_copy(update={"abstain_threshold": reports[0]["threshold"]})
    if as_json:
        typer.echo(json.dumps(reports if len(reports) > 1 else reports[0], indent=1))
        return
    for path, report in zip(questions, reports, strict=True):
        typer.echo(f"== {path}\n{format_report(report)}\n")
    if len(reports) > 1:
        typer.echo(format_comparison([p.name for p in questions], reports))


@app.command(name="app")
def run_app(
    port: Annotated[int, typer.Option("--port")] = 8501,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
) -> None:
    """Open the Streamlit app (bound to localhost by default)."""
    import subprocess

    app_py = Path(__file__).resolve().parents[2] / "app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_py), "--server.address", host,
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    raise typer.Exit(subprocess.call(cmd))


@bench_app.command(name="ingest")
def bench_ingest_command(
    source: Annotated[list[str], typer.Option("--source", "-s", help="Mirror path or URL; repeatable.")],
) -> None:
    """Chunks/s of the whole ingest pipeline and of the bare embedding model on the same chunks."""
    from ingest.bench import bench_ingest

    r = bench_ingest(_settings(), source)
    typer.echo(f"chunks: {r['chunks']}")
    typer.echo(f"pipeline, cold cache : {r['pipeline_cold_s']:8.2f} s  {r['pipeline_cold_chunks_per_s']:8.2f} chunks/s")
    typer.echo(f"pipeline, warm cache : {r['pipeline_warm_s']:8.2f} s  (embedded {r['pipeline_warm_embedded']})")
    typer.echo(f"bare model encode    : {r['bare_model_s']:8.2f} s  {r['bare_model_chunks_per_s']:8.2f} chunks/s")
    typer.echo("cold stages (s): " + ", ".join(f"{k} {v}" for k, v in r["stages_cold_s"].items()))


@bench_app.command(name="scale")
def bench_scale_command(
    chunks: Annotated[int, typer.Option("--chunks", min=1, help="Chunks in the synthetic index.")] = 30_000,
    engine: Annotated[str, typer.Option("--engine", help="edge or qdrant-local (embedded engines).")] = "edge",
    questions: Annotated[int, typer.Option("--questions", min=10, help="Questions timed per measure.")] = 60,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build again even if a bench index exists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="End with the result as one JSON line.")] = False,
) -> None:
    """Build (or reuse) a synthetic index of N chunks from the real ones; time a fresh reader on it."""
    from assistant.reports.bench_scale import bench_scale, table_rows
    from ingest.index_store import ENGINE_EDGE, ENGINE_LOCAL, IndexUnavailable

    if engine not in (ENGINE_EDGE, ENGINE_LOCAL):
        _fail(f"--engine must be {ENGINE_EDGE} or {ENGINE_LOCAL}, got {engine!r}", EXIT_FAILED)
    try:
        result = bench_scale(_settings(), chunks, engine, questions, rebuild)
    except IndexUnavailable as exc:
        _fail(f"the scale benchmark synthesises from the real index: {exc}", EXIT_NO_INDEX)
    for line in table_rows(result):
        typer.echo(line)
    if as_json:
        typer.echo(json.dumps(result))


def main() -> None:
    app()

from assistant.cli.adapt import adapt as _adapt  # noqa: E402
from assistant.cli.approvals import _report_check, approvals_app, approve  # noqa: E402
from assistant.cli.reports import coverage as _coverage  # noqa: E402

app.command(name="coverage")(_coverage)
app.command(name="adapt")(_adapt)
app.command(name="approve")(approve)
app.add_typer(approvals_app, name="approvals")


if __name__ == "__main__":
    main()
