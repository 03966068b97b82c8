"""The held-out question set (data/eval/holdout.jsonl) stays sound: it is what `eval` is checked on."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from assistant.reports.batch import read_question_lines

HOLDOUT = Path(__file__).resolve().parents[1] / "data" / "eval" / "holdout.jsonl"
REFERRALS = HOLDOUT.with_name("referrals.jsonl")
REFERRALS_HOLDOUT = HOLDOUT.with_name("referrals_holdout.jsonl")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def test_every_line_reads_and_ids_are_unique():
    rows = read_question_lines(HOLDOUT)
    assert len(rows) == 30 and not [r for r in rows if "error" in r]
    assert len({r["id"] for r in rows}) == len(rows)
    answerable = [r for r in rows if r["answerable"]]
    assert len(answerable) == 20 and all(r["gold"] for r in answerable)
    groups = [r["group"] for r in rows if r.get("group")]
    assert all(groups.count(g) >= 2 for g in groups)


@pytest.mark.parametrize("question_set", [HOLDOUT, REFERRALS, REFERRALS_HOLDOUT],
                         ids=["holdout", "referrals", "referrals-holdout"])
def test_gold_phrases_occur_in_their_official_pages(corpus_dir, question_set):
    urls = dict(line.split("\t")[:2] for line in (corpus_dir / "urls.tsv").read_text().splitlines() if "\t" in line)
    for line in question_set.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for gold in row["gold"]:
            page = corpus_dir / gold["file"]
            assert page.is_file(), (row["id"], gold["file"])
            assert urls.get(gold["file"], "").strip() == gold["url"], row["id"]
            text = _norm(html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8", errors="replace"))))
            for phrase in gold["must_contain"]:
                assert _norm(phrase) in text, (row["id"], phrase)
