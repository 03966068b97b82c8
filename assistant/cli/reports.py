"""`policydesk coverage`: run a question set and write the coverage report (CSV or HTML)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

REPORT_SUFFIXES = (".csv", ".html", ".htm")


def coverage(
    questions: Annotated[
        Path, typer.Option("--questions", "-q", help="CSV (question column) or JSONL.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="REPORT.csv or REPORT.html")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50)] = 5,
) -> None:
    """Which questions the indexed pages answer, weakly answer, or do not cover."""
    # Imported here, not at the top: main.py imports this module at its end.
    from assistant.cli.main import EXIT_BAD_INPUT, _assistant, _fail, _settings
    from assistant.reports.coverage import (
        QuestionSetError,
        load_question_file,
        run_coverage,
        summary_by_status,
        to_csv,
    )
    from assistant.reports.coverage_report import coverage_html

    suffix = output.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        _fail(f"the output must end in .csv or .html, not {output.name!r}", EXIT_BAD_INPUT)
    if not questions.is_file():
        _fail(f"no question file at {questions}", EXIT_BAD_INPUT)
    try:
        question_set = load_question_file(questions)
    except QuestionSetError as exc:
        _fail(f"{questions}: {exc}", EXIT_BAD_INPUT)
    except OSError as exc:
        _fail(f"cannot read {questions}: {exc.strerror or exc}", EXIT_BAD_INPUT)
    for problem in question_set.problems:
        typer.echo(f"warning: {problem}", err=True)
    assistant = _assistant(_settings())
    try:
        report = run_coverage(assistant, question_set, top_k=top_k)
    finally:
        assistant.close()
    text = to_csv(report.rows) if suffix == ".csv" else coverage_html(report)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_BAD_INPUT)
    counts = summary_by_status(report.rows)
    typer.echo(", ".join(f"{n} {status}" for status, n in counts.items()) + f" -> {output}")
