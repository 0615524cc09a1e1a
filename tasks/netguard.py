"""The webhook address guard: refuse loopback, private, link-local and cloud-metadata addresses.

The check is on every address the host name RESOLVES to, and the request then goes to the address
that was checked, so a name that resolves differently a moment later (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Metadata services that are not already covered by the private and link-local ranges.
METADATA_NETWORKS = (
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS IMDS over IPv6
)
ALLOWED_SCHEMES = ("http", "https")


class AddressRefused(Exception):
    """The webhook URL may not be called; the message says why, for the channel."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    address: str
    path: str


def check_url(url: str, *, allowed: Iterable[str] = ()) -> Destination:
    """Resolve `url`'s host and return where to connect, or raise AddressRefused."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise AddressRefused(f"The webhook URL {url!r} is not an http(s) URL with a host.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(parts.hostname, port)
    allow = tuple(allowed)
    for address in addresses:
        reason = refusal(address)
        if reason and not _allow_listed(parts.hostname, address, allow):
            raise AddressRefused(
                f"The webhook host {parts.hostname} resolves to {address} ({reason} address), which schedulebot "
                "does not call. An administrator can allow it with SCHEDULEBOT_WEBHOOK_ALLOWLIST."
            )
    path = parts.path or "/"
    return Destination(
        parts.scheme, parts.hostname, port, str(addresses[0]), path + (f"?{parts.query}" if parts.query else "")
    )


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressRefused(f"The webhook host {host} could not be resolved ({exc.strerror}).") from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


def refusal(address: IPAddress) -> str | None:
    """Why `address` is refused, or None if it is a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refusal(address.ipv4_mapped)
    if any(address in network for network in METADATA_NETWORKS) or str(address) == "169.254.169.254":
        return "cloud metadata"
    checks = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("private", address.is_private),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
    )
    return next((name for name, hit in checks if hit), None)


def _allow_listed(host: str, address: IPAddress, allowed: tuple[str, ...]) -> bool:
    for entry in allowed:
        if entry.lower() == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # a host name entry, already compared above
    return False
