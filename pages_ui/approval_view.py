"""Pure rendering helpers for approved answers: the card's byline, sentence labels for picking,
and old vs new passage text with the change marked (every text escaped before any tag is added)."""

from __future__ import annotations

from html import escape

from assistant.approvals.compose import SentenceChoice
from assistant.approvals.review import word_diff
from assistant.records import Answer

_BOX = "white-space:pre-wrap;border-left:3px solid #ccc;padding-left:.6rem"


def approved_byline(answer: Answer) -> str:
    """"Approved by NAME on DATE · source current as of DATE" for the card."""
    approved = answer.approved or {}
    dates = sorted({c.current_as_of for c in answer.citations if c.current_as_of})
    current = f"source current as of {', '.join(dates)}" if dates else "the source gives no current-as-of date"
    return f"Approved by {approved.get('by', '?')} on {str(approved.get('at', ''))[:10]} · {current}"


def sentence_label(answer: Answer, choice: SentenceChoice, width: int = 140) -> str:
    citation = next(c for c in answer.citations if c.rank == choice.rank)
    text = " ".join(citation.text[choice.start:choice.end].split())
    return f"[{choice.rank}] " + (text if len(text) <= width else text[: width - 1] + "…")


def diff_html(old: str, new: str) -> tuple[str, str]:
    """(old, new) passages as HTML: removed words struck and red in the old, added words marked
    green in the new, the rest as is."""
    left: list[str] = []
    right: list[str] = []
    for op, text in word_diff(old, new):
        piece = escape(text)
        if op == "=":
            left.append(piece)
            right.append(piece)
        elif op == "-":
            left.append(f"<del style='background:#fbe3e3'>{piece}</del>")
        else:
            right.append(f"<ins style='background:#e2f5e0;text-decoration:none'>{piece}</ins>")
    return (f"<div style='{_BOX}'>{''.join(left)}</div>", f"<div style='{_BOX}'>{''.join(right)}</div>")


def passage_box(text: str) -> str:
    return f"<div style='{_BOX}'>{escape(text)}</div>"
