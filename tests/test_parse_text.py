"""Plain-text and Markdown parsers on real corpus pages, plus generated hostile inputs."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.parse import parse_page
from ingest.parse.text_pages import parse_text
from ingest.records import FetchedPage, ParsedPage, SkipPage
from tests.conftest import CORPUS, corpus_file

NCTR = "uscis-pm-chapter-and-form-instructions-nctr834/data/"
USC = "usc-title8-ina-markdown-codexstanford/chuncks/title-08/"
KINDS = ["statute", "pm-chapter", "form-instructions", "policy-alert", "uscis-page"]


def _urls() -> dict[str, str]:
    rows = corpus_file("urls.tsv").read_text(encoding="utf-8").splitlines()
    return dict(row.split("\t", 1) for row in rows if "\t" in row)


def fetched(rel: str, url: str | None = "from-tsv") -> FetchedPage:
    body = corpus_file(rel).read_bytes()
    if url == "from-tsv":
        url = _urls().get(rel) or None
    ctype = "text/markdown" if rel.endswith(".md") else "text/plain"
    return FetchedPage(url, rel, datetime.now(UTC), ctype, body)


def one(rel: str, url: str | None = "from-tsv") -> ParsedPage:
    docs = parse_page(fetched(rel, url))
    assert len(docs) == 1
    return docs[0]


def section_with(page: ParsedPage, phrase: str):
    found = [s for s in page.sections if phrase in s.text]
    assert found, f"{phrase!r} not in any section of {page.source}"
    return found[0]


def by_cite(page: ParsedPage, cite: str):
    found = [s for s in page.sections if s.cite == cite]
    assert found, f"no section cited {cite}: {[s.cite for s in page.sections]}"
    return found


def assert_sound(page: ParsedPage) -> None:
    paths = [s.path for s in page.sections]
    assert len(paths) == len(set(paths)), "section paths must be unique (chunk ids use them)"
    for s in page.sections:
        assert s.text == s.text.strip() and s.text
        assert "\n\n\n" not in s.text and "  " not in s.text


# --- form instructions -----------------------------------------------------------------


def test_i485_instructions_sections_and_metadata():
    page = one(NCTR + "i-485instr.txt")
    assert page.kind == "form-instructions"
    assert page.title == (
        "Instructions for Form I-485, Application to Register Permanent Residence or Adjust Status"
    )
    assert page.cite_prefix == "Form I-485 Instructions"
    assert page.forms[0] == "I-485" and "I-693" in page.forms
    assert page.url.endswith("/i-485instr.pdf")
    assert_sound(page)

    photos = section_with(page, "You must submit two identical color passport-style photographs")
    assert photos.path == ("What Evidence Must You Submit with Form I-485?", "1. Photographs")
    assert photos.cite == "Form I-485 Instructions, 1. Photographs"
    # Wrapped PDF lines are joined into whole sentences, quotable verbatim.
    assert (
        "You must submit two identical color passport-style photographs of yourself taken "
        "recently. The photos must have a white to off-white background" in photos.text
    )

    asylum = section_with(page, "for one year after your grant of asylum")
    assert asylum.path == ("Additional Instructions for Asylees and Refugees", "Asylum Status")

    general = by_cite(page, "Form I-485 Instructions, General Instructions")[0]
    assert general.path == ("General Instructions",)
    # A heading the PDF wrapped over two lines is found whole.
    assert any(
        s.path[-1] == "Crime Victim (U Nonimmigrant, Form I-918), Derivative Family Member "
        "(Form I-918A), or Qualifying Family Member (Form I-929)"
        for s in page.sections
    )
    # Recurring generic headings nest under the category they belong to.
    refugee = [s for s in page.sections if s.path[-1] == "Derivative Applicants"]
    assert (
        "Additional Instructions for Asylees and Refugees",
        "Refugee Status",
        "Derivative Applicants",
    ) in [s.path for s in refugee]
    # Split words are joined ("Y" + " ou may file"), the table of contents is gone.
    derivative = section_with(page, "You may file at any of the following times:")
    assert derivative.path == ("When Should I File Form I-485?", "Derivative Adjustment Applicant")
    assert not any("Table of Content" in s.text for s in page.sections)
    assert max(len(s.text) for s in page.sections) < 15_000


def test_i129f_instructions():
    page = one(NCTR + "i-129finstr.txt")
    assert page.title == "Instructions for Form I-129F, Petition for Alien Fiancé(e)"
    assert page.current_as_of == date(2025, 2, 21)  # the draft's date in the header
    who = section_with(page, "met each other in person within the two years")
    assert who.path == ("Who May File Form I-129F?",)
    # list items stay one a line
    assert "\nB. Have met each other in person within the two years immediately before" in who.text
    assert "You must include evidence that you filed Form I-130." in "".join(
        s.text for s in page.sections
    )
    parts = [s.path for s in page.sections if s.path[:1] == ("Specific Instructions",)]
    assert ("Specific Instructions", "Part 1. Information About You") in parts
    assert (
        "Specific Instructions",
        "Part 7. Contact Information, Declaration, and Signature of the Person Preparing this "
        "Petition, if Other Than the Petitioner",
    ) in parts
    assert_sound(page)


@pytest.mark.parametrize(
    "name, prefix",
    [
        ("i-485supainstr.txt", "Form I-485 Supplement A Instructions"),
        ("i-864instr.txt", "Form I-864 Instructions"),
        ("i-864ainstr.txt", "Form I-864A Instructions"),
    ],
)
def test_other_instructions(name, prefix):
    page = one(NCTR + name)
    assert page.cite_prefix == prefix
    assert len(page.sections) >= 10
    assert all(s.cite.startswith(prefix) for s in page.sections)
    assert_sound(page)


def test_i864_parts_and_kerning():
    page = one(NCTR + "i-864instr.txt")
    paths = [s.path for s in page.sections]
    assert ("Specific Instructions", "Part 2. Information About You (Sponsor)") in paths
    assert ("What is a Joint Sponsor?",) in paths


# --- policy alert ---------------------------------------------------------------------


def test_policy_alert():
    page = one(NCTR + "20221219-PublicChargeFinalRule.txt")
    assert page.kind == "policy-alert"
    assert page.cite_prefix == "PA-2022-27"
    assert page.title == "Policy Alert PA-2022-27: Public Charge Ground of Inadmissibility"
    assert page.current_as_of == date(2022, 12, 19)
    assert [s.path[0] for s in page.sections] == [
        "Purpose",
        "Background",
        "Policy Highlights",
        "Summary of Changes",
        "Citation",
    ]
    background = by_cite(page, "PA-2022-27, Background")[0]
    assert [f.number for f in background.footnotes] == ["1", "2"]
    assert background.footnotes[0].text.startswith("See 8 CFR 212.21(a).")
    assert background.footnotes[1].text.endswith(
        "published in the Federal Register on May 26, 1999."
    )
    text = "\n".join(s.text for s in page.sections)
    assert "Page: 2" not in text and "PA-2022-27: Public Charge" not in text
    assert "(notice). Due to a printing error" not in text  # footnote text left the body
    assert any(link.cite == "8 USCIS-PM G" for link in page.related)


# --- Policy Manual chapter as text ----------------------------------------------------


def test_pm_chapter_medical():
    page = one(NCTR + "policy-manual-vol8-partB-ch4-medical.txt")
    assert page.kind == "pm-chapter"
    assert page.title == "Chapter 4 - Review of Medical Examination Documentation"
    assert page.cite_prefix == "8 USCIS-PM B.4"
    assert (page.volume, page.part, page.chapter) == (8, "B", 4)
    assert page.current_as_of == date(2026, 5, 8)
    assert "I-693" in page.forms
    assert_sound(page)

    a = by_cite(page, "8 USCIS-PM B.4(A)")
    assert a[0].path[0] == "A. Results of the Medical Examination" and a[0].anchor == "S-A"
    b = by_cite(page, "8 USCIS-PM B.4(B)")[0]
    assert b.path == ("B. Documentation Completed by Panel Physician",)
    assert [f.number for f in b.footnotes] == ["1", "2"]
    c1 = by_cite(page, "8 USCIS-PM B.4(C)(1)")[0]
    assert c1.path == (
        "C. Documentation Completed by Civil Surgeon",
        "1. Civil Surgeon Designation",
    )
    assert c1.anchor == "S-C-1"
    assert [f.number for f in c1.footnotes] == ["3", "4"]
    assert c1.footnotes[0].text == (
        "Form I-693 can only be used for immigration benefits that are granted in the "
        "United States."
    )
    # Sub-headings inside a subsection keep its cite and anchor.
    military = section_with(page, "blanket civil surgeon designation to qualifying military")
    assert military.cite == "8 USCIS-PM B.4(C)(3)" and military.anchor == "S-C-3"
    assert military.path[-1].startswith("Signature of a Military Physician")
    # A list after a colon keeps one item a line.
    complete = by_cite(page, "8 USCIS-PM B.4(C)(2)")[0]
    assert "USCIS:\nThe form must be completed legibly;\nAll required parts" in complete.text

    lines = {ln for s in page.sections for ln in s.text.splitlines()}
    assert not lines & {"Previous", "Next", "0", "Read More", "Footnotes", "Resources"}
    text = "\n".join(s.text for s in page.sections)
    assert "[^" not in text and "POLICY ALERT" not in text and "Affected Sections" not in text
    cites = {link.cite for link in page.related}
    assert "8 USCIS-PM B.3" in cites and "Form I-693" in cites
    assert "8 USCIS-PM B.4" not in cites  # not a link to itself


def test_pm_chapter_seed_text():
    page = one("seed/vol1-partA-ch1.txt")
    assert page.kind == "pm-chapter" and page.cite_prefix == "1 USCIS-PM A.1"
    assert [s.cite for s in page.sections] == [
        "1 USCIS-PM A.1(A)",
        "1 USCIS-PM A.1(B)",
        "1 USCIS-PM A.1(C)",
        "1 USCIS-PM A.1(C)(1)",
        "1 USCIS-PM A.1(C)(2)",
        "1 USCIS-PM A.1(C)(3)",
        "1 USCIS-PM A.1(C)(4)",
    ]
    assert page.sections[3].path == ("C. Governing Principles", "1. Respect")


# --- statutes -------------------------------------------------------------------------


def test_statute_1153b():
    page = one(USC + "chunck-56.md")
    assert page.kind == "statute"
    assert page.title == "8 U.S.C. 1153 — Allocation of immigrant visas"
    assert page.cite_prefix == "8 U.S.C. 1153"
    assert page.doc_key == USC + "chunck-56.md"
    hit = section_with(page, "at least 3 years of experience in teaching or research")
    assert hit.cite.startswith("8 U.S.C. 1153(b)")
    assert hit.path[:2] == (
        "§ 1153. Allocation of immigrant visas",
        "(b) Preference allocation for employment-based immigrants",
    )
    assert all(s.cite.startswith("8 U.S.C. 1153(b)") for s in page.sections)
    assert "section 1154(b) of this title, and" in "".join(s.text for s in page.sections)
    assert_sound(page)


def test_statute_url_derived_when_unknown():
    derived = one(USC + "chunck-56.md", url=None)
    assert derived.url == _urls()[USC + "chunck-56.md"]
    page = one(USC + "chunck-713.md")  # empty in urls.tsv
    assert page.url == (
        "https://uscode.house.gov/view.xhtml?req=granuleid:USC-prelim-title8-section1440-1"
        "&num=0&edition=prelim"
    )
    assert page.cite_prefix == "8 U.S.C. 1440-1"


def test_header_only_statute_chunks_yield_nothing():
    with pytest.raises(SkipPage):
        parse_page(fetched(USC + "chunck-0.md"))
    header_only = fetched(USC + "chunck-1.md")
    assert parse_text(header_only, header_only.body.decode(), "statute") == []
    with pytest.raises(SkipPage, match="header-only"):
        parse_page(header_only)


def test_all_statute_chunks_parse_quickly():
    files = sorted((CORPUS / USC).glob("chunck-*.md"))
    if len(files) < 990:
        pytest.skip("statute corpus incomplete")
    urls = _urls()
    start = time.perf_counter()
    parsed = skipped = 0
    for path in files:
        rel = str(path.relative_to(CORPUS))
        page = FetchedPage(
            urls.get(rel) or None, rel, datetime.now(UTC), "text/markdown", path.read_bytes()
        )
        try:
            docs = parse_page(page)
        except SkipPage:
            skipped += 1
            continue
        parsed += 1
        for doc in docs:
            assert doc.url.startswith("https://uscode.house.gov/"), rel
            assert all(s.cite.startswith(doc.cite_prefix) for s in doc.sections), rel
            assert_sound(doc)
    assert time.perf_counter() - start < 15
    assert parsed > 950 and skipped < 40


# --- hand-written and generated inputs ------------------------------------------------

SMALL_INSTRUCTIONS = """\
Instructions for Application for Employment Authorization
Department of Homeland Security
U.S. Citizenship and Immigration Services
USCIS
 Form I-765
