"""What every page shares: the settings, the one cached Assistant, and the no-index explanation."""

from __future__ import annotations

import os

import streamlit as st

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

from assistant.service import Assistant  # noqa: E402
from ingest.index_store import IndexUnavailable, IndexVersion  # noqa: E402
from ingest.settings import Settings  # noqa: E402

BUILD_HELP = (
    "To build one, run `make demo` in the repository (it ingests ../shared/corpus and opens "
    "this app), or `policydesk ingest --source ../shared/corpus`, then reload this page."
)


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    return Settings()


@st.cache_resource(show_spinner="Loading the search models…")
def get_assistant() -> Assistant:
    # One Assistant per process: the models load once and it re-checks the serving version
    # before each question, so a newly built index is picked up without a restart.
    return Assistant(get_settings())


def settings_or_stop() -> Settings:
    try:
        return get_settings()
    except Exception as exc:  # noqa: BLE001 - a bad POLICYDESK_* variable: say so, no traceback
        st.error(f"PolicyDesk settings are invalid: {exc}")
        st.stop()


def show_no_index(reason: str) -> None:
    st.info(
        "**No search index yet.** PolicyDesk answers only from indexed official pages. "
        + BUILD_HELP
    )
    st.text(f"Details: {reason}")


def ready_assistant() -> tuple[Assistant, IndexVersion]:
    """The loaded Assistant and its serving version, or the build explanation and a stop."""
    settings_or_stop()
    assistant = get_assistant()
    try:
        version = assistant.version
    except IndexUnavailable as exc:
        show_no_index(str(exc))
        st.stop()
    return assistant, version


def approver_name() -> str:
    """The approver's name, typed once in the sidebar and kept for the session (sign-in is out of
    scope: the name is what the approvals record as "approved by")."""
    # A widget's own state is dropped on pages that do not draw it, so the name lives in a plain
    # session key and the widget is re-seeded from it on every page.
    with st.sidebar:
        typed = st.text_input("Your name (policy staff, for approvals)", value=st.session_state.get("approver", ""),
                              key="approver_input", max_chars=80)
    st.session_state["approver"] = " ".join(typed.split())
    return st.session_state["approver"]
