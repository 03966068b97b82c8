"""Privacy: personal data redacted before anything is kept, and the query log that keeps only redacted text."""
