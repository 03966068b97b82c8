"""The Streamlit app, driven with AppTest over the real small index (no browser)."""

from __future__ import annotations

import copy
import hashlib
import re
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from assistant.approvals.records import IndexedChunk
from assistant.approvals.review import check_approvals
from assistant.approvals.store import ApprovalStore
from assistant.privacy.query_log import log_answer, read_feedback, read_queries
from assistant.records import ESCALATE_NOT_COVERED, Answer, Citation
from assistant.service import Assistant
from pages_ui.answer_view import copy_text, highlight_passage, link_html, passage_html

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = [
    "pages_ui/search.py",
    "pages_ui/coverage.py",
    "pages_ui/library.py",
    "pages_ui/insights.py",
    "pages_ui/review.py",
]
K1 = "Do K-1 fiancés have to have met in person?"
TIMEOUT = 120  # the first run loads the embedding model
_loaded_dir: list[str] = [""]


def _app(data_dir: Path, monkeypatch) -> AppTest:
    """AppTest on app.py with POLICYDESK_DATA_DIR set; cached resources reset per data dir."""
    monkeypatch.setenv("POLICYDESK_DATA_DIR", str(data_dir))
    if _loaded_dir[0] != str(data_dir):
        st.cache_resource.clear()  # the cached Settings/Assistant belong to another data dir
        _loaded_dir[0] = str(data_dir)
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


@pytest.fixture(scope="module")
def app_data(small_index, tmp_path_factory) -> Path:
    """A copy of the small index with its own (empty) query log, so log assertions are exact."""
    data_dir = tmp_path_factory.mktemp("appdata")
    shutil.copytree(small_index.index_dir, data_dir / "index")
    return data_dir


def _settings(data_dir: Path):
    from ingest.settings import Settings

    return Settings(data_dir=data_dir)


def _html(at: AppTest) -> list[str]:
    return [el.proto.body for el in at.get("html")]


def _table(at: AppTest, columns: list[str]):
    """The one dataframe shown with exactly these columns (AppTest does not expose table keys)."""
    [found] = [df.value for df in at.dataframe if list(df.value.columns) == columns]
    return found


def _ask(at: AppTest, question: str) -> AppTest:
    at.run()
    at.text_input(key="question").input(question).run()
    assert not at.exception, at.exception
    return at


def test_question_renders_an_answer_with_a_cited_indexed_passage(app_data, monkeypatch):
    at = _ask(_app(app_data, monkeypatch), K1)
    html = "\n".join(_html(at))
    assert "Answer" in [s.value for s in at.subheader]
    assert not any("escalate" in w.value for w in at.warning)
    assert (
        "I-129F" in html and "<mark>" in html
    )  # the answering sentence highlighted in its passage
    assert 'href="https://www.uscis.gov/sites/default/files/document/forms/i-129finstr.pdf' in html
    pasted = at.code[0].value
    assert (
        "Sources:" in pasted
        and "[1] Form I-129F Instructions" in pasted
        and "current as of 2025-02-21" in pasted
    )
    assert any("current as of" in c.value.lower() for c in at.caption)
    assert any(
        re.fullmatch(r"\d+ ms · index v\w+", c.value) for c in at.caption
    )  # latency, discreetly
    [logged] = read_queries(_settings(app_data))
    assert logged["question"] == K1 and logged["source"] == "app" and logged["abstained"] == 0
    at.run()  # a rerun (e.g. a click elsewhere) reuses the answer and does not log it twice
    assert len(read_queries(_settings(app_data))) == 1


def test_out_of_scope_question_renders_the_escalation(app_data, monkeypatch):
    at = _ask(_app(app_data, monkeypatch), "What is the capital of France?")
    assert ESCALATE_NOT_COVERED in [w.value for w in at.warning]
    assert "Answer" not in [s.value for s in at.subheader] and not at.code
    assert [e.label for e in at.expander] == [
        "Nearest passages (not an answer; for reference only)"
    ]


