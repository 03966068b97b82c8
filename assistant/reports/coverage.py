"""Coverage runs for policy staff: a question set in, one row per question out.

A question set is a CSV (a `question` column; optional `id`, `group`, `expected_url`) or JSONL
in the format of ../shared/eval/dev.jsonl. A bad line is reported and skipped, never fatal;
an upload over the size or question cap is cut at the cap, with a message saying so.

Status of a question:
- "approved": an approved answer leads (assistant.approvals); the `approved` column names it;
- "not covered": the assistant abstained (not covered, or a case-specific request);
- "referred": another agency handles the question (a referral, not a gap in the pages);
- "weak": answered, but with confidence below threshold + WEAK_MARGIN — close enough to the
  abstention threshold that a small change in wording could flip it;
- "answered": everything else.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.records import Answer, QuestionError
from assistant.reports.batch import read_question_lines
from assistant.reports.evaluate import is_relevant

MAX_UPLOAD_BYTES = 5_000_000
MAX_QUESTIONS = 5_000
WEAK_MARGIN = 0.15
CSV_COLUMNS = ("id", "question", "group", "expected_url")
ROW_FIELDS = (
    "id",
    "question",
    "status",
    "confidence",
    "top_cite",
    "top_url",
    "top_kind",
    "expected_found",
    "group",
    "reason",
    "approved",
)
STATUSES = ("approved", "answered", "weak", "not covered", "referred")


class QuestionSetError(ValueError):
    """The file as a whole cannot be read as a question set; the message says why."""


@dataclass
class QuestionItem:
    id: str
    question: str
    group: str | None = None
    expected_url: str | None = None
    gold: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class QuestionSet:
    items: list[QuestionItem]
    problems: list[str] = field(default_factory=list)  # one line per skipped line or cut


@dataclass
class CoverageReport:
    rows: list[dict[str, Any]]
    problems: list[str]
    threshold: float


def _cap_bytes(data: bytes, problems: list[str]) -> bytes:
    if len(data) <= MAX_UPLOAD_BYTES:
        return data
    cut = data[:MAX_UPLOAD_BYTES]
    cut = cut[: cut.rfind(b"\n") + 1]  # whole lines only
    lines = cut.count(b"\n")
    problems.append(
        f"the file is {len(data) / 1e6:.1f} MB, over the {MAX_UPLOAD_BYTES / 1e6:.0f} MB limit; "
        f"only its first {lines:,} lines were read"
    )
    return cut


def _clean(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _read_csv(data: bytes, problems: list[str]) -> list[QuestionItem]:
    text = data.decode("utf-8-sig", "replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if "question" not in headers:
        found = ", ".join(h for h in headers if h) or "none"
        raise QuestionSetError(
            f"the CSV has no 'question' column (columns found: {found}); "
            "expected 'question' and optionally 'id', 'group', 'expected_url'"
        )
    extra = [h for h in headers if h and h not in CSV_COLUMNS]
    if extra:
        problems.append(f"ignored unknown columns: {', '.join(extra)}")
    reader.fieldnames = headers
    items = []
    for n, row in enumerate(reader, start=2):  # line 1 is the header
        if None in row:
            problems.append(f"line {n}: more cells than columns; extra cells ignored")
        question = _clean(row.get("question"))
        if question is None:
            if any(_clean(v) for k, v in row.items() if k is not None):
                problems.append(f"line {n}: empty question, skipped")
            continue
        items.append(
            QuestionItem(
                id=_clean(row.get("id")) or f"q-{n}",
                question=question,
                group=_clean(row.get("group")),
                expected_url=_clean(row.get("expected_url")),
            )
        )
    return items


def _read_jsonl(data: bytes, problems: list[str]) -> list[QuestionItem]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "questions.jsonl"
        path.write_bytes(data)
        lines = read_question_lines(path)
    items = []
    for row in lines:
        if "error" in row:
            problems.append(row["error"] + ", skipped")
            continue
        if not isinstance(row["question"], str) or not row["question"].strip():
            problems.append(f"{row['id']}: the question is not text, skipped")
            continue
        raw_gold = row.get("gold")
        gold = raw_gold if isinstance(raw_gold, list) else []
        items.append(
            QuestionItem(
                id=row["id"],
                question=row["question"].strip(),
                group=_clean(row.get("group")),
                expected_url=_clean(row.get("expected_url")),
                gold=[g for g in gold if isinstance(g, dict)],
            )
        )
    return items


def load_question_set(data: bytes, filename: str) -> QuestionSet:
    """Read a CSV or JSONL upload (by extension; else by its first character)."""
    problems: list[str] = []
    data = _cap_bytes(data, problems)
    name = filename.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        is_jsonl = True
    elif name.endswith(".csv"):
        is_jsonl = False
    else:
        is_jsonl = data.lstrip()[:1] == b"{"
    items = _read_jsonl(data, problems) if is_jsonl else _read_csv(data, problems)
    if len(items) > MAX_QUESTIONS:
        problems.append(f"{len(items):,} questions; only the first {MAX_QUESTIONS:,} are run")
        items = items[:MAX_QUESTIONS]
    if not items:
        raise QuestionSetError(
            "no questions found in the file" + (f" ({problems[0]})" if problems else "")
        )
    return QuestionSet(items, problems)


def status_of(answer: Answer, threshold: float) -> str:
    if answer.approved:
        return "approved"
    if answer.abstained:
        return "referred" if answer.reason == "other-agency" else "not covered"
    return "weak" if answer.confidence < threshold + WEAK_MARGIN else "answered"


def expected_found(item: QuestionItem, answer: Answer) -> bool | None:
    """Whether the expected page is among the citations (or nearest passages when abstained)."""
    if item.expected_url:
        return any(
            c.url.startswith(item.expected_url)
            or c.url.split("#")[0] == item.expected_url.split("#")[0]
            for c in answer.citations
        )
    if item.gold:
        return any(
            is_relevant({"source": c.source, "page_url": c.url.split("#")[0]}, c.text, item.gold)
            for c in answer.citations
        )
    return None


def coverage_row(item: QuestionItem, answer: Answer, threshold: float) -> dict[str, Any]:
    top = answer.citations[0] if answer.citations and not answer.abstained else None
    return {
        "id": item.id,
        "question": answer.question,
        "status": status_of(answer, threshold),
        "confidence": round(answer.confidence, 3),
        "top_cite": top.cite if top else None,
        "top_url": top.url if top else None,
        "top_kind": top.kind if top else None,
        "expected_found": expected_found(item, answer),
        "group": item.group,
        "reason": answer.reason,
        "approved": answer.approved["id"] if answer.approved else None,
    }


def run_coverage(
    assistant: Any,
    question_set: QuestionSet,
    top_k: int = 5,
    progress: Callable[[int, int], None] | None = None,
) -> CoverageReport:
    """Ask every question once (models already loaded); progress(done, total) after each."""
    threshold = assistant.settings.abstain_threshold
    rows: list[dict[str, Any]] = []
    problems = list(question_set.problems)
    total = len(question_set.items)
    for n, item in enumerate(question_set.items, start=1):
        try:
            answer = assistant.ask(item.question, top_k=top_k, qid=item.id)
        except QuestionError as exc:
            problems.append(f"{item.id}: {exc}, skipped")
        else:
            rows.append(coverage_row(item, answer, threshold))
        if progress:
            progress(n, total)
    return CoverageReport(rows, problems, threshold)


def summary_by_status(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(r["status"] for r in rows)
    return {s: counts.get(s, 0) for s in STATUSES}


def summary_by_kind(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Status counts per source kind of the top citation ("none" when not covered)."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        kind = r["top_kind"] or "none"
        out.setdefault(kind, dict.fromkeys(STATUSES, 0))[r["status"]] += 1
    return out


def disagreeing_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Paraphrase groups whose questions do not share one top citation (not covered = none)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["group"]:
            groups.setdefault(r["group"], []).append(r)
    out = []
    for name, members in groups.items():
        tops = {m["top_cite"] for m in members}
        if len(members) > 1 and len(tops) > 1:
            out.append(
                {
                    "group": name,
                    "questions": [
                        {k: m[k] for k in ("id", "question", "status", "top_cite")} for m in members
                    ],
                }
            )
    return out


def _safe_cell(value: Any) -> Any:
    # Spreadsheets run cells starting with = + - @ as formulas; a leading ' keeps them text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=ROW_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _safe_cell(v) for k, v in r.items()})
    return buf.getvalue()


def load_question_file(path: Path) -> QuestionSet:
    """Read a question set from disk (the CLI); the same checks as an upload."""
    return load_question_set(path.read_bytes(), path.name)
