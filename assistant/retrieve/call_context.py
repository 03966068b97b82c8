"""Words about the call rather than the policy, dropped from what is searched.

Agents type "Caller already mailed her N-400", "the customer is in a hurry". "Caller" occurs in
no official page, so it adds nothing to retrieval and only lowers the share of the question the
pages cover, which is what confidence measures. The displayed question keeps every word.
"""

from __future__ import annotations

import re

_CALL_WORDS = re.compile(r"\b(?:(?:the|a|my|our|this) )?(?:callers?|customers?)(?:'s|’s|s')?(?![\w-])", re.I)


def strip_call_context(text: str) -> str:
    """`text` without the words that describe the caller; unchanged if nothing else is left."""
    stripped = re.sub(r"\s+(?=[,.;:?!])", "", " ".join(_CALL_WORDS.sub(" ", text).split())).lstrip(",.;: ")
    return stripped if any(ch.isalnum() for ch in stripped) else text
