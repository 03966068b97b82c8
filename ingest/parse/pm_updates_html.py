"""Policy Manual "Updates": one document per policy alert or technical update.

The same `.pm-updates` markup is used on uscis.gov/policy-manual/updates (all alerts) and in
each chapter's Updates tab (the alerts that changed that chapter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bs4 import BeautifulSoup, Tag

from ingest.forms import find_forms
from ingest.parse.dates import parse_date
from ingest.parse.html_blocks import Block, element_blocks
from ingest.parse.html_common import (
    absolute_url,
    cite_for_url,
    clean_text,
    inline_text,
    slugify,
)
from ingest.parse.html_sections import blocks_text, dedupe_links
from ingest.records import FetchedPage, Link, ParsedPage, Section

_PA_NUMBER = re.compile(r"\bPA-\d{4}-\d{1,3}\b")


@dataclass
class Alert:
    title: str  # "POLICY ALERT - Clarifying Refugee and Asylee Marriage Validity"
    when: date | None
    summary: list[Block] = field(default_factory=list)
    read_more: Link | None = None
    affected: list[Link] = field(default_factory=list)

    @property
    def cite(self) -> str:
        """The PA number when the alert names one, else "USCIS-PM Update 2022-12-19"."""
        haystack = " ".join(
            [self.read_more.url if self.read_more else "", self.title, blocks_text(self.summary)]
        )
        found = _PA_NUMBER.search(haystack)
        if found:
            return found.group(0)
        return f"USCIS-PM Update {self.when.isoformat()}" if self.when else "USCIS-PM Update"


def _affected_link(a: Tag, base: str) -> Link | None:
    url = absolute_url(str(a.get("href") or ""), base)
    if not url:
        return None
    citation = a.select_one(".citation")
    text = inline_text(a)
    return Link(text, url, cite_for_url(url) or (inline_text(citation) if citation else None))


def find_alerts(scope: Tag, base: str) -> list[Alert]:
    alerts = []
    for box in scope.select(".pm-updates"):
        header = box.select_one(".pm-resource__update_header")
        title = inline_text(header) if header else ""
        when_tag = box.find("time")
        when = None
        if isinstance(when_tag, Tag):
            when = parse_date(str(when_tag.get("datetime") or "")) or parse_date(
                clean_text(when_tag.get_text(" "))
            )
        body = box.select_one(".pm-resource__content .field--name-body")
        summary = element_blocks(body, base=base) if body else []
        more = box.select_one(".pm-resource__content a.btn[href]") or next(
            (a for a in box.select(".pm-resource__content a") if inline_text(a) == "Read More"),
            None,
        )
        read_more = None
        if more is not None:
            url = absolute_url(str(more.get("href")), base)
            read_more = Link(title or "Read More", url) if url else None
        affected = [
            link
            for a in box.select(".affected-sections a[href]")
            if (link := _affected_link(a, base)) is not None
        ]
        if title or summary:
            alert = Alert(title, when, summary, read_more, affected)
            if read_more is not None:  # the PDF is the alert itself: same citation
                alert.read_more = Link(read_more.text, read_more.url, alert.cite)
            alerts.append(alert)
    return alerts


def _alert_doc(page: FetchedPage, url: str, alert: Alert, doc_key: str) -> ParsedPage:
    paragraphs = [alert.title, blocks_text(alert.summary)]
    if alert.affected:
        paragraphs.append("Affected Sections:\n" + "\n".join(a.text for a in alert.affected))
    text = "\n\n".join(p for p in paragraphs if p)
    summary_links = [lk for b in alert.summary for lk in b.links]
    links = dedupe_links([*([alert.read_more] if alert.read_more else []), *summary_links])
    section = Section(path=(), text=text, cite=alert.cite, links=links)
    related = dedupe_links([*alert.affected, *([alert.read_more] if alert.read_more else [])])
    return ParsedPage(
        url=url,
        source=page.source,
        title=alert.title,
        kind="pm-update",
        cite_prefix=alert.cite,
        current_as_of=alert.when,
        sections=(section,),
        forms=find_forms(text),
        related=related,
        doc_key=doc_key,
    )


def parse_pm_updates(page: FetchedPage, soup: BeautifulSoup, url: str) -> list[ParsedPage]:
    """One ParsedPage per alert; doc_key = "<date>-<slug of title>", unique within the page."""
    docs = []
    seen: dict[str, int] = {}
    for alert in find_alerts(soup, url):
        key = f"{alert.when.isoformat() if alert.when else 'undated'}-{slugify(alert.title)}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key}-{seen[key]}"
        docs.append(_alert_doc(page, url, alert, key))
    return docs
