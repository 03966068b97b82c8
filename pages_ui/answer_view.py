"""Pure rendering helpers for the Search page: escaped HTML and the plain-text copy of an answer.

Page and question text is never trusted as markup: it is escaped with html.escape first, and
only then are our own tags (<mark>, <sup>, <a>) added around it.
"""

from __future__ import annotations

import re
from html import escape

from assistant.records import Answer, Citation

_MARKER = re.compile(r"\[(\d{1,2})\]")


def highlight_passage(text: str, highlights: list[list[int]]) -> str:
    """The passage as HTML: every character escaped, the [start, end) spans wrapped in <mark>.

    Offsets index the raw text, so the text is cut at the offsets first and each piece escaped
    on its own (escaping first would shift the offsets). Overlapping or out-of-range spans are
    clipped; the result always contains the whole passage exactly once.
    """
    spans = sorted((max(0, s), min(len(text), e)) for s, e in highlights if e > s)
    out: list[str] = []
    pos = 0
    for start, end in spans:
        start = max(start, pos)
        if start >= end:
            continue
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def answer_html(answer_text: str) -> str:
    """The key sentences, escaped, with their [n] markers set as superscripts."""
    return _MARKER.sub(r"<sup>[\1]</sup>", escape(answer_text))


def cited_ranks(answer_text: str) -> set[int]:
    """The citation numbers the answer's markers point to."""
    return {int(n) for n in _MARKER.findall(answer_text)}


def safe_url(url: str) -> str | None:
    """Only web links become anchors (a passage cannot smuggle in a javascript: URL)."""
    return url if url.startswith(("https://", "http://")) else None


def citation_header_html(c: Citation) -> str:
    parts = [f"<strong>[{c.rank}] {escape(c.cite)}</strong>", escape(c.title)]
    if c.section:
        parts.append(f"<em>{escape(c.section)}</em>")
    return " — ".join(p for p in parts if p)


def later_update_note(c: Citation) -> str | None:
    """The warning shown on a PM update that a newer update in the same results also changes."""
    if not c.later_update:
        return None
    return (f"A later Policy Manual update in these results, {c.later_update}, changes the same section: "
            "read it before quoting this one.")


def link_html(url: str, label: str = "Official page") -> str:
    href = safe_url(url)
    if href is None:
        return escape(url)
    attrs = f'href="{escape(href, quote=True)}" target="_blank" rel="noopener noreferrer"'
    return f"<a {attrs}>{escape(label)}: {escape(url)}</a>"


def passage_html(c: Citation) -> str:
    start = c.body_start  # the heading line is shown above the passage already
    body = highlight_passage(c.text[start:], [[s - start, e - start] for s, e in c.highlights])
    return (
        f"<div style='white-space:pre-wrap;border-left:3px solid #ccc;padding-left:.6rem'>"
        f"{body}</div>"
    )


def copy_text(answer: Answer) -> str:
    """Plain text to paste into a case note: the answer, then the citations its markers point to."""
    used = cited_ranks(answer.text)
    lines = [answer.text, "", "Sources:"]
    for c in (c for c in answer.citations if c.rank in used or not used):
        dated = f" (current as of {c.current_as_of})" if c.current_as_of else ""
        lines.append(f"[{c.rank}] {c.cite} — {c.title}{dated}")
        lines.append(f"    {c.url}")
    return "\n".join(lines)


def confidence_label(confidence: float, threshold: float, weak_margin: float) -> tuple[str, str]:
    """(label, colour) for the confidence badge."""
    if confidence < threshold:
        return f"low confidence {confidence:.2f}", "red"
    if confidence < threshold + weak_margin:
        return f"moderate confidence {confidence:.2f}", "orange"
    return f"high confidence {confidence:.2f}", "green"