def test_question_for_another_agency_renders_the_referral(app_data, monkeypatch):
    at = _ask(_app(app_data, monkeypatch), "Caller wants to apply for SNAP for her family")
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("Another agency handles this") and "state or local agency" in warning
    assert "Answer" not in [s.value for s in at.subheader] and not at.code and not at.expander
    [logged] = [q for q in read_queries(_settings(app_data)) if "SNAP" in q["question"]]
    assert logged["abstained"] == 1 and logged["reason"] == "other-agency"


def test_filters_narrow_the_sources(app_data, monkeypatch):
    at = _app(app_data, monkeypatch)
    at.run()
    at.multiselect(key="filter_kinds").set_value(["statute"])
    at.text_input(key="question").input("How are employment-based immigrant visas allocated?").run()
    assert not at.exception
    cites = [c.cite for c in at.session_state["answer"].citations]
    assert cites and all(c.startswith("8 U.S.C.") for c in cites)


def test_markup_in_the_question_is_shown_as_text(app_data, monkeypatch):
    at = _ask(_app(app_data, monkeypatch), K1 + " <script>alert(1)</script>")
    html = "\n".join(_html(at))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert all("<script" not in m.value for m in [*at.markdown, *at.caption])


def test_markup_in_a_passage_is_shown_as_text(app_data, monkeypatch):
    # What an indexed page would look like if its text carried markup: the real answer, with a
    # hostile prefix put in front of its first passage (highlight offsets shifted to match).
    real_ask = Assistant.ask
    evil = "<img src=x onerror=alert(1)> **bold** [link](javascript:alert(1)) "

    def ask_with_markup(self, *args, **kwargs):
        answer = copy.deepcopy(real_ask(self, *args, **kwargs))
        first = answer.citations[0]
        at_ = first.text.index("\n") + 1  # just after the heading line, where the body starts
        first.text = first.text[:at_] + evil + first.text[at_:]
        moved = [
            [s + len(evil), e + len(evil)] if s >= at_ else [s, e] for s, e in first.highlights
        ]
        first.highlights = [[at_, at_ + len(evil) - 1], *moved]
        first.url = "javascript:alert(1)"
        return answer

    monkeypatch.setattr(Assistant, "ask", ask_with_markup)
    at = _ask(_app(app_data, monkeypatch), K1)
    html = "\n".join(_html(at))
    assert "<mark>&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html
    assert "**bold** [link](javascript:alert(1))" in html  # markdown left as literal text
    assert 'href="javascript:' not in html


def test_feedback_is_stored_redacted(app_data, monkeypatch):
    at = _ask(_app(app_data, monkeypatch), K1)
    at.radio(key="fb_helpful").set_value("Not helpful")
    at.selectbox(key="fb_reason").set_value("outdated")
    at.text_area(key="fb_comment").input("Caller A123456789 says the page changed")
    at.button(key="fb_send").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Thank you: feedback recorded."]
    [fb] = read_feedback(_settings(app_data))
    assert fb["helpful"] == 0 and fb["reason"] == "outdated" and fb["question"] == K1
    assert "A123456789" not in fb["comment"] and "page changed" in fb["comment"]
    assert fb["top_cite"].startswith("Form I-129F Instructions")


def test_coverage_page_runs_the_sample_and_offers_exports(app_data, monkeypatch):
    at = _app(app_data, monkeypatch)
    at.switch_page("pages_ui/coverage.py").run()
    at.button(key="run_sample").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 16 and set(table["status"]) <= {"approved", "answered", "weak", "not covered", "referred"}
    assert {"answered", "not covered", "referred"} <= set(table["status"])
    assert [m.label for m in at.metric] == ["approved", "answered", "weak", "not covered", "referred"]
    assert [b.key for b in at.get("download_button")] == ["download_csv", "download_html"]
    assert "Paraphrase groups whose top citations disagree" in [s.value for s in at.subheader]


