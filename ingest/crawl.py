"""Crawler: fetch allow-listed official pages over HTTP, politely and safely.

I/O lives here; what is decided from bytes (links, robots rules, URL checks) lives in pure
functions (`extract_links`, `ingest.robots`, `ingest.crawl_safety`). Every refusal or failure
becomes a `CrawlSkip` with a reason; nothing a server does makes an exception escape `crawl`.

Conditional GET: pass `state_path` (a small JSON file of ETag/Last-Modified per URL) and
`previous_body(url) -> bytes | None` (the caller's snapshot store, keyed by
`FetchedPage.url`). A URL with stored validators is requested with If-None-Match /
If-Modified-Since; a 304 yields a `FetchedPage` whose body is `previous_body(url)`. If the
snapshot is missing, the page is fetched again unconditionally.

    with Crawler(settings, load_sources(settings.sources_file),
                 state_path=settings.cache_dir / "crawl_state.json",
                 previous_body=snapshots.get) as crawler:
        for result in crawler.crawl():
            ...  # FetchedPage -> store + parse; CrawlSkip -> report
        print(crawler.stats.summary())
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from lxml import etree
from lxml import html as lxml_html

from ingest.crawl_http import FetchFailed, PoliteClient, media_type
from ingest.crawl_safety import (
    Resolver,
    address_refusal,
    normalise_url,
    scheme_refusal,
    system_resolver,
)
from ingest.crawl_state import CrawlState
from ingest.records import FetchedPage
from ingest.robots import MAX_ROBOTS_BYTES, RobotsCache
from ingest.settings import Settings
from ingest.sources import SourceConfig

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

PreviousBody = Callable[[str], bytes | None]


@dataclass(frozen=True)
class CrawlSkip:
    url: str  # the URL requested (or refused)
    reason: str


CrawlResult = FetchedPage | CrawlSkip


@dataclass
class CrawlStats:
    requests: int = 0  # HTTP requests sent, robots.txt and retries included
    retries: int = 0
    attempted: int = 0  # URLs requested; this is what crawl_max_pages caps
    fetched: int = 0  # FetchedPage results, not_modified included
    not_modified: int = 0  # answered 304 and served from the previous body
    skipped: list[CrawlSkip] = field(default_factory=list)
    links_off_list: int = 0  # links found but not on the allow-list: never requested
    stopped: str | None = None  # why the crawl ended before its queue did
    seconds: float = 0.0

    def summary(self) -> str:
        text = (
            f"{self.fetched} pages fetched ({self.not_modified} unchanged), "
            f"{len(self.skipped)} skipped, {self.requests} requests ({self.retries} retries), "
            f"{self.seconds:.1f} s"
        )
        return text + (f"; stopped early: {self.stopped}" if self.stopped else "")


def extract_links(body: bytes, base_url: str) -> list[str]:
    """Absolute, normalised (fragment-free), de-duplicated a[href] targets, in page order.

    Honours <base href>, rel="nofollow" and <meta name="robots" content="nofollow">.
    """
    try:
        doc = lxml_html.document_fromstring(body)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return []
    for meta in doc.iter("meta"):
        if (meta.get("name") or "").lower() == "robots":
            if "nofollow" in (meta.get("content") or "").lower():
                return []
    base = base_url
    for tag in doc.iter("base"):
        if tag.get("href"):
            base = urljoin(base_url, tag.get("href", "").strip())
            break
    links: dict[str, None] = {}
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith("#") or "nofollow" in (a.get("rel") or "").lower():
            continue
        try:
            links.setdefault(normalise_url(urljoin(base, href)), None)
        except ValueError:  # e.g. a malformed IPv6 literal
            continue
    return list(links)


class Crawler:
    """Breadth-first crawl of the allow-listed pages, one request at a time.

    state_path: JSON file of ETag/Last-Modified per URL (None: no state kept).
    previous_body: the caller's stored body for a canonical URL, or None; given, stored
        validators are sent and a 304 is answered from it (None: never conditional).
    max_seconds: optional cap on one crawl's wall time. max_retry_after_s: a longer
        Retry-After ends the URL instead of being waited out. sleep/resolve: for tests.
    Limits (pages, bytes, delay, retries, redirects, timeouts) come from settings.
    """

    def __init__(
        self,
        settings: Settings,
        config: SourceConfig,
        *,
        state_path: Path | None = None,
        previous_body: PreviousBody | None = None,
        max_seconds: float | None = None,
        max_retry_after_s: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        resolve: Resolver = system_resolver,
    ) -> None:
        self.settings = settings
        self.config = config
        self.max_seconds = max_seconds
        self.stats = CrawlStats()
        self._previous_body = previous_body
        self._state = CrawlState(state_path)
        self._resolve = resolve
        self._robots = RobotsCache(settings.user_agent, self._fetch_robots)
        self._http = PoliteClient(
            settings,
            sleep=sleep,
            extra_delay=self._robots.known_delay,  # robots.txt Crawl-delay, when longer
            max_retry_after_s=max_retry_after_s,
        )
        self._safe_hosts: set[str] = set()
        self._fetched: set[str] = set()

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def client(self) -> httpx.Client:
        """The httpx.Client, created on first use (User-Agent, timeouts, no auto-redirects)."""
        return self._http.client

    def close(self) -> None:
        """Save the conditional-GET state and close the HTTP client."""
        self._state.save()
        self._http.close()

    def __enter__(self) -> Crawler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- crawl -----------------------------------------------------------------------------
    def crawl(self, start_urls: Iterable[str] | None = None) -> Iterator[CrawlResult]:
        """Fetch start_urls (default: the config's) and the allow-listed pages they link to."""
        self.stats = stats = CrawlStats()
        self._fetched = set()
        started = time.monotonic()
        base_requests, base_retries = self._http.requests, self._http.retries

        def tally() -> None:
            stats.seconds = time.monotonic() - started
            stats.requests = self._http.requests - base_requests
            stats.retries = self._http.retries - base_retries

        queue: deque[str] = deque()
        seen: set[str] = set()
        for url in self.config.start_urls if start_urls is None else start_urls:
            key = url if scheme_refusal(url) else normalise_url(url)
            if key not in seen:
                seen.add(key)
                queue.append(key)
        try:
            while queue:
                if stats.attempted >= self.settings.crawl_max_pages:
                    stats.stopped = f"page limit reached (crawl_max_pages={stats.attempted})"
                    break
                if self.max_seconds is not None and time.monotonic() - started > self.max_seconds:
                    stats.stopped = f"time limit reached ({self.max_seconds:g} s)"
                    break
                result = self._fetch_logged(queue.popleft())
                if isinstance(result, FetchedPage) and result.url:
                    seen.add(result.url)
                    for link in self._links_to_follow(result):
                        if link not in seen:
                            seen.add(link)
                            queue.append(link)
                tally()
                yield result
        finally:
            tally()
            self._state.save()

    def _fetch_logged(self, url: str) -> CrawlResult:
        try:
            result = self.fetch_page(url)
        except Exception as e:  # a bug must not end a long crawl; it is logged in full
            log.exception("crawling %s failed", url)
            result = CrawlSkip(url, f"unexpected error: {type(e).__name__}: {e}")
        if isinstance(result, CrawlSkip):
            self.stats.skipped.append(result)
            log.info("skip %s: %s", result.url, result.reason)
        else:
            self.stats.fetched += 1
        return result

    def _links_to_follow(self, page: FetchedPage) -> Iterator[str]:
        if media_type(page.content_type) not in _HTML_TYPES or not page.url:
            return
        for link in extract_links(page.body, page.url):
            if self.config.allows(link):
                yield link
            else:
                self.stats.links_off_list += 1

    # -- one URL ---------------------------------------------------------------------------
    def refusal(self, url: str) -> str | None:
        """Why url must not be requested (scheme, allow-list, address, robots.txt), or None."""
        reason = scheme_refusal(url)
        if reason:
            return reason
        if not self.config.allows(url):
            return "not on the allow-list (sources.toml)"
        host = urlsplit(url).hostname or ""
        if host not in self._safe_hosts:
            reason = address_refusal(
                host, allow_private=self.settings.crawl_allow_private, resolve=self._resolve
            )
            if reason:
                return reason
            self._safe_hosts.add(host)
        if not self._robots.allows(url):
            return "disallowed by robots.txt"
        return None

    def fetch_page(self, url: str) -> CrawlResult:
        """Fetch one URL, following and checking each redirect hop; never raises for a
        refusal, an HTTP error or a network failure."""
        requested, chain = url, [url]
        conditional, counted = self._previous_body is not None, False
        while True:
            reason = self.refusal(url)
            if reason:
                if url != requested:
                    reason = f"redirect to {url}: {reason}"
                return CrawlSkip(requested, reason)
            if not counted:
                self.stats.attempted += 1
                counted = True
            headers = self._state.validators(url) if conditional else {}
            try:
                reply = self._http.get(
                    url, headers, check_type=True, max_bytes=self.settings.max_page_bytes
                )
            except FetchFailed as f:
                return CrawlSkip(requested, f.reason)
            if reply.status in _REDIRECTS:
                location = reply.headers.get("location", "").strip()
                if not location:
                    return CrawlSkip(requested, f"HTTP {reply.status} redirect without a Location")
                try:
                    target = normalise_url(urljoin(url, location))
                except ValueError:
                    return CrawlSkip(requested, f"malformed redirect Location {location!r}")
                if target in chain:
                    return CrawlSkip(requested, "redirect loop: " + " -> ".join([*chain, target]))
                if len(chain) > self.settings.crawl_max_redirects:
                    limit = self.settings.crawl_max_redirects
                    return CrawlSkip(requested, f"too many redirects (more than {limit})")
                if target in self._fetched:
                    return CrawlSkip(requested, f"redirects to {target}, already fetched")
                chain.append(target)
                url = target
                continue
            if reply.status == 304 and headers:
                entry = self._state.get(url)
                body = self._previous_body(url) if self._previous_body else None
                if body is not None and entry is not None:
                    self.stats.not_modified += 1
                    return self._page(url, requested, entry.get("content_type", ""), body)
                self._state.forget(url)  # snapshot gone: ask again, unconditionally
                conditional = False
                continue
            if not 200 <= reply.status < 300:
                phrase = httpx.codes.get_reason_phrase(reply.status)
                return CrawlSkip(requested, f"HTTP {reply.status} {phrase}".strip())
            content_type = reply.headers.get("content-type", "")
            self._state.remember(url, reply.headers, content_type)
            return self._page(url, requested, content_type, reply.body)

    def _page(self, url: str, requested: str, content_type: str, body: bytes) -> FetchedPage:
        self._fetched.add(url)
        now = datetime.now(UTC)
        return FetchedPage(
            url=url, source=requested, fetched_at=now, content_type=content_type, body=body
        )

    def _fetch_robots(self, url: str) -> tuple[int | None, bytes]:
        """robots.txt via the same client and checks; (None, b"") when unreachable."""
        for _ in range(self.settings.crawl_max_redirects + 1):
            try:
                reply = self._http.get(url, {}, check_type=False, max_bytes=MAX_ROBOTS_BYTES)
            except FetchFailed as f:
                return f.status, b""
            location = reply.headers.get("location", "").strip()
            if reply.status not in _REDIRECTS or not location:
                return reply.status, reply.body
            try:
                url = normalise_url(urljoin(url, location))
            except ValueError:
                return None, b""
            host = urlsplit(url).hostname or ""
            if scheme_refusal(url) or address_refusal(
                host, allow_private=self.settings.crawl_allow_private, resolve=self._resolve
            ):
                return None, b""
        return None, b""  # too many redirects: treated as no robots.txt, as Google does
