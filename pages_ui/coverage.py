"""Coverage: run a question set (CSV/JSONL upload or the sample) and see what the pages answer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from assistant.reports.coverage import (
    MAX_QUESTIONS,
    MAX_UPLOAD_BYTES,
    WEAK_MARGIN,
    QuestionSetError,
    disagreeing_groups,
    load_question_set,
    run_coverage,
    summary_by_kind,
    summary_by_status,
    to_csv,
)
from assistant.reports.coverage_report import coverage_html
from pages_ui.answer_view import answer_html
from pages_ui.approve_form import FLASH, approve_form
from pages_ui.shared import approver_name, ready_assistant

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_questions.csv"

assistant, version = ready_assistant()
approver_name()

st.title("Coverage")
st.caption(
    f"Which questions the indexed pages answer well, weakly (confidence under "
    f"{assistant.settings.abstain_threshold + WEAK_MARGIN:.2f}), or not at all. "
    f"CSV with a `question` column (optional `id`, `group`, `expected_url`) or JSONL like "
    f"the eval set; up to {MAX_UPLOAD_BYTES // 1_000_000} MB and {MAX_QUESTIONS:,} questions."
)

upload = st.file_uploader("Question set", type=["csv", "jsonl", "json"], key="questions_file")
left, right = st.columns(2)
run_upload = left.button("Run the uploaded set", key="run_upload", disabled=upload is None)
run_sample = right.button("Use the sample questions", key="run_sample")

source = None
if run_upload and upload is not None:
    source = (upload.getvalue(), upload.name)
elif run_sample:
    source = (SAMPLE.read_bytes(), SAMPLE.name)

if source is not None:
    try:
        question_set = load_question_set(*source)
    except QuestionSetError as exc:
        st.error(f"{source[1]}: {exc}")
        st.stop()
    bar = st.progress(0.0, text="Asking…")
    report = run_coverage(
        assistant,
        question_set,
        progress=lambda done, total: bar.progress(done / total, text=f"{done} of {total}"),
    )
    bar.empty()
    st.session_state["coverage_report"] = report
    st.session_state["coverage_name"] = source[1]

report = st.session_state.get("coverage_report")
if report is None:
    st.stop()

st.subheader(f"Results: {st.session_state['coverage_name']}")
if report.problems:
    with st.container(border=True):
        st.warning(f"{len(report.problems)} line(s) skipped or cut; the rest was run.")
        st.text("\n".join(report.problems[:50]))

table = pd.DataFrame(report.rows)
status = summary_by_status(report.rows)
cols = st.columns(len(status))
for col, (name, count) in zip(cols, status.items(), strict=True):
    col.metric(name, count)
st.dataframe(
    table,
    key="coverage_table",
    hide_index=True,
    width="stretch",
    column_config={"top_url": st.column_config.LinkColumn("top_url")},
)

chart_left, chart_right = st.columns(2)
with chart_left:
    st.caption("Questions by status")
    st.bar_chart(pd.Series(status, name="questions"))
with chart_right:
    st.caption("Status by source kind of the top citation")
    st.bar_chart(pd.DataFrame(summary_by_kind(report.rows)).T)

groups = disagreeing_groups(report.rows)
st.subheader("Paraphrase groups whose top citations disagree")
if not groups:
    st.caption("None: every paraphrase group agrees on its top citation.")
for g in groups:
    st.text(f"Group {g['group']}")
    st.dataframe(pd.DataFrame(g["questions"]), hide_index=True, key=f"group_{g['group']}")

st.subheader("Approve the answer of a row")
if flash := st.session_state.pop(FLASH, None):
    st.success(flash)
candidates = [r for r in report.rows if r["status"] in ("answered", "weak")]
if not candidates:
    st.caption("No answered row is waiting for approval.")
else:
    row_id = st.selectbox("Row", [r["id"] for r in candidates], index=None, key="approve_row",
                          placeholder="choose a question to approve its answer",
                          format_func=lambda i: next(f"{r['id']}: {r['question']}" for r in candidates if r["id"] == i))
    picked = next((r for r in candidates if r["id"] == row_id), None)
    if picked is not None:
        live = assistant.ask(picked["question"])
        live = live.live or live
        if live.abstained:
            st.warning("The pages no longer answer this question; nothing to approve.")
        else:
            st.html(f"<div>{answer_html(live.text)}</div>")
            approval = approve_form(live, key="row_approve", expanded=True)
            if approval is not None:
                picked["status"], picked["approved"] = "approved", approval.id  # the report shows it now
                st.rerun()

down_csv, down_html = st.columns(2)
down_csv.download_button(
    "Download CSV",
    to_csv(report.rows),
    file_name="coverage.csv",
    mime="text/csv",
    key="download_csv",
)
down_html.download_button(
    "Download HTML report",
    coverage_html(report),
    file_name="coverage.html",
    mime="text/html",
    key="download_html",
)
