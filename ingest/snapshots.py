"""Raw bytes of every indexed page, content-addressed, so an answer traces to the exact text."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class SnapshotStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def _url_ref(self, url: str) -> Path:
        return self.root / "urls" / hashlib.sha256(url.encode("utf-8")).hexdigest()

    def put(self, body: bytes, url: str | None = None) -> str:
        """Store `body` once (by its SHA-256); with `url`, remember it as that URL's latest body."""
        sha = hashlib.sha256(body).hexdigest()
        if url:
            ref = self._url_ref(url)
            ref.parent.mkdir(parents=True, exist_ok=True)
            tmp_ref = ref.with_name(f".{ref.name}.{os.getpid()}")
            tmp_ref.write_text(sha, encoding="ascii")
            os.replace(tmp_ref, ref)
        path = self.path_for(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(body)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)  # a full disk leaves no half-written file behind
                raise
        return sha

    def get(self, sha256: str) -> bytes | None:
        try:
            return self.path_for(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def get_by_url(self, url: str) -> bytes | None:
        """The body last indexed for `url` (the crawler's answer to a 304 Not Modified)."""
        try:
            sha = self._url_ref(url).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        return self.get(sha)
