"""`policydesk approve` and `policydesk approvals ...`: approved answers from the command line."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer

approvals_app = typer.Typer(no_args_is_help=True, help="Approved answers: list, review, retire, export, import.")
MATCH_SET = Path(__file__).resolve().parents[2] / "data" / "eval" / "approval_match.jsonl"


def _cli():
    # Imported here, not at the top: main.py imports this module at its end.
    from assistant.cli import main as cli

    return cli


def _store():
    from assistant.approvals.store import ApprovalStore

    return ApprovalStore(_cli()._settings().approvals_path)


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container): say where it came from
        return "command line"


def approve(
    question: Annotated[str, typer.Argument(help="The question whose current answer is approved.")],
    by: Annotated[str, typer.Option("--by", help="Who approves (a name).")],
    note: Annotated[str | None, typer.Option("--note", help="Why, or what to watch.")] = None,
    sentences: Annotated[
        str | None, typer.Option("--sentences", help="Approve only these answer sentences, e.g. 1,3.")
    ] = None,
    also: Annotated[list[str] | None, typer.Option("--also", help="An alternative phrasing; repeatable.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Approve the answer `ask` gives now for QUESTION (or chosen sentences of it)."""
    from assistant.approvals.compose import pick_answer_sentences
    from assistant.approvals.records import ApprovalError
    from assistant.approvals.store import ApprovalStoreError
    from assistant.records import QuestionError

    cli = _cli()
    numbers: list[int] | None = None
    if sentences is not None:
        try:
            numbers = [int(n) for n in sentences.split(",") if n.strip()]
        except ValueError:
            cli._fail(f"--sentences takes numbers like 1,3; got {sentences!r}", cli.EXIT_BAD_INPUT)
    assistant = cli._assistant(cli._settings())
    try:
        answer = assistant.ask(question)
    except QuestionError as exc:
        cli._fail(str(exc), cli.EXIT_BAD_INPUT)
    live = answer.live or answer
    if live.abstained:
        cli._fail(f"the answer abstains ({live.reason or 'not covered'}): there is nothing to approve",
                  cli.EXIT_BAD_INPUT)
    try:
        choices = pick_answer_sentences(live, numbers) if numbers else None
        approval = assistant.approvals.approve(live, by, choices=choices, note=note, phrasings=also)
    except (ApprovalError, ApprovalStoreError) as exc:
        cli._fail(str(exc), cli.EXIT_BAD_INPUT)
    if as_json:
        typer.echo(json.dumps(approval.to_json(), ensure_ascii=False))
        return
    typer.echo(f"approved {approval.id} by {approval.approved_by} (index {approval.index_version})")
    typer.echo(approval.answer)
    for c in approval.citations:
        typer.echo(f"[{c['rank']}] {c['cite']} — {c['url']}")


