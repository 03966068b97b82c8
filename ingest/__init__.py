"""PolicyDesk ingestion: official pages in, a versioned Qdrant index out.

Nothing here imports `assistant` or `app`; imports run app -> assistant -> ingest.
"""
