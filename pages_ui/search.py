"""Search: one question from a live call -> the cited answer, or a plain "escalate"."""

from __future__ import annotations

from html import escape

import streamlit as st

from assistant.privacy.query_log import FEEDBACK_REASONS, log_answer, record_feedback
from assistant.records import Answer, Citation, QuestionError
from assistant.reports.coverage import WEAK_MARGIN
from assistant.reports.library import age_in_days, is_stale
from assistant.service import SearchFilters
from ingest.forms import find_forms
from ingest.records import KINDS
from pages_ui.answer_view import (
    answer_html,
    citation_header_html,
    cited_ranks,
    confidence_label,
    copy_text,
    later_update_note,
    link_html,
    passage_html,
)
from pages_ui.approval_view import approved_byline
from pages_ui.approve_form import FLASH, approve_form
from pages_ui.shared import approver_name, ready_assistant

NO_REASON = "(choose a reason)"

assistant, version = ready_assistant()
settings = assistant.settings

with st.sidebar:
    st.header("Filters")
    kinds = st.multiselect("Source kind", KINDS, key="filter_kinds")
    volume = st.selectbox(
        "Policy Manual volume",
        [None, *range(1, 13)],
        key="filter_volume",
        format_func=lambda v: "any volume" if v is None else f"Volume {v}",
    )
    form_text = st.text_input("Form number", key="filter_form", placeholder="e.g. I-765")
approver_name()

st.title("Search the official pages")
question = st.text_input(
    "Caller's question (press Enter)",
    key="question",
    placeholder="e.g. What is the filing fee for Form I-765?",
)
if not question.strip():
    st.caption(f"Answers come only from the indexed official pages (index {version.name}).")
    st.stop()

forms = list(find_forms(form_text) or find_forms("Form " + form_text)) if form_text.strip() else []
if form_text.strip() and not forms:
    st.warning("The form filter is not a form number (e.g. I-765); it is ignored.")

# Ask (and log) once per question and filter set: reruns from the feedback form reuse the answer.
ask_key = (question, tuple(kinds), volume, tuple(forms), version.name)
if st.session_state.get("answer_key") != ask_key:
    try:
        with st.spinner("Searching the official pages…"):
            fresh = assistant.ask(question, filters=SearchFilters(list(kinds), volume, forms))
    except QuestionError as exc:
        st.error(f"This question cannot be searched: {exc}")
        st.stop()
    log_answer(settings, fresh, source="app")
    st.session_state["answer_key"] = ask_key
    st.session_state["answer"] = fresh
answer: Answer = st.session_state["answer"]


def show_passage(c: Citation) -> None:
    with st.container(border=True):
        st.html(citation_header_html(c))
        if c.current_as_of:
            st.caption(f"Current as of {c.current_as_of}")
            if is_stale(c.current_as_of, settings.stale_after_days):
                st.warning(
                    f'This page\'s "current as of" date is {age_in_days(c.current_as_of)} days old '
                    f"(over {settings.stale_after_days}): check the official page for a newer "
                    "version."
                )
        else:
            st.caption('This page gives no "current as of" date.')
        if note := later_update_note(c):
            st.warning(note)
        st.html(passage_html(c))
        st.html(link_html(c.url))


def show_answer(shown: Answer, card_key: str, heading: str = "Answer") -> None:
    """An answer as agents see it: the escalation, or the key sentences and their passages."""
    if shown.abstained:
        st.warning(shown.message or "Not covered — escalate.")
        badges = {"case-specific": "case-specific", "other-agency": "other agency"}
        badge = badges.get(shown.reason or "", "not covered")
        st.badge(badge, color="blue" if shown.reason == "other-agency" else "red")
        if shown.citations:
            with st.expander("Nearest passages (not an answer; for reference only)", expanded=False):
                for c in shown.citations:
                    st.html(citation_header_html(c))
                    st.html(passage_html(c))
        return
    with st.container(border=True, key=card_key):
        st.subheader(heading)
        st.html(f"<div style='font-size:1.1rem'>{answer_html(shown.text)}</div>")
        if shown.approved:
            st.badge("verified by policy staff", color="green", icon=":material/verified:")
            st.caption(approved_byline(shown))
        else:
            label, colour = confidence_label(shown.confidence, settings.abstain_threshold, WEAK_MARGIN)
            st.badge(label, color=colour)
    used = cited_ranks(shown.text) or {1}
    st.subheader("Cited passages")
    for c in shown.citations:
        if c.rank in used:
            show_passage(c)
    related = [c for c in shown.citations[1:] if c.rank not in used]
    if related:
        st.subheader("Related sections")
        st.html(
            "<ul>"
            + "".join(
                f"<li>{citation_header_html(c)} — {link_html(c.url, 'open')}</li>" for c in related
            )
            + "</ul>"
        )
    st.subheader("Copy answer with citations")
    st.code(copy_text(shown), language=None, wrap_lines=True)


if flash := st.session_state.pop(FLASH, None):
    st.success(flash)
st.html(f"<div style='color:#555'>Question: {escape(answer.question)}</div>")
if answer.approval_note:
    st.info(answer.approval_note)
if answer.approved and answer.live is not None:
    show_answer(answer, "approved_card", "Approved answer")
    st.divider()
    st.subheader("Live search results")
    show_answer(answer.live, "answer_card", "Answer from the current pages")
else:
    show_answer(answer, "answer_card")
if approve_form(answer.live or answer) is not None:
    st.session_state.pop("answer_key", None)  # ask again: the approved answer now leads
    st.rerun()
st.caption(f"{answer.latency_ms:.0f} ms · index {version.name}")

with st.form("feedback", clear_on_submit=True):
    st.markdown("**Was this helpful?**")
    helpful = st.radio(
        "Helpful?",
        ["Helpful", "Not helpful"],
        key="fb_helpful",
        horizontal=True,
        label_visibility="collapsed",
    )
    reason = st.selectbox("If not helpful, why?", [NO_REASON, *FEEDBACK_REASONS], key="fb_reason")
    comment = st.text_area("Comment (optional; no personal data)", key="fb_comment", max_chars=2000)
    sent = st.form_submit_button("Send feedback", key="fb_send")
if sent:
    top = answer.citations[0].cite if answer.citations and not answer.abstained else None
    record_feedback(
        settings,
        answer.question,
        helpful == "Helpful",
        reason=None if helpful == "Helpful" or reason == NO_REASON else reason,
        comment=comment.strip() or None,
        top_cite=top,
    )
    st.success("Thank you: feedback recorded.")
