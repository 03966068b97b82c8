"""Newer Policy Manual updates to the same section lead (assistant.supersession)."""

from __future__ import annotations

import pytest
from haystack import Document

from assistant.retrieve.supersession import NewerGuidanceFirst


def update(name: str, date: str, affects: list[str]) -> Document:
    cite = f"USCIS-PM Update {date}"
    return Document(id=name, content=name, meta={"kind": "pm-update", "cite": cite, "current_as_of": date,
                                                   "affects": [*affects, cite]})


def page(name: str) -> Document:
    return Document(id=name, content=name, meta={"kind": "uscis-page", "cite": name})


ADDED = update("added", "2021-09-14", ["8 USCIS-PM B.9", "9 USCIS-PM D.3"])
IMPLEMENTED = update("implemented", "2021-10-01", ["8 USCIS-PM B.9", "9 USCIS-PM D.3"])
REMOVED = update("removed", "2025-05-13", ["8 USCIS-PM B.3", "8 USCIS-PM B.9"])
UNRELATED = update("unrelated", "2024-01-01", ["2 USCIS-PM M.4"])


def ids(docs):
    return [d.id for d in docs]


def test_the_newest_update_to_a_shared_section_takes_the_groups_best_place():
    ranked = [ADDED, page("medical exam"), IMPLEMENTED, REMOVED, UNRELATED]
    out = NewerGuidanceFirst().run(documents=ranked)["documents"]
    assert ids(out) == ["removed", "medical exam", "added", "implemented", "unrelated"]
    # The older ones say which later update changes their section; the inputs are not touched.
    assert [d.meta.get("later_update") for d in out] == [None, None, REMOVED.meta["cite"], REMOVED.meta["cite"], None]
    assert "later_update" not in ADDED.meta and "later_update" not in IMPLEMENTED.meta


def test_updates_to_different_sections_and_other_pages_keep_their_order():
    ranked = [UNRELATED, page("a"), ADDED, page("b")]
    assert ids(NewerGuidanceFirst().run(documents=ranked)["documents"]) == ids(ranked)


def test_only_updates_retrieved_near_the_top_are_compared():
    ranked = [ADDED, page("a"), page("b"), REMOVED]
    assert ids(NewerGuidanceFirst(window=3).run(documents=ranked)["documents"]) == ids(ranked)
    assert ids(NewerGuidanceFirst(window=4).run(documents=ranked)["documents"])[0] == "removed"
    assert ids(NewerGuidanceFirst(window=0).run(documents=ranked)["documents"]) == ids(ranked)


def test_bad_config_is_rejected():
    with pytest.raises(ValueError, match="window"):
        NewerGuidanceFirst(window=-1)
