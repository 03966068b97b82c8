"""HTML parsers on real uscis.gov pages (../shared/corpus) and on small generated inputs."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

import pytest
from conftest import FIXTURES, corpus_file

from ingest.parse.html_pages import parse_html
from ingest.records import FetchedPage, ParsedPage, SkipPage

O1 = "uscis-pm-raw-html-lighthouse/community-vault/snapshots/9c0e2d65e705d61580c5b2cc505031fa82fa54cdb4ce9a2abae0f208c480746b.html"  # noqa: E501
EB1 = "uscis-pm-raw-html-lighthouse/community-vault/snapshots/3da5611e56fa1cb7b12369cf9387343855d5028bd80c777932e9ce96b4e3c2b3.html"  # noqa: E501
I129 = "uscis-pm-raw-html-lighthouse/community-vault/snapshots/a92df55e2d2faeeca38bbe7cf0ef5e052cf34f85a3bda73888d9ada8e31ed229.html"  # noqa: E501
HELPER = "uscis-gov-raw-html-forms-tps-uscis-helper/docs/uscis"
I765 = f"{HELPER}/forms/tps/html/i-765.html"
TPS_UKRAINE = f"{HELPER}/forms/tps/html/tps-ukraine.html"
G1055 = f"{HELPER}/sources/2026-05-10/g1055.html"
LOCKBOX = f"{HELPER}/sources/2026-05-10/lockbox-chart.html"
NEWSROOM = "uscis-gov-raw-html-pm-updates-newsroom-yashhubgit/snapshots"
UPDATES = f"{NEWSROOM}/policy.last.html"
NEWS = f"{NEWSROOM}/news.last.html"

URLS = {
    O1: "https://www.uscis.gov/policy-manual/volume-2-part-m-chapter-4",
    EB1: "https://www.uscis.gov/policy-manual/volume-6-part-f-chapter-2",
    I129: "https://www.uscis.gov/i-129",
    I765: "https://www.uscis.gov/i-765",
    TPS_UKRAINE: "https://www.uscis.gov/humanitarian/temporary-protected-status/TPS-Ukraine",
    G1055: "https://www.uscis.gov/g-1055",
    LOCKBOX: "https://www.uscis.gov/uscis-lockbox-filing-locations-chart",
    UPDATES: "https://www.uscis.gov/policy-manual/updates",
    NEWS: "https://www.uscis.gov/newsroom/all-news",
}
KINDS = {O1: "pm-chapter", EB1: "pm-chapter", UPDATES: "pm-update", NEWS: "news"}
CHROME = (
    "Skip to main content",
    "An official website of the United States government",
    "Was this page helpful",
    "Select a reason",
    "Last Reviewed/Updated",
    "Alert Type info",
)


def fetched(url: str | None, source: str = "page.html", body: bytes = b"") -> FetchedPage:
    return FetchedPage(url, source, datetime(2026, 10, 6), "text/html; charset=utf-8", body)


@cache
def parsed(rel: str) -> tuple[ParsedPage, ...]:
    path = corpus_file(rel)
    page = fetched(URLS[rel], rel, path.read_bytes())
    return tuple(parse_html(page, path.read_text(encoding="utf-8"), KINDS.get(rel, "uscis-page")))


def one(rel: str) -> ParsedPage:
    docs = parsed(rel)
    assert len(docs) == 1
    return docs[0]


def by_anchor(doc: ParsedPage, anchor: str):
    return next(s for s in doc.sections if s.anchor == anchor)


def with_text(doc: ParsedPage, needle: str):
    return [s for s in doc.sections if needle in s.text]


def assert_no_chrome(doc: ParsedPage) -> None:
    for section in doc.sections:
        for junk in CHROME:
            assert junk not in section.text, (junk, section.path)


# --- Policy Manual chapter ------------------------------------------------------------------


def test_pm_chapter_identity_and_date():
    doc = one(O1)
    assert doc.kind == "pm-chapter"
    assert doc.title == "Chapter 4 - O-1 Beneficiaries"
    assert (doc.volume, doc.part, doc.chapter) == (2, "M", 4)
    assert doc.cite_prefix == "2 USCIS-PM M.4"
    assert doc.current_as_of == date(2026, 10, 2)
    assert doc.url == "https://www.uscis.gov/policy-manual/volume-2-part-m-chapter-4"
    assert "I-129" in doc.forms


def test_pm_chapter_sections_anchors_paths_and_cites():
    doc = one(O1)
    anchors = [s.anchor for s in doc.sections]
    assert anchors[:3] == ["S-A", "S-B", "S-C-1"]
    assert anchors[-1] == "S-F-2" and len(anchors) == len(set(anchors)) == 15
    first = by_anchor(doc, "S-A")
    assert first.path == ("A. Standard for Classification",)
    assert first.cite == "2 USCIS-PM M.4(A)"
    assert first.text.startswith("In order to qualify as an alien of “extraordinary ability”")
    c1 = by_anchor(doc, "S-C-1")
    assert c1.path == (
        "C. O-1A Beneficiaries in Sciences, Education, Business, or Athletics",
        "1. Establishing Eligibility",
    )
    assert c1.cite == "2 USCIS-PM M.4(C)(1)"
    # list items one per line, paragraphs apart by a blank line, headings not in the text
    assert "sustained national or international acclaim;\nHas achievements" in c1.text
    assert "1. Establishing Eligibility" not in c1.text


def test_pm_chapter_footnotes_attached_where_referenced():
    doc = one(O1)
    numbers = [f.number for s in doc.sections for f in s.footnotes]
    assert len(numbers) == 82 and set(numbers) == {str(n) for n in range(1, 83)}
    first = by_anchor(doc, "S-A")
    assert "[1]" in first.text  # inline marker stays
    note = first.footnotes[0]
    assert note.number == "1" and note.text.startswith("See INA 101(a)(15)(O)(i).")
    assert "[^" not in note.text
    # footnote 22 is referenced from inside a criteria table of section C.2
    assert "22" in [f.number for f in by_anchor(doc, "S-C-2").footnotes]
    assert all("[^ " not in s.text and "Footnotes" not in s.path for s in doc.sections)


def test_pm_chapter_tables_kept_as_prose_and_links_cited():
    doc = one(O1)
    c2 = by_anchor(doc, "S-C-2")
    assert "Criterion 1: Documentation of the beneficiary’s receipt of nationally" in c2.text
    assert (
        "Awards from well-known national institutions and well-known professional associations;"
        "\nCertain doctoral dissertation awards and scholarships; and" in c2.text
    )
    ina = [lk for lk in by_anchor(doc, "S-A").links if lk.text == "INA 101(a)(15)(O)(i)"]
    assert ina and ina[0].cite == "8 U.S.C. 1101"
    pm_refs = [lk for s in doc.sections for lk in s.links if lk.cite == "6 USCIS-PM F.2"]
    assert pm_refs and pm_refs[0].url.endswith("/policy-manual/volume-6-part-f-chapter-2")
    cfr = [lk for s in doc.sections for lk in s.links if (lk.cite or "").startswith("8 CFR 214.2")]
    assert cfr


def test_pm_chapter_has_no_chrome_outline_or_tabs_in_text():
    doc = one(O1)
    assert_no_chrome(doc)
    for section in doc.sections:
        assert "Chapter 1 - Purpose and Background" not in section.text  # book outline
        assert "Resources (17)" not in section.text and "Read More" not in section.text
        assert "Keep Men Out of Women’s Sports" not in section.text  # Updates tab


def test_pm_chapter_related_holds_resources_and_update_alerts():
    related = one(O1).related
    texts = [lk.text for lk in related]
    assert any(t.startswith("8 CFR 214.2(o) - Special requirements") for t in texts)
    alert = next(lk for lk in related if "Evidentiary Requirements for O-1" in lk.text)
    assert alert.text.endswith("(2025-01-08)")
    assert alert.url.endswith("20250108-ExtraordinaryAbility.pdf")
    assert alert.cite == "USCIS-PM Update 2025-01-08"
    assert sum("POLICY ALERT" in t or "Technical Update" in t for t in texts) == 12


def test_pm_chapter_location_from_breadcrumb_when_url_unknown():
    path = corpus_file(O1)
    (doc,) = parse_html(fetched(None, O1), path.read_text(encoding="utf-8"), "pm-chapter")
    assert (doc.volume, doc.part, doc.chapter, doc.cite_prefix) == (2, "M", 4, "2 USCIS-PM M.4")
    assert doc.url == O1  # no canonical link in this capture: the source stands in


def test_pm_chapter_survives_stray_body_tags_in_guidance():
    # the EB-1 chapter has "<body></body>" pairs inside the guidance (three times)
    doc = one(EB1)
    assert (doc.volume, doc.part, doc.chapter, doc.cite_prefix) == (6, "F", 2, "6 USCIS-PM F.2")
    anchors = [s.anchor for s in doc.sections]
    assert {"S-A-3", "S-B", "S-B-3"} <= set(anchors)
    assert len({f.number for s in doc.sections for f in s.footnotes}) == 53
    assert by_anchor(doc, "S-B-3").cite == "6 USCIS-PM F.2(B)(3)"


# --- Policy Manual updates page -------------------------------------------------------------


def test_updates_page_one_document_per_alert():
    docs = parsed(UPDATES)
    assert len(docs) == 311
    assert {d.kind for d in docs} == {"pm-update"}
    assert len({d.doc_key for d in docs}) == 311
    assert all(d.url == "https://www.uscis.gov/policy-manual/updates" for d in docs)
    assert all(d.current_as_of is not None for d in docs)
    assert min(d.current_as_of for d in docs) == date(2013, 1, 7)
    assert max(d.current_as_of for d in docs) == date(2025, 6, 24)
    assert sum(d.title.startswith("POLICY ALERT") for d in docs) == 213
    assert sum(d.title.startswith("Technical Update") for d in docs) == 98


def test_updates_page_alert_fields_and_affected_sections():
    docs = {d.doc_key: d for d in parsed(UPDATES)}
    doc = docs["2025-06-24-policy-alert-clarifying-refugee-and-asylee-marriage-validity"]
    assert doc.title == "POLICY ALERT - Clarifying Refugee and Asylee Marriage Validity"
    assert doc.current_as_of == date(2025, 6, 24)
    assert doc.cite_prefix == "USCIS-PM Update 2025-06-24"
    (section,) = doc.sections
    assert section.text.startswith(doc.title + "\n\nU.S. Citizenship and Immigration Services")
    assert "when a valid marriage between a principal asylee" in section.text
    affected = [lk for lk in doc.related if "USCIS-PM" in (lk.cite or "") and "PM C." in lk.cite]
    assert [(lk.cite, lk.url) for lk in affected] == [
        ("4 USCIS-PM C.2", "https://www.uscis.gov/policy-manual/volume-4-part-c-chapter-2"),
        ("4 USCIS-PM C.4", "https://www.uscis.gov/policy-manual/volume-4-part-c-chapter-4"),
    ]
    assert any(lk.url.endswith("20250624-RefugeeAsyleeMarriages.pdf") for lk in doc.related)


def test_updates_page_part_level_and_unnumbered_alert_cites():
    docs = list(parsed(UPDATES))
    statelessness = next(d for d in docs if "Rescission of the USCIS Statelessness" in d.title)
    assert "3 USCIS-PM K" in [lk.cite for lk in statelessness.related]
    public_charge = next(
        d
        for d in docs
        if any(lk.url.endswith("20221219-PublicChargeFinalRule.pdf") for lk in d.related)
    )
    assert public_charge.cite_prefix == "USCIS-PM Update 2022-12-19"


# --- other uscis.gov pages ------------------------------------------------------------------


def test_form_page_i765():
    doc = one(I765)
    assert doc.kind == "uscis-page"
    assert doc.title == "I-765, Application for Employment Authorization"
    assert doc.cite_prefix == "Form I-765"
    assert doc.current_as_of == date(2026, 4, 30)
    assert "I-765" in doc.forms
    (special,) = with_text(doc, "select box 1.b")
    assert special.path == ("Form Details", "Special Instructions")  # accordion under its h2
    (when,) = [s for s in doc.sections if s.path == ("Form Details", "When to File")]
    assert "Filing Category: (c)(8) — When to File: You must wait 150 days" in when.text
    assert_no_chrome(doc)


def test_form_page_i129_accordion_and_alerts():
    doc = one(I129)
    assert doc.cite_prefix == "Form I-129" and doc.current_as_of == date(2026, 9, 9)
    assert with_text(doc, "employs 50 or more individuals in the United States")
    paths = [s.path for s in doc.sections]
    for panel in ("Edition Date", "Where to File", "Filing Fee", "Special Instructions"):
        assert ("Form Details", panel) in paths
    edition = next(s for s in doc.sections if s.path == ("Form Details", "Edition Date"))
    assert edition.text.startswith("09/09/26.")
    assert_no_chrome(doc)


def test_fee_schedule_page():
    doc = one(G1055)
    assert doc.cite_prefix == "Form G-1055 (Fee Schedule)"
    assert doc.current_as_of == date(2026, 5, 6)
    assert with_text(doc, "Fee-exempt forms and filing categories list $0 as the Filing Fee.")
    # the per-form fee picker is a <select> filled by JavaScript: not text
    assert not with_text(doc, "Claimant under INA 289, American Indian Born in Canada")
    assert_no_chrome(doc)


def test_lockbox_chart_rows_keep_category_and_address():
    doc = one(LOCKBOX)
    assert doc.current_as_of == date(2024, 10, 11)
    rows = [line for s in doc.sections for line in s.text.split("\n") if "P.O. Box 660867" in line]
    assert len(rows) == 1
    row = rows[0]
    assert "Forms I-765" in row and "and you live in: Alabama, Alaska" in row and "Texas" in row
    assert "— Mail your form to: USCIS Dallas Lockbox" in row
    assert "P.O. Box 660867, Dallas, TX 75266-0867" in row


def test_tps_page_headings_become_paths():
    doc = one(TPS_UKRAINE)
    assert doc.current_as_of == date(2025, 7, 7)
    assert doc.cite_prefix == "Temporary Protected Status Designated Country: Ukraine"
    assert ("Where to File",) in [s.path for s in doc.sections]


def test_news_listing_items_are_sections():
    doc = one(NEWS)
    assert doc.kind == "news" and doc.title == "All News"
    item = next(s for s in doc.sections if s.path and s.path[0].startswith("DHS Terminates Haiti"))
    assert item.text.startswith("June 27, 2025\n\nSecretary of Homeland Security")
    assert item.links[0].url.startswith("https://www.uscis.gov/newsroom/news-releases/")
    assert not with_text(doc, "Filter by category")


@pytest.mark.parametrize(
    ("url", "title", "cite"),
    [
        ("https://www.uscis.gov/n-400", "N-400, Application for Naturalization", "Form N-400"),
        (
            "https://www.uscis.gov/eb-5",
            "EB-5 Immigrant Investor Program",
            "EB-5 Immigrant Investor Program",
        ),
        ("https://www.uscis.gov/x", "I-130, Petition for Alien Relative", "Form I-130"),
    ],
)
def test_cite_prefix_names_the_form_only_on_form_pages(url, title, cite):
    html = f"<html><body><main><h1>{title}</h1><p>Text.</p></main></body></html>"
    (doc,) = parse_html(fetched(url), html, "uscis-page")
    assert doc.cite_prefix == cite


def test_fee_table_rows_carry_header_context():
    html = (FIXTURES / "html" / "fee_table.html").read_text(encoding="utf-8")
    (doc,) = parse_html(fetched(None), html, "uscis-page")
    assert doc.url == "https://www.uscis.gov/g-1055"  # from <link rel=canonical>
    assert doc.cite_prefix == "Form G-1055 (Fee Schedule)"
    assert doc.current_as_of == date(2026, 5, 6)
    text = "\n".join(s.text for s in doc.sections)
    assert (
        "Form I-765, Application for Employment Authorization — "
        "Paper filing fee: $520; Online filing fee: $470" in text.split("\n")
    )
    by_category = next(s for s in doc.sections if s.path == ("Fees by filing category",))
    # Rows are apart by a blank line: a row ends without punctuation, and only a paragraph break
    # keeps the next row from being read as part of the same sentence.
    assert by_category.text.split("\n\n") == [
        "Initial requests",
        "Form I-765, Application for Employment Authorization — Initial requests — "
        "Filing category: (c)(8) Asylum applicant — "
        "Filing fee / Paper: $520; Filing fee / Online: $470",
        "Form I-765, Application for Employment Authorization — Initial requests — "
        "Filing category: (c)(8) Asylum applicant — "
        "Filing fee / Paper: $0, (fee-exempt); Filing fee / Online: $0",
        "Form I-765, Application for Employment Authorization — Initial requests — "
        "Filing category: (c)(9) Adjustment applicant — "
        "Filing fee / Paper: $260; Filing fee / Online: Not available",
    ]
    assert by_category.anchor is None
    assert next(s for s in doc.sections if s.path == ("Form I-765 Fees",)).anchor == "fees-i-765"
    assert "Skip to main content" not in text and "Was this page helpful" not in text


# --- bad input: SkipPage or a sound parse, never another exception ---------------------------

DEEP = "<html><body><main>" + "<div>" * 10_000 + "<p>deep text</p>" + "</div>" * 10_000
DEEP_TABLES = "<main>" + "<table><tr><td>" * 500 + "cell" + "</td></tr></table>" * 500


@pytest.mark.parametrize("kind", ["uscis-page", "pm-chapter", "pm-update", "news"])
@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<html><head><title>T</title></head></html>",
        "<html><head><script>var a = 1;</script></head><body><script>x()</script>"
        "<style>p {}</style><noscript>enable JS</noscript></body></html>",
        "<html><body><nav>Home</nav><footer>Footer</footer></body></html>",
        "<html><body><main><table>" + "<tr><td>a</td><td>b</td></tr>" * 2100 + "</table></main>",
        "<main><table>" + "<tr>" + "<td>x</td>" * 100 + "</tr></table></main>",
    ],
    ids=["empty", "blank", "no-body", "only-scripts", "only-chrome", "huge-table", "wide-table"],
)
def test_unusable_pages_raise_skip_page(html, kind):
    with pytest.raises(SkipPage) as err:
        parse_html(fetched("https://www.uscis.gov/x"), html, kind)
    assert str(err.value)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (DEEP, "deep text"),
        (DEEP_TABLES, "cell"),
        (
            "<body><p>unclosed <div><table><tr><td>cell</p></table><li>item<h2>Head</h3>after",
            "item",
        ),
        (
            "<main><table><tr><th colspan='99999999'>h</th></tr><tr><td rowspan='x'>a</td>"
            "<td colspan='-3'>b</td></tr></table></main>",
            "h: a — h: b",
        ),
        ("<body>\x01\x02<p>a\u200bb\u00a0c</p>\ufffe</body>", "ab c"),
        ("no markup at all, just words", "no markup at all, just words"),
    ],
    ids=["10k-nested-divs", "500-nested-tables", "malformed", "bad-spans", "controls", "text"],
)
def test_odd_but_readable_pages_parse(html, expected):
    (doc,) = parse_html(fetched("https://www.uscis.gov/x"), html, "uscis-page")
    assert expected in "\n".join(s.text for s in doc.sections)


def test_chapter_and_updates_without_their_markup_fall_back_to_page_parse():
    html = "<html><body><main><h1>Chapter 9 - Gone</h1><p>Moved.</p></main></body></html>"
    url = "https://www.uscis.gov/policy-manual/volume-2-part-m-chapter-9"
    (doc,) = parse_html(fetched(url), html, "pm-chapter")
    assert doc.title == "Chapter 9 - Gone" and doc.sections[0].text == "Moved."
    (doc,) = parse_html(fetched("https://www.uscis.gov/policy-manual/updates"), html, "pm-update")
    assert doc.sections[0].text == "Moved."