@approvals_app.command(name="list")
def list_approvals(
    state: Annotated[str | None, typer.Option("--state", help="approved, needs review or retired")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every approval (or those in one state)."""
    from assistant.approvals.records import STATES

    cli = _cli()
    if state is not None and state not in STATES:
        cli._fail(f"unknown state {state!r}; choose from {', '.join(STATES)}", cli.EXIT_BAD_INPUT)
    approvals = _store().approvals((state,) if state else STATES)
    if as_json:
        for a in approvals:
            typer.echo(json.dumps(a.to_json(), ensure_ascii=False))
        return
    if not approvals:
        typer.echo("no approvals")
    for a in approvals:
        typer.echo(f"{a.id}  {a.state:<12}  {a.approved_at}  {a.approved_by}  {a.question}")


@approvals_app.command()
def review() -> None:
    """Approvals that need review: why, and each changed passage, old vs new ([-removed-]{+added+})."""
    from assistant.approvals.records import NEEDS_REVIEW
    from assistant.approvals.review import diff_text, needs_review_chunks

    approvals = _store().approvals((NEEDS_REVIEW,))
    if not approvals:
        typer.echo("nothing needs review")
    for a in approvals:
        typer.echo(f"{a.id}  {a.question}")
        typer.echo(f"  approved by {a.approved_by} at {a.approved_at}; {a.state_reason}")
        for c in needs_review_chunks(a):
            where = f" -> {c.new_cite} {c.new_url}" if c.change == "moved" else ""
            typer.echo(f"  {c.change}: {c.cite} {c.url}{where}")
            if c.new_text is not None and c.new_text != c.text:
                typer.echo("    " + diff_text(c.text, c.new_text).replace("\n", "\n    "))
        typer.echo("")
    if approvals:
        raise typer.Exit(1)  # scripts can tell that something waits for a person


@approvals_app.command()
def retire(
    approval_id: Annotated[str, typer.Argument(metavar="ID")],
    by: Annotated[str | None, typer.Option("--by", help="Who retires it (default: login name).")] = None,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
) -> None:
    """Retire an approval: its question gets the live answer again."""
    from assistant.approvals.records import RETIRED
    from assistant.approvals.store import ApprovalStoreError

    cli = _cli()
    try:
        approval = _store().set_state(approval_id, RETIRED, actor=by or _default_actor(), reason=reason)
    except ApprovalStoreError as exc:
        cli._fail(str(exc), cli.EXIT_BAD_INPUT)
    typer.echo(f"retired {approval.id}: {approval.question}")


@approvals_app.command(name="export")
def export_command(file: Annotated[Path, typer.Argument(metavar="FILE", dir_okay=False)]) -> None:
    """Write every approval to FILE as JSONL."""
    from assistant.approvals.transfer import export_approvals

    cli = _cli()
    try:
        n = export_approvals(_store(), file)
    except OSError as exc:
        cli._fail(f"cannot write {file}: {exc.strerror or exc}", cli.EXIT_BAD_INPUT)
    typer.echo(f"exported {n} approval(s) -> {file}")


@approvals_app.command(name="import")
def import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", dir_okay=False)],
    by: Annotated[str | None, typer.Option("--by", help="Who imports (default: login name).")] = None,
) -> None:
    """Import approvals from FILE (JSONL): all lines or none; then check them against the index."""
    from assistant.approvals.transfer import ImportRejected, import_approvals

    cli = _cli()
    if not file.is_file():
        cli._fail(f"no file at {file}", cli.EXIT_BAD_INPUT)
    store = _store()
    try:
        n = import_approvals(store, file, actor=by or _default_actor())
    except ImportRejected as exc:
        for problem in exc.problems:
            typer.echo(f"{file}: {problem}", err=True)
        cli._fail(f"{exc} from {file}", cli.EXIT_BAD_INPUT)
    typer.echo(f"imported {n} approval(s) from {file}")
    _report_check(cli._settings())


def _report_check(settings, quiet: bool = False) -> None:
    """Check approvals against the serving index and say what needs review (no index: say so).
    A check that cannot run is a warning: the ingest or import itself succeeded."""
    import sqlite3

    from assistant.approvals.review import check_serving_index
    from assistant.approvals.store import ApprovalStoreError
    from ingest.index_store import IndexUnavailable

    try:
        report = check_serving_index(settings)
    except IndexUnavailable:
        typer.echo("approvals not checked: no index serves yet", err=True)
        return
    except (sqlite3.Error, ApprovalStoreError) as exc:
        typer.echo(f"warning: approvals not checked ({exc}); readers check them when they open the index",
                   err=True)
        return
    if report is not None and not quiet:
        typer.echo(f"approvals checked against {report.version}: {report.checked} checked, "
                   f"{len(report.flagged)} newly need review, {report.awaiting_review} await review")


@approvals_app.command()
def calibrate(
    questions: Annotated[Path, typer.Option("--questions", "-q", exists=True, dir_okay=False)] = MATCH_SET,
    save: Annotated[
        bool, typer.Option("--save", help="Write the chosen threshold to data/approval_calibration.json.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Choose the question-match threshold on the set's calibration half; measure on the other half."""
    from assistant.approvals.calibrate import calibrate as run
    from assistant.approvals.calibrate import format_curve, load_match_set
    from ingest.settings import APPROVAL_CALIBRATION_FILE

    cli = _cli()
    assistant = cli._assistant(cli._settings())
    report = run(load_match_set(questions), assistant.embed_questions)
    if save:
        APPROVAL_CALIBRATION_FILE.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report, indent=1))
        return
    typer.echo(f"threshold {report['match_threshold']} (chosen on the calibration half)")
    for half in ("calibration", "measurement"):
        at = report["at_threshold"][half]
        typer.echo(f"\n{half} half {report['sizes'][half]}: paraphrases matched {at['paraphrase_match']:.3f}, "
                   f"false matches {at['false_match']:.3f}")
        typer.echo(format_curve(report["curves"][half]))
