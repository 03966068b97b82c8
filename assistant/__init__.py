"""PolicyDesk answering: question in -> cited answer out. Imports ingest, never app."""