def test_coverage_upload_reports_bad_lines_and_runs_the_rest(app_data, monkeypatch):
    at = _app(app_data, monkeypatch)
    at.switch_page("pages_ui/coverage.py").run()
    body = (
        b'{"id": "a", "question": "Do K-1 fiances have to have met in person?"}\n{broken\n'
        b'{"id": "c", "question": "What is the capital of France?"}\n'
    )
    at.file_uploader(key="questions_file").set_value(("set.jsonl", body, "application/jsonl"))
    at.run()
    at.button(key="run_upload").click().run()
    assert not at.exception
    assert list(at.dataframe[0].value["id"]) == ["a", "c"]
    assert any("1 line(s) skipped" in w.value for w in at.warning)
    assert any("line 2 is not valid JSON" in t.value for t in at.text)


def test_coverage_upload_with_wrong_columns_says_so(app_data, monkeypatch):
    at = _app(app_data, monkeypatch)
    at.switch_page("pages_ui/coverage.py").run()
    at.file_uploader(key="questions_file").set_value(
        ("set.csv", b"query,ref\nfee?,1\n", "text/csv")
    )
    at.run()
    at.button(key="run_upload").click().run()
    assert not at.exception and not at.dataframe
    assert "no 'question' column (columns found: query, ref)" in at.error[0].value


def test_library_lists_the_ingested_sources(app_data, small_index, monkeypatch):
    at = _app(app_data, monkeypatch)
    at.switch_page("pages_ui/library.py").run()
    assert not at.exception
    assert len(_table(at, ["source"])) == 6
    titles = set(
        _table(at, ["title", "kind", "url", "current_as_of", "source", "chunks", "fetched_at"])[
            "title"
        ]
    )
    assert {
        "I-765, Application for Employment Authorization",
        "Chapter 4 - O-1 Beneficiaries",
    } <= titles
    assert "Policy Alert PA-2022-27: Public Charge Ground of Inadmissibility" in set(
        _table(at, ["title", "kind", "current_as_of", "age_days", "url"])["title"]
    )


def test_insights_groups_unanswered_questions(app_data, monkeypatch, tmp_path):
    data_dir = tmp_path / "insights"
    shutil.copytree(app_data / "index", data_dir / "index")
    settings = _settings(data_dir)
    for q, abstained, reason in [
        ("What is the capital of France?", True, "not-covered"),
        ("capital city of France", True, "not-covered"),
        ("How do I apply for Medicaid for my kids?", True, "other-agency"),
        (K1, False, None),
    ]:
        log_answer(
            settings,
            Answer(
                q,
                abstained,
                0.1 if abstained else 0.9,
                "" if abstained else "x [1]",
                [],
                latency_ms=12.0,
                reason=reason,
            ),
            "app",
        )
    at = _app(data_dir, monkeypatch)
    at.switch_page("pages_ui/insights.py").run()
    assert not at.exception
    assert [m.value for m in at.metric][:5] == ["4", "25%", "2", "0", "1"]
    unanswered = _table(at, ["times asked", "example", "similar questions"])
    assert list(unanswered["times asked"]) == [2]  # the referral is not a gap in the pages


@pytest.mark.parametrize("page", PAGES)
def test_every_page_explains_how_to_build_an_index_when_there_is_none(page, tmp_path, monkeypatch):
    at = _app(tmp_path / "no-index", monkeypatch)
    at.switch_page(page).run()
    assert not at.exception
    [info] = at.info
    assert "make demo" in info.value and "policydesk ingest --source ../shared/corpus" in info.value


