"""Coverage, library and insights reports (the logic behind the pages); `policydesk coverage`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from haystack import Document
from typer.testing import CliRunner

from assistant.cli.main import EXIT_BAD_INPUT, EXIT_NO_INDEX, app
from assistant.records import Answer
from assistant.reports.coverage import (
    MAX_QUESTIONS,
    MAX_UPLOAD_BYTES,
    QuestionSetError,
    disagreeing_groups,
    load_question_set,
    run_coverage,
    status_of,
    summary_by_kind,
    summary_by_status,
    to_csv,
)
from assistant.reports.coverage_report import coverage_html
from assistant.reports.insights import (
    assistant_embedder,
    feedback_summary,
    group_questions,
    query_summary,
    slowest_queries,
    unanswered_groups,
)
from assistant.reports.library import pages_by_kind, pages_table, pm_updates, read_pm_updates, stale_pages
from ingest.index_store import VersionRegistry

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample_questions.csv"
FIXTURES = REPO / "tests" / "fixtures" / "app"
DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"
I129F = "https://www.uscis.gov/sites/default/files/document/forms/i-129finstr.pdf"
runner = CliRunner()


# -- reading question sets -------------------------------------------------------------------
def test_sample_question_set_loads_with_groups_and_expected_urls():
    qs = load_question_set(SAMPLE.read_bytes(), SAMPLE.name)
    assert qs.problems == [] and len(qs.items) == 16
    assert len({i.id for i in qs.items}) == 16
    assert (
        sum(1 for i in qs.items if i.group) >= 4
        and sum(1 for i in qs.items if i.expected_url) >= 10
    )


def test_csv_without_a_question_column_is_refused_naming_the_columns():
    with pytest.raises(
        QuestionSetError, match=r"no 'question' column \(columns found: query, ref\)"
    ):
        load_question_set(b"query,ref\nWhat is the I-765 fee?,x\n", "set.csv")


def test_csv_bad_rows_are_reported_and_the_rest_kept():
    qs = load_question_set((FIXTURES / "messy_questions.csv").read_bytes(), "messy_questions.csv")
    assert [i.id for i in qs.items] == ["m-1", "m-3", "m-4", "q-6"]
    assert any("ignored unknown columns: notes" in p for p in qs.problems)
    assert any(p.startswith("line 3: empty question") for p in qs.problems)
    assert any(p.startswith("line 5: more cells than columns") for p in qs.problems)


def test_broken_jsonl_lines_are_each_reported_and_the_rest_kept():
    qs = load_question_set(
        (FIXTURES / "broken_questions.jsonl").read_bytes(), "broken_questions.jsonl"
    )
    assert [i.id for i in qs.items] == ["j-1", "j-4"]
    assert any("line 2 is not valid JSON" in p for p in qs.problems)
    assert any("line 3 has no 'question' field" in p for p in qs.problems)
    assert qs.items[1].gold and qs.items[1].gold[0]["url"] == I129F


def test_oversize_upload_is_cut_at_the_limit_with_a_message():
    row = (
        "x-{n},What does the caller need to file for a replacement work permit card? "
        + "pad " * 240
    )
    lines = ["id,question"] + [row.format(n=n) for n in range(6_000)]
    data = "\n".join(lines).encode()
    assert len(data) > MAX_UPLOAD_BYTES
    qs = load_question_set(data, "big.csv")
    assert any("over the 5 MB limit" in p for p in qs.problems)
    assert 0 < len(qs.items) < 6_000 and qs.items[-1].question.endswith("pad")  # whole lines only


def test_more_than_the_question_cap_runs_only_the_first():
    data = "question\n" + "\n".join(f"question number {n}?" for n in range(MAX_QUESTIONS + 10))
    qs = load_question_set(data.encode(), "many.csv")
    assert len(qs.items) == MAX_QUESTIONS
    assert any(f"only the first {MAX_QUESTIONS:,}" in p for p in qs.problems)


def test_empty_file_is_refused():
    with pytest.raises(QuestionSetError, match="no questions"):
        load_question_set(b"", "empty.jsonl")


# -- running and summarising -----------------------------------------------------------------
def _answer(abstained: bool, confidence: float) -> Answer:
    return Answer("q", abstained, confidence, "" if abstained else "x [1]", [])


def test_status_bands_around_the_threshold():
    assert status_of(_answer(True, 0.1), 0.5) == "not covered"
    referred = Answer("q", True, 0.0, "", [], reason="other-agency")
    assert status_of(referred, 0.5) == "referred"
    assert status_of(_answer(False, 0.55), 0.5) == "weak"
    assert status_of(_answer(False, 0.70), 0.5) == "answered"


def test_coverage_run_on_the_real_index(assistant):
    data = (
        "id,question,group,expected_url\n"
        f"k1,Do K-1 fiancés have to have met in person?,fiance,{I129F}\n"
        f"k2,Must the fiancé couple have met each other before filing the I-129F?,fiance,{I129F}\n"
        "fr,What is the capital of France?,,\n"
        "case,Can you check receipt IOE0912345678 for me?,,\n"
    ).encode()
    seen = []
    report = run_coverage(
        assistant, load_question_set(data, "q.csv"), progress=lambda d, t: seen.append((d, t))
    )
    rows = {r["id"]: r for r in report.rows}
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert rows["k1"]["status"] in ("answered", "weak") and rows["k1"]["expected_found"] is True
    assert rows["k1"]["top_url"].startswith(I129F) and rows["k1"]["top_kind"] == "form-instructions"
    assert rows["fr"]["status"] == "not covered" and rows["fr"]["top_cite"] is None
    assert (
        rows["case"]["reason"] == "case-specific"
        and "IOE0912345678" not in rows["case"]["question"]
    )
    assert sum(summary_by_status(report.rows).values()) == 4
    assert summary_by_kind(report.rows)["none"]["not covered"] == 2


def test_jsonl_gold_passages_are_checked_with_is_relevant(assistant):
    if not DEV.exists():
        pytest.skip(f"no eval set at {DEV}")
    lines = [ln for ln in DEV.read_text().splitlines() if '"d-050"' in ln or '"d-011"' in ln]
    report = run_coverage(assistant, load_question_set("\n".join(lines).encode(), "dev.jsonl"))
    rows = {r["id"]: r for r in report.rows}
    assert rows["d-050"]["expected_found"] is True
    assert rows["d-011"]["expected_found"] is None  # no gold passages: no expectation to check


def test_disagreeing_groups_lists_only_groups_with_different_top_citations():
    rows = [
        {"id": "1", "question": "a", "status": "answered", "top_cite": "X", "group": "g1"},
        {"id": "2", "question": "b", "status": "answered", "top_cite": "X", "group": "g1"},
        {"id": "3", "question": "c", "status": "answered", "top_cite": "X", "group": "g2"},
        {"id": "4", "question": "d", "status": "not covered", "top_cite": None, "group": "g2"},
        {"id": "5", "question": "e", "status": "answered", "top_cite": "Y", "group": None},
    ]
    groups = disagreeing_groups(rows)
    assert [g["group"] for g in groups] == ["g2"] and len(groups[0]["questions"]) == 2


def _rows():
    return [
        {
            "id": "1",
            "question": '=HYPERLINK("http://x") <script>alert(1)</script>',
            "status": "answered",
            "confidence": 0.9,
            "top_cite": "Form I-765",
            "top_url": "https://www.uscis.gov/i-765",
            "top_kind": "uscis-page",
            "expected_found": True,
            "group": "g",
            "reason": None,
        },
        {
            "id": "2",
            "question": "plain",
            "status": "not covered",
            "confidence": 0.1,
            "top_cite": None,
            "top_url": None,
            "top_kind": None,
            "expected_found": None,
            "group": "g",
            "reason": "not-covered",
        },
    ]


def test_csv_export_reads_back_and_defuses_formulas():
    rows = list(csv.DictReader(io.StringIO(to_csv(_rows()))))
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["question"].startswith("'=HYPERLINK") and rows[0]["status"] == "answered"


def test_html_report_is_self_contained_and_escaped():
    from assistant.reports.coverage import CoverageReport

    html = coverage_html(
        CoverageReport(_rows(), ["line 2 is not valid JSON <b>x</b>, skipped"], 0.5)
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert '<a href="https://www.uscis.gov/i-765">' in html
    assert "<link" not in html and " src=" not in html  # nothing fetched from elsewhere
    assert "Paraphrase groups whose top citations disagree" in html and "<h3>g</h3>" in html


# -- library -----------------------------------------------------------------------------------
def test_library_lists_every_indexed_page_by_kind(small_index):
    manifest = VersionRegistry(small_index).current().manifest
    pages = pages_table(manifest)
    assert len(pages) == len(manifest["pages"]) == 6
    assert {p["url"] for p in pages} >= {"https://www.uscis.gov/i-765", I129F}
    assert sum(pages_by_kind(manifest).values()) == 6 and pages_by_kind(manifest)["pm-chapter"] == 1
    stale = stale_pages(manifest, 365, today=date(2025, 6, 1))
    assert [p["title"] for p in stale] == [
        "Policy Alert PA-2022-27: Public Charge Ground of Inadmissibility"
    ]
    assert stale[0]["age_days"] == (date(2025, 6, 1) - date(2022, 12, 19)).days
    assert stale_pages(manifest, 100_000) == []


def test_pm_updates_mark_which_affected_chapters_are_indexed(assistant):
    updates = [
        Document(
            content="a",
            meta={
                "doc_id": "u1",
                "title": "POLICY ALERT - O-1 update",
                "kind": "pm-update",
                "page_url": "https://www.uscis.gov/policy-manual/updates",
                "current_as_of": "2024-01-08",
                "affects": ["2 USCIS-PM M.4(C)", "12 USCIS-PM D.2", "PA-2024-01"],
            },
        ),
        Document(
            content="b", meta={"doc_id": "u1", "kind": "pm-update", "affects": ["2 USCIS-PM M"]}
        ),
    ]
    [update] = pm_updates(updates, ["2 USCIS-PM M.4(A)", "Form I-765"])
    assert update.affects == ["2 USCIS-PM M.4(C)", "12 USCIS-PM D.2", "2 USCIS-PM M"]
    assert update.indexed == [True, False, True]
    assert read_pm_updates(assistant.document_store) == []  # the small index has no update pages


# -- insights ----------------------------------------------------------------------------------
QUERIES = [
    {
        "question": "What is the capital of France?",
        "abstained": 1,
        "reason": "not-covered",
        "latency_ms": 30.0,
        "source": "app",
        "ts": "t1",
    },
    {
        "question": "Which city is the capital of France?",
        "abstained": 1,
        "reason": "not-covered",
        "latency_ms": 900.0,
        "source": "app",
        "ts": "t2",
    },
    {
        "question": "When does the office cafeteria close?",
        "abstained": 1,
        "reason": "not-covered",
        "latency_ms": 20.0,
        "source": "cli",
        "ts": "t3",
    },
    {
        "question": "Status of receipt [RECEIPT]?",
        "abstained": 1,
        "reason": "case-specific",
        "latency_ms": 1.0,
        "source": "app",
        "ts": "t4",
    },
    {
        "question": "Do K-1 fiancés have to have met?",
        "abstained": 0,
        "reason": None,
        "latency_ms": 50.0,
        "source": "app",
        "ts": "t5",
    },
]


def test_query_summary_and_slowest():
    s = query_summary(QUERIES)
    assert (s["asked"], s["answered"], s["abstained"], s["case_specific"]) == (5, 1, 4, 1)
    assert s["share_answered"] == pytest.approx(0.2) and s["by_source"] == {"app": 4, "cli": 1}
    assert [q["ts"] for q in slowest_queries(QUERIES, 2)] == ["t2", "t5"]


def test_referrals_are_counted_and_are_not_unanswered_questions():
    referral = {"question": "How do I apply for Medicaid?", "abstained": 1, "reason": "other-agency",
                "latency_ms": 1.0, "source": "app", "ts": "t6"}
    s = query_summary([*QUERIES, referral])
    assert (s["abstained"], s["case_specific"], s["referred"]) == (5, 1, 1)
    groups = unanswered_groups([*QUERIES, referral])
    assert all("Medicaid" not in q for g in groups for q in g["questions"])


def test_unanswered_questions_group_by_token_jaccard():
    groups = unanswered_groups(QUERIES)
    assert [g["count"] for g in groups] == [2, 1]
    assert groups[0]["questions"][1] == "Which city is the capital of France?"
    assert all("[RECEIPT]" not in q for g in groups for q in g["questions"])


def test_unanswered_questions_group_by_the_loaded_embedder(assistant):
    assistant.version  # noqa: B018 - loads the pipeline
    embed = assistant_embedder(assistant)
    assert embed is not None
    questions = [
        "What's France's capital city?",
        "capital of France",
        "When does the cafeteria close?",
        "capital of France",
    ]
    groups = group_questions(questions, embed)
    assert [(g["count"], len(g["questions"])) for g in groups] == [(3, 2), (1, 1)]


def test_feedback_counts_by_reason():
    fb = [
        {"helpful": 1, "reason": None},
        {"helpful": 0, "reason": "outdated"},
        {"helpful": 0, "reason": "outdated"},
        {"helpful": 0, "reason": None},
    ]
    s = feedback_summary(fb)
    assert (s["helpful"], s["not_helpful"]) == (1, 3)
    assert s["by_reason"]["outdated"] == 2 and s["by_reason"]["wrong"] == 0
    assert s["by_reason"]["no reason given"] == 1


# -- policydesk coverage -----------------------------------------------------------------------
@pytest.fixture
def env(small_index, monkeypatch, tmp_path):
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(small_index.data_dir))
    return tmp_path


def test_cli_coverage_writes_csv_and_html(env):
    qfile = env / "q.csv"
    qfile.write_text(
        f"id,question,expected_url\nk1,Do K-1 fiancés have to have met in person?,{I129F}\n"
        "fr,What is the capital of France?,\n"
    )
    out_csv, out_html = env / "r.csv", env / "out" / "r.html"
    result = runner.invoke(app, ["coverage", "--questions", str(qfile), "--output", str(out_csv)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out_csv.open()))
    assert [r["status"] for r in rows][1] == "not covered" and rows[0]["expected_found"] == "True"
    assert "1 not covered" in result.stdout
    result = runner.invoke(app, ["coverage", "--questions", str(qfile), "--output", str(out_html)])
    assert result.exit_code == 0, result.output
    assert out_html.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    "content, output, message",
    [
        ("query\nx\n", "r.csv", "no 'question' column"),
        ("question\nWhat is the I-765 fee?\n", "r.txt", "must end in .csv or .html"),
        (None, "r.csv", "no question file"),
    ],
)
def test_cli_coverage_bad_input_exits_2_with_a_message(env, content, output, message):
    qfile = env / "q.csv"
    if content is not None:
        qfile.write_text(content)
    result = runner.invoke(
        app, ["coverage", "--questions", str(qfile), "--output", str(env / output)]
    )
    assert result.exit_code == EXIT_BAD_INPUT
    assert message in result.stderr and "Traceback" not in result.output


def test_cli_coverage_without_an_index_exits_3(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(tmp_path / "empty"))
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(json.dumps({"id": "a", "question": "What is the I-765 fee?"}) + "\n")
    result = runner.invoke(
        app, ["coverage", "--questions", str(qfile), "--output", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == EXIT_NO_INDEX
    assert "policydesk ingest" in result.stderr


@pytest.mark.slow
def test_a_100_mb_upload_is_cut_with_a_message_and_the_rest_runs():
    row = b"q-1,What does the caller need to file for a replacement work permit card?\n"
    data = b"id,question\n" + row * (100_000_000 // len(row))
    assert len(data) >= 99_000_000
    qs = load_question_set(data, "huge.csv")
    assert any("over the 5 MB limit" in p for p in qs.problems)
    assert 0 < len(qs.items) <= MAX_QUESTIONS
