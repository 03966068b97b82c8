"""The crawler's HTTP layer: one lazily created httpx.Client, politeness, retries, size caps.

It knows nothing of allow-lists or robots.txt (see `ingest.crawl`); it sends one GET at a
time, waits its turn per host, retries what is worth retrying, and turns everything else into
a `FetchFailed` with a reason fit for the crawl report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from ingest.crawl_state import retry_after_seconds
from ingest.settings import Settings

FETCHED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8"

DelayFor = Callable[[str], float | None]  # extra per-URL delay, e.g. robots.txt Crawl-delay


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


class FetchFailed(Exception):
    """A request that ends the URL: reason for the report, HTTP status when there was one."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Reply:
    status: int
    headers: httpx.Headers
    body: bytes  # read only for 2xx


class PoliteClient:
    """GETs one at a time, crawl_delay_s apart per host, with retries and a body cap.

    crawl_timeout_s bounds connecting, each read, and the whole body download.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        extra_delay: DelayFor = lambda url: None,
        max_retry_after_s: float = 120.0,
    ) -> None:
        self.settings = settings
        self.max_retry_after_s = max_retry_after_s
        self.requests = 0  # sent, retries included
        self.retries = 0
        self._sleep = sleep
        self._extra_delay = extra_delay
        self._client: httpx.Client | None = None
        self._last_request: dict[str, float] = {}

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                headers={"User-Agent": self.settings.user_agent, "Accept": _ACCEPT},
                timeout=httpx.Timeout(self.settings.crawl_timeout_s),
                follow_redirects=False,  # the crawler checks each hop itself
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def get(self, url: str, headers: dict[str, str], *, check_type: bool, max_bytes: int) -> Reply:
        """GET with retries on connection errors, 429 and 5xx (exponential backoff, or the
        server's Retry-After when it is no longer than max_retry_after_s).

        check_type: refuse 2xx bodies that are not text/html or text/plain, and refuse bodies
        over max_bytes; without it (robots.txt) the body is truncated at max_bytes instead.
        Returns 1xx-4xx replies other than 429 as they are; raises FetchFailed otherwise.
        """
        attempts = 1 + max(0, self.settings.crawl_max_retries)
        for attempt in range(attempts):
            if attempt:
                self.retries += 1
            backoff = self.settings.crawl_backoff_s * 2**attempt
            try:
                reply = self._exchange(url, headers, check_type=check_type, max_bytes=max_bytes)
            except httpx.TransportError as e:  # connect/read errors and timeouts
                if attempt + 1 < attempts:
                    self._sleep(backoff)
                    continue
                detail = str(e) or type(e).__name__
                raise FetchFailed(f"unreachable after {attempts} attempts ({detail})") from None
            except httpx.HTTPError as e:  # e.g. undecodable gzip: retrying will not help
                raise FetchFailed(f"request failed ({type(e).__name__}: {e})") from None
            if reply.status != 429 and reply.status < 500:
                return reply
            wait = retry_after_seconds(reply.headers.get("retry-after"))
            if wait is not None and wait > self.max_retry_after_s:
                raise FetchFailed(
                    f"HTTP {reply.status}: server asks to retry after {wait:.0f} s "
                    f"(more than {self.max_retry_after_s:g} s); not retried",
                    reply.status,
                )
            if attempt + 1 < attempts:
                self._sleep(backoff if wait is None else wait)
        raise FetchFailed(f"HTTP {reply.status} after {attempts} attempts", reply.status)

    def _exchange(
        self, url: str, headers: dict[str, str], *, check_type: bool, max_bytes: int
    ) -> Reply:
        host = urlsplit(url).netloc.lower()
        self._wait_turn(url, host)
        self.requests += 1
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                body = b""
                if 200 <= response.status_code < 300:
                    content_type = response.headers.get("content-type", "")
                    if check_type and media_type(content_type) not in FETCHED_TYPES:
                        raise FetchFailed(
                            f"unsupported content type {content_type or '(none)'}: "
                            "only text/html and text/plain are fetched"
                        )
                    body = self._read_capped(response, max_bytes, truncate=not check_type)
                return Reply(response.status_code, response.headers, body)
        finally:
            # Measured from the end of the exchange: a slow server gets a longer pause.
            self._last_request[host] = time.monotonic()

    def _read_capped(self, response: httpx.Response, max_bytes: int, *, truncate: bool) -> bytes:
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isdigit() and int(declared) > max_bytes:
            raise FetchFailed(f"response of {declared} bytes exceeds max_page_bytes ({max_bytes})")
        deadline = time.monotonic() + self.settings.crawl_timeout_s
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():  # decoded bytes: a gzip bomb is capped too
            size += len(chunk)
            chunks.append(chunk)
            if size > max_bytes:
                if truncate:
                    break
                raise FetchFailed(
                    f"response exceeds max_page_bytes ({max_bytes}); download aborted"
                )
            if time.monotonic() > deadline:
                limit = self.settings.crawl_timeout_s
                raise FetchFailed(f"download took longer than {limit:g} s; aborted")
        return b"".join(chunks)[:max_bytes]

    def _wait_turn(self, url: str, host: str) -> None:
        """crawl_delay_s between requests to one host (or the extra delay, if longer)."""
        delay = max(self.settings.crawl_delay_s, self._extra_delay(url) or 0.0)
        last = self._last_request.get(host)
        if last is not None:
            wait = last + delay - time.monotonic()
            if wait > 0:
                self._sleep(wait)
