"""Crawler tests: real HTTP against a local server on 127.0.0.1, serving real USCIS pages."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ingest.crawl import Crawler, CrawlSkip, extract_links
from ingest.crawl_safety import address_refusal, normalise_url, scheme_refusal
from ingest.crawl_state import CrawlState, retry_after_seconds
from ingest.records import FetchedPage
from ingest.robots import rules_from_response
from ingest.settings import Settings
from ingest.sources import SourceConfig, load_sources, parse_sources
from tests.conftest import REPO, corpus_file

I765 = "uscis-gov-raw-html-forms-tps-uscis-helper/docs/uscis/forms/tps/html/i-765.html"
O1_CHAPTER = (
    "uscis-pm-raw-html-lighthouse/community-vault/snapshots/"
    "9c0e2d65e705d61580c5b2cc505031fa82fa54cdb4ce9a2abae0f208c480746b.html"
)
O1_PATH = "/policy-manual/volume-2-part-m-chapter-4"
FORM_PATTERN = r"/[a-z]{1,4}-\d{1,4}[a-z]{0,4}"
HTML = "text/html; charset=utf-8"

INDEX = b"""<!doctype html><html><head><title>Policy Manual</title></head><body>
<a href="/policy-manual/volume-2-part-m-chapter-4#S-C-1">O-1 chapter</a>
<a href="/i-765">Form I-765</a>
<a href="/i-765#filing">Form I-765, again</a>
<a href="/private/secret">disallowed by robots.txt</a>
<a href="/about-us">on the site, not on the allow-list</a>
<a href="https://example.com/i-765">another site</a>
<a href="mailto:someone@example.com">mail</a>
</body></html>"""
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


# -- a local site ------------------------------------------------------------------------------
@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = HTML
    headers: dict[str, str] = field(default_factory=dict)
    send_length: bool = True
    drop: bool = False  # close the connection without answering


Route = Reply | list[Reply] | Callable[[dict[str, str]], Reply]


class Site:
    """A ThreadingHTTPServer on 127.0.0.1:0 whose routes tests set; it records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {
            "/robots.txt": Reply(body=ROBOTS, content_type="text/plain")
        }
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._served: dict[str, int] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                headers = {k.lower(): v for k, v in self.headers.items()}
                site.requests.append((self.path, headers))
                reply = site.reply_for(self.path, headers)
                if reply.drop:
                    return
                try:
                    self.send_response(reply.status)
                    if reply.content_type:
                        self.send_header("Content-Type", reply.content_type)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.send_length:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler hung up on purpose (size cap, unsupported type)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reply_for(self, path: str, headers: dict[str, str]) -> Reply:
        route = self.routes.get(path)
        if route is None:
            return Reply(404, b"not found", "text/plain")
        if isinstance(route, list):
            n = self._served.get(path, 0)
            self._served[path] = n + 1
            return route[min(n, len(route) - 1)]
        return route(headers) if callable(route) else route

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        crawl_delay_s=0.0,
        crawl_backoff_s=0.01,
        crawl_max_retries=2,
        crawl_allow_private=True,
        embedding_model="unused",
    )


def local_config(
    site: Site, *starts: str, prefixes: tuple[str, ...] = ("/policy-manual",), **extra: Any
) -> SourceConfig:
    rule = {"host": "127.0.0.1", "path_prefixes": list(prefixes), "path_patterns": [FORM_PATTERN]}
    return parse_sources(
        {"start_urls": [site.url(p) for p in starts], "allow": [rule, *extra.get("more", [])]}
    )


def crawl_all(crawler: Crawler, starts: list[str] | None = None) -> list[FetchedPage | CrawlSkip]:
    return list(crawler.crawl(starts))


def pages_of(results: list[FetchedPage | CrawlSkip]) -> dict[str, FetchedPage]:
    return {r.url or "": r for r in results if isinstance(r, FetchedPage)}


def skips_of(results: list[FetchedPage | CrawlSkip]) -> dict[str, str]:
    return {r.url: r.reason for r in results if isinstance(r, CrawlSkip)}


