"""The approve form shared by Search, Coverage and Review: pick the sentences (the answer's by
default, or others from its cited passages), add a note and alternative phrasings, approve."""

from __future__ import annotations

import streamlit as st

from assistant.approvals.compose import answer_sentences, passage_sentences
from assistant.approvals.records import Approval, ApprovalError, SentenceChoice
from assistant.approvals.store import ApprovalStoreError
from assistant.records import Answer
from pages_ui.approval_view import sentence_label
from pages_ui.shared import get_assistant

FLASH = "approval_flash"  # a message to show after the rerun an approval triggers


def approve_form(live: Answer, key: str = "approve", previous: Approval | None = None,
                 title: str = "Approve this answer (policy staff)", expanded: bool = False) -> Approval | None:
    """The form; returns the approval made by this run's click, else None."""
    if live.abstained or not live.citations:
        return None
    with st.expander(title, expanded=expanded):
        answer_choices = answer_sentences(live)
        options: list[SentenceChoice] = list(answer_choices)
        for citation in live.citations[:3]:
            options += [c for c in passage_sentences(citation) if c not in options]
        chosen = st.multiselect("Sentences to approve (verbatim from the cited passages)", options,
                                default=answer_choices, key=f"{key}_sentences",
                                format_func=lambda c: sentence_label(live, c))
        note = st.text_area("Note (optional; no personal data)", value=(previous.note or "") if previous else "",
                            key=f"{key}_note", max_chars=2000)
        phrasings = st.text_area("Alternative phrasings agents use (one per line, optional)",
                                 value="\n".join(previous.phrasings) if previous else "",
                                 key=f"{key}_phrasings", max_chars=4000)
        by = st.session_state.get("approver", "")
        if not by:
            st.caption("Type your name in the sidebar to approve.")
        if not st.button("Approve", key=f"{key}_button", disabled=not by, type="primary"):
            return None
        try:
            approval = get_assistant().approvals.approve(
                live, by, choices=list(chosen), note=note, approval_id=previous.id if previous else None,
                phrasings=[p for p in phrasings.splitlines() if p.strip()])
        except (ApprovalError, ApprovalStoreError) as exc:
            st.error(f"Not approved: {exc}")
            return None
        st.session_state[FLASH] = f"Approved ({approval.id}) by {approval.approved_by}."
        return approval
