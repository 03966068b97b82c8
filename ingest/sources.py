"""What to crawl: start URLs and an allow-list of hosts and paths, loaded from sources.toml.

```toml
start_urls = ["https://www.uscis.gov/policy-manual"]

[[allow]]
host = "www.uscis.gov"                   # host name, matched on any port and on http/https
path_prefixes = ["/policy-manual"]       # "/a" allows "/a" and "/a/...", not "/ab"
path_patterns = ['/[a-z]{1,4}-\\d{1,4}[a-z]{0,4}']   # regexes, matched against the whole path
exclude_prefixes = ["/policy-manual/search"]          # never followed, even when allowed above
allow_query = false                      # URLs with a ?query are not followed (facets, search)
```
Start URLs must themselves be on the allow-list; anything off it is never fetched.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_TOP_KEYS = {"start_urls", "allow"}
_ALLOW_KEYS = {"host", "path_prefixes", "path_patterns", "exclude_prefixes", "allow_query"}
_SCHEMES = ("http", "https")


def _prefix_matches(prefix: str, path: str) -> bool:
    # Segment boundary: "/forms" allows "/forms" and "/forms/x" but not "/formsx".
    if prefix.endswith("/"):
        return path.startswith(prefix)
    return path == prefix or path.startswith(prefix + "/")


@dataclass(frozen=True)
class HostRule:
    """Which paths on one host may be fetched."""

    host: str
    path_prefixes: tuple[str, ...] = ()
    path_patterns: tuple[re.Pattern[str], ...] = ()
    exclude_prefixes: tuple[str, ...] = ()
    allow_query: bool = False

    def allows(self, path: str, query: str = "") -> bool:
        path = path or "/"
        if query and not self.allow_query:
            return False
        if any(_prefix_matches(p, path) for p in self.exclude_prefixes):
            return False
        return any(_prefix_matches(p, path) for p in self.path_prefixes) or any(
            p.fullmatch(path) for p in self.path_patterns
        )


@dataclass(frozen=True)
class SourceConfig:
    start_urls: tuple[str, ...]
    rules: Mapping[str, HostRule]  # lower-case host name -> rule

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(self.rules)

    def allows(self, url: str) -> bool:
        """True when url is http(s) on an allow-listed host and path."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return False
        if parts.scheme.lower() not in _SCHEMES:
            return False
        rule = self.rules.get(host)
        return rule is not None and rule.allows(parts.path, parts.query)


def _str_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{where} must be a list of non-empty strings, got {value!r}")
    return value


def _parse_rule(raw: Any, where: str) -> HostRule:
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be a table with keys {sorted(_ALLOW_KEYS)}")
    unknown = set(raw) - _ALLOW_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_ALLOW_KEYS)}")
    host = raw.get("host")
    if not isinstance(host, str) or not re.fullmatch(r"[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]", host):
        raise ValueError(
            f"{where}.host must be a bare host name like 'www.uscis.gov', got {host!r}"
        )
    prefixes = _str_list(raw.get("path_prefixes", []), f"{where}.path_prefixes")
    excludes = _str_list(raw.get("exclude_prefixes", []), f"{where}.exclude_prefixes")
    for p in prefixes + excludes:
        if not p.startswith("/"):
            raise ValueError(f"{where}: path prefix {p!r} must start with '/'")
    patterns = []
    for p in _str_list(raw.get("path_patterns", []), f"{where}.path_patterns"):
        try:
            patterns.append(re.compile(p))
        except re.error as e:
            raise ValueError(f"{where}.path_patterns: bad regex {p!r}: {e}") from None
    if not prefixes and not patterns:
        raise ValueError(f"{where} ({host}) allows nothing: give path_prefixes or path_patterns")
    allow_query = raw.get("allow_query", False)
    if not isinstance(allow_query, bool):
        raise ValueError(f"{where}.allow_query must be true or false, got {allow_query!r}")
    return HostRule(
        host=host.lower().strip("[]"),
        path_prefixes=tuple(prefixes),
        path_patterns=tuple(patterns),
        exclude_prefixes=tuple(excludes),
        allow_query=allow_query,
    )


def parse_sources(data: Mapping[str, Any], origin: str = "sources") -> SourceConfig:
    """Validate an already-decoded sources table; bad config raises ValueError naming the key."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ValueError(f"{origin}: unknown keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    allow = data.get("allow")
    if not isinstance(allow, list) or not allow:
        raise ValueError(f"{origin}: needs at least one [[allow]] table (host + paths)")
    rules: dict[str, HostRule] = {}
    for i, raw in enumerate(allow):
        rule = _parse_rule(raw, f"{origin}: allow[{i}]")
        if rule.host in rules:
            raise ValueError(f"{origin}: host {rule.host!r} is listed twice in [[allow]]")
        rules[rule.host] = rule
    starts = _str_list(data.get("start_urls"), f"{origin}: start_urls")
    if not starts:
        raise ValueError(f"{origin}: start_urls is empty")
    config = SourceConfig(start_urls=tuple(starts), rules=rules)
    for url in starts:
        if urlsplit(url).scheme.lower() not in _SCHEMES:
            raise ValueError(f"{origin}: start URL {url!r} must be http:// or https://")
        if not config.allows(url):
            raise ValueError(f"{origin}: start URL {url!r} is not on the allow-list")
    return config


def load_sources(path: Path | str) -> SourceConfig:
    """Read sources.toml; a missing, unreadable or invalid file raises ValueError."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"sources file not found: {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"cannot read sources file {path}: {e}") from None
    return parse_sources(data, origin=str(path))