def serve_real_pages(site: Site) -> tuple[bytes, bytes]:
    i765 = corpus_file(I765).read_bytes()
    o1 = corpus_file(O1_CHAPTER).read_bytes()
    site.routes["/policy-manual"] = Reply(body=INDEX)
    site.routes["/i-765"] = Reply(body=i765)
    site.routes[O1_PATH] = Reply(body=o1)
    site.routes["/private/secret"] = Reply(body=b"<p>must not be fetched</p>")
    site.routes["/about-us"] = Reply(body=b"<p>must not be fetched</p>")
    return i765, o1


# -- crawling ----------------------------------------------------------------------------------
def test_crawl_follows_allow_listed_links_and_obeys_robots(site: Site, settings: Settings) -> None:
    i765, o1 = serve_real_pages(site)
    config = local_config(site, "/policy-manual", prefixes=("/policy-manual", "/private"))
    with Crawler(settings, config) as crawler:
        results = crawl_all(crawler)

    pages = pages_of(results)
    assert set(pages) == {site.url("/policy-manual"), site.url("/i-765"), site.url(O1_PATH)}
    assert pages[site.url("/i-765")].body == i765
    assert pages[site.url(O1_PATH)].body == o1
    page = pages[site.url("/i-765")]
    assert page.source == page.url and page.content_type == HTML
    assert page.fetched_at.tzinfo is not None

    seen = site.paths()
    assert seen.count("/robots.txt") == 1 and seen[0] == "/robots.txt"
    assert "/private/secret" not in seen and "/about-us" not in seen  # robots / allow-list
    assert seen.count("/i-765") == 1 and seen.count(O1_PATH) == 1  # fragments stripped, de-duped
    assert skips_of(results).get(site.url("/private/secret")) == "disallowed by robots.txt"
    # Links in the real pages to other allow-listed paths were followed (and 404 here).
    assert "/policy-manual/volume-2-part-m-chapter-5" in seen and "/n-400" in seen
    assert all(
        path.startswith(("/policy-manual", "/private", "/robots.txt"))
        or re.fullmatch(FORM_PATTERN, path)
        for path in seen
    )
    assert {h["user-agent"] for _, h in site.requests} == {settings.user_agent}
    assert crawler.stats.fetched == 3 and crawler.stats.links_off_list > 0
    assert "3 pages fetched" in crawler.stats.summary()


def test_page_count_limit_stops_the_crawl(site: Site, tmp_path: Path) -> None:
    serve_real_pages(site)
    settings = Settings(
        data_dir=tmp_path,
        crawl_delay_s=0.0,
        crawl_max_pages=2,
        crawl_allow_private=True,
        embedding_model="unused",
    )
    with Crawler(settings, local_config(site, "/policy-manual")) as crawler:
        results = crawl_all(crawler)
    assert len(results) == 2
    assert [p for p in site.paths() if p != "/robots.txt"] == ["/policy-manual", O1_PATH]
    assert crawler.stats.stopped and "page limit" in crawler.stats.stopped


def test_delay_between_requests_to_one_host(site: Site, tmp_path: Path) -> None:
    serve_real_pages(site)
    sleeps: list[float] = []
    settings = Settings(
        data_dir=tmp_path,
        crawl_delay_s=0.5,
        crawl_max_pages=3,
        crawl_allow_private=True,
        embedding_model="unused",
    )
    with Crawler(settings, local_config(site, "/policy-manual"), sleep=sleeps.append) as crawler:
        crawl_all(crawler)
    # robots.txt + 3 pages: every request after the first waited its turn.
    assert len(site.requests) == 4 and len(sleeps) == 3
    assert all(0 < s <= 0.5 for s in sleeps)


