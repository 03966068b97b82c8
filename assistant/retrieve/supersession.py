"""NewerGuidanceFirst: of two retrieved Policy Manual updates to the same section, the newer leads.

Each entry of the Policy Manual updates feed names the sections it changes (`meta["affects"]`).
When a question retrieves several updates that change the same section, the older ones describe
guidance a later update replaced: "COVID-19 Vaccination Requirement" (2021) and "Removal of
COVID-19 Vaccine Requirement" (2025) both change 8 USCIS-PM B.9, and a caller asking whether the
vaccine is still required must hear about 2025 first. The newer update takes the best place the
group held; the older ones follow it in their own order, so nothing is dropped, only re-ordered,
and each older one carries `meta["later_update"]` (the newer update's cite) for the agent to see.

Only updates among the first `window` passages are compared: a newer update that was not
retrieved near the top is not about this question, whatever section it shares. A window of 0 or
1 leaves the order alone.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from haystack import Document, component

from assistant.retrieve.passages import Passages

UPDATE_KIND = "pm-update"


def _affected(doc: Document) -> set[str]:
    own = str(doc.meta.get("cite") or "")
    return {a for a in doc.meta.get("affects") or [] if a and a != own}


def _date(doc: Document) -> str:
    return str(doc.meta.get("current_as_of") or "")


def _flagged(doc: Document, newest: Document) -> Document:
    """A copy that names the later update (retrievers may hand out shared objects: never mutate).
    An update of the same date is not "later"."""
    later = str(newest.meta.get("cite") or "")
    if not later or _date(doc) == _date(newest):
        return doc
    return replace(doc, meta={**doc.meta, "later_update": later})


@component
class NewerGuidanceFirst:
    def __init__(self, window: int = 10) -> None:
        if window < 0:
            raise ValueError(f"window must be >= 0 (0 or 1 turns the re-ordering off), got {window}")
        self.window = window

    @component.output_types(documents=Passages)
    def run(self, documents: Passages | list[Document]) -> dict[str, Any]:
        head, tail = list(documents[: self.window]), documents[self.window :]
        affected = {i: _affected(d) for i, d in enumerate(head) if d.meta.get("kind") == UPDATE_KIND and _date(d)}
        # Union updates that share an affected section (transitively) into groups.
        groups: list[list[int]] = []
        for i, sections in affected.items():
            if not sections:
                continue
            joined = [g for g in groups if any(sections & affected[j] for j in g)]
            merged = sorted({i, *(j for g in joined for j in g)})
            groups = [g for g in groups if g not in joined] + [merged]
        for group in groups:
            if len(group) < 2:
                continue
            newest = max(group, key=lambda i: (_date(head[i]), -i))
            order = [newest, *(i for i in group if i != newest)]  # newest first, the rest as ranked
            docs = [head[newest], *(_flagged(head[i], head[newest]) for i in order[1:])]
            for slot, doc in zip(group, docs, strict=True):
                head[slot] = doc
        return {"documents": Passages([*head, *tail])}
