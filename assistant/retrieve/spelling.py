"""Typos in a caller's words, corrected to the corpus's own spelling before searching.

Agents type fast and callers' words come through as heard: "evidance requirments", "public charg
rule", "ead auto extention". A misspelt word matches nothing in BM25 and splits into odd word
pieces for MiniLM. A word is corrected only when it is neither a word of the index (its own
vocabulary, counted at ingest) nor a whole word the embedding model knows (its WordPiece vocabulary,
~20k common English words), so "exam", "says" or a name pass untouched; the correction is the
index word nearest by Damerau-Levenshtein distance (1, or 2 for words of 7+ letters), the more
frequent one on a tie. Candidates come from a symmetric-delete index (each word with one letter
dropped), built once per index version: a question costs a few dictionary lookups.
Only the search text is corrected: the question shown, logged and read for its answer type is
the agent's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from ingest.words import MIN_LENGTH, fold

_LETTERS = re.compile(r"[^\W\d_]+")  # a run of letters in any script, as typed


def model_words(model_dir: str | Path) -> frozenset[str]:
    """The whole words (not '##' pieces) of a BERT-style model's WordPiece vocabulary, if it has one."""
    path = Path(model_dir) / "vocab.txt"
    if not path.is_file():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line.isalpha() and line.isascii())


def _deletes(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment: a swap of neighbours costs 1)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


class Speller:
    def __init__(self, index_words: Mapping[str, int], known_words: Iterable[str] = (),
                 min_df: int = 2) -> None:
        """`index_words`: the index's words and their document frequencies; a word in fewer than
        `min_df` chunks is not offered as a correction (it may be a typo in a page)."""
        self.index_words = dict(index_words)
        self.known = frozenset(known_words)
        self._by_delete: dict[str, list[str]] = {}
        for word, df in self.index_words.items():
            if df >= min_df and len(word) >= MIN_LENGTH:
                for key in _deletes(word):
                    self._by_delete.setdefault(key, []).append(word)

    def suggest(self, word: str) -> str | None:
        """The index word meant by `word`, or None when `word` needs no correction or has none."""
        w = word.lower()
        if not w.isascii() or len(w) < MIN_LENGTH or w in self.index_words or w in self.known:
            return None
        limit = 1 if len(w) < 7 else 2
        scored = {(edit_distance(w, c), -self.index_words[c], c)
                  for key in _deletes(w) for c in self._by_delete.get(key, ())}
        best = min((s for s in scored if s[0] <= limit), default=None)
        return best[2] if best else None

    def correct(self, text: str) -> str:
        """`text` with each misspelt word replaced by its correction (everything else as typed)."""
        return _LETTERS.sub(lambda m: self.suggest(fold(m.group(0))) or m.group(0), text)
