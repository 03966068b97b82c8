"""Streamlit pages of the PolicyDesk app (thin: all logic lives in assistant/ and ingest/)."""