def test_http_errors_and_retries(site: Site, settings: Settings) -> None:
    ok = Reply(body=b"<p>ok</p>")
    site.routes["/policy-manual/flaky"] = [Reply(500, b"oops"), ok]
    site.routes["/policy-manual/down"] = Reply(503, b"down")
    site.routes["/policy-manual/busy"] = [Reply(429, headers={"Retry-After": "2"}), ok]
    site.routes["/policy-manual/very-busy"] = Reply(429, headers={"Retry-After": "3600"})
    site.routes["/policy-manual/dropped"] = [Reply(drop=True), ok]
    sleeps: list[float] = []
    paths = ["flaky", "down", "busy", "very-busy", "dropped", "missing"]
    starts = [site.url(f"/policy-manual/{p}") for p in paths]
    with Crawler(settings, local_config(site, "/policy-manual"), sleep=sleeps.append) as crawler:
        results = crawl_all(crawler, starts)

    pages, skips = pages_of(results), skips_of(results)
    assert set(pages) == {site.url(f"/policy-manual/{p}") for p in ("flaky", "busy", "dropped")}
    assert skips[site.url("/policy-manual/down")] == "HTTP 503 after 3 attempts"
    assert "retry after 3600 s" in skips[site.url("/policy-manual/very-busy")]
    assert skips[site.url("/policy-manual/missing")] == "HTTP 404 Not Found"
    seen = site.paths()
    assert seen.count("/policy-manual/flaky") == 2 and seen.count("/policy-manual/down") == 3
    assert seen.count("/policy-manual/very-busy") == 1  # a long Retry-After is not waited out
    assert 2.0 in sleeps  # the short Retry-After was honoured
    assert crawler.stats.retries == 5


@pytest.mark.parametrize(
    ("robots", "fetched"),
    [
        (Reply(404, b"", "text/plain"), True),  # no robots.txt: everything allowed
        (Reply(drop=True), True),  # unreachable: allowed
        (Reply(503, b"", "text/plain"), False),  # server error: disallow all
    ],
)
def test_robots_txt_failures(site: Site, settings: Settings, robots: Reply, fetched: bool) -> None:
    site.routes["/robots.txt"] = robots
    site.routes["/policy-manual"] = Reply(body=b"<p>index</p>")
    with Crawler(settings, local_config(site, "/policy-manual")) as crawler:
        results = crawl_all(crawler)
    assert isinstance(results[0], FetchedPage) is fetched
    if not fetched:
        assert skips_of(results) == {site.url("/policy-manual"): "disallowed by robots.txt"}
        assert set(site.paths()) == {"/robots.txt"}


def test_unreachable_host_is_skipped_after_retries(settings: Settings) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/policy-manual"
    config = parse_sources(
        {"start_urls": [url], "allow": [{"host": "127.0.0.1", "path_prefixes": ["/policy-manual"]}]}
    )
    with Crawler(settings, config) as crawler:
        results = crawl_all(crawler)
    assert len(results) == 1 and isinstance(results[0], CrawlSkip)
    assert results[0].reason.startswith("unreachable after 3 attempts")


def test_redirects_are_checked_hop_by_hop(site: Site, settings: Settings) -> None:
    site.routes[O1_PATH] = Reply(body=b"<p>chapter</p>")
    site.routes["/policy-manual/old"] = Reply(301, headers={"Location": O1_PATH})
    site.routes["/policy-manual/loop-a"] = Reply(302, headers={"Location": "/policy-manual/loop-b"})
    site.routes["/policy-manual/loop-b"] = Reply(302, headers={"Location": "/policy-manual/loop-a"})
    for i in range(10):
        site.routes[f"/policy-manual/hop-{i}"] = Reply(
            302, headers={"Location": f"/policy-manual/hop-{i + 1}"}
        )
    site.routes["/policy-manual/away"] = Reply(302, headers={"Location": "https://example.com/x"})
    metadata = "http://169.254.169.254/latest/meta-data/"
    site.routes["/policy-manual/metadata"] = Reply(302, headers={"Location": metadata})
    more = [{"host": "169.254.169.254", "path_prefixes": ["/"]}]
    config = local_config(site, "/policy-manual", more=more)
    paths = ["old", "loop-a", "hop-0", "away", "metadata"]
    with Crawler(settings, config) as crawler:
        results = crawl_all(crawler, [site.url(f"/policy-manual/{p}") for p in paths])

    pages, skips = pages_of(results), skips_of(results)
    assert list(pages) == [site.url(O1_PATH)]
    assert pages[site.url(O1_PATH)].source == site.url("/policy-manual/old")
    assert skips[site.url("/policy-manual/loop-a")].startswith("redirect loop: ")
    assert skips[site.url("/policy-manual/hop-0")] == "too many redirects (more than 5)"
    assert site.paths().count("/policy-manual/hop-5") == 1
    assert "/policy-manual/hop-6" not in site.paths()
    assert skips[site.url("/policy-manual/away")] == (
        "redirect to https://example.com/x: not on the allow-list (sources.toml)"
    )
    assert "link-local" in skips[site.url("/policy-manual/metadata")]