# -- the escaping helpers, directly ------------------------------------------------------------
def test_highlight_escapes_before_marking():
    text = "Intro <img src=x onerror=alert(1)> & more. Second sentence <b>here</b>."
    start = text.index("Second")
    out = highlight_passage(text, [[start, len(text)], [0, 5]])
    assert out == (
        "<mark>Intro</mark> &lt;img src=x onerror=alert(1)&gt; &amp; more. "
        "<mark>Second sentence &lt;b&gt;here&lt;/b&gt;.</mark>"
    )


def test_highlight_clips_bad_offsets_and_keeps_the_whole_text():
    text = "abcdef"
    assert (
        highlight_passage(text, [[4, 99], [-3, 2], [1, 3], [5, 5]])
        == "<mark>ab</mark><mark>c</mark>d<mark>ef</mark>"
    )


def test_links_only_for_web_urls_and_copy_text_lists_cited_sources():
    assert link_html("javascript:alert(1)") == "javascript:alert(1)"
    assert link_html('https://x.gov/a"onmouseover="b').count('"') == 6  # quotes escaped in href
    c = Citation(
        1,
        "c1",
        "s",
        "https://www.uscis.gov/i-765#fee",
        "Form I-765",
        "I-765",
        "Fees",
        "uscis-page",
        "2026-04-30",
        "text",
        0.9,
    )
    c2 = Citation(
        2, "c2", "s", "https://www.uscis.gov/x", "Other", "Other", "", "uscis-page", None, "t", 0.1
    )
    text = copy_text(Answer("q", False, 0.9, "The fee is $470. [1]", [c, c2]))
    assert text == (
        "The fee is $470. [1]\n\nSources:\n[1] Form I-765 — I-765 (current as of 2026-04-30)\n"
        "    https://www.uscis.gov/i-765#fee"
    )


def test_passage_drops_the_repeated_heading_and_keeps_highlights_aligned():
    text = "Form I-765 > Fees\nThe fee is $470. Pay online."
    start = text.index("The fee")
    c = Citation(
        1,
        "c",
        "s",
        "https://www.uscis.gov/i-765",
        "Form I-765",
        "Form I-765",
        "Fees",
        "uscis-page",
        None,
        text,
        0.9,
        highlights=[[start, start + 16]],
        body_start=start,  # as to_citation sets it from the chunk's heading line
    )
    assert passage_html(c).endswith("><mark>The fee is $470.</mark> Pay online.</div>")


def test_an_older_update_warns_that_a_later_one_changes_its_section():
    from pages_ui.answer_view import later_update_note

    older = Citation(3, "c3", "s", "https://www.uscis.gov/policy-manual/updates", "USCIS-PM Update 2021-09-14",
                     "Policy Manual updates", "", "pm-update", "2021-09-14", "COVID-19 vaccination requirement.", 0.5,
                     later_update="USCIS-PM Update 2025-05-13")
    note = later_update_note(older)
    assert note is not None and "USCIS-PM Update 2025-05-13" in note
    older.later_update = None
    assert later_update_note(older) is None
    assert older.to_json()["later_update"] is None  # part of the answer contract


# -- approved answers ----------------------------------------------------------------------------
@pytest.fixture
def approval_data(small_index, tmp_path) -> Path:
    """A copy of the small index with its own (empty) approvals database and query log."""
    data_dir = tmp_path / "approvals-app"
    shutil.copytree(small_index.index_dir, data_dir / "index")
    return data_dir


def _approve_on_search(at: AppTest, question: str, name: str = "Dana Policy") -> AppTest:
    at.run()
    at.text_input(key="approver_input").input(name)
    at.text_input(key="question").input(question).run()
    assert not at.exception, at.exception
    assert "Answer" in [s.value for s in at.subheader]  # the live answer, not yet approved
    at.text_area(key="approve_note").input("Checked against the PDF")
    at.text_area(key="approve_phrasings").input("Must K-1 fiancés have met in person?")
    at.button(key="approve_button").click().run()
    assert not at.exception, at.exception
    return at


