"""The webhook address guard: only public addresses on the web ports, unless an administrator allows more.

The check is on every address the host name RESOLVES to, and the request then goes to the address
that was checked, so a name that resolves differently a moment later (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Metadata services, named in the refusal so an administrator sees what was being reached.
METADATA_NETWORKS = (
    ipaddress.ip_network("169.254.169.254/32"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS IMDS over IPv6
)
# NAT64's well-known prefix (RFC 6052): the IPv4 address in the low 32 bits is where it really goes.
NAT64_NETWORK = ipaddress.ip_network("64:ff9b::/96")
# Prefixes some Python versions' is_global still counts as global, though they are not a public host.
NOT_PUBLIC_NETWORKS = (
    ipaddress.ip_network("2002::/16"),  # 6to4 (deprecated, RFC 7526): a relay decides where it goes
    ipaddress.ip_network("64:ff9b:1::/48"),  # NAT64 for local use (RFC 8215)
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated, RFC 4291)
)
ALLOWED_SCHEMES = ("http", "https")
# Ports a public host is called on without being allow-listed.
WEB_PORTS = (80, 443)


class AddressRefused(Exception):
    """The webhook URL may not be called; the message says why, for the channel."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    address: str
    path: str
    # "user:password" from the URL, sent as HTTP basic authentication; never shown.
    userinfo: str | None = field(default=None, repr=False)

    @property
    def netloc(self) -> str:
        """The Host header: the name, bracketed if IPv6, with the port unless it is the scheme's own."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == (443 if self.scheme == "https" else 80) else f"{host}:{self.port}"

    @property
    def shown(self) -> str:
        """The URL as the channel may see it: no user, password, query or fragment."""
        return f"{self.scheme}://{self.netloc}{self.path.split('?')[0]}"


@dataclass(frozen=True)
class AllowEntry:
    """One SCHEDULEBOT_WEBHOOK_ALLOWLIST entry: a host name or network, on one port or (None) any."""

    host: str | None
    network: IPNetwork | None
    port: int | None

    def admits(self, host: str, address: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            return address in self.network
        return self.host == host.lower()


def parse_allowlist(entries: Iterable[str]) -> tuple[AllowEntry, ...]:
    """`host`, `host:port`, `10.0.0.0/8`, `10.0.0.0/8:8080`, `[::1]:8080`; ValueError names a bad entry."""
    return tuple(_parse_entry(entry.strip()) for entry in entries if entry.strip())


def _parse_entry(entry: str) -> AllowEntry:
    target, port = _split_port(entry)
    try:
        network: IPNetwork | None = ipaddress.ip_network(target, strict=False)
    except ValueError:
        network = None
    if network is None and not _looks_like_host(target):
        raise ValueError(f"{entry!r} is not a host, network or host:port; example: hooks.internal:8080")
    return AllowEntry(None if network else target.lower(), network, port)


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        target, _, rest = entry[1:].partition("]")
        return target, _port(entry, rest.removeprefix(":")) if rest else None
    if entry.count(":") == 1:
        target, _, port = entry.partition(":")
        return target, _port(entry, port)
    return entry, None


def _port(entry: str, text: str) -> int:
    if not (text.isascii() and text.isdigit() and 0 < int(text) < 65536):
        raise ValueError(f"{entry!r} has no port from 1 to 65535 after the colon; example: hooks.internal:8080")
    return int(text)


def _looks_like_host(text: str) -> bool:
    return bool(text) and all(
        part.isascii() and part.replace("-", "").replace("_", "").isalnum() for part in text.split(".")
    )


def check_url(url: str, *, allowed: Iterable[str] = ()) -> Destination:
    """Resolve `url`'s host and return where to connect, or raise AddressRefused."""
    parts, port = _split_url(url)
    host = parts.hostname or ""
    shown = Destination(parts.scheme, host, port, "", parts.path or "/").shown
    allow = parse_allowlist(allowed)
    addresses = resolve(host, port)
    for address in addresses:
        if any(entry.admits(host, address, port) for entry in allow):
            continue
        reason = refusal(address)
        if reason:
            raise AddressRefused(
                f"The webhook host {host} resolves to {address} ({reason} address), which schedulebot "
                "does not call. An administrator can allow it with SCHEDULEBOT_WEBHOOK_ALLOWLIST."
            )
        if port not in WEB_PORTS:
            raise AddressRefused(
                f"The webhook {shown} is on port {port}; schedulebot calls ports 80 and 443 only. "
                f"An administrator can allow it with SCHEDULEBOT_WEBHOOK_ALLOWLIST={host}:{port}."
            )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    userinfo = f"{unquote(parts.username)}:{unquote(parts.password or '')}" if parts.username is not None else None
    return Destination(parts.scheme, host, port, str(addresses[0]), path, userinfo)


def _split_url(url: str) -> tuple[SplitResult, int]:
    bad = AddressRefused("The webhook URL is not an http(s) URL with a host, e.g. https://hooks.example.com/deploy.")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise bad
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise bad from None
    if parts.scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise bad
    return parts, port


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else "not a valid host name"
        raise AddressRefused(f"The webhook host {host} could not be resolved ({reason}).") from None
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))


def refusal(address: IPAddress) -> str | None:
    """Why `address` is refused, or None if it is a public address."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return refusal(embedded)
    if any(address in network for network in METADATA_NETWORKS):
        return "cloud metadata"
    checks = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("private", address.is_private),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("non-public", not address.is_global or any(address in network for network in NOT_PUBLIC_NETWORKS)),
    )
    return next((name for name, hit in checks if hit), None)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped or NAT64 IPv6 address really reaches."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64_NETWORK:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None