def test_unsupported_content_types_and_size_cap(site: Site, tmp_path: Path) -> None:
    big = corpus_file(I765).read_bytes()  # ~127 kB, over the 50 kB cap below
    site.routes["/policy-manual/form.pdf"] = Reply(body=b"%PDF-1.7", content_type="application/pdf")
    site.routes["/policy-manual/seal.png"] = Reply(body=b"\x89PNG", content_type="image/png")
    site.routes["/policy-manual/notes"] = Reply(body=b"plain text", content_type="text/plain")
    site.routes["/policy-manual/big"] = Reply(body=big)
    site.routes["/policy-manual/big-streamed"] = Reply(body=big, send_length=False)
    settings = Settings(
        data_dir=tmp_path,
        crawl_delay_s=0.0,
        max_page_bytes=50_000,
        crawl_allow_private=True,
        embedding_model="unused",
    )
    paths = ["form.pdf", "seal.png", "notes", "big", "big-streamed"]
    with Crawler(settings, local_config(site, "/policy-manual")) as crawler:
        results = crawl_all(crawler, [site.url(f"/policy-manual/{p}") for p in paths])

    pages, skips = pages_of(results), skips_of(results)
    assert list(pages) == [site.url("/policy-manual/notes")]
    assert skips[site.url("/policy-manual/form.pdf")].startswith(
        "unsupported content type application/pdf"
    )
    assert skips[site.url("/policy-manual/seal.png")].startswith(
        "unsupported content type image/png"
    )
    assert "exceeds max_page_bytes (50000)" in skips[site.url("/policy-manual/big")]
    assert "download aborted" in skips[site.url("/policy-manual/big-streamed")]


def test_conditional_get_serves_the_previous_body_on_304(site: Site, settings: Settings) -> None:
    body = corpus_file(I765).read_bytes()
    modified = "Wed, 01 Oct 2025 12:00:00 GMT"

    def i765(headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == '"v1"':
            return Reply(304, content_type=None, headers={"ETag": '"v1"'})
        return Reply(body=body, headers={"ETag": '"v1"', "Last-Modified": modified})

    site.routes["/i-765"] = i765
    config = local_config(site, "/i-765")
    state = settings.cache_dir / "crawl_state.json"
    snapshots: dict[str, bytes] = {}

    with Crawler(settings, config, state_path=state, previous_body=snapshots.get) as crawler:
        first = crawl_all(crawler)
    snapshots.update({p.url or "": p.body for p in first if isinstance(p, FetchedPage)})
    saved = json.loads(state.read_text())["pages"][site.url("/i-765")]
    assert saved["etag"] == '"v1"' and saved["last_modified"] == modified

    with Crawler(settings, config, state_path=state, previous_body=snapshots.get) as crawler:
        second = crawl_all(crawler)
    page = pages_of(second)[site.url("/i-765")]  # its links to other forms 404 here
    assert page.body == body and page.content_type == HTML
    assert crawler.stats.not_modified == 1
    conditional = [h for p, h in site.requests if p == "/i-765"][-1]
    assert conditional["if-none-match"] == '"v1"' and conditional["if-modified-since"] == modified

    # The snapshot is gone: the 304 is not trusted, the page is fetched again in full.
    with Crawler(settings, config, state_path=state, previous_body=lambda url: None) as crawler:
        third = crawl_all(crawler, [site.url("/i-765")])
    assert pages_of(third)[site.url("/i-765")].body == body
    asked = [h for p, h in site.requests if p == "/i-765"][-2:]
    assert "if-none-match" in asked[0] and "if-none-match" not in asked[1]


# -- safety ------------------------------------------------------------------------------------
def test_private_addresses_are_refused_unless_allowed(site: Site, tmp_path: Path) -> None:
    site.routes["/policy-manual"] = Reply(body=INDEX)
    settings = Settings(data_dir=tmp_path, crawl_delay_s=0.0, embedding_model="unused")
    assert settings.crawl_allow_private is False
    with Crawler(settings, local_config(site, "/policy-manual")) as crawler:
        results = crawl_all(crawler)
    assert len(results) == 1 and isinstance(results[0], CrawlSkip)
    assert "loopback address 127.0.0.1; refused" in results[0].reason
    assert site.requests == []  # not even robots.txt


def test_schemes_other_than_http_are_refused(site: Site, settings: Settings) -> None:
    config = local_config(site, "/policy-manual")
    starts = ["file:///etc/passwd", "ftp://127.0.0.1/policy-manual", "javascript:alert(1)"]
    with Crawler(settings, config) as crawler:
        results = crawl_all(crawler, starts)
    assert [r.url for r in results] == starts
    assert all(isinstance(r, CrawlSkip) and "only http and https" in r.reason for r in results)
    assert site.requests == []


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("::ffff:10.0.0.1", "private"),
    ],
)
def test_address_refusal_names_the_kind(host: str, kind: str) -> None:
    reason = address_refusal(host, allow_private=False)
    assert reason and f"{kind} address" in reason


