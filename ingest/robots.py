"""robots.txt: fetched once per origin, interpreted the way major crawlers do.

| robots.txt answer            | meaning                                  |
|------------------------------|------------------------------------------|
| 2xx                          | parse it (urllib.robotparser)            |
| 3xx left unresolved, 4xx     | no rules: everything allowed             |
| 429, 5xx (after retries)     | disallow everything on that origin       |
| unreachable (no answer)      | everything allowed                       |

The HTTP fetch is passed in, so this module does no I/O of its own and the crawler's client,
politeness and address checks apply to robots.txt too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

MAX_ROBOTS_BYTES = 512 * 1024  # Google reads the first 500 KiB

# (status or None when unreachable, body) for a robots.txt URL
RobotsFetch = Callable[[str], tuple[int | None, bytes]]


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


@dataclass(frozen=True)
class RobotsRules:
    parser: RobotFileParser
    status: int | None

    def allows(self, url: str, user_agent: str) -> bool:
        return self.parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float | None:
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


def rules_from_response(status: int | None, body: bytes) -> RobotsRules:
    """Interpret one robots.txt answer (see the table above)."""
    parser = RobotFileParser()
    if status is not None and 200 <= status < 300:
        parser.parse(body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace").splitlines())
    elif status is not None and (status == 429 or status >= 500):
        parser.parse(["User-agent: *", "Disallow: /"])
    else:
        parser.parse([])  # no rules: everything allowed
    return RobotsRules(parser, status)


class RobotsCache:
    """Rules per origin, fetched on first use with the fetch function given."""

    def __init__(self, user_agent: str, fetch: RobotsFetch) -> None:
        self.user_agent = user_agent
        self._fetch = fetch
        self._rules: dict[str, RobotsRules] = {}

    def rules_for(self, url: str) -> RobotsRules:
        origin = origin_of(url)
        if origin not in self._rules:
            status, body = self._fetch(origin + "/robots.txt")
            self._rules[origin] = rules_from_response(status, body)
        return self._rules[origin]

    def allows(self, url: str) -> bool:
        return self.rules_for(url).allows(url, self.user_agent)

    def known_delay(self, url: str) -> float | None:
        """Crawl-delay for url's origin if its robots.txt is already loaded (never fetches)."""
        rules = self._rules.get(origin_of(url))
        return rules.crawl_delay(self.user_agent) if rules else None
