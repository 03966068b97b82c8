"""What the crawler remembers between runs (ETag/Last-Modified per URL), and header parsing.

The state file is small JSON, replaced atomically; a missing or corrupt file means "no
validators" (every page is fetched in full), never a failed crawl.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

log = logging.getLogger(__name__)

STATE_VERSION = 1


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class CrawlState:
    """Validators per canonical URL: {"etag", "last_modified", "content_type"}."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._pages: dict[str, dict[str, str]] = {}
        self._dirty = False
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                pages = data.get("pages", {}) if isinstance(data, dict) else {}
                self._pages = {
                    url: {k: v for k, v in entry.items() if isinstance(v, str)}
                    for url, entry in pages.items()
                    if isinstance(entry, dict)
                }
            except (OSError, ValueError, AttributeError) as e:
                log.warning("ignoring unreadable crawl state %s: %s", path, e)

    def get(self, url: str) -> dict[str, str] | None:
        return self._pages.get(url)

    def validators(self, url: str) -> dict[str, str]:
        """Conditional request headers for url (empty when nothing is known)."""
        entry = self._pages.get(url) or {}
        headers = {}
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
        return headers

    def remember(self, url: str, headers: Mapping[str, str], content_type: str) -> None:
        etag, modified = headers.get("etag"), headers.get("last-modified")
        if not etag and not modified:
            self.forget(url)
            return
        entry = {"content_type": content_type}
        if etag:
            entry["etag"] = etag
        if modified:
            entry["last_modified"] = modified
        if self._pages.get(url) != entry:
            self._pages[url] = entry
            self._dirty = True

    def forget(self, url: str) -> None:
        if self._pages.pop(url, None) is not None:
            self._dirty = True

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(
            {"version": STATE_VERSION, "pages": self._pages}, indent=1, sort_keys=True
        )
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".crawl_state.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(payload)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._dirty = False