def test_address_refusal_checks_what_a_name_resolves_to() -> None:
    assert "private" in (
        address_refusal("intranet", allow_private=False, resolve=lambda h: ["10.0.0.5"]) or ""
    )
    assert (
        address_refusal("www.uscis.gov", allow_private=False, resolve=lambda h: ["23.52.10.1"])
        is None
    )

    def fail(host: str) -> list[str]:
        raise socket.gaierror("Name or service not known")

    assert "does not resolve" in (
        address_refusal("nowhere.invalid", allow_private=True, resolve=fail) or ""
    )
    # allow_private opens loopback/private, never link-local (cloud metadata).
    assert address_refusal("127.0.0.1", allow_private=True) is None
    assert address_refusal("169.254.169.254", allow_private=True)


def test_scheme_refusal_and_url_normalisation() -> None:
    assert scheme_refusal("https://www.uscis.gov/i-765") is None
    assert "credentials" in (scheme_refusal("https://user:pw@www.uscis.gov/") or "")
    assert "no host" in (scheme_refusal("http:///x") or "")
    assert normalise_url("HTTPS://WWW.USCIS.gov:443/i-765#top") == "https://www.uscis.gov/i-765"
    assert normalise_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/"


# -- pure pieces -------------------------------------------------------------------------------
def test_extract_links_resolves_strips_and_dedupes() -> None:
    html = b"""<html><head><base href="https://www.uscis.gov/policy-manual/"></head><body>
    <a href="volume-2-part-m-chapter-4#S-C-1">a</a><a href="volume-2-part-m-chapter-4">b</a>
    <a href="/i-765">c</a><a href="#top">d</a><a rel="nofollow" href="/n-400">e</a>
    <a href="https://www.uscis.gov:443/g-1055">f</a><a>no href</a></body></html>"""
    assert extract_links(html, "https://www.uscis.gov/ignored") == [
        "https://www.uscis.gov/policy-manual/volume-2-part-m-chapter-4",
        "https://www.uscis.gov/i-765",
        "https://www.uscis.gov/g-1055",
    ]
    nofollow = (
        b'<html><head><meta name="robots" content="noindex, nofollow"></head>'
        b'<body><a href="/i-765">x</a></body></html>'
    )
    assert extract_links(nofollow, "https://www.uscis.gov/") == []
    assert extract_links(b"", "https://www.uscis.gov/") == []


