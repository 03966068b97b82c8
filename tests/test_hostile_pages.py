"""Malformed and hostile pages: each ends as ParsedPage(s) or SkipPage with a reason, never another
exception; one ingest over all of them plus a good page completes and accounts for every page."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.index_store import VersionRegistry
from ingest.parse import parse_page
from ingest.records import FetchedPage, SkipPage
from ingest.run_ingest import run_ingest
from tests.conftest import FIXTURES, make_settings

SENTENCE = (
    "Applicants must file the hostile test form with the correct fee and sign it before mailing. "
)
PARAGRAPH = "<p>" + SENTENCE * 6 + "</p>"


def _page(title: str, body: str) -> bytes:
    head = f"<html><head><title>{title}</title></head>"
    return f"{head}<body><h1>{title}</h1>{body}</body></html>".encode()


def _nested(tag: str, depth: int, inner: str) -> str:
    return f"<{tag}>" * depth + inner + f"</{tag}>" * depth


def _giant_table(rows: int, cols: int) -> bytes:
    head = "<tr>" + "".join(f"<th>Column {c}</th>" for c in range(cols)) + "</tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>r{r}c{c}</td>" for c in range(cols)) + "</tr>" for r in range(rows)
    )
    return _page("Giant table", PARAGRAPH + f"<table>{head}{body}</table>")


# name -> bytes. Names end in the extension the mirror reader uses to pick a content type.
HOSTILE: dict[str, bytes] = {
    "unclosed-tags.html": b"<html><body><h1>Unclosed<div><p>"
    + SENTENCE.encode() * 6
    + b"<b><i><table><tr><td>cell<ul><li>item",
    "deeply-nested-mixed.html": _page(
        "Nested", _nested("div", 300, _nested("span", 300, PARAGRAPH))
    ),
    "10k-nested-divs.html": _page("Ten thousand divs", _nested("div", 10_000, PARAGRAPH)),
    "10k-unclosed-divs.html": _page("Unclosed divs", "<div>" * 10_000 + PARAGRAPH),
    "invalid-utf8.html": _page("Bad bytes", PARAGRAPH).replace(b"correct", b"corr\xff\xfe\xc3ct"),
    "wrong-charset.html": b'<html><head><meta charset="shift_jis"><title>Wrong charset</title>'
    b"</head><body><h1>Caf\xe9 r\xe9sum\xe9</h1>" + PARAGRAPH.encode("latin-1") + b"</body></html>",
    "unknown-charset.html": b'<html><head><meta charset="x-no-such-charset"></head><body>'
    + PARAGRAPH.encode()
    + b"\x80\x81</body></html>",
    "utf16-bom-but-utf8.html": b"\xff\xfe" + _page("Lying BOM", PARAGRAPH),
    "nul-bytes.html": _page("NUL", PARAGRAPH).replace(b" ", b" \x00"),
    "only-nul-bytes.html": b"\x00" * 4096,
    "only-scripts.html": b"<html><head><script>var a = 1;</script></head><body>"
    + b"<script>" + b"document.write('x');" * 500 + b"</script><style>p{}</style>"
    + b"<noscript>enable js</noscript></body></html>",
    "giant-table.html": _giant_table(400, 12),
    "html-in-attributes.html": _page(
        "Attributes",
        '<a title="<script>alert(1)</script><p>fake</p>" href="javascript:alert(1)">link</a>'
        '<img alt="</body></html><h1>not a heading</h1>" src=x onerror="alert(1)">' + PARAGRAPH,
    ),
    "huge-attribute.html": _page(
        "Huge attribute", f'<div data-x="{"A" * 2_000_000}">{PARAGRAPH}</div>'
    ),
    "unterminated-comment.html": _page("Comment", PARAGRAPH + "<!-- never closed " + "x" * 1000),
    "billion-laughs.html": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]><html><body><p>&lol9;</p>" + PARAGRAPH.encode() + b"</body></html>",
    "one-giant-word.html": _page("Giant word", PARAGRAPH + "<p>" + "x" * 500_000 + "</p>"),
    "empty.html": b"",
    "whitespace-only.html": b" \n\t\r\n   \n" * 100,
    "binary-named.html": bytes(range(256)) * 64,
    "png-named.html": b"\x89PNG\r\n\x1a\n" + os.urandom(8192),
    "headings-only.html": b"<html><body><h1>A</h1><h2>B</h2><h3>C</h3></body></html>",
    "control-chars.txt": ("Instructions\n\n" + SENTENCE * 4 + "\x07\x1b[31m\x08\x0c").encode(),
    "deep-markdown.md": (
        "# Deep list\n\n" + "".join("  " * i + f"- {SENTENCE}\n" for i in range(300))
    ).encode(),
}
GOOD = FIXTURES / "mirror" / "pm-test-chapter.html"


def _fetched(name: str, body: bytes) -> FetchedPage:
    ctype = {".html": "text/html", ".txt": "text/plain", ".md": "text/markdown"}[Path(name).suffix]
    return FetchedPage(url=None, source=name, fetched_at=datetime.now(UTC), content_type=ctype,
                       body=body)


def _outcome(name: str, body: bytes, max_bytes: int | None = 8_000_000) -> str:
    try:
        docs = parse_page(_fetched(name, body), max_bytes=max_bytes)
    except SkipPage as exc:
        assert str(exc), f"{name}: SkipPage without a reason"
        return f"skipped ({exc})"
    assert docs and all(any(s.text.strip() for s in d.sections) for d in docs)
    return f"parsed ({len(docs)} doc, {sum(len(d.sections) for d in docs)} sections)"


@pytest.fixture(scope="module")
def summary():
    lines: dict[str, str] = {}
    yield lines
    ends = Counter(v.split(" ")[0] for k, v in lines.items() if not k.startswith("~"))
    print(f"\n{sum(ends.values())} hostile inputs, parse_page: "
          + ", ".join(f"{n} {k}" for k, n in ends.items()))
    for name, outcome in sorted(lines.items()):
        print(f"  {name:32} {outcome}")


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_page_is_parsed_or_skipped_with_a_reason(name, summary):
    summary[name] = _outcome(name, HOSTILE[name])


@pytest.mark.slow
def test_50_mb_page_is_parsed_or_skipped_without_blowing_up(summary):
    body = _page("Fifty megabytes", PARAGRAPH + "<p>filler text for a huge page</p>" * 1_500_000)
    assert len(body) > 50_000_000
    summary["50mb-page.html (limit)"] = _outcome("50mb.html", body)
    summary["50mb-page.html (no limit)"] = _outcome("50mb.html", body, max_bytes=None)


def test_one_ingest_over_all_hostile_pages_and_a_good_one(tmp_path, summary):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name, body in HOSTILE.items():
        (mirror / name).write_bytes(body)
    shutil.copy(GOOD, mirror / "good.html")
    # Few, large chunks: chunking is not under test here, and each chunk costs an embedding.
    settings = make_settings(tmp_path / "data", chunk_target_words=2000, chunk_max_words=4000)

    report = run_ingest(settings, [str(mirror)])

    assert report.switched and report.pages_seen == len(HOSTILE) + 1
    manifest = VersionRegistry(settings).current().manifest
    indexed = {p["source"] for p in manifest["pages"]}
    skipped = {s.source: s.reason for s in report.skipped}
    assert "good.html" in indexed
    for name in HOSTILE:
        assert (name in indexed) != (name in skipped), name  # exactly one end for each page
        assert name in indexed or skipped[name].strip(), name
        summary.setdefault(name, "")
        ended = "indexed" if name in indexed else f"skipped ({skipped[name]})"
        summary[name] += f" | ingest: {ended}"
    binary = "binary content, not a text page"
    assert skipped["binary-named.html"] == skipped["png-named.html"] == binary
    summary["~ ingest total"] = (
        f"{len(indexed) - 1} hostile pages indexed, {len(skipped)} skipped, good page indexed; "
        f"{report.chunks} chunks"
    )


def test_stray_utf16_mark_before_utf8_text_is_dropped_not_decoded_as_utf16():
    from ingest.parse.decode import decode_body

    assert decode_body(b"\xff\xfe" + "Filing fee: $470 — Form I-765".encode()) == "Filing fee: $470 — Form I-765"
    assert decode_body("Real UTF-16 page".encode("utf-16")) == "Real UTF-16 page"
