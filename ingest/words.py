"""The index's vocabulary: which words its chunks use, counted once at ingest (term_counts.json).

The question speller (assistant.retrieve.spelling) corrects a caller's typos towards these words. Words are
folded to ASCII as the BM25 tokenizer folds them ("fiancé" -> "fiance") and lower-cased; words of
fewer than MIN_LENGTH letters are left out (initials, units, abbreviations).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

WORD = re.compile(r"[A-Za-z]+")
MIN_LENGTH = 4


def fold(text: str) -> str:
    """ASCII letters as the BM25 tokenizer folds them ("fiancé" -> "fiance")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def corpus_words(texts: Iterable[str], min_length: int = MIN_LENGTH) -> dict[str, int]:
    """Document frequency of each folded, lower-case word of `min_length`+ letters."""
    df: dict[str, int] = {}
    for text in texts:
        for word in {w for w in WORD.findall(fold(text).lower()) if len(w) >= min_length}:
            df[word] = df.get(word, 0) + 1
    return df
