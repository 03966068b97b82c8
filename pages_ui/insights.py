"""Insights: what agents asked, what went unanswered, feedback, and the slowest questions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assistant.privacy.query_log import read_feedback, read_queries
from assistant.reports.insights import (
    EMBED_GROUP_THRESHOLD,
    assistant_embedder,
    feedback_summary,
    most_asked_without_approval,
    query_summary,
    slowest_queries,
    unanswered_groups,
)
from pages_ui.shared import ready_assistant

assistant, version = ready_assistant()
settings = assistant.settings
queries = read_queries(settings)
feedback = read_feedback(settings)

st.title("Insights")
if not queries and not feedback:
    st.info(
        "No questions logged yet: questions asked on the Search page "
        "(and with `policydesk ask`) appear here."
    )
    st.stop()

summary = query_summary(queries)
a, b, c, d, e = st.columns(5)
a.metric("Questions asked", summary["asked"])
b.metric("Answered", f"{summary['share_answered']:.0%}")
c.metric("Not covered", summary["not_covered"])
d.metric("Case-specific (escalated)", summary["case_specific"])
e.metric("Referred to another agency", summary["referred"])

st.subheader("Unanswered questions, grouped by similarity")
st.caption(
    f"Grouped with the search model's embeddings (cosine ≥ {EMBED_GROUP_THRESHOLD}); "
    "questions are stored redacted."
)
groups = unanswered_groups(queries, assistant_embedder(assistant))
if groups:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "times asked": g["count"],
                    "example": g["example"],
                    "similar questions": " | ".join(g["questions"][1:6]),
                }
                for g in groups
            ]
        ),
        hide_index=True,
        key="unanswered_table",
        width="stretch",
    )
else:
    st.caption("Every logged question was answered.")

st.subheader("Most-asked questions without an approved answer")
st.caption("Where approving an answer (Search, Coverage) would do most for consistency; grouped by "
           "similarity like the unanswered questions.")
gaps = most_asked_without_approval(queries, assistant.approvals.has_approved_answer, assistant_embedder(assistant))
if gaps:
    st.dataframe(
        pd.DataFrame([{"asked": g["count"], "question": g["example"],
                       "also asked as": " | ".join(g["questions"][1:6])} for g in gaps]),
        hide_index=True, key="unapproved_table", width="stretch",
    )
else:
    st.caption("Every logged question group has an approved answer.")

st.subheader("Feedback")
fb = feedback_summary(feedback)
e, f = st.columns(2)
e.metric("Helpful", fb["helpful"])
f.metric("Not helpful", fb["not_helpful"])
if fb["not_helpful"]:
    st.bar_chart(pd.Series(fb["by_reason"], name="not helpful"))
comments = [r for r in feedback if r.get("comment")]
if comments:
    st.dataframe(
        pd.DataFrame(comments)[["ts", "question", "helpful", "reason", "comment", "top_cite"]],
        hide_index=True,
        key="feedback_table",
    )

st.subheader("Slowest questions")
st.dataframe(
    pd.DataFrame(slowest_queries(queries)), hide_index=True, key="slowest_table", width="stretch"
)
