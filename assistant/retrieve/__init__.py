"""Retrieve: the question rewritten for search (identifiers, acronyms, call words), the retrievers, the
re-scoring, newer guidance first, section passages, and the per-version corpus statistics they read."""
