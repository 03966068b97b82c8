"""Library: what the serving index holds — sources, pages by kind, stale pages, PM updates."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from assistant.reports.library import pages_by_kind, pages_table, read_pm_updates, sources_list, stale_pages
from pages_ui.shared import ready_assistant

assistant, version = ready_assistant()
manifest = version.manifest
stale_days = assistant.settings.stale_after_days


@st.cache_data(show_spinner=False, max_entries=4)
def pm_update_rows(version_name: str) -> list[dict[str, Any]]:
    # Keyed by version: a new index brings new rows; the store is read once per version.
    return [
        {
            "update": u.title,
            "current_as_of": u.current_as_of,
            "url": u.url,
            "affects": ", ".join(
                f"{c} {'✓' if ok else '✗ not indexed'}"
                for c, ok in zip(u.affects, u.indexed, strict=True)
            ),
        }
        for u in read_pm_updates(assistant.document_store)
    ]


st.title("Library")
a, b, c, d = st.columns(4)
a.metric("Index version", version.name)
b.metric("Built", str(manifest.get("built_at", "?"))[:16].replace("T", " "))
c.metric("Pages", len(manifest.get("pages", [])))
d.metric("Chunks", manifest.get("chunks", 0))

st.subheader("Sources")
st.dataframe(pd.DataFrame({"source": sources_list(manifest)}), hide_index=True, key="sources_table")
skipped = manifest.get("skipped", [])
if skipped:
    with st.expander(f"{len(skipped)} page(s) skipped at ingest"):
        st.dataframe(pd.DataFrame(skipped), hide_index=True, key="skipped_table")

st.subheader("Pages by kind")
st.bar_chart(pd.Series(pages_by_kind(manifest), name="pages"))

st.subheader("Pages")
st.dataframe(
    pd.DataFrame(pages_table(manifest)),
    hide_index=True,
    key="pages_table",
    width="stretch",
    column_config={"url": st.column_config.LinkColumn("url")},
)

st.subheader(f"Pages older than {stale_days} days")
old = stale_pages(manifest, stale_days)
if old:
    st.warning(
        f'{len(old)} page(s) have a "current as of" date more than {stale_days} days ago: '
        "re-ingest them or check the official site for newer versions."
    )
    st.dataframe(
        pd.DataFrame(old)[["title", "kind", "current_as_of", "age_days", "url"]],
        hide_index=True,
        key="stale_table",
        column_config={"url": st.column_config.LinkColumn("url")},
    )
else:
    st.caption("None.")

st.subheader("Policy Manual updates")
updates = pm_update_rows(version.name)
if updates:
    st.dataframe(
        pd.DataFrame(updates),
        hide_index=True,
        key="updates_table",
        width="stretch",
        column_config={"url": st.column_config.LinkColumn("url")},
    )
else:
    st.caption("No Policy Manual update pages are indexed.")