OMB No. 1615-0040
Expires 07/31/2026
What Is the Purpose of Form I-765?
Certain aliens who are in the United States may file Form I-765 to request employment
authorization and an Employment Authorization Document (EAD).
Form I-765 Instructions 01/20/25 Page 1 of 30
What Is the Filing Fee?
The filing fee for Form I-765 is listed in Form G-1055.
Page 2 of 30
Edition 01/20/25
"""


def test_small_instructions_drop_footers_and_read_edition():
    page = FetchedPage(
        None, "local/i-765instr.txt", datetime.now(UTC), "text/plain", SMALL_INSTRUCTIONS.encode()
    )
    (doc,) = parse_text(page, SMALL_INSTRUCTIONS, "form-instructions")
    assert doc.title == "Instructions for Form I-765, Application for Employment Authorization"
    assert doc.current_as_of == date(2025, 1, 20)
    assert [s.path for s in doc.sections] == [
        ("What Is the Purpose of Form I-765?",),
        ("What Is the Filing Fee?",),
    ]
    assert doc.sections[0].text == (
        "Certain aliens who are in the United States may file Form I-765 to request employment "
        "authorization and an Employment Authorization Document (EAD)."
    )
    assert "Page" not in doc.sections[1].text
    assert doc.url == "local/i-765instr.txt" and doc.forms[0] == "I-765"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "text",
    ["", "   \n\t\n", "\x00\x01\x02", "\ufffd" * 50, "1\n2\n3\n", "# Title 8", "#" * 5000],
)
def test_degenerate_text_skips_cleanly(kind, text):
    page = FetchedPage(None, "x.txt", datetime.now(UTC), "text/plain", text.encode())
    try:
        docs = parse_text(page, text, kind)
    except SkipPage:
        return
    assert all(isinstance(d, ParsedPage) for d in docs)


@pytest.mark.parametrize("kind", KINDS)
def test_binary_garbage_is_skipped(kind):
    rng = random.Random(7)
    body = bytes(rng.randrange(256) for _ in range(20_000))
    page = FetchedPage(None, "blob.txt", datetime.now(UTC), "text/plain", body)
    with pytest.raises(SkipPage):
        parse_text(page, body.decode("cp1252", "replace"), kind)


@pytest.mark.parametrize("kind", KINDS)
def test_huge_text_is_linear(kind):
    para = (
        "A. Purpose\nThe officer reviews the form and the evidence submitted with it.\n"
        "Part 1. Information About You\nItem Number 1. Provide your name.\n\n"
        "#### § 1101. Definitions\n##### (a) As used in this chapter\n(1) The term means.\n"
    )
    text = para * 5_000  # about 1 MB
    page = FetchedPage(None, "big.md", datetime.now(UTC), "text/plain", b"")
    start = time.perf_counter()
    try:
        parse_text(page, text, kind)
    except SkipPage:
        pass
    assert time.perf_counter() - start < 10


line_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
doc_text = st.lists(
    st.one_of(
        line_text,
        st.sampled_from(
            [
                "A. Purpose",
                "1. Scope",
                "[^ 1] note",
                "Footnotes",
                "Resources",
                "Updates",
                "Part 1. About You",
                "Who May File?",
                "#### § 1153. Visas",
                "##### (b) Pref",
                "(1) Workers",
                "1",
                "Previous",
                "SUBJECT: Alert",
                "PA-2022-27",
                " Form I-1",
                "Y",
                " ou",
                "• item;",
                "Current as of May 08, 2026",
                "Edition 13/45/99",
            ]
        ),
    ),
    max_size=40,
).map("\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=doc_text, kind=st.sampled_from(KINDS))
def test_any_text_parses_or_skips(text, kind):
    page = FetchedPage(None, "gen.txt", datetime.now(UTC), "text/plain", text.encode())
    try:
        docs = parse_text(page, text, kind)
    except SkipPage:
        return
    for doc in docs:
        assert isinstance(doc, ParsedPage) and doc.kind == kind
        paths = [s.path for s in doc.sections]
        assert len(paths) == len(set(paths))