def test_robots_answers_are_interpreted_like_major_crawlers() -> None:
    ua = "PolicyDeskBot/0.1"
    url = "https://www.uscis.gov/policy-manual"
    assert (
        rules_from_response(200, b"User-agent: *\nDisallow: /policy-manual\n").allows(url, ua)
        is False
    )
    assert rules_from_response(404, b"").allows(url, ua)
    assert rules_from_response(None, b"").allows(url, ua)  # unreachable
    assert not rules_from_response(503, b"").allows(url, ua)
    assert not rules_from_response(429, b"").allows(url, ua)
    delayed = rules_from_response(200, b"User-agent: PolicyDeskBot\nCrawl-delay: 7\n")
    assert delayed.crawl_delay(ua) == 7.0


def test_retry_after_and_crawl_state_file(tmp_path: Path) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("5") == 5.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None

    path = tmp_path / "state.json"
    path.write_text("{not json")
    state = CrawlState(path)  # corrupt: ignored, not fatal
    assert state.validators("https://www.uscis.gov/i-765") == {}
    state.remember("https://www.uscis.gov/i-765", {"etag": '"x"'}, HTML)
    state.save()
    assert CrawlState(path).validators("https://www.uscis.gov/i-765") == {"If-None-Match": '"x"'}


# -- sources.toml ------------------------------------------------------------------------------
def test_default_sources_allow_the_official_pages() -> None:
    config = load_sources(REPO / "data" / "sources.toml")
    allowed = [
        "https://www.uscis.gov/policy-manual/volume-2-part-m-chapter-4",
        "https://www.uscis.gov/policy-manual/updates",
        "https://www.uscis.gov/i-765",
        "https://www.uscis.gov/i-129f",
        "https://www.uscis.gov/g-1055",
        "https://www.uscis.gov/forms/all-forms",
        "https://www.uscis.gov/sites/default/files/document/forms/i-765instr.pdf",
    ]
    refused = [
        "https://www.uscis.gov/es/i-765",
        "https://www.uscis.gov/about-us",
        "https://www.uscis.gov/policy-manual/search?query=o-1",
        "https://www.uscis.gov/policy-manualx",
        "https://example.com/i-765",
        "ftp://www.uscis.gov/i-765",
    ]
    assert all(config.allows(u) for u in allowed)
    assert not any(config.allows(u) for u in refused)
    assert all(config.allows(u) for u in config.start_urls)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('start_urls = ["https://www.uscis.gov/x"]', "needs at least one [[allow]]"),
        (
            'start_urls = "https://www.uscis.gov/"\n[[allow]]\nhost="www.uscis.gov"\n'
            'path_prefixes=["/"]',
            "start_urls must be a list",
        ),
        (
            'start_urls = ["https://www.uscis.gov/about-us"]\n[[allow]]\nhost="www.uscis.gov"\n'
            'path_prefixes=["/forms"]',
            "not on the allow-list",
        ),
        (
            'start_urls = ["ftp://www.uscis.gov/forms"]\n[[allow]]\nhost="www.uscis.gov"\n'
            'path_prefixes=["/forms"]',
            "must be http:// or https://",
        ),
        (
            'start_urls = ["https://www.uscis.gov/forms"]\n[[allow]]\nhost="https://www.uscis.gov"\n'
            'path_prefixes=["/forms"]',
            "bare host name",
        ),
        (
            'start_urls = ["https://www.uscis.gov/forms"]\n[[allow]]\nhost="www.uscis.gov"\n'
            'path_patterns=["/i-(["]',
            "bad regex",
        ),
        (
            'start_urls = ["https://www.uscis.gov/forms"]\n[[allow]]\nhost="www.uscis.gov"\n'
            'path_prefixes=["forms"]',
            "must start with '/'",
        ),
        (
            'start_urls = ["https://www.uscis.gov/forms"]\n[[allow]]\nhost="www.uscis.gov"\n',
            "allows nothing",
        ),
        ("start_urls = []\nsurprise = 1\n", "unknown keys ['surprise']"),
        ("start_urls = [", "cannot read sources file"),
    ],
)
def test_bad_sources_raise_value_error(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(toml)
    with pytest.raises(ValueError, match=re.escape(message)):
        load_sources(path)


def test_missing_sources_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sources file not found"):
        load_sources(tmp_path / "nope.toml")
