"""Checks a URL must pass before the crawler sends anything to it.

Pure functions apart from the DNS lookup in `address_refusal`; each returns a reason string
(shown in the crawl report) or None when the URL is acceptable.

Known limit: the address is checked at lookup time; a DNS answer that changes between this
lookup and httpx's own (DNS rebinding) is not caught. The allow-list of public hosts is the
first line of defence; this check keeps a mistaken or hostile redirect/config off internal
services and cloud metadata endpoints (169.254.169.254).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

ALLOWED_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[str]]


def normalise_url(url: str) -> str:
    """Canonical form used for de-duplication: lower-case scheme and host, no default port,
    no fragment, "/" for an empty path. The path and query are kept as given."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if parts.username or parts.password:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def scheme_refusal(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as e:
        return f"malformed URL ({e})"
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return f"scheme {scheme or '(none)'!r} refused: only http and https are fetched"
    if not parts.hostname:
        return "URL has no host"
    if parts.username or parts.password:
        return "URLs with credentials are refused"
    return None


def _unsafe_kind(addr: IPAddress) -> str | None:
    """Why an address must not be contacted, or None when it is a public unicast address."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link-local"
    if addr.is_multicast:
        return "multicast"
    if addr.is_private:
        return "private"
    if addr.is_reserved or not addr.is_global:
        return "reserved/non-public"
    return None


def system_resolver(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def address_refusal(
    host: str, *, allow_private: bool, resolve: Resolver = system_resolver
) -> str | None:
    """Refuse a host when any address it resolves to is not public. allow_private lifts this
    for loopback/private/other non-public addresses, but never for link-local ones.

    IP literals are checked without a lookup. A host that does not resolve is refused too:
    nothing could be fetched from it anyway.
    """
    host = host.strip("[]").lower()
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve(host)]
        except (OSError, UnicodeError, ValueError) as e:
            return f"host {host!r} does not resolve ({e})"
        if not addresses:
            return f"host {host!r} does not resolve"
    for addr in addresses:
        kind = _unsafe_kind(addr)
        # allow_private (tests, an internal mirror) never opens link-local: that is where
        # cloud metadata services (169.254.169.254) live, and no policy site does.
        if kind and (not allow_private or kind == "link-local"):
            hint = (
                "link-local addresses are never crawled"
                if kind == "link-local"
                else "set crawl_allow_private to crawl internal addresses"
            )
            return f"host {host!r} resolves to {kind} address {addr}; refused ({hint})"
    return None
