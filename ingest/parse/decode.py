"""Bytes -> text, trusting the declared charset only when the bytes agree with it."""

from __future__ import annotations

import codecs
import re

from ingest.records import SkipPage

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.I)


def _known(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(body: bytes, content_type: str) -> str | None:
    found = _HEADER_CHARSET.search(content_type or "")
    if found:
        return _known(found.group(1))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        return _known(meta.group(1).decode("ascii", "ignore"))
    return None


def _looks_utf16(body: bytes) -> bool:
    """UTF-16 text of a Latin-script page has a NUL in about every other byte; a stray UTF-16
    byte-order mark in front of UTF-8 bytes does not, and must not turn the page into CJK noise."""
    sample = body[2:4098]
    return bool(sample) and sample.count(0) >= len(sample) // 4


def decode_body(body: bytes, content_type: str = "", max_bytes: int | None = None) -> str:
    """Decode a page body.

    Order: BOM, then UTF-8 (most pages, and a wrong declaration like latin-1 on UTF-8 bytes is
    common), then the declared charset, then cp1252 with replacement so nothing is lost silently.
    NUL bytes are dropped: they only ever come from broken captures.
    """
    if not body or not body.strip():
        raise SkipPage("empty page")
    if max_bytes is not None and len(body) > max_bytes:
        raise SkipPage(f"page too large: {len(body):,} bytes > limit {max_bytes:,}")
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not _looks_utf16(body):
        body = body[2:]  # a stray UTF-16 mark in front of 8-bit text
    if body.startswith(codecs.BOM_UTF8):
        text = body[len(codecs.BOM_UTF8) :].decode("utf-8", "replace")
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = body.decode("utf-16", "replace")
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            declared = declared_charset(body, content_type)
            if declared and declared != "utf-8":
                text = body.decode(declared, "replace")
            else:
                text = body.decode("cp1252", "replace")
    text = text.replace("\x00", "")
    if not text.strip():
        raise SkipPage("empty page")
    return text
