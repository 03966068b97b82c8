"""Review: approved answers by state; for those whose passages changed, the approved and the current
text side by side with the change marked; re-approve, edit or retire."""

from __future__ import annotations

from html import escape

import streamlit as st

from assistant.approvals.records import APPROVED, NEEDS_REVIEW, RETIRED, STATES, Approval, ApprovalError
from assistant.approvals.review import needs_review_chunks
from assistant.approvals.store import ApprovalStoreError
from assistant.records import Answer
from pages_ui.answer_view import answer_html
from pages_ui.approval_view import diff_html, passage_box
from pages_ui.approve_form import FLASH, approve_form
from pages_ui.shared import approver_name, ready_assistant

assistant, version = ready_assistant()
desk = assistant.approvals
by = approver_name()

st.title("Review approved answers")
st.caption(f"Each approval is checked against every new index version (serving: {version.name}); a cited "
           "passage whose text changed, moved or vanished sends it here as “needs review”, and agents see "
           "the live answer until it is re-approved.")
if flash := st.session_state.pop(FLASH, None):
    st.success(flash)

counts = {s: len(desk.store.approvals((s,))) for s in STATES}
cols = st.columns(len(STATES))
for col, (state_name, n) in zip(cols, counts.items(), strict=True):
    col.metric(state_name, n)
if not any(counts.values()):
    st.info("No approved answers yet: approve an answer on the Search page (or with `policydesk approve`).")
    st.stop()
default = STATES.index(NEEDS_REVIEW) if counts[NEEDS_REVIEW] else 0
state = st.radio("Show", STATES, index=default, key="review_state", horizontal=True)


def live_answer(question: str) -> Answer:
    answer = assistant.ask(question)
    return answer.live or answer


def show_changes(a: Approval) -> None:
    for chunk in needs_review_chunks(a):
        where = f" → now {chunk.new_cite} ({chunk.new_url})" if chunk.change == "moved" else ""
        st.markdown(f"**{escape(chunk.change or '')}**: {escape(chunk.cite)}{escape(where)}")
        left, right = st.columns(2)
        left.caption("Approved passage text")
        if chunk.new_text is None:
            right.caption("Now: no longer in the index")
            left.html(passage_box(chunk.text))
            continue
        right.caption("Passage text now (changes marked)")
        old_html, new_html = diff_html(chunk.text, chunk.new_text)
        left.html(old_html)
        right.html(new_html)


def actions(a: Approval) -> None:
    if not by:
        st.caption("Type your name in the sidebar to re-approve, edit or retire.")
        return
    reapprove, edit, retire = st.columns(3)
    if a.state != APPROVED and reapprove.button("Re-approve with the current answer", key=f"reapprove_{a.id}"):
        live = live_answer(a.question)
        if live.abstained:
            st.error("The current pages no longer answer this question: edit or retire it.")
            return
        try:
            done = desk.approve(live, by, approval_id=a.id)
        except (ApprovalError, ApprovalStoreError) as exc:
            st.error(f"Not re-approved: {exc}")
            return
        st.session_state[FLASH] = f"Re-approved ({done.id}) by {done.approved_by}."
        st.rerun()
    if edit.button("Edit", key=f"edit_{a.id}"):
        st.session_state["editing"] = a.id
    if a.state != RETIRED and retire.button("Retire", key=f"retire_{a.id}"):
        desk.retire(a.id, by)
        st.session_state[FLASH] = f"Retired {a.id}: its question gets the live answer."
        st.rerun()
    if st.session_state.get("editing") == a.id:
        live = live_answer(a.question)
        if live.abstained:
            st.error("The current pages do not answer this question, so there is nothing to approve.")
        elif approve_form(live, key=f"form_{a.id}", previous=a, expanded=True,
                          title="Edit: sentences from the current answer, note, phrasings") is not None:
            st.session_state.pop("editing", None)
            st.rerun()


approvals = desk.store.approvals((state,))
if not approvals:
    st.caption(f"No approvals are {state}.")
for a in approvals:
    with st.container(border=True, key=f"approval_{a.id}"):
        st.markdown(f"**{escape(a.question)}**")
        st.caption(f"{a.id} · approved by {a.approved_by} on {a.approved_at[:10]} · index {a.index_version}")
        if a.phrasings:
            st.caption("Also asked as: " + " | ".join(a.phrasings))
        if a.note:
            st.caption(f"Note: {a.note}")
        st.html(f"<div>{answer_html(a.answer)}</div>")
        st.caption(" · ".join(f"[{c['rank']}] {c['cite']}" + (f" (current as of {c['current_as_of']})"
                                                               if c.get("current_as_of") else "")
                              for c in a.citations))
        if a.state == NEEDS_REVIEW:
            st.warning(f"Needs review: {a.state_reason}")
            show_changes(a)
        elif a.state == RETIRED and a.state_reason:
            st.caption(f"Retired: {a.state_reason}")
        actions(a)