def test_approving_on_search_makes_the_approved_answer_lead(approval_data, monkeypatch):
    at = _approve_on_search(_app(approval_data, monkeypatch), K1)
    assert any(s.value.startswith("Approved (ap-") for s in at.success)
    answer = at.session_state["answer"]
    assert answer.approved["by"] == "Dana Policy" and answer.live is not None
    headings = [s.value for s in at.subheader]
    assert headings.index("Approved answer") < headings.index("Live search results")
    assert any(c.value.startswith("Approved by Dana Policy on ") and "current as of 2025-02-21" in c.value
               for c in at.caption)
    # A paraphrase (the phrasing staff added) gets the same approved answer.
    at.text_input(key="question").input("Must K-1 fiancés have met in person?").run()
    again = at.session_state["answer"]
    assert again.approved["id"] == answer.approved["id"] and again.text == answer.text
    [stored] = ApprovalStore(_settings(approval_data).approvals_path).approvals()
    assert stored.note == "Checked against the PDF" and stored.phrasings == ["Must K-1 fiancés have met in person?"]


def test_review_shows_the_change_side_by_side_then_reapprove_and_retire(approval_data, monkeypatch):
    at = _approve_on_search(_app(approval_data, monkeypatch), K1)
    store = ApprovalStore(_settings(approval_data).approvals_path)
    [approval] = store.approvals()
    # A new index version in which the cited passage says 3-year instead of 2-year.
    edited = {c.chunk_id: IndexedChunk(c.chunk_id, hashlib.sha256(t.encode()).hexdigest(), t, c.url, c.cite)
              for c in approval.chunks for t in [c.text.replace("2-year period", "3-year period")]}
    assert check_approvals(store, edited, "v-edited").flagged == [approval.id]

    at.switch_page("pages_ui/review.py").run()
    assert not at.exception, at.exception
    assert [(m.label, m.value) for m in at.metric] == [("approved", "0"), ("needs review", "1"), ("retired", "0")]
    assert any("Needs review: text changed: Form I-129F Instructions" in w.value for w in at.warning)
    html = "\n".join(_html(at))
    assert "<del style='background:#fbe3e3'>2-year</del>" in html and "3-year</ins>" in html

    at.button(key=f"reapprove_{approval.id}").click().run()
    assert not at.exception, at.exception
    assert store.get(approval.id).state == "approved"
    assert any(s.value.startswith("Re-approved") for s in at.success)

    at.radio(key="review_state").set_value("approved").run()
    at.button(key=f"edit_{approval.id}").click().run()
    at.text_area(key=f"form_{approval.id}_note").input("Re-read after the page change")
    at.button(key=f"form_{approval.id}_button").click().run()
    assert not at.exception, at.exception
    assert store.get(approval.id).note == "Re-read after the page change"

    at.button(key=f"retire_{approval.id}").click().run()
    assert not at.exception, at.exception
    assert store.get(approval.id).state == "retired"
    at.switch_page("pages_ui/search.py").run()
    at.text_input(key="question").input("Must K-1 fiancés have met in person?").run()
    assert at.session_state["answer"].approved is None  # retired: the live answer again


def test_coverage_row_can_be_approved(approval_data, monkeypatch):
    at = _app(approval_data, monkeypatch)
    at.switch_page("pages_ui/coverage.py").run()
    at.text_input(key="approver_input").input("Dana Policy")
    at.button(key="run_sample").click().run()
    rows = at.session_state["coverage_report"].rows
    row = next(r for r in rows if r["status"] in ("answered", "weak"))
    at.selectbox(key="approve_row").set_value(row["id"]).run()
    at.button(key="row_approve_button").click().run()
    assert not at.exception, at.exception
    assert row["id"] in [r["id"] for r in at.session_state["coverage_report"].rows if r["status"] == "approved"]
    [stored] = ApprovalStore(_settings(approval_data).approvals_path).approvals()
    assert next(r for r in rows if r["id"] == row["id"])["approved"] == stored.id
