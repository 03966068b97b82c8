"""The approvals database: SQLite in WAL mode, with a schema version and forward migrations.

One file (Settings.approvals_path, by default <data dir>/approvals.sqlite). Every operation opens
its own short connection, so the app's sessions, the CLI and a reader checking a new index version
can all use it at once: WAL lets readers run beside the one writer, and writes take the write lock
up front (BEGIN IMMEDIATE) and wait for it (busy timeout) instead of failing or losing a row.

The schema version is SQLite's `user_version`; MIGRATIONS[n] takes a database from version n to
n + 1, inside the transaction that also sets the new version. A database newer than this code is
refused, never written to.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from assistant.approvals.records import APPROVED, RETIRED, STATES, Approval, ApprovedChunk

BUSY_TIMEOUT_S = 30.0

MIGRATIONS: list[str] = [
    # 0 -> 1: approvals, their phrasings, the passages they cite and the chunks those passages join.
    """
    CREATE TABLE approvals (
      id TEXT PRIMARY KEY, question TEXT NOT NULL, answer TEXT NOT NULL, note TEXT,
      approved_by TEXT NOT NULL, approved_at TEXT NOT NULL, index_version TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('approved', 'needs review', 'retired')),
      state_reason TEXT, state_changed_at TEXT, revision INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE approval_phrasings (
      approval_id TEXT NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
      position INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (approval_id, position)
    );
    CREATE TABLE approval_citations (
      approval_id TEXT NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
      rank INTEGER NOT NULL, cite TEXT NOT NULL, url TEXT NOT NULL, current_as_of TEXT,
      citation_json TEXT NOT NULL, PRIMARY KEY (approval_id, rank)
    );
    CREATE TABLE approval_chunks (
      approval_id TEXT NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
      position INTEGER NOT NULL, chunk_id TEXT NOT NULL, content_sha256 TEXT NOT NULL,
      text TEXT NOT NULL, url TEXT NOT NULL, cite TEXT NOT NULL, current_as_of TEXT,
      change TEXT, new_chunk_id TEXT, new_text TEXT, new_url TEXT, new_cite TEXT,
      PRIMARY KEY (approval_id, position)
    );
    CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO store_meta VALUES ('revision', 0);
    """,
    # 1 -> 2: an audit trail (who approved, re-approved, retired; which index check flagged what),
    # and an index for the Review page's lists by state.
    """
    CREATE TABLE approval_events (
      id INTEGER PRIMARY KEY, approval_id TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL,
      action TEXT NOT NULL, detail TEXT
    );
    CREATE INDEX approval_events_by_approval ON approval_events (approval_id, id);
    CREATE INDEX approvals_by_state ON approvals (state);
    """,
    # 2 -> 3: question embeddings, kept so a process starting with thousands of approvals does not
    # embed them all again (keyed by model: another model embeds afresh).
    """
    CREATE TABLE question_vectors (
      text TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (text, model)
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class ApprovalStoreError(Exception):
    """The approvals database cannot be used (newer schema, unknown id); the message says why."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_approval_id() -> str:
    return "ap-" + secrets.token_hex(5)


class ApprovalStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._migrated = False

    # -- connections --------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.row_factory = sqlite3.Row
        _ensure_wal(conn)
        conn.execute("PRAGMA foreign_keys=ON")
        if not self._migrated:
            migrate(conn)
            self._migrated = True
        return conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with closing(self._open()) as conn:
            yield conn

    @contextmanager
    def _write(self, bump: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction holding the write lock from its start; bumps the store's revision (unless
        the write changes no approval, like a cached vector)."""
        with closing(self._open()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                if bump:
                    conn.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'revision'")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def exists(self) -> bool:
        return self.path.exists()

    def schema_version(self) -> int:
        with self._read() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def revision(self) -> int:
        """A counter bumped by every write: readers reload their in-memory copy when it moves."""
        if not self.path.exists():
            return 0
        with self._read() as conn:
            return int(conn.execute("SELECT value FROM store_meta WHERE key = 'revision'").fetchone()[0])

    # -- reading ------------------------------------------------------------------------------
    def get(self, approval_id: str) -> Approval:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM approvals WHERE id = ?", (approval_id,)).fetchone()
            if row is None:
                raise ApprovalStoreError(f"no approval with id {approval_id!r}")
            return _load(conn, row)

    def approvals(self, states: tuple[str, ...] = STATES) -> list[Approval]:
        if not self.path.exists():
            return []
        marks = ",".join("?" * len(states))
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT * FROM approvals WHERE state IN ({marks}) ORDER BY approved_at, id", states
            ).fetchall()
            return [_load(conn, r) for r in rows]

    def find_by_question(self, question: str) -> Approval | None:
        """The live (not retired) approval of exactly this question, if any."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM approvals WHERE question = ? AND state != ? ORDER BY approved_at DESC LIMIT 1",
                (question, RETIRED),
            ).fetchone()
            return _load(conn, row) if row else None

    def events(self, approval_id: str) -> list[dict[str, str]]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT at, actor, action, detail FROM approval_events WHERE approval_id = ? ORDER BY id",
                (approval_id,),
            ).fetchall()
            return [dict(r) for r in rows]

    def vectors(self, model: str, texts: list[str]) -> dict[str, np.ndarray]:
        """Stored embeddings of these texts by `model` (those not stored are left out)."""
        out: dict[str, np.ndarray] = {}
        with self._read() as conn:
            for start in range(0, len(texts), 500):
                part = texts[start:start + 500]
                marks = ",".join("?" * len(part))
                rows = conn.execute(
                    f"SELECT text, vector FROM question_vectors WHERE model = ? AND text IN ({marks})",
                    (model, *part)).fetchall()
                out |= {r["text"]: np.frombuffer(r["vector"], dtype=np.float32) for r in rows}
        return out

    def save_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self._write(bump=False) as conn:
            conn.executemany("INSERT OR REPLACE INTO question_vectors VALUES (?, ?, ?)",
                             [(t, model, np.asarray(v, dtype=np.float32).tobytes()) for t, v in vectors.items()])

    # -- writing ------------------------------------------------------------------------------
    def save(self, approval: Approval, actor: str, action: str = "approved") -> Approval:
        """Insert the approval, or replace it (same id) with its revision bumped."""
        with self._write() as conn:
            old = conn.execute("SELECT revision FROM approvals WHERE id = ?", (approval.id,)).fetchone()
            approval.revision = (int(old["revision"]) + 1) if old else max(approval.revision, 1)
            _store(conn, approval)
            _event(conn, approval.id, actor, action, approval.state_reason)
        return approval

    def save_many(self, batch: list[Approval], actor: str, action: str) -> None:
        """All or nothing: one transaction."""
        with self._write() as conn:
            for approval in batch:
                old = conn.execute("SELECT revision FROM approvals WHERE id = ?", (approval.id,)).fetchone()
                approval.revision = (int(old["revision"]) + 1) if old else max(approval.revision, 1)
                _store(conn, approval)
                _event(conn, approval.id, actor, action, None)

    def set_state(self, approval_id: str, state: str, actor: str, reason: str | None = None) -> Approval:
        if state not in STATES:
            raise ApprovalStoreError(f"state must be one of {', '.join(STATES)}; got {state!r}")
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE approvals SET state = ?, state_reason = ?, state_changed_at = ?, revision = revision + 1 "
                "WHERE id = ?", (state, reason, now(), approval_id))
            if cur.rowcount == 0:
                raise ApprovalStoreError(f"no approval with id {approval_id!r}")
            _event(conn, approval_id, actor, state, reason)
        return self.get(approval_id)

    def record_check(self, approval: Approval, flag: bool, reason: str | None, actor: str) -> bool:
        """Store what an index check found about `approval` (its chunks' change columns) and, when
        `flag`, move it from approved to needs review. Skipped (False) if the approval changed since
        it was read, so a check never overwrites a newer re-approval."""
        with self._write() as conn:
            row = conn.execute("SELECT revision, state FROM approvals WHERE id = ?", (approval.id,)).fetchone()
            if row is None or int(row["revision"]) != approval.revision:
                return False
            for pos, chunk in enumerate(approval.chunks):
                conn.execute(
                    "UPDATE approval_chunks SET change = ?, new_chunk_id = ?, new_text = ?, new_url = ?, new_cite = ? "
                    "WHERE approval_id = ? AND position = ?",
                    (chunk.change, chunk.new_chunk_id, chunk.new_text, chunk.new_url, chunk.new_cite,
                     approval.id, pos))
            if flag and row["state"] == APPROVED:
                conn.execute(
                    "UPDATE approvals SET state = 'needs review', state_reason = ?, state_changed_at = ?, "
                    "revision = revision + 1 WHERE id = ?", (reason, now(), approval.id))
                _event(conn, approval.id, actor, "needs review", reason)
            return True


def _ensure_wal(conn: sqlite3.Connection) -> None:
    """Switch a new database to WAL. Switching ignores the busy timeout (SQLite fails at once if
    another connection holds the file, as when two writers create it together), so retry."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to SCHEMA_VERSION; returns the version found before."""
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise ApprovalStoreError(
            f"the approvals database has schema version {found}, newer than this PolicyDesk "
            f"({SCHEMA_VERSION}); upgrade PolicyDesk instead of opening it with this one")
    for version in range(found, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated between our read and the lock.
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) != version:
                conn.execute("ROLLBACK")
                continue
            for statement in MIGRATIONS[version].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return found


def _event(conn: sqlite3.Connection, approval_id: str, actor: str, action: str, detail: str | None) -> None:
    conn.execute("INSERT INTO approval_events (approval_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
                 (approval_id, now(), actor, action, detail))


def _store(conn: sqlite3.Connection, a: Approval) -> None:
    conn.execute("DELETE FROM approvals WHERE id = ?", (a.id,))  # cascades to the child rows
    conn.execute(
        "INSERT INTO approvals (id, question, answer, note, approved_by, approved_at, index_version, state, "
        "state_reason, state_changed_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (a.id, a.question, a.answer, a.note, a.approved_by, a.approved_at, a.index_version, a.state,
         a.state_reason, a.state_changed_at, a.revision))
    conn.executemany("INSERT INTO approval_phrasings VALUES (?, ?, ?)",
                     [(a.id, i, p) for i, p in enumerate(a.phrasings)])
    conn.executemany(
        "INSERT INTO approval_citations VALUES (?, ?, ?, ?, ?, ?)",
        [(a.id, c["rank"], c["cite"], c["url"], c.get("current_as_of"), json.dumps(c, ensure_ascii=False))
         for c in a.citations])
    conn.executemany(
        "INSERT INTO approval_chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(a.id, i, c.chunk_id, c.content_sha256, c.text, c.url, c.cite, c.current_as_of, c.change,
          c.new_chunk_id, c.new_text, c.new_url, c.new_cite) for i, c in enumerate(a.chunks)])


def _load(conn: sqlite3.Connection, row: sqlite3.Row) -> Approval:
    aid = row["id"]
    phrasings = [r["text"] for r in conn.execute(
        "SELECT text FROM approval_phrasings WHERE approval_id = ? ORDER BY position", (aid,))]
    citations = [json.loads(r["citation_json"]) for r in conn.execute(
        "SELECT citation_json FROM approval_citations WHERE approval_id = ? ORDER BY rank", (aid,))]
    chunks = [
        ApprovedChunk(r["chunk_id"], r["content_sha256"], r["text"], r["url"], r["cite"], r["current_as_of"],
                      r["change"], r["new_chunk_id"], r["new_text"], r["new_url"], r["new_cite"])
        for r in conn.execute("SELECT * FROM approval_chunks WHERE approval_id = ? ORDER BY position", (aid,))
    ]
    return Approval(
        id=aid, question=row["question"], answer=row["answer"], citations=citations, chunks=chunks,
        approved_by=row["approved_by"], approved_at=row["approved_at"], index_version=row["index_version"],
        state=row["state"], note=row["note"], phrasings=phrasings, state_reason=row["state_reason"],
        state_changed_at=row["state_changed_at"], revision=int(row["revision"]))
