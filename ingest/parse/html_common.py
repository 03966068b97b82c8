"""Shared pieces of the uscis.gov HTML parsers: soup, whitespace, dates, URLs and citations."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag

from ingest.citations import pm_cite
from ingest.parse.dates import parse_date
from ingest.records import FetchedPage, SkipPage

SITE = "https://www.uscis.gov/"

# Unicode spaces that should read as a plain space; zero-width characters are dropped.
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# Zero-width characters, soft hyphens, C0/C1 controls and non-characters: never wording.
_INVISIBLE = re.compile(
    r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff]"
)

_PM_URL = re.compile(
    r"/policy-manual/volume-(\d+)(?:-part-([a-z]+)(?:-chapter-(\d+))?)?/?(?:[?#]|$)", re.I
)
_USC_URL = re.compile(r"title(\d+)-section(\d+[a-z]*)", re.I)
_CFR_TITLE = re.compile(r"ecfr\.gov/.*?title-(\d+)\b", re.I)
_CFR_UNIT = (re.compile(r"/section-([\d.]+[a-z]*)", re.I), re.compile(r"/part-(\d+[a-z]*)", re.I))
_ANCHOR_PARTS = re.compile(r"^S-([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)$")



# Never content: scripts, widgets, site chrome. Checked on every element the walkers visit.
SKIP_TAGS = frozenset(
    "script style noscript template svg iframe object embed canvas video audio map head title "
    "meta link form select option button input textarea nav header footer aside dialog".split()
)
SKIP_CLASSES = frozenset(
    "visually-hidden usa-sr-only sr-only element-invisible reviewed-date "
    "messages__more--toggle".split()
)
SKIP_IDS = frozenset({"pm-tabs", "header", "footer"})


def is_skipped(tag: Tag) -> bool:
    if tag.name in SKIP_TAGS:
        return True
    attrs = tag.attrs or {}
    if attrs.get("aria-hidden") == "true" or attrs.get("id") in SKIP_IDS:
        return True
    classes = attrs.get("class") or ()
    return any(c in SKIP_CLASSES for c in classes)


def make_soup(text: str) -> BeautifulSoup:
    """Parse with lxml; markup lxml cannot take at all becomes a SkipPage, never a crash."""
    try:
        return BeautifulSoup(text, "lxml")
    except RecursionError as exc:
        raise SkipPage("HTML nested too deeply to parse") from exc
    except Exception as exc:  # lxml/bs4 raise assorted types on pathological input
        raise SkipPage(f"unparseable HTML: {type(exc).__name__}") from exc


def clean_text(text: str) -> str:
    """Collapse every run of whitespace (incl. NBSP and other Unicode spaces) to one space."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()


def last_reviewed(soup: BeautifulSoup) -> date | None:
    """uscis.gov's "Last Reviewed/Updated: 04/30/2026" footer of ordinary pages."""
    box = soup.select_one(".reviewed-date")
    if box is not None:
        when = box.find("time")
        stamp = when.get("datetime") if isinstance(when, Tag) else None
        return parse_date(stamp if isinstance(stamp, str) else None) or parse_date(
            clean_text(box.get_text(" "))
        )
    label = soup.find(string=re.compile(r"Last\s+Reviewed", re.I))
    if label is not None and label.parent is not None:
        block = label.parent.parent or label.parent
        return parse_date(clean_text(block.get_text(" ")))
    return None


def current_as_of(soup: BeautifulSoup) -> date | None:
    """Policy Manual chapters: "Current as of October 02, 2026"."""
    value = soup.select_one(".current-date__value") or soup.select_one(".current-date")
    if value is not None:
        return parse_date(clean_text(value.get_text(" ")))
    label = soup.find(string=re.compile(r"Current as of", re.I))
    if label is not None and label.parent is not None:
        return parse_date(clean_text((label.parent.parent or label.parent).get_text(" ")))
    return None


def canonical_url(page: FetchedPage, soup: BeautifulSoup) -> str:
    if page.url:
        return page.url.split("#", 1)[0]
    link = soup.find("link", rel="canonical")
    if isinstance(link, Tag) and link.get("href"):
        return str(link["href"]).split("#", 1)[0]
    meta = soup.find("meta", property="og:url")
    if isinstance(meta, Tag) and meta.get("content"):
        return str(meta["content"]).split("#", 1)[0]
    return page.source


def page_title(soup: BeautifulSoup, root: Tag | None = None) -> str:
    """The visible h1, else <title> without the " | USCIS" suffix."""
    for scope in (root, soup):
        if scope is None:
            continue
        h1 = scope.find("h1")
        if isinstance(h1, Tag):
            title = inline_text(h1)
            if title:
                return title
    if soup.title and soup.title.string:
        return clean_text(str(soup.title.string)).removesuffix(" | USCIS").strip()
    return ""


def inline_text(node: Tag) -> str:
    """Text of an inline run (a heading, a link) without sr-only labels; <br> reads as a space."""
    parts: list[str] = []
    stack: list = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, Tag):
            if cur is not node and is_skipped(cur):
                continue
            if cur.name == "br":
                parts.append(" ")
                continue
            stack.extend(reversed(cur.contents))
        elif type(cur) is NavigableString:  # not comments, CDATA, script strings
            parts.append(str(cur))
    return clean_text("".join(parts))


def absolute_url(href: str, base: str = SITE) -> str | None:
    """Absolute http(s) URL for a content link; None for page-internal, mailto:, javascript:."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    scheme = urlsplit(href).scheme.lower()
    if scheme and scheme not in ("http", "https"):
        return None
    return urljoin(base if base.startswith("http") else SITE, href)


def anchor_cite(anchor: str | None) -> str:
    """S-C-1 -> "(C)(1)"; anything else -> ""."""
    found = _ANCHOR_PARTS.match(anchor or "")
    if not found:
        return ""
    return "".join(f"({part})" for part in found.group(1).split("-"))


def pm_location(url: str) -> tuple[int | None, str | None, int | None]:
    """(volume, part, chapter) from a Policy Manual URL; missing levels are None."""
    found = _PM_URL.search(url or "")
    if not found:
        return None, None, None
    vol, part, chapter = found.groups()
    return int(vol), part.upper() if part else None, int(chapter) if chapter else None


def cite_for_url(url: str) -> str | None:
    """Canonical citation for a cross-reference: a PM chapter (with #S- anchor), INA/USC, CFR."""
    volume, part, chapter = pm_location(url)
    if volume is not None:
        fragment = urlsplit(url).fragment
        return pm_cite(volume, part, chapter) + (anchor_cite(fragment) if chapter else "")
    if "uscode.house.gov" in url:
        found = _USC_URL.search(url)
        return f"{found.group(1)} U.S.C. {found.group(2)}" if found else None
    title = _CFR_TITLE.search(url)
    for unit in _CFR_UNIT if title else ():
        found = unit.search(url)
        if found and title:
            return f"{title.group(1)} CFR {found.group(1)}"
    return None


def slugify(text: str, limit: int = 80) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "untitled"
