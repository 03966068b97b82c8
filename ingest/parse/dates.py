"""The one date reader for every parser: "Current as of May 08, 2026", "04/30/2026", "01/20/25",
"Oct. 2, 2026", "2025-08-04T12:00:00Z". The first date in the text wins."""

from __future__ import annotations

import re
from datetime import date, datetime

_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%B. %d, %Y")
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b|\b\d{4}-\d{2}-\d{2}|\b[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4}\b")


def parse_date(text: str | None) -> date | None:
    """The first well-formed date in `text`, or None."""
    for found in _DATE.finditer(text or ""):
        raw = re.sub(r"\s+", " ", found.group(0)).replace("Sept.", "Sep.")
        for fmt in _FORMATS:
            try:
                return datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
    return None
