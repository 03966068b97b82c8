"""`policydesk ingest --source URL`: a real crawl of a local site, through to a serving index."""

from __future__ import annotations

from pathlib import Path

from ingest.index_store import VersionRegistry
from ingest.run_ingest import run_ingest
from tests.conftest import FIXTURES, make_settings
from tests.test_crawl import Reply, Site

CHAPTER = (FIXTURES / "mirror" / "pm-test-chapter.html").read_bytes()
INDEX = b"""<html><body><h1>Policy Manual</h1>
<a href="/policy-manual/volume-12-part-z-chapter-9">Chapter 9</a>
<a href="/i-999">Form I-999</a>
<a href="/about-us">not allow-listed</a>
</body></html>"""
FORM_PAGE = b"""<html><head><title>I-999, Application for Test Benefit | USCIS</title></head><body>
<main><h1>I-999, Application for Test Benefit</h1>
<p>Use Form I-999 to request a test benefit. The filing fee for Form I-999 is $123.</p>
<p>Last Reviewed/Updated: 01/15/2026</p></main></body></html>"""


def _sources(tmp_path: Path, site: Site) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f'start_urls = ["{site.url("/policy-manual")}"]\n'
        '[[allow]]\nhost = "127.0.0.1"\npath_prefixes = ["/policy-manual"]\n'
        "path_patterns = ['/[a-z]{1,4}-\\d{1,4}[a-z]{0,4}']\n"
    )
    return path


def test_crawl_ingest_indexes_allow_listed_pages_and_recrawls_conditionally(tmp_path):
    site = Site()
    try:
        site.routes["/policy-manual"] = Reply(body=INDEX)
        site.routes["/policy-manual/volume-12-part-z-chapter-9"] = Reply(body=CHAPTER, headers={"ETag": '"ch9-v1"'})
        site.routes["/i-999"] = Reply(body=FORM_PAGE)
        site.routes["/about-us"] = Reply(body=b"<p>must not be fetched</p>")
        settings = make_settings(tmp_path / "data", sources_file=_sources(tmp_path, site), crawl_delay_s=0.0,
                                 crawl_backoff_s=0.01, crawl_allow_private=True)

        first = run_ingest(settings, [site.url("/policy-manual")])
        manifest = VersionRegistry(settings).current().manifest
        urls = {p["url"] for p in manifest["pages"]}
        assert site.url("/policy-manual/volume-12-part-z-chapter-9") in urls
        assert site.url("/i-999") in urls
        assert "/about-us" not in site.paths()
        assert first.embedded == first.chunks > 0
        # The raw bytes of every indexed page are kept.
        chapter = next(p for p in manifest["pages"] if p["url"].endswith("chapter-9"))
        assert (settings.snapshots_dir / chapter["sha256"][:2] / chapter["sha256"]).read_bytes() == CHAPTER

        second = run_ingest(settings, [site.url("/policy-manual")])
        chapter_requests = [h for p, h in site.requests if p == "/policy-manual/volume-12-part-z-chapter-9"]
        assert chapter_requests[-1].get("if-none-match") == '"ch9-v1"'
        assert second.embedded == 0 and second.chunks == first.chunks
    finally:
        site.close()
