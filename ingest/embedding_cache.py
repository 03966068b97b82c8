"""Embeddings cached by (model, content hash) in SQLite, so unchanged chunks are never re-embedded."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import numpy as np


class EmbeddingCache:
    def __init__(self, path: Path, model: str, dim: int) -> None:
        self.path = path
        self.model = model
        self.dim = dim
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:  # lazily, so building a pipeline touches no disk
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (model TEXT, sha256 TEXT, vector BLOB, "
                "PRIMARY KEY (model, sha256))"
            )
        return self._conn

    def get_many(self, hashes: Iterable[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        keys = list(dict.fromkeys(hashes))
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self.conn.execute(
                f"SELECT sha256, vector FROM embeddings WHERE model = ? AND sha256 IN ({marks})",
                [self.model, *batch],
            )
            for sha, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (self.dim,):
                    found[sha] = vector.tolist()
        return found

    def put_many(self, items: dict[str, list[float]]) -> None:
        rows = [
            (self.model, sha, np.asarray(vec, dtype=np.float32).tobytes())
            for sha, vec in items.items()
        ]
        with self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
