"""Policy Manual citations and URLs, written one way for every parser and the question side."""

from __future__ import annotations


def pm_cite(volume: int | None, part: str | None = None, chapter: int | None = None) -> str:
    """2, "M", 4 -> "2 USCIS-PM M.4"; part-level -> "2 USCIS-PM M"; volume -> "2 USCIS-PM"."""
    if volume is None:
        return ""
    cite = f"{volume} USCIS-PM"
    if part:
        cite += f" {part.upper()}"
        if chapter is not None:
            cite += f".{chapter}"
    return cite


def pm_url(volume: int, part: str | None = None, chapter: int | None = None) -> str:
    """Public uscis.gov URL of a Policy Manual volume, part or chapter."""
    url = f"https://www.uscis.gov/policy-manual/volume-{volume}"
    if part:
        url += f"-part-{part.lower()}"
        if chapter is not None:
            url += f"-chapter-{chapter}"
    return url
