"""Approved answers: policy staff pin the cited answer to a question; every paraphrase of it gets
that answer; a change to a cited passage sends it back for review.

records.py  the typed records (Approval, ApprovedChunk, states)
store.py    the SQLite store (WAL, schema version + migrations; path = Settings.approvals_path)
compose.py  an Answer -> an approval (chosen sentences, cited passages, chunk hashes), and back
matcher.py  in-memory matching of a question's embedding against approved questions
review.py   checking approvals against an index version (text changed, moved, vanished)
desk.py     what the Assistant holds: check on a new version, lead with the approved answer
"""
